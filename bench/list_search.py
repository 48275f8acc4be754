"""Time the operator's complaint list and its full-text search over a million complaints, on SQLite and PostgreSQL.

Targets (issue 12): the list's first page (50 complaints, newest first) in p50 <= 100 ms, a search's first page
in p50 <= 300 ms, with 1,000,000 complaints.

The store is bench/seed_store.py's with --vary-texts (each text ends with one of 1,000 hamlet names, each in
about 0.1% of the complaints), kept at aduan-bench-1m-search.db in the temporary directory and reused while its
seeding parameters match. One complaint in ten gets a follow-up here, with words of its own. With
`--database-url postgresql://...` the same reporters, complaints and follow-ups are copied into that database
(its public schema dropped and migrated to 0008, the rows copied, then migrated to head, which builds the search
indexes over the rows already there; that time is printed), and reused while it holds as many rows.

Each case is store.queries.list_complaints on a reader connection, as the API and the console call it (the page
and its reporters): one request to warm up, then `--requests` timed ones; p50 and p99 in milliseconds. The
cases: the list; a word in about 5% of the complaints ("banjir"); a rare word (a hamlet, 0.1%); two words; a
word only in follow-ups; a prefix; a word in none; a tracking code; a word with a status filter. `--explain`
prints each case's query plan. Not timed: a word many complaints hold but no recent one (store/search.py).

Machine caveat: 2 shared cores (other work runs beside); quote medians.

    .venv/bin/python bench/list_search.py --complaints 20000
    .venv/bin/python bench/list_search.py --database-url postgresql://postgres@127.0.0.1:5432/aduan_bench
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from seed_store import DEFAULT_AS_OF, moment, reuse_or_seed, tracking_code  # (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402  (the project's modules, after the path)

from store import models as m  # noqa: E402
from store.db import Database, normalize_url, open_database, reading  # noqa: E402
from store.migrate import pending, upgrade  # noqa: E402
from store.queries import ComplaintFilter, list_complaints  # noqa: E402

DEFAULT_DB = str(Path(tempfile.gettempdir()) / "aduan-bench-1m-search.db")
PAGE = 50
TARGETS_MS = {"list": 100.0, "search": 300.0}
# Follow-ups of one complaint in ten (their words are in no complaint's text: "meninjau", "resah", "lutut").
FOLLOWUPS = ("Sudah dua minggu belum ada tanggapan dari petugas", "Ini fotonya, kondisinya makin parah",
             "Mohon segera ditindaklanjuti, warga resah", "Terima kasih, petugas sudah datang meninjau",
             "Airnya sudah setinggi lutut")
COPIED = (m.Reporter.__table__, m.Complaint.__table__, m.FollowUp.__table__)


def cases(prefix: str, complaints: int) -> list[tuple[str, str, ComplaintFilter]]:
    """(name, kind, filter) of each timed request."""
    return [
        ("list", "list", ComplaintFilter()),
        ("list status=in_progress", "list", ComplaintFilter(status="in_progress")),
        ("q=banjir (~5%)", "search", ComplaintFilter(q="banjir")),
        ("q=karangbaru (~0.1%)", "search", ComplaintFilter(q="karangbaru")),
        ("q=jalan rusak", "search", ComplaintFilter(q="jalan rusak")),
        ("q=meninjau (follow-ups)", "search", ComplaintFilter(q="meninjau")),
        ("q=puskes (prefix)", "search", ComplaintFilter(q="puskes")),
        ("q=tsunami (none)", "search", ComplaintFilter(q="tsunami")),
        ("q=<a code>", "search", ComplaintFilter(q=tracking_code(prefix, complaints // 2).lower())),
        ("q=banjir status=in_progress", "search", ComplaintFilter(q="banjir", status="in_progress")),
    ]


def add_followups(path: str) -> int:
    """Give one complaint in ten a follow-up (once; the FTS triggers index them); return how many there are."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        have = conn.execute("SELECT count(*) FROM followups").fetchone()[0]
        if have:
            return have
        texts = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(FOLLOWUPS))
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO followups (complaint_id, text, created_at) SELECT id, CASE (id / 10) % "
                     f"{len(FOLLOWUPS)} {texts} END, received_at FROM complaints WHERE id % 10 = 0 ORDER BY id")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return conn.execute("SELECT count(*) FROM followups").fetchone()[0]
    finally:
        conn.close()


def counts(db: Database) -> dict[str, int]:
    """Rows of each copied table."""
    with db.reader.connect() as conn:
        return {t.name: conn.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one() for t in COPIED}


def load_postgresql(path: str, url: str, reload: bool) -> None:
    """Copy the SQLite store's reporters, complaints and follow-ups into PostgreSQL, unless it holds them already."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    want = {t.name: source.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in COPIED}
    db = open_database(url)
    try:
        current, head = pending(db)
        if not reload and current == head and counts(db) == want:
            print(f"reusing the rows in {db.writer.url.render_as_string()} ({want['complaints']:,} complaints)")
            return
        with db.writer.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade(db, "0008")
        t0 = time.perf_counter()
        raw = db.writer.raw_connection()
        try:
            pg = raw.driver_connection
            with pg.cursor() as cur:
                cur.execute("SET TIME ZONE 'UTC'")  # SQLite keeps UTC times without an offset
                names = [t.name for t in COPIED]
                cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname "
                            "NOT IN (SELECT conname FROM pg_constraint)", (names,))
                indexes = cur.fetchall()
                for name, _ in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
                for table in COPIED:
                    columns = [c.name for c in table.columns]
                    rows = source.execute(f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY id")
                    with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table.name}))")
                    print(f"  copied {want[table.name]:,} {table.name} ({time.perf_counter() - t0:.0f} s)", flush=True)
                for _, sql in indexes:
                    cur.execute(sql)
            pg.commit()
        finally:
            raw.close()
        print(f"  rows and their indexes in {time.perf_counter() - t0:.1f} s", flush=True)
        t1 = time.perf_counter()
        upgrade(db)
        print(f"  migration 0009 (search indexes over the rows there) in {time.perf_counter() - t1:.1f} s", flush=True)
        with db.writer.connect() as conn:
            conn.connection.driver_connection.autocommit = True
            conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(names)}")
    finally:
        db.dispose()
        source.close()


def explain(db: Database, f: ComplaintFilter) -> str:
    """The plan of the list's page query (the statement of list_complaints that orders the complaints)."""
    seen: list[tuple] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(db.reader, "before_cursor_execute", capture)
    try:
        reading(db, list_complaints, f, PAGE, None)
    finally:
        event.remove(db.reader, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in seen if "ORDER BY complaints.received_at" in s)
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with db.reader.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join("    " + (str(r[-1]) if db.dialect == "sqlite" else r[0]) for r in rows)


def time_case(db: Database, f: ComplaintFilter, requests: int) -> tuple[float, float, int]:
    """p50 and p99 (ms) of the first page over `requests` requests after one to warm up, and the page's length."""
    rows, _, _ = reading(db, list_complaints, f, PAGE, None)
    seconds = []
    for _ in range(requests):
        t0 = time.perf_counter()
        reading(db, list_complaints, f, PAGE, None)
        seconds.append(time.perf_counter() - t0)
    p99 = statistics.quantiles(seconds, n=100, method="inclusive")[98]
    return statistics.median(seconds) * 1000, p99 * 1000, len(rows)


def run(url: str, label: str, prefix: str, complaints: int, requests: int, show_plans: bool) -> bool:
    """Time every case on one database; print a table; return whether every target was met."""
    db = open_database(url)
    met = True
    try:
        print(f"\n{label}: first page of {PAGE}, {requests} requests per case (ms)")
        print(f"  {'case':<30} {'rows':>5} {'p50':>8} {'p99':>8}  target")
        for name, kind, f in cases(prefix, complaints):
            p50, p99, n = time_case(db, f, requests)
            ok = p50 <= TARGETS_MS[kind]
            met &= ok
            verdict = "ok" if ok else "MISSED"
            print(f"  {name:<30} {n:>5} {p50:>8.1f} {p99:>8.1f}  p50 <= {TARGETS_MS[kind]:.0f} {verdict}", flush=True)
            if show_plans:
                print(explain(db, f))
    finally:
        db.dispose()
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=1_000_000, metavar="N", help="complaints (default 1,000,000)")
    parser.add_argument("--db", default=None, metavar="PATH",
                        help=f"the SQLite store (default {DEFAULT_DB}, or a -<N> file beside it for another N)")
    parser.add_argument("--database-url", metavar="URL", help="also time PostgreSQL, on a copy of the rows there")
    parser.add_argument("--reload", action="store_true", help="copy the rows into PostgreSQL even if they are there")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per case (default 50)")
    parser.add_argument("--explain", action="store_true", help="print each case's query plan")
    parser.add_argument("--no-sqlite", action="store_true", help="time only PostgreSQL")
    args = parser.parse_args()
    path = args.db or (DEFAULT_DB if args.complaints == 1_000_000
                       else DEFAULT_DB.replace(".db", f"-{args.complaints}.db"))
    summary = reuse_or_seed(path, args.complaints, min(10_000, args.complaints // 10), moment(DEFAULT_AS_OF),
                            vary_texts=True)
    followups = add_followups(path)
    print(f"{path}: {args.complaints:,} complaints, {followups:,} follow-ups, {summary['bytes'] / 2**20:,.0f} MiB")
    from config.loader import load_config

    prefix = load_config(str(ROOT / "config")).config.settings.tracking_prefix
    met = True
    if not args.no_sqlite:
        met &= run(f"sqlite:///{path}", "SQLite", prefix, args.complaints, args.requests, args.explain)
    if args.database_url:
        url = normalize_url(args.database_url)
        load_postgresql(path, url, args.reload)
        met &= run(url, "PostgreSQL", prefix, args.complaints, args.requests, args.explain)
    print("\nall targets met" if met else "\nsome targets MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
