"""The dashboard's words in Bahasa Indonesia (the default) and English, and numbers as each language writes them."""

from __future__ import annotations

from datetime import date

from reports.render import MONTHS as MONTHS_ID
from reports.render import HEADERS, days_label
from api.dashboard.words_inbox import LABELS as INBOX_LABELS
from complaints.names import KIND_NAMES, PRIORITY_NAMES

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Dasbor Operator",
        "service": "Aduan",
        "login_title": "Masuk",
        "login_intro": "Masuk dengan e-mail dan kata sandi akun Anda.",
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
        "back_inbox": "Kembali ke kotak masuk",
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
        "login_title": "Sign in",
        "login_intro": "Sign in with your account's e-mail and password.",
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
        "back_inbox": "Back to the inbox",
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
           "escalated": "Dieskalasi", "objection": "Keberatan warga", "operator_reply": "Balasan tim pengaduan",
           "note": "Catatan internal", "updated": "Data aduan diubah", "merged": "Digabungkan",
           "merged_in": "Aduan lain digabungkan ke sini"},
    "en": {"received": "Received", "assigned": "Assigned", "reassigned": "Reassigned", "forwarded": "Forwarded",
           "triage": "Sent to triage", "returned": "Returned to triage", "status": "Status changed",
           "followup": "Follow-up message", "agency_reply": "Agency reply", "overdue": "Overdue",
           "escalated": "Escalated", "objection": "Citizen's objection", "operator_reply": "Complaint desk's reply",
           "note": "Internal note", "updated": "Complaint details changed", "merged": "Merged",
           "merged_in": "Another complaint merged into this one"},
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


# The words of the accounts' pages: signing in, the one-time link, the password, the navigation.
ACCOUNT_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "password": "Kata sandi",
        "login_wrong": "E-mail atau kata sandi salah.",
        "login_with_token": "Masuk dengan token operator",
        "token_note": "Untuk tim yang memakai token API; kosongkan e-mail dan kata sandi.",
        "login_help": "Belum punya akun atau lupa kata sandi? Minta tautan masuk kepada supervisor tim pengaduan.",
        "link_dead_title": "Tautan tidak berlaku",
        "link_dead_body": ("Tautan masuk ini sudah dipakai, sudah lewat 72 jam, atau diganti tautan yang lebih baru. "
                           "Minta tautan baru kepada supervisor tim pengaduan."),
        "welcome_title": "Buat kata sandi",
        "welcome_intro": "Selamat datang, {name}. Buat kata sandi untuk akun Anda; setelah itu Anda langsung masuk.",
        "new_password": "Kata sandi baru",
        "new_password_again": "Ulangi kata sandi baru",
        "password_rule": "Paling sedikit {n} karakter. Kalimat pendek yang mudah Anda ingat lebih aman daripada kata acak yang pendek.",
        "set_password": "Simpan kata sandi dan masuk",
        "password_too_short": "Kata sandi terlalu pendek: paling sedikit 10 karakter.",
        "password_too_long": "Kata sandi terlalu panjang: paling banyak 256 karakter.",
        "password_mismatch": "Kedua kata sandi tidak sama. Ketik ulang.",
        "password_title": "Ganti kata sandi",
        "password_intro": "Setelah kata sandi diganti, semua sesi lain akun Anda (di perangkat lain) berakhir.",
        "current_password": "Kata sandi sekarang",
        "password_current_wrong": "Kata sandi sekarang salah.",
        "change_password": "Ganti kata sandi",
        "done_password_changed": "Kata sandi sudah diganti. Sesi di perangkat lain sudah berakhir.",
        "done_password_set": "Kata sandi tersimpan. Anda sudah masuk.",
        "page_not_found_title": "Halaman tidak ditemukan",
        "page_not_found_body": "Halaman ini tidak ada, atau tidak dapat dibuka dengan akun Anda.",
        "nav": "Navigasi",
        "nav_overview": "Ikhtisar",
        "nav_triage": "Triase",
        "nav_complaints": "Semua aduan",
        "nav_inbox": "Kotak masuk",
        "by_citizen": "Warga",
        "by_token": "Token operator",
        "by_system_router": "Sistem (aturan rute)",
        "by_system_sweep": "Sistem (penyisiran berkala)",
        "msg_public": "tampil di halaman publik",
        "msg_private": "tidak tampil di halaman publik",
        "notes_empty": "Belum ada catatan internal.",
        "attachments_empty": "Tidak ada lampiran.",
        "attachment_image": "Foto",
        "attachment_photo": "Foto",
        "attachment_document": "Dokumen",
        "attachment_voice": "Pesan suara",
        "attachment_audio": "Audio",
        "attachment_video": "Video",
        "attachment_not_fetched": "(belum diunduh dari penyedia kanal)",
        "reply_message": "Balasan untuk warga",
        "reply_send": "Kirim balasan",
        "reply_templates": "Templat balasan",
        "reply_templates_note": "Pilih templat untuk mengisi kotak balasan; ubah seperlunya sebelum dikirim.",
    },
    "en": {
        "password": "Password",
        "login_wrong": "Wrong e-mail or password.",
        "login_with_token": "Sign in with an operator token",
        "token_note": "For teams that use an API token; leave e-mail and password empty.",
        "login_help": "No account yet, or forgot your password? Ask the complaint desk's supervisor for a sign-in link.",
        "link_dead_title": "This link no longer works",
        "link_dead_body": ("This sign-in link has been used, is more than 72 hours old, or was replaced by a newer one. "
                           "Ask the complaint desk's supervisor for a new link."),
        "welcome_title": "Create your password",
        "welcome_intro": "Welcome, {name}. Create a password for your account; you are signed in right after.",
        "new_password": "New password",
        "new_password_again": "New password again",
        "password_rule": "At least {n} characters. A short sentence you remember is safer than a short random word.",
        "set_password": "Save the password and sign in",
        "password_too_short": "The password is too short: at least 10 characters.",
        "password_too_long": "The password is too long: at most 256 characters.",
        "password_mismatch": "The two passwords differ. Type them again.",
        "password_title": "Change password",
        "password_intro": "Once the password is changed, every other session of your account (on other devices) ends.",
        "current_password": "Current password",
        "password_current_wrong": "The current password is wrong.",
        "change_password": "Change password",
        "done_password_changed": "Password changed. Sessions on other devices have ended.",
        "done_password_set": "Password saved. You are signed in.",
        "page_not_found_title": "Page not found",
        "page_not_found_body": "This page does not exist, or your account cannot open it.",
        "nav": "Navigation",
        "nav_overview": "Overview",
        "nav_triage": "Triage",
        "nav_complaints": "All complaints",
        "nav_inbox": "Inbox",
        "by_citizen": "Citizen",
        "by_token": "Operator token",
        "by_system_router": "System (routing rules)",
        "by_system_sweep": "System (scheduled sweep)",
        "msg_public": "shown on the public page",
        "msg_private": "not shown on the public page",
        "notes_empty": "No internal notes yet.",
        "attachments_empty": "No attachments.",
        "attachment_image": "Photo",
        "attachment_photo": "Photo",
        "attachment_document": "Document",
        "attachment_voice": "Voice message",
        "attachment_audio": "Audio",
        "attachment_video": "Video",
        "attachment_not_fetched": "(not yet fetched from the channel's provider)",
        "reply_message": "Reply to the citizen",
        "reply_send": "Send the reply",
        "reply_templates": "Reply templates",
        "reply_templates_note": "Pick a template to fill the reply box; change what you need before sending.",
    },
}
# The words of the operator console: the list, its filters, the complaint's forms, their notices and errors.
CONSOLE_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "complaints_title": "Semua aduan",
        "triage_title": "Antrean triase",
        "triage_list_note": "Aduan yang tidak cocok dengan aturan rute mana pun, terlama lebih dulu. Tugaskan ke instansi yang berwenang.",
        "filters": "Saring",
        "any": "Semua",
        "q": "Cari kata",
        "q_hint": "kata dalam isi aduan atau pesan lanjutan, atau kode aduan",
        "overdue_only": "Hanya yang terlambat",
        "apply": "Terapkan",
        "reset": "Hapus saringan",
        "filter_invalid": "Nilai saringan ini tidak dikenali; periksa kembali.",
        "list_empty": "Tidak ada aduan yang cocok dengan saringan ini.",
        "next_page": "Halaman berikutnya →",
        "bulk_title": "Tugaskan yang dicentang",
        "bulk_submit": "Tugaskan",
        "select_row": "Pilih {code}",
        "choose": "— pilih —",
        "conversation": "Percakapan dengan warga",
        "notes": "Catatan internal",
        "form_assign": "Tugaskan ke instansi",
        "agencies_near": "Melayani wilayah aduan ini dan wilayah di atasnya",
        "agencies_other": "Instansi lain",
        "assign_note": "Catatan untuk instansi (opsional)",
        "assign_submit": "Tugaskan",
        "form_status": "Ubah status",
        "new_status": "Status baru",
        "status_note": "Catatan untuk warga (wajib untuk penolakan: tulis alasannya)",
        "status_submit": "Simpan status",
        "form_reply": "Balas warga",
        "form_note": "Catatan internal",
        "note_label": "Catatan (hanya untuk petugas; tidak pernah tampil untuk warga atau publik)",
        "note_submit": "Simpan catatan",
        "form_update": "Ubah data aduan",
        "update_submit": "Simpan perubahan",
        "form_merge": "Gabungkan duplikat",
        "merge_into": "Kode aduan yang asli",
        "merge_note": ("Aduan ini ditutup sebagai duplikat: isi, pesan lanjutan dan lampirannya pindah ke aduan asli, "
                       "dan pelapornya diberi tahu kode aduan asli."),
        "merge_submit": "Gabungkan",
        "read_only_final": "Aduan ini sudah ditutup atau ditolak; tidak dapat diubah lagi.",
        "done_assigned": "Aduan sudah ditugaskan; instansi diberi tahu.",
        "done_status_acknowledged": "Status diubah: diterima instansi.",
        "done_status_in_progress": "Status diubah: sedang dikerjakan.",
        "done_status_resolved": "Status diubah: selesai. Warga diberi tahu.",
        "done_status_closed": "Aduan ditutup.",
        "done_status_rejected": "Aduan ditolak. Warga diberi tahu alasannya.",
        "done_replied": "Balasan dikirim ke warga.",
        "done_replied_nowhere": "Balasan tersimpan, tetapi warga tidak meninggalkan cara untuk dihubungi.",
        "done_noted": "Catatan internal tersimpan.",
        "done_updated": "Data aduan diubah.",
        "done_unchanged": "Tidak ada yang berubah.",
        "done_merged": "Aduan digabungkan ke aduan asli dan ditutup sebagai duplikat.",
        "done_bulk": "{n} aduan ditugaskan; {skipped} dilewati (sudah ditutup, ditolak atau sudah di instansi itu).",
        "done_bulk_nothing": "Pilih instansi dan centang paling sedikit satu aduan.",
        "error_unknown_agency": "Pilih instansi dari daftar.",
        "error_final": "Aduan yang sudah ditutup atau ditolak tidak dapat ditugaskan lagi.",
        "error_already": "Aduan ini sudah ada di instansi tersebut.",
        "error_required": "Isian ini wajib diisi.",
        "error_too_long": "Terlalu panjang: paling banyak 4.000 karakter.",
        "error_status_unknown": "Pilih status dari daftar.",
        "error_status_not_now": "Status ini tidak dapat dipilih untuk aduan dengan status sekarang.",
        "error_reason_required": "Tulis alasan penolakan: warga akan membacanya.",
        "error_category_invalid": "Kategori ditulis dalam satu baris, paling banyak 64 karakter.",
        "error_priority_invalid": "Pilih prioritas dari daftar.",
        "error_kind_invalid": "Pilih jenis dari daftar.",
        "error_region_unknown": "Pilih wilayah dari daftar.",
        "error_merge_unknown": "Tidak ada aduan dengan kode ini.",
        "error_merge_self": "Aduan tidak dapat digabungkan ke dirinya sendiri.",
        "error_merge_final": "Aduan ini sudah ditutup atau ditolak.",
        "error_merge_into_final": "Aduan asli sudah ditutup atau ditolak; pilih aduan yang masih berjalan.",
        "error_control": "Isian ini memuat karakter kendali; hapus lalu kirim lagi.",
        "config_title": "Konfigurasi",
        "config_note": ("Versi yang berlaku: {version}. Setelah berkas YAML diubah, muat ulang di sini; konfigurasi "
                        "yang memuat kesalahan ditolak dan versi sekarang tetap berlaku."),
        "reload_submit": "Muat ulang konfigurasi",
        "done_reloaded": "Konfigurasi dimuat ulang.",
        "reload_refused_title": "Konfigurasi baru ditolak",
        "reload_refused_body": "Berkas konfigurasi memuat kesalahan berikut; konfigurasi yang berlaku tidak berubah.",
    },
    "en": {
        "complaints_title": "All complaints",
        "triage_title": "Triage queue",
        "triage_list_note": "Complaints that no routing rule matched, oldest first. Assign each to the agency with authority.",
        "filters": "Filter",
        "any": "Any",
        "q": "Search words",
        "q_hint": "words in the complaint or its follow-ups, or a tracking code",
        "overdue_only": "Overdue only",
        "apply": "Apply",
        "reset": "Clear filters",
        "filter_invalid": "This filter's value is not understood; check it.",
        "list_empty": "No complaint matches these filters.",
        "next_page": "Next page →",
        "bulk_title": "Assign the ticked ones",
        "bulk_submit": "Assign",
        "select_row": "Select {code}",
        "choose": "— choose —",
        "conversation": "Conversation with the citizen",
        "notes": "Internal notes",
        "form_assign": "Assign to an agency",
        "agencies_near": "Serving this complaint's region and the regions above it",
        "agencies_other": "Other agencies",
        "assign_note": "Note for the agency (optional)",
        "assign_submit": "Assign",
        "form_status": "Change status",
        "new_status": "New status",
        "status_note": "Note for the citizen (required to reject: the reason)",
        "status_submit": "Save status",
        "form_reply": "Reply to the citizen",
        "form_note": "Internal note",
        "note_label": "Note (for staff only; never shown to the citizen or the public)",
        "note_submit": "Save note",
        "form_update": "Change complaint details",
        "update_submit": "Save changes",
        "form_merge": "Merge a duplicate",
        "merge_into": "Code of the original complaint",
        "merge_note": ("This complaint is closed as a duplicate: its text, follow-ups and attachments move to the "
                       "original, and its reporter is told the original's code."),
        "merge_submit": "Merge",
        "read_only_final": "This complaint is closed or rejected; it can no longer change.",
        "done_assigned": "Complaint assigned; the agency has been told.",
        "done_status_acknowledged": "Status changed: acknowledged.",
        "done_status_in_progress": "Status changed: in progress.",
        "done_status_resolved": "Status changed: resolved. The citizen has been told.",
        "done_status_closed": "Complaint closed.",
        "done_status_rejected": "Complaint rejected. The citizen has been told the reason.",
        "done_replied": "Reply sent to the citizen.",
        "done_replied_nowhere": "Reply saved, but the citizen left no way to reach them.",
        "done_noted": "Internal note saved.",
        "done_updated": "Complaint details changed.",
        "done_unchanged": "Nothing changed.",
        "done_merged": "Merged into the original complaint and closed as a duplicate.",
        "done_bulk": "{n} complaint(s) assigned; {skipped} skipped (closed, rejected or already there).",
        "done_bulk_nothing": "Choose an agency and tick at least one complaint.",
        "error_unknown_agency": "Choose an agency from the list.",
        "error_final": "A closed or rejected complaint can no longer be assigned.",
        "error_already": "This complaint is already with that agency.",
        "error_required": "This field is required.",
        "error_too_long": "Too long: at most 4,000 characters.",
        "error_status_unknown": "Choose a status from the list.",
        "error_status_not_now": "This status cannot be chosen for a complaint in its current status.",
        "error_reason_required": "Write the reason for rejecting it: the citizen will read it.",
        "error_category_invalid": "A category is one line of at most 64 characters.",
        "error_priority_invalid": "Choose a priority from the list.",
        "error_kind_invalid": "Choose a kind from the list.",
        "error_region_unknown": "Choose a region from the list.",
        "error_merge_unknown": "No complaint has this code.",
        "error_merge_self": "A complaint cannot be merged into itself.",
        "error_merge_final": "This complaint is already closed or rejected.",
        "error_merge_into_final": "The original is closed or rejected; choose one still in process.",
        "error_control": "This field holds a control character; remove it and send again.",
        "config_title": "Configuration",
        "config_note": ("Version in force: {version}. After editing the YAML files, reload here; a configuration "
                        "with errors is refused and the current one stays in force."),
        "reload_submit": "Reload the configuration",
        "done_reloaded": "Configuration reloaded.",
        "reload_refused_title": "The new configuration was refused",
        "reload_refused_body": "The configuration files have these errors; the configuration in force has not changed.",
    },
}
for _extra in (ACCOUNT_LABELS, CONSOLE_LABELS, INBOX_LABELS):
    for _lang, _words in _extra.items():
        LABELS[_lang].update(_words)


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


def size(count: int, language: str) -> str:
    """A file's size as people read it: bytes, kB or MB with one decimal in the language's way."""
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{decimal(count / 1000, language)} kB"
    return f"{decimal(count / 1_000_000, language)} MB"


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
