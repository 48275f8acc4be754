"""A seeded fortnight of complaints (1–15 April 2026, WITA) whose statistics are worked out by hand below.

Times are local (Asia/Makassar, UTC+8, the root region's zone) and durations whole hours after receipt, so
every median is exact. Due times that must stay ahead of "now" lie in 2099: the CLI and the API judge
overdue by the real clock, the direct tests by NOW, and both must see the same.

    code          agency        region (regency)             category       channel   kind        status       outcome
    NTB-A1        dinkes-ntb    lotim-aikmel (lombok-timur)  kesehatan      sms       complaint   resolved     in time   ack 2  res 10
    NTB-A2        dinkes-ntb    lotim-aikmel (lombok-timur)  kesehatan      whatsapp  complaint   resolved     in time   ack 4  res 20
    NTB-A3        dinkes-ntb    mataram-ampenan (kota-m.)    kesehatan      telegram  complaint   closed       in time   ack 6  res 30
    NTB-A4        dinkes-ntb    lombok-timur                 kesehatan      web       complaint   resolved     late ack  ack 30 res 40
    NTB-A5        dinkes-ntb    bima-woha (bima)             kesehatan      sms       inquiry     resolved     no SLA    ack 1  res 50
    NTB-A6        dinkes-ntb    lotim-aikmel (lombok-timur)  kesehatan      sms       complaint   assigned     overdue: acknowledgement past due
    NTB-A7        dinkes-ntb    kota-mataram                 kesehatan      whatsapp  complaint   in_progress  overdue: flagged by a sweep  ack 5
    NTB-B1        pupr-mataram  mataram-ampenan (kota-m.)    infrastruktur  web       complaint   resolved     in time   ack 3  res 12
    NTB-B2        pupr-mataram  kota-mataram                 infrastruktur  web       aspiration  closed       in time (closed, never acknowledged)  res 16
    NTB-B3        pupr-mataram  mataram-ampenan (kota-m.)    infrastruktur  telegram  complaint   rejected               ack 8
    NTB-B4        pupr-mataram  kota-mataram                 infrastruktur  sms       complaint   acknowledged not yet due ack 12
    NTB-C1        bpbd-ntb      bima-woha (bima)             bencana        whatsapp  complaint   resolved     late resolution  ack 1  res 80
    NTB-C2        bpbd-ntb      ntb (root)                   bencana        telegram  aspiration  in_progress  overdue: resolution past due  ack 2
    NTB-D1        (none)        lombok-timur                 (none)         sms       inquiry     triage
    NTB-D2        (none)        ntb (root)                   (none)         web       complaint   rejected

A1 arrives at 00:00:00 on 1 April and D1 at 23:59:59 on 15 April (both in); NTB-X1 at 23:59:59 on 31 March
and NTB-X2 at 00:00:00 on 16 April are out.

Citizens' ratings (1–5; the others are not rated):

    A1 5   A2 4   A3 5 (closed)   A5 3 (an inquiry, no SLA)   B1 2   B3 1 (rejected: a rating is the citizen's view of
    however it ended, so it counts)   X1 1 (out of the period: it does not count)

    by agency    dinkes-ntb 5 4 5 3 -> 4 rated, 17/4 = 4.25; pupr-mataram 2 1 -> 2, 3/2 = 1.50;
                 bpbd-ntb and the unassigned: none rated -> 0, no average
    by region    Kota Mataram A3 B1 B3 5 2 1 -> 3, 8/3 = 2.67; Lombok Timur A1 A2 5 4 -> 2, 4.50;
                 Kabupaten Bima A5 3 -> 1, 3.00; the province (C2 D2): none
    total        5 4 5 3 2 1 -> 6 rated, 20/6 = 3.33 (over all six ratings: not the mean 2.875 of the groups' averages;
                 with X1 it would be 21/7 = 3.00, without B3 19/5 = 3.80)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from store import models as m

WITA = ZoneInfo("Asia/Makassar")
SINCE, UNTIL = "2026-04-01", "2026-04-15"
NOW = datetime(2026, 4, 20, 2, 0, tzinfo=timezone.utc)  # 20 April 2026, 10:00 WITA
FAR = datetime(2099, 1, 1, tzinfo=timezone.utc)  # a due time still ahead, whenever the tests run
IN_PERIOD = ("NTB-A1", "NTB-A2", "NTB-A3", "NTB-A4", "NTB-A5", "NTB-A6", "NTB-A7", "NTB-B1", "NTB-B2", "NTB-B3", "NTB-B4",
             "NTB-C1", "NTB-C2", "NTB-D1", "NTB-D2")

# The figures of the period, by hand (see the module docstring).
FIGURES = ("received", "resolved", "rejected", "in_process", "overdue", "within_sla", "median_hours_to_acknowledge",
           "median_hours_to_resolve", "rated", "rating_average")


def figures(*values) -> dict:
    """Name a row of figures in the order of the table's columns."""
    return dict(zip(FIGURES, values, strict=True))


# known SLA outcomes: A1 A2 A3 in time, A4 late, A6 A7 overdue -> 3/6; B1 B2 in time -> 2/2; C1 late, C2 overdue -> 0/2.
# acknowledge hours: A 2 4 6 30 1 5 -> 4.5; B 3 8 12 -> 8; C 1 2 -> 1.5; all 1 1 2 2 3 4 5 6 8 12 30 -> 4.
# resolve hours: A 10 20 30 40 50 -> 30; B 12 16 -> 14; C 80; all 10 12 16 20 30 40 50 80 -> 25.
# ratings: A 5 4 5 3 -> 4.25; B 2 1 -> 1.5; C and D none; all six -> 20/6 = 3.33 (X1's 1 is out of the period).
TOTAL = figures(15, 8, 2, 5, 3, 0.5, 4.0, 25.0, 6, 3.33)
BY_AGENCY = [
    ({"code": "dinkes-ntb", "name": "Dinas Kesehatan Provinsi NTB"}, figures(7, 5, 0, 2, 2, 0.5, 4.5, 30.0, 4, 4.25)),
    ({"code": "pupr-mataram", "name": "Dinas Pekerjaan Umum dan Penataan Ruang Kota Mataram"},
     figures(4, 2, 1, 1, 0, 1.0, 8.0, 14.0, 2, 1.5)),
    ({"code": "bpbd-ntb", "name": "Badan Penanggulangan Bencana Daerah Provinsi NTB"},
     figures(2, 1, 0, 1, 1, 0.0, 1.5, 80.0, 0, None)),
    ({"code": None, "name": "Belum ditugaskan"}, figures(2, 0, 1, 1, 0, None, None, None, 0, None)),
]
# Regencies/cities: Lombok Timur A1 A2 A4 A6 D1; Kota Mataram A3 A7 B1 B2 B3 B4; Kabupaten Bima A5 C1; the province C2 D2.
# ratings: Kota Mataram A3 B1 B3 5 2 1 -> 8/3 = 2.67; Lombok Timur A1 A2 5 4 -> 4.5; Bima A5 3; the province none.
BY_REGION = [
    ({"code": "kota-mataram", "name": "Kota Mataram"}, figures(6, 3, 1, 2, 1, 0.75, 6.0, 16.0, 3, 2.67)),
    ({"code": "lombok-timur", "name": "Kabupaten Lombok Timur"}, figures(5, 3, 0, 2, 1, 0.5, 4.0, 20.0, 2, 4.5)),
    ({"code": "bima", "name": "Kabupaten Bima"}, figures(2, 2, 0, 0, 0, 0.0, 1.0, 65.0, 1, 3.0)),
    ({"code": "ntb", "name": "Provinsi Nusa Tenggara Barat"}, figures(2, 0, 1, 1, 1, 0.0, 2.0, None, 0, None)),
]
# SMS: A1 in time, A5 no SLA, A6 overdue, B4 and D1 in process -> 1/2 within SLA; ack 2 1 12 -> 2; resolve 10 50 -> 30;
# rated A1 5 and A5 3 -> 4.0.
SMS = figures(5, 2, 0, 3, 1, 0.5, 2.0, 30.0, 2, 4.0)
RECEIVED_BY = {
    "agency": [("dinkes-ntb", 7), ("pupr-mataram", 4), ("bpbd-ntb", 2), (None, 2)],
    "region": [("kota-mataram", 6), ("lombok-timur", 5), ("bima", 2), ("ntb", 2)],
    "category": [("kesehatan", 7), ("infrastruktur", 4), ("bencana", 2), (None, 2)],
    "channel": [("sms", 5), ("web", 4), ("telegram", 3), ("whatsapp", 3)],
    "kind": [("complaint", 11), ("aspiration", 2), ("inquiry", 2)],
}
# Rated and the average rating of every group, in the order above: by category as by agency; by channel SMS A1 A5
# 5 3, web B1 2, telegram A3 B3 5 1, WhatsApp A2 4; by kind complaint A1 A2 A3 B1 B3 5 4 5 2 1 -> 17/5, inquiry A5 3.
RATED_BY = {
    "agency": [("dinkes-ntb", 4, 4.25), ("pupr-mataram", 2, 1.5), ("bpbd-ntb", 0, None), (None, 0, None)],
    "region": [("kota-mataram", 3, 2.67), ("lombok-timur", 2, 4.5), ("bima", 1, 3.0), ("ntb", 0, None)],
    "category": [("kesehatan", 4, 4.25), ("infrastruktur", 2, 1.5), ("bencana", 0, None), (None, 0, None)],
    "channel": [("sms", 2, 4.0), ("web", 1, 2.0), ("telegram", 2, 3.0), ("whatsapp", 1, 4.0)],
    "kind": [("complaint", 5, 3.4), ("aspiration", 0, None), ("inquiry", 1, 3.0)],
}
HEADING = "1–15 April 2026: 15 diterima, 8 selesai, 2 ditolak, 5 dalam proses, dari 3 kabupaten/kota, diteruskan ke 3 instansi"
# The table and the CSV of the stats by agency, as an operator reads them.
EXPECTED_TABLE = """\
1–15 April 2026: 15 diterima, 8 selesai, 2 ditolak, 5 dalam proses, dari 3 kabupaten/kota, diteruskan ke 3 instansi
Periode 2026-04-01 s.d. 2026-04-15 (Asia/Makassar), dibuat 2026-04-20T10:00:00+08:00

Instansi                                              Diterima  Selesai  Ditolak  Dalam proses  Terlambat  Sesuai SLA  Median jam respons  Median jam selesai  Dinilai  Rata-rata nilai
----------------------------------------------------  --------  -------  -------  ------------  ---------  ----------  ------------------  ------------------  -------  ---------------
Dinas Kesehatan Provinsi NTB                                 7        5        0             2          2       50.0%                 4.5                30.0        4             4.25
Dinas Pekerjaan Umum dan Penataan Ruang Kota Mataram         4        2        1             1          0      100.0%                 8.0                14.0        2             1.50
Badan Penanggulangan Bencana Daerah Provinsi NTB             2        1        0             1          1        0.0%                 1.5                80.0        0                -
Belum ditugaskan                                             2        0        1             1          0           -                   -                   -        0                -
----------------------------------------------------  --------  -------  -------  ------------  ---------  ----------  ------------------  ------------------  -------  ---------------
Jumlah                                                      15        8        2             5          3       50.0%                 4.0                25.0        6             3.33

Tercepat selesai (median jam sampai selesai; kelompok dengan minimal 5 aduan selesai):
  1. Dinas Kesehatan Provinsi NTB: 30.0 jam (5 selesai)
"""

EXPECTED_CSV = """\
code,name,received,resolved,rejected,in_process,overdue,within_sla,median_hours_to_acknowledge,median_hours_to_resolve,rated,rating_average
dinkes-ntb,Dinas Kesehatan Provinsi NTB,7,5,0,2,2,0.5,4.5,30.0,4,4.25
pupr-mataram,Dinas Pekerjaan Umum dan Penataan Ruang Kota Mataram,4,2,1,1,0,1.0,8.0,14.0,2,1.5
bpbd-ntb,Badan Penanggulangan Bencana Daerah Provinsi NTB,2,1,0,1,1,0.0,1.5,80.0,0,
,Belum ditugaskan,2,0,1,1,0,,,,0,
TOTAL,Jumlah,15,8,2,5,3,0.5,4.0,25.0,6,3.33
"""


REPORTERS = {
    "budi": {"channel": "sms", "channel_user_id": "+6281230000001", "name": "Budi Santoso", "phone": "+6281230000001",
             "email": "budi@contoh.id"},
    "siti": {"channel": "whatsapp", "channel_user_id": "6281230000002", "name": "Siti Aminah", "phone": "6281230000002",
             "email": "siti@contoh.id"},
}


def local(text: str) -> datetime:
    """A WITA wall-clock time as the UTC instant the store keeps."""
    return datetime.fromisoformat(text).replace(tzinfo=WITA).astimezone(timezone.utc)


def complaint(code: str, received: str, *, agency: str | None, region: str, category: str | None, channel: str, kind: str,
              status: str, ack: float | None = None, resolved: float | None = None, closed: float | None = None,
              ack_due: float | datetime | None = None, resolve_due: float | datetime | None = None, overdue: bool = False,
              text: str | None = None, reporter_id: int | None = None, anonymous: bool = False,
              confidential: bool = False, rating: int | None = None, rated: float | None = None,
              rating_comment: str | None = None) -> dict:
    """One complaints row: `received` local, the other times in hours after it (a due time may be an instant).

    `rating` is the citizen's answer (1–5), given `rated` hours after receipt.
    """
    at = local(received)

    def after(hours: float | datetime | None) -> datetime | None:
        if hours is None or isinstance(hours, datetime):
            return hours
        return at + timedelta(hours=hours)

    return {
        "code": code, "kind": kind, "channel": channel, "sender_id": None, "reply_to": None, "reply_via": None,
        "reporter_id": reporter_id, "anonymous": anonymous, "confidential": confidential, "language": "id",
        "text": text or f"Aduan {code}", "lat": None, "lon": None, "region": region, "category": category,
        "priority": "normal", "agency": agency, "rule": None, "rules_version": None, "status": status,
        "status_reason": "bukan aduan" if status == "rejected" else None, "received_at": at,
        "assigned_at": at if agency else None, "acknowledged_at": after(ack), "resolved_at": after(resolved),
        "closed_at": after(closed), "acknowledge_due_at": after(ack_due), "resolve_due_at": after(resolve_due),
        "overdue": overdue, "overdue_since": None, "escalate_due_at": None, "escalated_at": None,
        "rating": rating, "rating_comment": rating_comment, "rated_at": after(rated), "updated_at": at,
    }


def rows(reporters: Mapping[str, int]) -> list[dict]:
    """The fortnight's complaints and two just outside it; `reporters` gives the ids of REPORTERS by name."""
    health = {"agency": "dinkes-ntb", "category": "kesehatan"}
    works = {"agency": "pupr-mataram", "category": "infrastruktur"}
    disaster = {"agency": "bpbd-ntb", "category": "bencana"}
    unassigned = {"agency": None, "category": None}
    return [
        complaint("NTB-A1", "2026-04-01T00:00:00", **health, region="lotim-aikmel", channel="sms", kind="complaint",
                  status="resolved", ack=2, resolved=10, ack_due=24, resolve_due=240, reporter_id=reporters["budi"],
                  rating=5, rated=11, rating_comment="Cepat ditangani"),
        complaint("NTB-A2", "2026-04-02T09:00:00", **health, region="lotim-aikmel", channel="whatsapp", kind="complaint",
                  status="resolved", ack=4, resolved=20, ack_due=24, resolve_due=240, reporter_id=reporters["siti"],
                  anonymous=True, rating=4, rated=22),
        complaint("NTB-A3", "2026-04-03T10:00:00", **health, region="mataram-ampenan", channel="telegram", kind="complaint",
                  status="closed", ack=6, resolved=30, closed=100, ack_due=24, resolve_due=240, rating=5, rated=32),
        complaint("NTB-A4", "2026-04-05T08:00:00", **health, region="lombok-timur", channel="web", kind="complaint",
                  status="resolved", ack=30, resolved=40, ack_due=24, resolve_due=240),
        complaint("NTB-A5", "2026-04-06T08:00:00", **health, region="bima-woha", channel="sms", kind="inquiry",
                  status="resolved", ack=1, resolved=50, rating=3, rated=51),
        complaint("NTB-A6", "2026-04-10T08:00:00", **health, region="lotim-aikmel", channel="sms", kind="complaint",
                  status="assigned", ack_due=24),
        complaint("NTB-A7", "2026-04-11T08:00:00", **health, region="kota-mataram", channel="whatsapp", kind="complaint",
                  status="in_progress", ack=5, ack_due=24, overdue=True),
        complaint("NTB-B1", "2026-04-04T07:00:00", **works, region="mataram-ampenan", channel="web", kind="complaint",
                  status="resolved", ack=3, resolved=12, ack_due=24, resolve_due=120, confidential=True,
                  text="Rahasia: pungutan di proyek jalan", rating=2, rated=14),
        complaint("NTB-B2", "2026-04-07T13:00:00", **works, region="kota-mataram", channel="web", kind="aspiration",
                  status="closed", closed=16, ack_due=24, resolve_due=120),
        complaint("NTB-B3", "2026-04-08T12:00:00", **works, region="mataram-ampenan", channel="telegram", kind="complaint",
                  status="rejected", ack=8, ack_due=24, text='=HYPERLINK("http://contoh.id","klik")', rating=1, rated=9,
                  rating_comment="Ditolak tanpa penjelasan"),
        complaint("NTB-B4", "2026-04-12T08:00:00", **works, region="kota-mataram", channel="sms", kind="complaint",
                  status="acknowledged", ack=12, ack_due=24, resolve_due=FAR),
        complaint("NTB-C1", "2026-04-07T06:00:00", **disaster, region="bima-woha", channel="whatsapp", kind="complaint",
                  status="resolved", ack=1, resolved=80, ack_due=4, resolve_due=72),
        complaint("NTB-C2", "2026-04-14T10:00:00", **disaster, region="ntb", channel="telegram", kind="aspiration",
                  status="in_progress", ack=2, ack_due=4, resolve_due=72),
        complaint("NTB-D1", "2026-04-15T23:59:59", **unassigned, region="lombok-timur", channel="sms", kind="inquiry",
                  status="triage"),
        complaint("NTB-D2", "2026-04-09T15:00:00", **unassigned, region="ntb", channel="web", kind="complaint",
                  status="rejected"),
        complaint("NTB-X1", "2026-03-31T23:59:59", agency="dinkes-ntb", category="kesehatan", region="lotim-aikmel",
                  channel="sms", kind="complaint", status="resolved", ack=1, resolved=2, rating=1, rated=3),
        complaint("NTB-X2", "2026-04-16T00:00:00", agency="dinsos-ntb", category="sosial", region="dompu", channel="sms",
                  kind="complaint", status="assigned", ack_due=1),
    ]


def seed(db) -> None:
    """Write the reporters and complaints into the database with SQLAlchemy Core."""
    with db.writer.begin() as conn:
        ids = {name: conn.execute(insert(m.Reporter).values(**r, created_at=NOW)).inserted_primary_key[0]
               for name, r in REPORTERS.items()}
        conn.execute(insert(m.Complaint), rows(ids))
