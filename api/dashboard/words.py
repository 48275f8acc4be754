"""The dashboard's words in Bahasa Indonesia (the default) and English, and numbers as each language writes them."""

from __future__ import annotations

from datetime import date

from reports.render import MONTHS as MONTHS_ID
from reports.render import HEADERS, days_label
from complaints.names import KIND_NAMES, PRIORITY_NAMES

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Dasbor Operator",
        "service": "Aduan",
        "login_title": "Masuk ke dasbor",
        "login_intro": "Masukkan token operator (token yang sama dengan untuk API operator).",
        "token": "Token operator",
        "login": "Masuk",
        "logout": "Keluar",
        "login_invalid": "Token tidak valid. Periksa kembali token Anda.",
        "login_limited": "Terlalu banyak percobaan masuk. Coba lagi dalam {seconds} detik.",
        "form_expired": "Formulir sudah kedaluwarsa atau tidak sah. Silakan coba lagi.",
        "body_too_large": "Isian formulir terlalu besar.",
        "forbidden_title": "Permintaan ditolak",
        "not_found_title": "Aduan tidak ditemukan",
        "not_found_body": "Tidak ada aduan dengan kode {code}.",
        "unavailable_title": "Basis data tidak dapat dibaca",
        "unavailable_body": "Layanan sedang tidak dapat membaca basis data. Coba lagi sebentar lagi.",
        "back": "Kembali ke dasbor",
        "period": "Periode",
        "since": "Dari",
        "until": "Sampai",
        "show": "Tampilkan",
        "this_month": "Bulan ini",
        "last_month": "Bulan lalu",
        "last_30_days": "30 hari terakhir",
        "period_error": ("Periode tidak dapat dibaca (tanggal ditulis TTTT-BB-HH, dan \"Dari\" tidak boleh setelah "
                         "\"Sampai\"). Ditampilkan bulan ini."),
        "timezone_note": "Zona waktu {zone}; data per {generated}.",
        **HEADERS,  # the figures' names, as the stats table has them
        "hours": "jam",
        "none": "–",
        "by_region": "Per wilayah",
        "by_agency": "Per instansi",
        "by_category": "Per kategori",
        "by_channel": "Per kanal",
        "legend_resolved": "Selesai",
        "legend_in_time": "Dalam proses, tepat waktu",
        "legend_overdue": "Terlambat",
        "legend_rejected": "Ditolak",
        "others": "Lainnya ({n} kelompok)",
        "no_complaints": "Belum ada aduan pada periode ini.",
        "ranking": "Instansi tercepat menyelesaikan",
        "ranking_note": "Median jam sampai selesai; instansi dengan minimal {n} aduan selesai.",
        "ranking_empty": "Belum ada instansi dengan minimal {n} aduan selesai.",
        "triage": "Antrean triase",
        "triage_note": "Aduan berstatus baru atau menunggu verifikasi, terlama lebih dulu.",
        "triage_empty": "Antrean triase kosong.",
        "overdue_list": "Aduan terlambat",
        "overdue_note": "Aduan yang melewati batas waktu, paling lama terlambat lebih dulu.",
        "overdue_empty": "Tidak ada aduan yang terlambat.",
        "more": "dan {n} lainnya",
        "outbox": "Kesehatan pengiriman",
        "outbox_note": "Pengiriman ke instansi dan balasan ke warga, per keadaan.",
        "state_pending": "Menunggu",
        "state_sending": "Sedang dikirim",
        "state_failed": "Gagal, dicoba lagi",
        "state_dead": "Gagal permanen",
        "state_refused": "Ditolak batas kirim",
        "state_delivered": "Terkirim",
        "dead_list": "Pengiriman gagal permanen terbaru",
        "dead_empty": "Tidak ada pengiriman yang gagal permanen.",
        "code": "Kode",
        "status": "Status",
        "agency": "Instansi",
        "region": "Wilayah",
        "category": "Kategori",
        "priority": "Prioritas",
        "channel": "Kanal",
        "kind": "Jenis",
        "received_at": "Diterima",
        "due_at": "Batas waktu",
        "overdue_since": "Terlambat sejak",
        "escalated_at": "Dieskalasi",
        "text": "Isi aduan",
        "transport": "Transport",
        "event": "Peristiwa",
        "attempts": "Percobaan",
        "last_error": "Galat terakhir",
        "updated_at": "Waktu",
        "complaint": "Aduan",
        "no_agency": "Belum ditugaskan",
        "no_category": "Tanpa kategori",
        "assigned_at": "Ditugaskan",
        "acknowledged_at": "Direspons instansi",
        "resolved_at": "Selesai",
        "closed_at": "Ditutup",
        "acknowledge_due_at": "Batas respons",
        "resolve_due_at": "Batas selesai",
        "overdue_flag": "Terlambat",
        "yes": "Ya",
        "no": "Tidak",
        "rule": "Aturan",
        "status_reason": "Alasan status",
        "confidential": "Rahasia (isi tidak tampil di pelacakan publik)",
        "reporter": "Pelapor",
        "anonymous": "Anonim: identitas pelapor tidak ditampilkan.",
        "reporter_none": "Tidak ada data pelapor.",
        "name": "Nama",
        "phone": "Telepon",
        "email": "E-mail",
        "channel_user_id": "ID pengguna kanal",
        "followups": "Pesan lanjutan",
        "attachments": "Lampiran",
        "timeline": "Riwayat",
        "actor": "Oleh",
        "deliveries": "Pengiriman",
        "audience": "Tujuan",
        "audience_agency": "Instansi",
        "audience_citizen": "Warga",
        "deliveries_empty": "Belum ada pengiriman.",
        "state": "Keadaan",
        "open": "Buka",
        "skip": "Langsung ke isi",
    },
    "en": {
        "title": "Operator dashboard",
        "service": "Aduan",
        "login_title": "Sign in to the dashboard",
        "login_intro": "Enter the operator token (the same token as for the operator API).",
        "token": "Operator token",
        "login": "Sign in",
        "logout": "Sign out",
        "login_invalid": "The token is not valid. Please check it.",
        "login_limited": "Too many sign-in attempts. Try again in {seconds} seconds.",
        "form_expired": "The form has expired or is not valid. Please try again.",
        "body_too_large": "The form is too large.",
        "forbidden_title": "Request refused",
        "not_found_title": "Complaint not found",
        "not_found_body": "No complaint has the code {code}.",
        "unavailable_title": "The database cannot be read",
        "unavailable_body": "The service cannot read its database right now. Please try again shortly.",
        "back": "Back to the dashboard",
        "period": "Period",
        "since": "From",
        "until": "To",
        "show": "Show",
        "this_month": "This month",
        "last_month": "Last month",
        "last_30_days": "Last 30 days",
        "period_error": ("The period cannot be read (dates as YYYY-MM-DD, and \"From\" not after \"To\"). "
                         "Showing this month."),
        "timezone_note": "Time zone {zone}; data as of {generated}.",
        "received": "Received",
        "resolved": "Resolved",
        "rejected": "Rejected",
        "in_process": "In process",
        "overdue": "Overdue",
        "within_sla": "Within SLA",
        "median_hours_to_acknowledge": "Median hours to acknowledge",
        "median_hours_to_resolve": "Median hours to resolve",
        "hours": "h",
        "none": "–",
        "by_region": "By region",
        "by_agency": "By agency",
        "by_category": "By category",
        "by_channel": "By channel",
        "legend_resolved": "Resolved",
        "legend_in_time": "In process, on time",
        "legend_overdue": "Overdue",
        "legend_rejected": "Rejected",
        "others": "Others ({n} groups)",
        "no_complaints": "No complaints in this period yet.",
        "ranking": "Fastest agencies to resolve",
        "ranking_note": "Median hours to resolve; agencies with at least {n} resolved complaints.",
        "ranking_empty": "No agency has {n} resolved complaints yet.",
        "triage": "Triage queue",
        "triage_note": "Complaints that are new or waiting for triage, oldest first.",
        "triage_empty": "The triage queue is empty.",
        "overdue_list": "Overdue complaints",
        "overdue_note": "Complaints past their due time, most overdue first.",
        "overdue_empty": "No complaint is overdue.",
        "more": "and {n} more",
        "outbox": "Delivery health",
        "outbox_note": "Deliveries to agencies and replies to citizens, by state.",
        "state_pending": "Pending",
        "state_sending": "Sending",
        "state_failed": "Failed, retrying",
        "state_dead": "Dead",
        "state_refused": "Refused by send limits",
        "state_delivered": "Delivered",
        "dead_list": "Latest dead deliveries",
        "dead_empty": "No dead deliveries.",
        "code": "Code",
        "status": "Status",
        "agency": "Agency",
        "region": "Region",
        "category": "Category",
        "priority": "Priority",
        "channel": "Channel",
        "kind": "Kind",
        "received_at": "Received",
        "due_at": "Due",
        "overdue_since": "Overdue since",
        "escalated_at": "Escalated",
        "text": "Text",
        "transport": "Transport",
        "event": "Event",
        "attempts": "Attempts",
        "last_error": "Last error",
        "updated_at": "Time",
        "complaint": "Complaint",
        "no_agency": "Not assigned",
        "no_category": "No category",
        "assigned_at": "Assigned",
        "acknowledged_at": "Acknowledged",
        "resolved_at": "Resolved",
        "closed_at": "Closed",
        "acknowledge_due_at": "Acknowledge by",
        "resolve_due_at": "Resolve by",
        "overdue_flag": "Overdue",
        "yes": "Yes",
        "no": "No",
        "rule": "Rule",
        "status_reason": "Status reason",
        "confidential": "Confidential (text hidden from public tracking)",
        "reporter": "Reporter",
        "anonymous": "Anonymous: the reporter's identity is not shown.",
        "reporter_none": "No reporter details.",
        "name": "Name",
        "phone": "Phone",
        "email": "E-mail",
        "channel_user_id": "Channel user id",
        "followups": "Follow-up messages",
        "attachments": "Attachments",
        "timeline": "Timeline",
        "actor": "By",
        "deliveries": "Deliveries",
        "audience": "To",
        "audience_agency": "Agency",
        "audience_citizen": "Citizen",
        "deliveries_empty": "No deliveries yet.",
        "state": "State",
        "open": "Open",
        "skip": "Skip to content",
    },
}

EVENT_NAMES = {
    "id": {"received": "Diterima", "assigned": "Ditugaskan", "reassigned": "Dialihkan", "forwarded": "Diteruskan",
           "triage": "Masuk triase", "returned": "Dikembalikan ke triase", "status": "Status berubah",
           "followup": "Pesan lanjutan", "agency_reply": "Balasan instansi", "overdue": "Terlambat",
           "escalated": "Dieskalasi", "objection": "Keberatan warga"},
    "en": {"received": "Received", "assigned": "Assigned", "reassigned": "Reassigned", "forwarded": "Forwarded",
           "triage": "Sent to triage", "returned": "Returned to triage", "status": "Status changed",
           "followup": "Follow-up message", "agency_reply": "Agency reply", "overdue": "Overdue",
           "escalated": "Escalated", "objection": "Citizen's objection"},
}
# What of an event's data the timeline shows, in this order; the rest (routing steps, provider ids) stays in the API.
DETAIL_NAMES = {
    "id": {"rule": "Aturan", "matched": "Kata yang cocok", "agency": "Instansi", "note": "Catatan", "reason": "Alasan",
           "message": "Pesan", "from": "Dari", "to": "Ke", "clock": "Tenggat", "due_at": "Batas waktu"},
    "en": {"rule": "Rule", "matched": "Matched", "agency": "Agency", "note": "Note", "reason": "Reason",
           "message": "Message", "from": "From", "to": "To", "clock": "Clock", "due_at": "Due"},
}
DETAIL_CHARS = 500
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def labels(language: str) -> dict[str, str]:
    """The labels of a language (Bahasa Indonesia for any other)."""
    return LABELS.get(language, LABELS["id"])


def language_of(setting: str) -> str:
    """The page language: the settings' `language` when we have its words, else Bahasa Indonesia."""
    return setting if setting in LABELS else "id"


def event_name(kind: str, language: str) -> str:
    return EVENT_NAMES[language].get(kind, kind)


CLOCK_NAMES = {"id": {"acknowledge": "respons", "resolve": "selesai"},
               "en": {"acknowledge": "acknowledge", "resolve": "resolve"}}
AGENCY_KEYS = ("agency", "from", "to")


def event_details(data: object, language: str, agency_name=lambda code: code,
                  time_text=lambda iso: iso) -> list[tuple[str, str]]:
    """The parts of an event's data an operator reads in the timeline, as (label, text) pairs.

    Agencies are named with `agency_name(code)` and ISO times shown with `time_text(iso)`.
    """
    if not isinstance(data, dict):
        return []
    found = []
    for key, label in DETAIL_NAMES[language].items():
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("code") or value.get("name")
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value is None or value == "":
            continue
        value = str(value)
        if key in AGENCY_KEYS:
            value = agency_name(value)
        elif key == "due_at":
            value = time_text(value)
        elif key == "clock":
            value = CLOCK_NAMES[language].get(value, value)
        found.append((label, value[:DETAIL_CHARS]))
    return found


def priority_name(priority: str | None, language: str) -> str:
    return PRIORITY_NAMES[language].get(priority or "", priority or "")


def kind_name(kind: str, language: str) -> str:
    return KIND_NAMES.get(language, KIND_NAMES["id"]).get(kind, kind)


def decimal(value: float, language: str, places: int = 1) -> str:
    """A number with `places` decimals: a comma in Indonesian (12,5), a point in English (12.5)."""
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if language == "id" else text


def share(value: float | None, language: str) -> str:
    """A share 0..1 as a percentage, "66,7%"; a dash when there is none."""
    return LABELS[language]["none"] if value is None else decimal(value * 100, language) + "%"


def hours(value: float | None, language: str) -> str:
    """A median in hours, "12,5 jam"; a dash when there is none."""
    return LABELS[language]["none"] if value is None else f"{decimal(value, language)} {LABELS[language]['hours']}"


def days(since: date, until: date, language: str) -> str:
    """A period as its readers write it: "1–15 April 2026" (Indonesian and English alike, with their month names)."""
    return days_label(since, until, MONTHS_ID if language == "id" else MONTHS_EN)
