"""The stats object as an operator publishes it: an aligned table with the province's heading, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date

from reports.stats import FIELDS

FORMATS = ("table", "csv", "json")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November",
          "Desember")
DIMENSIONS = {"region": "Wilayah", "agency": "Instansi", "category": "Kategori", "channel": "Kanal", "kind": "Jenis"}
HEADERS = {
    "received": "Diterima",
    "resolved": "Selesai",
    "rejected": "Ditolak",
    "in_process": "Dalam proses",
    "overdue": "Terlambat",
    "within_sla": "Sesuai SLA",
    "median_hours_to_acknowledge": "Median jam respons",
    "median_hours_to_resolve": "Median jam selesai",
    "rated": "Dinilai",
    "rating_average": "Rata-rata nilai",
}
TOTAL_CODE = "TOTAL"
TOTAL_NAME = "Jumlah"
# Spreadsheets run a cell starting with one of these as a formula (https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: empty for None, a leading apostrophe before a formula start.

    Numbers are written as they are: a negative one is a number to a spreadsheet, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def days_label(since: date, until: date, months: Sequence[str] = MONTHS) -> str:
    """A period as its readers write it: "1–15 April 2026", "28 Maret – 3 April 2026", "5 April 2026" (Indonesian
    month names unless `months` gives others)."""
    def full(d: date) -> str:
        return f"{d.day} {months[d.month - 1]} {d.year}"

    if since == until:
        return full(since)
    if (since.year, since.month) == (until.year, until.month):
        return f"{since.day}–{until.day} {months[until.month - 1]} {until.year}"
    if since.year == until.year:
        return f"{since.day} {months[since.month - 1]} – {full(until)}"
    return f"{full(since)} – {full(until)}"


def heading(stats: dict, regions: int | None = None, agencies: int | None = None) -> str:
    """The published summary line, e.g. "1–15 April 2026: 28 diterima, 4 selesai, 24 dalam proses, dari 10 kabupaten/kota, ...".

    The counts of regencies/cities and agencies come from the object's `reach` unless given.
    """
    total = stats["total"]
    regions = stats["reach"]["regions"] if regions is None else regions
    agencies = stats["reach"]["agencies"] if agencies is None else agencies
    parts = [f"{total['received']} diterima", f"{total['resolved']} selesai"]
    if total["rejected"]:
        parts.append(f"{total['rejected']} ditolak")
    parts += [f"{total['in_process']} dalam proses", f"dari {regions} kabupaten/kota", f"diteruskan ke {agencies} instansi"]
    return f"{days_label(date.fromisoformat(stats['since']), date.fromisoformat(stats['until']))}: {', '.join(parts)}"


def _shown(field: str, value) -> str:
    if value is None:
        return "-"
    if field == "within_sla":
        return f"{value * 100:.1f}%"
    if field.startswith("median_"):
        return f"{value:.1f}"
    if field == "rating_average":
        return f"{value:.2f}"
    return str(value)


def table(stats: dict, regions: int | None = None, agencies: int | None = None, min_count: int | None = None) -> str:
    """The heading, then one aligned row per group and a total row, then the ranking of groups with `min_count` resolved.

    Everything comes from the stats object; the other arguments are kept for callers that pass them.
    """
    min_count = stats["min_count"] if min_count is None else min_count
    header = [DIMENSIONS[stats["by"]], *(HEADERS[f] for f in FIELDS)]
    rows = [[g["key"]["name"], *(_shown(f, g[f]) for f in FIELDS)] for g in stats["groups"]]
    rows.append([TOTAL_NAME, *(_shown(f, stats["total"][f]) for f in FIELDS)])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(cells)).rstrip()

    out = [heading(stats, regions, agencies),
           f"Periode {stats['since']} s.d. {stats['until']} ({stats['timezone']}), dibuat {stats['generated_at']}", "",
           line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1]), ""]
    if stats["ranking"]:
        out.append(f"Tercepat selesai (median jam sampai selesai; kelompok dengan minimal {min_count} aduan selesai):")
        for item in stats["ranking"]:
            out.append(f"{item['rank']:>3}. {item['key']['name']}: {item['median_hours_to_resolve']:.1f} jam "
                       f"({item['resolved']} selesai)")
    else:
        out.append(f"Peringkat tercepat: belum ada kelompok dengan minimal {min_count} aduan selesai.")
    return "\n".join(out) + "\n"


def to_csv(stats: dict) -> str:
    """A header, one row per group, and a last TOTAL row; values as in the JSON, empty for null."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", *FIELDS])
    for group in stats["groups"]:
        writer.writerow([safe_cell(group["key"]["code"]), safe_cell(group["key"]["name"]), *(safe_cell(group[f]) for f in FIELDS)])
    writer.writerow([TOTAL_CODE, TOTAL_NAME, *(safe_cell(stats["total"][f]) for f in FIELDS)])
    return buffer.getvalue()


def to_json(stats: dict) -> str:
    """The stats object as the API returns it, indented."""
    return json.dumps(stats, ensure_ascii=False, indent=2) + "\n"
