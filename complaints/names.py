"""What a complaint's kind and priority are called, in Bahasa Indonesia and English."""

from __future__ import annotations

KIND_NAMES: dict[str, dict[str, str]] = {
    "id": {"complaint": "Pengaduan", "aspiration": "Aspirasi", "inquiry": "Permintaan informasi"},
    "en": {"complaint": "Complaint", "aspiration": "Aspiration", "inquiry": "Inquiry"},
}
PRIORITY_NAMES: dict[str, dict[str, str]] = {
    "id": {"low": "Rendah", "normal": "Normal", "high": "Tinggi", "urgent": "Mendesak"},
    "en": {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"},
}
