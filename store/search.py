"""Full-text search over complaints (SPEC section 14's `q`): which complaints a person's query finds.

A complaint is found when its text, or any one of its follow-ups, holds every word of the query (the last word
also as the start of a longer one), or when the query is its tracking code. Words are runs of letters and digits;
everything else a person may type (quotes, `*`, `^`, `:`, brackets, AND/OR/NOT/NEAR) is only a separator or a
word, never query syntax, so any query finds something or nothing and never fails.

SQLite reads the FTS5 tables of migration 0009 (unicode61: case and diacritics folded). PostgreSQL reads its
GIN indexes of to_tsvector('simple', text): case folded, no stemming, diacritics kept ("kafe" does not find
"kafé" there); a query is also taken as PostgreSQL's own parser reads it, so what it keeps whole
("Jl.Sudirman", "50.000") is found as written.

The list shows the newest matches first, a page at a time, and there are two ways to find them: read every
match and sort them (quick when they are few), or walk the complaints newest first and keep the matches (quick
when they are many, since a page fills early). `matching` counts the matches, up to a bound, to choose. The
walk's weak case is a word many complaints hold but no recent one: it goes back until it finds them (over a
million complaints, at worst a quarter of a second on SQLite, some seconds on PostgreSQL, which reads each
complaint's words from its text).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import (BigInteger, ColumnElement, Connection, any_, false, func, literal, literal_column, or_, select,
                        table, union_all)
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import ARRAY

from complaints.codes import canonical
from store import models as m

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 32  # a longer query is cut there: each word is one more index read
PREFIX_FROM = 3  # a shorter last word would read most of the index as prefixes
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL text cannot hold NUL
# From this many matches on, a page is found by walking the complaints newest first rather than by reading each
# match. Reading one match costs what walking some 60 complaints costs on SQLite (an index entry and a look-up in
# the set of matches each) and some 2 on PostgreSQL (a row and its words each), so for a page of 50 among a
# million complaints the two ways cost the same near these counts (measured with bench/list_search.py).
MANY = {"sqlite": 1000, "postgresql": 5000}

# What migration 0009 makes and no model describes: the FTS5 tables (rowid = the indexed row's id) with the
# shadow tables FTS5 keeps for each, and PostgreSQL's expression indexes.
SQLITE_TABLES = ("complaint_search", "followup_search")
SHADOW_SUFFIXES = ("data", "idx", "content", "docsize", "config")
POSTGRESQL_INDEXES = ("ix_complaints_text_search", "ix_followups_text_search")


def words(q: str) -> list[str]:
    """Return the words of a query, in order: runs of letters and digits, at most MAX_WORDS."""
    return WORD.findall(unicodedata.normalize("NFC", q))[:MAX_WORDS]


def fts5_query(found: list[str]) -> str:
    """Return an FTS5 query holding every word (each a quoted string, so none is an operator), the last a prefix."""
    *head, last = found
    tail = f'"{last}"*' if len(last) >= PREFIX_FROM else f'"{last}"'
    return " ".join([*(f'"{w}"' for w in head), tail])


def tsquery_text(found: list[str]) -> str:
    """Return to_tsquery's text for every word (each quoted, so none is an operator), the last a prefix."""
    *head, last = found
    tail = f"'{last}':*" if len(last) >= PREFIX_FROM else f"'{last}'"
    return " & ".join([*(f"'{w}'" for w in head), tail])


def _at_least(conn: Connection, query, n: int) -> bool:
    """Whether `query` gives at least n rows (it reads no more than n)."""
    return conn.execute(select(func.count()).select_from(query.limit(n).subquery())).scalar_one() >= n


def _sqlite(conn: Connection, found: list[str], code: str | None) -> ColumnElement[bool]:
    """The condition on SQLite: the complaint's id among those the FTS5 tables give for the words (or the code's)."""
    query = fts5_query(found)
    texts = table("complaint_search", sql_column("rowid"), sql_column("complaint_search"))
    followup_texts = table("followup_search", sql_column("rowid"), sql_column("followup_search"))
    C, F = m.Complaint.__table__, m.FollowUp.__table__
    followup_ids = select(followup_texts.c.rowid).where(followup_texts.c.followup_search.match(query))
    by_followup = select(F.c.complaint_id).where(F.c.id.in_(followup_ids))
    ids = [select(texts.c.rowid).where(texts.c.complaint_search.match(query)), by_followup]
    if code is not None:
        ids.append(select(C.c.id).where(C.c.code == code))
    # `id + 0` is no column an index can look up, so SQLite walks the newest-first index and checks each id.
    key = C.c.id + literal_column("0") if _at_least(conn, union_all(*ids), MANY["sqlite"]) else C.c.id
    return key.in_(union_all(*ids))


def _postgresql(conn: Connection, q: str, found: list[str], code: str | None) -> ColumnElement[bool]:
    """The condition on PostgreSQL: the complaint's words, a follow-up's words or its code."""
    simple = literal_column("'simple'")
    wanted = func.to_tsquery(simple, tsquery_text(found))
    if not all(WORD.fullmatch(token) for token in q.split()):
        # Or the query as PostgreSQL's parser cuts it, which keeps "Jl.Sudirman" or "50.000" whole as in the text.
        wanted = wanted.op("||")(func.plainto_tsquery(simple, q))
    C, F = m.Complaint.__table__, m.FollowUp.__table__
    in_text = func.to_tsvector(simple, C.c.text).op("@@")(wanted)
    by_followup = select(F.c.complaint_id).where(func.to_tsvector(simple, F.c.text).op("@@")(wanted))
    ids = [select(C.c.id).where(in_text), by_followup]
    if code is not None:
        ids.append(select(C.c.id).where(C.c.code == code))
    # The ids themselves when they are few, so that the planner reads just those rows. It is not left to choose:
    # it guesses how many complaints hold a word it has no statistics of (one in a thousand), and on a small page
    # would then walk the whole table for a word none holds.
    few = list(conn.execute(union_all(*ids).limit(MANY["postgresql"])).scalars())
    if len(few) < MANY["postgresql"]:
        return C.c.id == any_(literal(few, ARRAY(BigInteger))) if few else false()
    # Many: a condition no index answers (a set looked up for each complaint), so complaints are walked newest first.
    checks = [C.c.id.in_(by_followup), in_text]  # the cheaper check first
    return or_(C.c.code == code, *checks) if code is not None else or_(*checks)


def matching(conn: Connection, q: str) -> ColumnElement[bool]:
    """Return the condition on complaints that the query `q` finds, for the connection's database (it may read the
    search's indexes to choose how); a query without letters or digits finds nothing."""
    q = CONTROL.sub(" ", q)
    found = words(q)
    code = canonical(q)
    if not found:  # and so no code either
        return false()
    if conn.dialect.name == "sqlite":
        return _sqlite(conn, found, code)
    return _postgresql(conn, q, found, code)


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic's include_name hook: leave the search's tables and indexes out when comparing the schema with the
    models, which do not describe them (an FTS5 table is no table a model can declare)."""
    if type_ == "index":
        return name not in POSTGRESQL_INDEXES
    if type_ != "table" or name is None:
        return True
    return not any(name == t or name in (f"{t}_{s}" for s in SHADOW_SUFFIXES) for t in SQLITE_TABLES)
