"""Every word the web pages show, in Bahasa Indonesia first and English."""

from __future__ import annotations

LANGUAGES = ("id", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "site_name": "Layanan Aduan Warga",
        "skip_link": "Langsung ke isi halaman",
        "switch_language": "English",
        "switch_language_label": "Read this page in English",
        "nav_form": "Kirim aduan",
        "nav_track": "Lacak aduan",
        "footer": "Aduan Anda diteruskan ke instansi yang berwenang. Identitas pelapor tidak pernah ditampilkan di halaman publik.",
        # the form
        "form_title": "Sampaikan aduan, aspirasi atau permintaan informasi",
        "form_intro": "Kolom bertanda * wajib diisi. Setelah mengirim, Anda mendapat kode untuk melacak aduan.",
        "required": "wajib",
        "label_text": "Isi aduan",
        "hint_text": "Ceritakan apa yang terjadi, di mana dan kapan. Paling banyak 10.000 karakter.",
        "label_kind": "Jenis",
        "kind_complaint": "Pengaduan",
        "kind_aspiration": "Aspirasi",
        "kind_inquiry": "Permintaan informasi",
        "label_region": "Wilayah",
        "hint_region": "Pilih kabupaten/kota atau kecamatan tempat kejadian.",
        "region_unknown": "Tidak tahu / biarkan sistem menentukan",
        "label_category": "Kategori (boleh dikosongkan)",
        "hint_category": "Misalnya: kesehatan, jalan, pendidikan.",
        "contact_legend": "Identitas dan kontak (boleh dikosongkan)",
        "hint_contact": "Jika Anda mengisi e-mail atau nomor telepon, kode pelacakan dan kabar perkembangan dikirim ke sana.",
        "label_name": "Nama",
        "label_phone": "Nomor telepon",
        "label_email": "E-mail",
        "privacy_legend": "Privasi",
        "label_anonymous": "Anonim",
        "hint_anonymous": (
            "Nama dan kontak Anda tidak diperlihatkan kepada instansi yang menangani, "
            "dan data lokasi di dalam foto (misalnya GPS) dihapus."
        ),
        "label_confidential": "Rahasia",
        "hint_confidential": (
            "Isi aduan tidak ditampilkan di halaman pelacakan publik; hanya petugas dan instansi yang dapat membacanya."
        ),
        "label_attachments": "Lampiran (boleh dikosongkan)",
        "hint_attachments": "Sampai 3 berkas: foto (JPEG, PNG, WebP, GIF) atau PDF, masing-masing paling besar 5 MB.",
        "location_legend": "Lokasi (boleh dikosongkan)",
        "hint_location": "Isi garis lintang dan bujur, atau tekan tombol untuk memakai lokasi perangkat Anda.",
        "label_lat": "Garis lintang (latitude)",
        "label_lon": "Garis bujur (longitude)",
        "use_location": "Gunakan lokasi saya",
        "location_busy": "Mengambil lokasi…",
        "location_found": "Lokasi sudah diisi.",
        "location_failed": "Lokasi tidak dapat diambil. Silakan isi sendiri atau kosongkan.",
        "label_honeypot": "Jangan isi kolom ini",
        "submit": "Kirim aduan",
        # errors on the form
        "errors_title": "Ada isian yang perlu diperbaiki:",
        "error_text_required": "Isi aduan wajib diisi.",
        "error_text_too_long": "Isi aduan terlalu panjang (paling banyak 10.000 karakter).",
        "error_kind": "Pilih salah satu jenis yang tersedia.",
        "error_too_long": "Isian ini terlalu panjang.",
        "error_email": "Alamat e-mail tidak valid, contoh: nama@contoh.id",
        "error_phone": "Nomor telepon tidak valid, contoh: 0812 3456 7890",
        "error_lat": "Garis lintang harus berupa angka antara -90 dan 90.",
        "error_lon": "Garis bujur harus berupa angka antara -180 dan 180.",
        "error_location_pair": "Isi garis lintang dan garis bujur keduanya, atau kosongkan keduanya.",
        "error_region": "Wilayah tidak dikenal. Pilih dari daftar.",
        "error_too_many_files": "Paling banyak 3 berkas.",
        "error_file_type": "Berkas “{name}” bukan foto (JPEG, PNG, WebP, GIF) atau PDF.",
        "error_file_unreadable": "Berkas “{name}” rusak dan tidak dapat diproses.",
        "error_file_too_large": "Berkas “{name}” lebih dari 5\u00a0MB sehingga tidak terkirim. Kecilkan ukurannya atau pilih berkas lain.",
        "error_body_too_large": (
            "Lampiran terlalu besar untuk dikirim sekaligus (paling banyak 3 berkas, masing-masing 5\u00a0MB), "
            "sehingga tidak ada yang terkirim."
        ),
        "error_image_too_large": "Foto “{name}” terlalu besar untuk diproses (lebih dari 50 megapiksel). Kecilkan ukurannya lalu kirim lagi.",
        "error_pdf_unreadable": "PDF “{name}” rusak atau tidak dapat dibaca.",
        "error_pdf_encrypted": "PDF “{name}” dikunci dengan kata sandi. Kirim PDF tanpa kata sandi.",
        "error_pdf_script": (
            "PDF “{name}” berisi JavaScript atau perintah yang berjalan sendiri, yang tidak kami terima demi keamanan "
            "instansi penerima. Buka PDF itu, pilih Cetak lalu Simpan sebagai PDF, dan kirim hasilnya."
        ),
        "error_pdf_embedded": (
            "PDF “{name}” berisi berkas lain di dalamnya, yang tidak kami terima. Kirim berkas itu tersendiri "
            "(sebagai foto atau PDF), atau simpan ulang PDF tanpa lampiran."
        ),
        "error_control_characters": (
            "Isian ini berisi baris baru, tab atau karakter kendali lain. Tulis dalam satu baris tanpa karakter tersebut."
        ),
        "error_files_again": "Pilih lagi lampiran Anda sebelum mengirim ulang.",
        "error_prefix": "Perlu diperbaiki:",
        "warn_file_too_large": "Berkas “{name}” berukuran {size}\u00a0MB, lebih dari batas 5\u00a0MB. Pilih berkas yang lebih kecil.",
        # after sending, tracking
        "received_banner": "Aduan Anda sudah diterima.",
        "code_hint": "Catat atau simpan kode ini: Anda memerlukannya untuk melacak aduan.",
        "not_kept_title": "Ada lampiran yang tidak disimpan",
        "note_quota": (
            "Berkas “{name}” tidak disimpan karena ruang penyimpanan lampiran layanan ini sedang penuh. "
            "Aduan Anda tetap diterima tanpa berkas ini."
        ),
        "track_title": "Lacak aduan",
        "track_intro": "Masukkan kode pelacakan yang Anda terima, misalnya {example}.",
        "label_code": "Kode pelacakan",
        "track_submit": "Lacak",
        "error_code": "Kode ini tidak dikenali. Periksa kembali kode Anda.",
        "status_title": "Aduan {code}",
        "field_code": "Kode pelacakan",
        "field_status": "Status",
        "field_kind": "Jenis",
        "field_category": "Kategori",
        "field_region": "Wilayah",
        "field_agency": "Instansi",
        "field_received": "Diterima",
        "field_text": "Isi aduan",
        "agency_pending": "Menunggu verifikasi tim",
        "no_value": "—",
        "confidential_note": "Aduan ini rahasia: isinya tidak ditampilkan di halaman ini.",
        "timeline_title": "Riwayat",
        "send_another": "Kirim aduan lain",
        "track_another": "Lacak aduan lain",
        # the story on the tracking page (SPEC section 15)
        "due_acknowledge": "Target: direspons paling lambat {time}",
        "due_resolve": "Target: diselesaikan paling lambat {time}",
        "due_passed": "Batas waktu ini sudah terlewati.",
        "outcome_resolved": "Hasil tindak lanjut:",
        "outcome_rejected": "Alasan penolakan:",
        "reply_from": "Balasan dari {agency}",
        "question_from": "Pertanyaan dari {agency}",
        "merged_into": "Digabungkan dengan aduan",
        "waiting_title": "Menunggu jawaban Anda",
        "waiting_asked": "{agency} bertanya:",
        "waiting_private": "Pertanyaannya kami kirim langsung kepada Anda, tidak di halaman ini.",
        "waiting_how": "Jawab dengan membalas pesan kami di percakapan tempat Anda mengirim aduan ini.",
        "confidential_story": "Catatan dan balasan instansi juga tidak ditampilkan.",
        # pages for refused requests
        "notice_400_title": "Kiriman tidak dapat diterima",
        "notice_400_body": "Kiriman ini tidak dapat kami terima. Jika Anda mengisi formulir sendiri, muat ulang formulir lalu kirim lagi.",
        "notice_403_title": "Formulir perlu dimuat ulang",
        "notice_403_body": (
            "Kami tidak dapat memastikan bahwa kiriman ini berasal dari formulir di situs ini. "
            "Buka formulir lagi, pastikan cookie diizinkan, lalu kirim ulang."
        ),
        "notice_404_title": "Aduan tidak ditemukan",
        "notice_404_body": "Tidak ada aduan dengan kode ini. Periksa kembali kode Anda.",
        "notice_413_title": "Berkas terlalu besar",
        "notice_413_body": (
            "Kiriman ini terlalu besar. Setiap berkas paling besar 5\u00a0MB, paling banyak 3 berkas. "
            "Buka formulir lagi, pilih berkas yang lebih kecil, lalu kirim."
        ),
        "notice_429_title": "Terlalu banyak kiriman",
        "notice_429_body": "Terlalu banyak kiriman dari alamat Anda. Silakan coba lagi dalam {seconds} detik.",
        "notice_track_429_title": "Terlalu banyak pencarian",
        "notice_track_429_body": (
            "Terlalu banyak pencarian kode dari alamat internet Anda dalam satu menit. Silakan coba lagi dalam "
            "{seconds} detik. Jika Anda memakai jaringan bersama (sekolah, kantor atau operator seluler), pencarian "
            "orang lain di jaringan itu ikut terhitung."
        ),
        "notice_503_title": "Layanan sedang sibuk, silakan coba lagi",
        "notice_503_body": "Aduan Anda belum tersimpan. Silakan kirim lagi dalam beberapa saat.",
        "back_to_form": "Kembali ke formulir",
    },
    "en": {
        "site_name": "Citizens' Complaint Service",
        "skip_link": "Skip to content",
        "switch_language": "Bahasa Indonesia",
        "switch_language_label": "Baca halaman ini dalam Bahasa Indonesia",
        "nav_form": "Send a complaint",
        "nav_track": "Track a complaint",
        "footer": "Your complaint goes to the agency with authority over it. A reporter's identity is never shown on public pages.",
        "form_title": "Send a complaint, an aspiration or a request for information",
        "form_intro": "Fields marked * are required. After sending you get a code to track your complaint.",
        "required": "required",
        "label_text": "Your complaint",
        "hint_text": "Tell us what happened, where and when. At most 10,000 characters.",
        "label_kind": "Type",
        "kind_complaint": "Complaint",
        "kind_aspiration": "Aspiration",
        "kind_inquiry": "Request for information",
        "label_region": "Region",
        "hint_region": "Choose the regency/city or district where it happened.",
        "region_unknown": "Don't know / let the system decide",
        "label_category": "Category (optional)",
        "hint_category": "For example: health, roads, education.",
        "contact_legend": "Who you are and how to reach you (optional)",
        "hint_contact": "If you give an e-mail address or a phone number, we send the tracking code and updates there.",
        "label_name": "Name",
        "label_phone": "Phone number",
        "label_email": "E-mail",
        "privacy_legend": "Privacy",
        "label_anonymous": "Anonymous",
        "hint_anonymous": (
            "Your name and contact details are not shown to the agency handling it, "
            "and location data inside photos (such as GPS) is removed."
        ),
        "label_confidential": "Confidential",
        "hint_confidential": "The text is not shown on the public tracking page; only staff and the agency can read it.",
        "label_attachments": "Attachments (optional)",
        "hint_attachments": "Up to 3 files: photos (JPEG, PNG, WebP, GIF) or PDF, at most 5 MB each.",
        "location_legend": "Location (optional)",
        "hint_location": "Enter latitude and longitude, or press the button to use your device's location.",
        "label_lat": "Latitude",
        "label_lon": "Longitude",
        "use_location": "Use my location",
        "location_busy": "Getting your location…",
        "location_found": "Location filled in.",
        "location_failed": "Your location could not be read. Please enter it yourself or leave it empty.",
        "label_honeypot": "Leave this field empty",
        "submit": "Send",
        "errors_title": "Please correct the following:",
        "error_text_required": "Please write your complaint.",
        "error_text_too_long": "The text is too long (at most 10,000 characters).",
        "error_kind": "Choose one of the listed types.",
        "error_too_long": "This is too long.",
        "error_email": "This is not a valid e-mail address, e.g. name@example.com",
        "error_phone": "This is not a valid phone number, e.g. 0812 3456 7890",
        "error_lat": "Latitude must be a number between -90 and 90.",
        "error_lon": "Longitude must be a number between -180 and 180.",
        "error_location_pair": "Fill in both latitude and longitude, or leave both empty.",
        "error_region": "Unknown region. Choose one from the list.",
        "error_too_many_files": "At most 3 files.",
        "error_file_type": "The file “{name}” is not a photo (JPEG, PNG, WebP, GIF) or a PDF.",
        "error_file_unreadable": "The file “{name}” is damaged and cannot be processed.",
        "error_file_too_large": "The file “{name}” is over 5\u00a0MB and was not sent. Make it smaller or choose another file.",
        "error_body_too_large": (
            "The attachments are too large to send together (at most 3 files of 5\u00a0MB each), so none was sent."
        ),
        "error_image_too_large": "The photo “{name}” is too large to process (over 50 megapixels). Make it smaller and send it again.",
        "error_pdf_unreadable": "The PDF “{name}” is damaged or cannot be read.",
        "error_pdf_encrypted": "The PDF “{name}” is locked with a password. Please send it without a password.",
        "error_pdf_script": (
            "The PDF “{name}” contains JavaScript or actions that run by themselves, which we do not accept to keep the "
            "receiving agency safe. Open it, choose Print and then Save as PDF, and send the result."
        ),
        "error_pdf_embedded": (
            "The PDF “{name}” has other files embedded in it, which we do not accept. Send those files on their own "
            "(as photos or PDFs), or save the PDF again without attachments."
        ),
        "error_control_characters": (
            "This field holds a line break, a tab or another control character. Write it on one line without them."
        ),
        "error_files_again": "Please choose your attachments again before sending.",
        "error_prefix": "Please correct:",
        "warn_file_too_large": "The file “{name}” is {size}\u00a0MB, over the 5\u00a0MB limit. Please choose a smaller file.",
        "received_banner": "Your complaint has been received.",
        "code_hint": "Write down or save this code: you need it to track your complaint.",
        "not_kept_title": "Some attachments were not kept",
        "note_quota": (
            "The file “{name}” was not kept because the service's storage for attachments is full. "
            "Your complaint was received without it."
        ),
        "track_title": "Track a complaint",
        "track_intro": "Enter the tracking code you received, for example {example}.",
        "label_code": "Tracking code",
        "track_submit": "Track",
        "error_code": "We do not recognise this code. Please check it.",
        "status_title": "Complaint {code}",
        "field_code": "Tracking code",
        "field_status": "Status",
        "field_kind": "Type",
        "field_category": "Category",
        "field_region": "Region",
        "field_agency": "Agency",
        "field_received": "Received",
        "field_text": "Text",
        "agency_pending": "Waiting for verification by the team",
        "no_value": "—",
        "confidential_note": "This complaint is confidential: its text is not shown on this page.",
        "timeline_title": "Timeline",
        "send_another": "Send another complaint",
        "track_another": "Track another complaint",
        "due_acknowledge": "Target: a response by {time}",
        "due_resolve": "Target: resolved by {time}",
        "due_passed": "This time has passed.",
        "outcome_resolved": "What was done:",
        "outcome_rejected": "Why it was rejected:",
        "reply_from": "Reply from {agency}",
        "question_from": "Question from {agency}",
        "merged_into": "Merged into complaint",
        "waiting_title": "Waiting for your answer",
        "waiting_asked": "{agency} asks:",
        "waiting_private": "We sent the question to you directly, not on this page.",
        "waiting_how": "Answer by replying to our message in the conversation you sent this complaint from.",
        "confidential_story": "The agency's notes and replies are not shown either.",
        "notice_400_title": "The submission could not be accepted",
        "notice_400_body": "We could not accept this submission. If you filled in the form yourself, reload it and send it again.",
        "notice_403_title": "Please reload the form",
        "notice_403_body": (
            "We could not confirm that this submission came from the form on this site. "
            "Open the form again, make sure cookies are allowed, and send it again."
        ),
        "notice_404_title": "Complaint not found",
        "notice_404_body": "There is no complaint with this code. Please check it.",
        "notice_413_title": "File too large",
        "notice_413_body": (
            "This submission is too large. Each file may be at most 5\u00a0MB, and at most 3 files. "
            "Open the form again, choose smaller files and send it."
        ),
        "notice_429_title": "Too many submissions",
        "notice_429_body": "Too many submissions from your address. Please try again in {seconds} seconds.",
        "notice_track_429_title": "Too many lookups",
        "notice_track_429_body": (
            "Too many code lookups from your internet address in one minute. Please try again in {seconds} seconds. "
            "On a shared network (a school, an office or a mobile carrier) other people's lookups count too."
        ),
        "notice_503_title": "The service is busy, please try again",
        "notice_503_body": "Your complaint has not been stored yet. Please send it again in a moment.",
        "back_to_form": "Back to the form",
    },
}


def language(value: str | None, default: str = "id") -> str:
    """Return the page language for a `lang` value: one we have, else the default, else Bahasa Indonesia."""
    if value in MESSAGES:
        return value
    return default if default in MESSAGES else "id"


def messages(lang: str) -> dict[str, str]:
    """Return the message table of a language (Bahasa Indonesia when unknown)."""
    return MESSAGES.get(lang, MESSAGES["id"])


def other_language(lang: str) -> str:
    """Return the language the switch link offers."""
    return "en" if lang == "id" else "id"
