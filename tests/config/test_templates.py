"""Reply templates (templates.yaml): loaded into the config, checked by `rules check`, filled for one complaint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from complaints.templates import fill_template, template_title
from config.loader import load_config
from config.models import PLACEHOLDERS, ReplyTemplate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = ROOT / "config"
SECRETS = {"ADUAN_AGENCY_SECRET_DINKES_PROV": "s1", "ADUAN_AGENCY_SECRET_PUPR_KOTA": "s2", "ADUAN_AGENCY_SECRET_TIM": "s3"}
DUE = "26 Nov 2026 08.00 WITA"


def template(text: dict, title: dict | None = None) -> ReplyTemplate:
    """A template as the loader makes it from templates.yaml."""
    return ReplyTemplate.model_validate({"name": "contoh", "title": title or {"id": "Contoh"}, "text": text})


@pytest.fixture(scope="module")
def sample():
    """The sample configuration shipped in config/."""
    result = load_config(SAMPLE, env={})
    assert result.errors == []
    return result.config


def test_a_folder_without_templates_has_none():
    """templates.yaml is optional: without it the config loads, clean, with an empty list of replies."""
    result = load_config(HERE / "base", env=SECRETS)
    assert not (HERE / "base" / "templates.yaml").exists()
    assert result.errors == [] and result.config.templates == ()


def test_the_sample_offers_a_province_desks_replies_in_both_languages(sample):
    """The sample's replies come in file order, each titled and written in Bahasa Indonesia and English."""
    assert [t.name for t in sample.templates] == ["minta-lokasi", "minta-foto", "diterima-ditangani",
                                                  "diteruskan-ke-instansi", "selesai-terima-kasih"]
    assert [template_title(t, "id") for t in sample.templates] == [
        "Minta lokasi yang tepat", "Minta foto", "Diterima dan sedang ditangani",
        "Diteruskan ke instansi yang berwenang", "Selesai, dengan terima kasih"]
    assert [template_title(t, "en") for t in sample.templates] == [
        "Ask for the exact location", "Ask for a photo", "Received and being handled",
        "Passed to the responsible office", "Resolved, with thanks"]
    for t in sample.templates:
        for language in ("id", "en"):
            filled = fill_template(t, language, code="NTB-7K3QX9P2", agency="UPT Puskesmas Aikmel", due=DUE)
            assert "NTB-7K3QX9P2" in filled and "{" not in filled and "}" not in filled, (t.name, language)


def test_the_sample_reply_names_its_agency_and_due_time(sample):
    """"Received and being handled" tells the citizen who handles the complaint and by when."""
    [handled] = [t for t in sample.templates if t.name == "diterima-ditangani"]
    assert fill_template(handled, "id", code="NTB-7K3QX9P2", agency="Dinas Pekerjaan Umum dan Penataan Ruang "
                         "Kabupaten Lombok Timur", due=DUE) == (
        "Aduan NTB-7K3QX9P2 sudah kami terima dan sedang ditangani oleh Dinas Pekerjaan Umum dan Penataan Ruang "
        "Kabupaten Lombok Timur. Target penyelesaian: 26 Nov 2026 08.00 WITA. Setiap perkembangan akan kami "
        "sampaikan melalui saluran ini. Terima kasih atas kesabaran Bapak/Ibu.")


def test_fill_puts_in_the_code_agency_and_due_time():
    """Every placeholder the check allows is filled, each wherever and however often it appears."""
    text = " / ".join("{" + name + "}" for name in PLACEHOLDERS) + " · {code}"
    assert fill_template(template({"id": text}), "id", code="NTB-7K3QX9P2", agency="UPT Puskesmas Aikmel",
                         due=DUE) == "NTB-7K3QX9P2 / UPT Puskesmas Aikmel / 26 Nov 2026 08.00 WITA · NTB-7K3QX9P2"


def test_fill_takes_the_citizens_language_and_falls_back_to_indonesian():
    """An English reply where the template has one; the Indonesian text for English when it has none."""
    both = template({"id": "Aduan {code} diterima.", "en": "Complaint {code} received."},
                    title={"id": "Diterima", "en": "Received"})
    only_id = template({"id": "Aduan {code} diterima."})
    assert fill_template(both, "en", code="NTB-1", agency=None, due=None) == "Complaint NTB-1 received."
    assert fill_template(both, "id", code="NTB-1", agency=None, due=None) == "Aduan NTB-1 diterima."
    assert fill_template(only_id, "en", code="NTB-1", agency=None, due=None) == "Aduan NTB-1 diterima."
    assert (template_title(both, "en"), template_title(only_id, "en")) == ("Received", "Contoh")


def test_fill_words_a_missing_agency_or_due_time_in_the_language():
    """A complaint still in triage has no agency and no due time yet: the reply says so in words."""
    waiting = template({"id": "Ditangani oleh {agency}, target {due}.", "en": "Handled by {agency}, target {due}."})
    assert fill_template(waiting, "id", code="NTB-1", agency=None, due=None) == (
        "Ditangani oleh tim pengaduan, target belum ditetapkan.")
    assert fill_template(waiting, "en", code="NTB-1", agency=None, due="") == (
        "Handled by the complaints team, target not yet set.")


def test_fill_leaves_the_rest_of_the_text_as_written():
    """Values are put in as text: a value that looks like a placeholder is not filled again."""
    t = template({"id": "Aduan {code}: {agency}"})
    assert fill_template(t, "id", code="{agency}", agency="Dinas {due}", due="x") == "Aduan {agency}: Dinas {due}"


def test_rules_check_reports_a_bad_template_as_file_line_message(tmp_path):
    """`rules check` fails on an unknown placeholder, naming the file, the line and the placeholders allowed."""
    folder = tmp_path / "cfg"
    shutil.copytree(SAMPLE, folder)
    (folder / "templates.yaml").write_text(
        "templates:\n"
        "  - name: minta-nama\n"
        "    title: {id: Minta nama}\n"
        "    text: {id: 'Mohon sebutkan nama Bapak/Ibu, {nama}.'}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "main.py", "rules", "check"], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, ADUAN_CONFIG_DIR=str(folder)), timeout=60)
    assert result.returncode == 1
    assert ('templates.yaml:4: template "minta-nama": unknown placeholder {nama} in text.id; the placeholders are '
            "{code}, {agency}, {due}") in result.stdout.splitlines()
