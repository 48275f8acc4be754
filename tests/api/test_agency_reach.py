"""Agency reach matches authority: an escalation's read access ends with the escalation, forwards stay within the
forwarding agency's region or its `forward_to`, the forwarder keeps reading, and read-only viewers cannot act."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.server import create_app
from api.auth import token_hash
from app.build import build_runtime
from config.loader import load_config
from store import models as m
from store.queries import add_token
from sweep.job import run_sweep
from tests.conftest import with_env

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "http://aduan.test"
# A province with two regencies, the first with a kecamatan; offices at each level, and two forward_to lists that
# reach outside their agency's region (a dinas to a sibling regency's social office, a puskesmas to the province's
# referral hospital).
REGIONS = """\
regions:
  - code: prov
    name: Provinsi Contoh
    timezone: Asia/Makassar
    aliases: [provinsi contoh]
    children:
      - code: kab-utara
        name: Kabupaten Utara
        aliases: [kabupaten utara]
        children:
          - {code: utara-hulu, name: Kecamatan Hulu, aliases: [hulu]}
      - code: kab-selatan
        name: Kabupaten Selatan
        aliases: [kabupaten selatan]
"""
AGENCIES = """\
agencies:
  - code: tim
    name: Tim Pengaduan Provinsi Contoh
    service: triage
    region: prov
    deliver: [{email: tim@contoh.example}]
  - code: dinkes-prov
    name: Dinas Kesehatan Provinsi Contoh
    service: kesehatan
    region: prov
    escalate_to: tim
    deliver: [{email: dinkes@prov.contoh.example}]
  - code: rsud-prov
    name: Rumah Sakit Umum Daerah Provinsi Contoh
    service: rujukan
    region: prov
    deliver: [{email: rsud@prov.contoh.example}]
  - code: dinkes-utara
    name: Dinas Kesehatan Kabupaten Utara
    service: kesehatan
    region: kab-utara
    escalate_to: dinkes-prov
    forward_to: [dinsos-selatan]
    deliver: [{email: dinkes@utara.contoh.example}]
  - code: puskesmas-hulu
    name: UPT Puskesmas Hulu
    service: kesehatan
    region: utara-hulu
    escalate_to: dinkes-utara
    forward_to: [rsud-prov]
    deliver: [{email: pkm.hulu@utara.contoh.example}]
  - code: dinkes-selatan
    name: Dinas Kesehatan Kabupaten Selatan
    service: kesehatan
    region: kab-selatan
    escalate_to: dinkes-prov
    deliver: [{email: dinkes@selatan.contoh.example}]
  - code: dinsos-selatan
    name: Dinas Sosial Kabupaten Selatan
    service: sosial
    region: kab-selatan
    deliver: [{email: dinsos@selatan.contoh.example}]
"""
RULES = """\
triage: tim
rules:
  - name: kesehatan
    when: {any: [obat*, puskesmas, dokter]}
    then: {service: kesehatan, category: kesehatan}
"""
SETTINGS = "tracking_prefix: TST\n"
AGENCY_CODES = ("tim", "dinkes-prov", "rsud-prov", "dinkes-utara", "puskesmas-hulu", "dinkes-selatan", "dinsos-selatan")
TEXT = "Obat di puskesmas kosong sudah dua minggu"
# Far enough ahead that any ticket filed now is overdue and past its escalation time, whatever its clock.
LATER = timedelta(days=60)


def write_config(folder: Path) -> Path:
    """Write the test config into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("regions.yaml", REGIONS), ("agencies.yaml", AGENCIES), ("rules.yaml", RULES),
                       ("settings.yaml", SETTINGS)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def reach_config(tmp_path):
    """The test config, checked: no errors (its e-mail targets only warn, no SMTP being set)."""
    result = load_config(write_config(tmp_path / "config"), env={})
    assert result.errors == []
    return result.config


@pytest.fixture
def reach_runtime(env, reach_config, tmp_path):
    """A runtime on a fresh database with the test config and a token for every agency."""
    rt = build_runtime(with_env(env, config_dir=str(tmp_path / "config")), reach_config)
    with rt.db.writer.begin() as conn:
        for code in AGENCY_CODES:
            add_token(conn, token_hash(f"token-{code}"), "agency", code, None, datetime.now(timezone.utc))
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
async def api(aiohttp_client, reach_runtime):
    """An HTTP client of the app with the test config."""
    return await aiohttp_client(create_app(reach_runtime))


def as_agency(code: str) -> dict[str, str]:
    """The Authorization header of an agency's token."""
    return {"Authorization": f"Bearer token-{code}"}


async def file_ticket(api, region: str) -> str:
    """File a health complaint from `region` and return its code."""
    resp = await api.post("/api/v1/complaints", json={"text": TEXT, "region": region})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["code"]


def escalate(runtime) -> list[tuple[str, str]]:
    """Run a sweep far enough ahead that every open ticket escalates; return (code, escalated to) of each."""
    as_of = datetime.now(timezone.utc).replace(microsecond=0) + LATER
    result = run_sweep(runtime.db, runtime.config, public_url=PUBLIC_URL, as_of=as_of)
    return [(e.code, e.to_agency) for e in result.plan.escalations]


async def statuses(api, code: str, agency: str) -> dict[str, int]:
    """What every agency route answers `agency` for ticket `code`, each POST with a body that would otherwise work."""
    path = f"/api/v1/agency/tickets/{code}"
    answers = {"read": (await api.get(path, headers=as_agency(agency))).status}
    for action, body in (("status", {"status": "acknowledged"}), ("reply", {"message": "Kami periksa."}),
                         ("forward", {"agency": "dinkes-selatan"}), ("return", {"reason": "bukan wewenang"})):
        answers[action] = (await api.post(f"{path}/{action}", json=body, headers=as_agency(agency))).status
    return answers


def ticket_row(runtime, code: str):
    """The complaint as stored, with how many events and outbox rows it has."""
    with runtime.db.reader.connect() as conn:
        row = conn.execute(select(m.Complaint.id, m.Complaint.status, m.Complaint.agency)
                           .where(m.Complaint.code == code)).one()
        events = conn.execute(select(func.count()).select_from(m.Event).where(m.Event.complaint_id == row.id)).scalar()
        outbox = conn.execute(select(func.count()).select_from(m.Outbox).where(m.Outbox.complaint_id == row.id)).scalar()
    return row.status, row.agency, events, outbox


HIDDEN = {"read": 404, "status": 404, "reply": 404, "forward": 404, "return": 404}
READ_ONLY = {"read": 200, "status": 403, "reply": 403, "forward": 403, "return": 403}


async def test_escalation_target_reads_until_the_owner_acknowledges(api, reach_runtime):
    """Escalated, the ticket opens read-only (403 on every write, nothing changed) to the agency it went to; once its
    holder acknowledges it, that agency gets 404 on every route again. An agency never in the story gets 404 throughout."""
    code = await file_ticket(api, "utara-hulu")
    assert await statuses(api, code, "dinkes-utara") == HIDDEN
    assert escalate(reach_runtime) == [(code, "dinkes-utara")]
    before = ticket_row(reach_runtime, code)
    assert await statuses(api, code, "dinkes-utara") == READ_ONLY
    assert ticket_row(reach_runtime, code) == before  # the refused writes changed, recorded and sent nothing
    refused = await api.post(f"/api/v1/agency/tickets/{code}/status", json={"status": "acknowledged"},
                             headers=as_agency("dinkes-utara"))
    assert (await refused.json())["error"]["code"] == "read_only"
    assert await statuses(api, code, "dinkes-selatan") == HIDDEN
    ack = await api.post(f"/api/v1/agency/tickets/{code}/status", json={"status": "acknowledged"},
                         headers=as_agency("puskesmas-hulu"))
    assert ack.status == 200
    assert await statuses(api, code, "dinkes-utara") == HIDDEN
    assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency("puskesmas-hulu"))).status == 200


OPERATOR_ACTIONS = {
    "reassigned by an operator": ("/api/v1/complaints/{code}/assign", {"agency": "dinkes-selatan"}, "operator"),
    "resolved by an operator": ("/api/v1/complaints/{code}/status", {"status": "resolved", "note": "Stok tiba."}, "operator"),
    "returned to triage by its holder": ("/api/v1/agency/tickets/{code}/return", {"reason": "Bukan wewenang kami"},
                                         "puskesmas-hulu"),
    "forwarded by its holder": ("/api/v1/agency/tickets/{code}/forward", {"agency": "rsud-prov", "note": "rujukan"},
                                "puskesmas-hulu"),
    "rejected by its holder": ("/api/v1/agency/tickets/{code}/status", {"status": "rejected", "note": "Laporan ganda"},
                               "puskesmas-hulu"),
}


@pytest.mark.parametrize("ending", list(OPERATOR_ACTIONS))
async def test_escalation_read_access_ends_with_the_escalation(api, reach_runtime, operator_headers, ending):
    """However the escalation ends (reassigned, resolved, returned, forwarded, rejected), the agency it went to gets 404
    on every route from then on."""
    code = await file_ticket(api, "utara-hulu")
    assert escalate(reach_runtime) == [(code, "dinkes-utara")]
    assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency("dinkes-utara"))).status == 200
    path, body, who = OPERATOR_ACTIONS[ending]
    headers = operator_headers if who == "operator" else as_agency(who)
    done = await api.post(path.format(code=code), json=body, headers=headers)
    assert done.status == 200, await done.text()
    assert await statuses(api, code, "dinkes-utara") == HIDDEN


async def test_reassigned_ticket_is_worked_by_its_new_agency_only(api, reach_runtime, operator_headers):
    """An escalated ticket an operator reassigns is the new agency's to work; the old holder and the old escalation
    target no longer see it."""
    code = await file_ticket(api, "utara-hulu")
    escalate(reach_runtime)
    resp = await api.post(f"/api/v1/complaints/{code}/assign", json={"agency": "dinkes-selatan"}, headers=operator_headers)
    assert resp.status == 200
    for agency in ("dinkes-utara", "puskesmas-hulu"):
        assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency(agency))).status == 404, agency
    ack = await api.post(f"/api/v1/agency/tickets/{code}/status", json={"status": "acknowledged"},
                         headers=as_agency("dinkes-selatan"))
    assert ack.status == 200 and (await ack.json())["status"] == "acknowledged"


async def test_escalation_of_an_overdue_resolution_lasts_until_resolved(api, reach_runtime):
    """A ticket acknowledged but not resolved in time escalates; moving it to in progress does not end that
    escalation (it is still overdue), resolving it does."""
    code = await file_ticket(api, "utara-hulu")
    url = f"/api/v1/agency/tickets/{code}/status"
    holder = as_agency("puskesmas-hulu")
    assert (await api.post(url, json={"status": "acknowledged"}, headers=holder)).status == 200
    assert escalate(reach_runtime) == [(code, "dinkes-utara")]
    assert (await api.post(url, json={"status": "in_progress"}, headers=holder)).status == 200
    assert await statuses(api, code, "dinkes-utara") == READ_ONLY
    assert (await api.post(url, json={"status": "resolved", "note": "Obat sudah tersedia"}, headers=holder)).status == 200
    assert await statuses(api, code, "dinkes-utara") == HIDDEN


async def test_a_second_spell_opens_only_when_it_escalates_again(api, reach_runtime):
    """Escalated, then acknowledged (access ends), then overdue on its resolution: the second escalation opens the
    ticket to the escalation target again."""
    code = await file_ticket(api, "utara-hulu")
    assert escalate(reach_runtime) == [(code, "dinkes-utara")]
    ack = await api.post(f"/api/v1/agency/tickets/{code}/status", json={"status": "acknowledged"},
                         headers=as_agency("puskesmas-hulu"))
    assert ack.status == 200
    assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency("dinkes-utara"))).status == 404
    assert escalate(reach_runtime) == [(code, "dinkes-utara")]
    assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency("dinkes-utara"))).status == 200


async def test_province_office_forwards_to_a_regency_office_below_it_and_keeps_reading(api, reach_runtime):
    """dinkes-prov → dinkes-utara (a regency below it) is 200 and the ticket is dinkes-utara's to work; dinkes-prov
    still reads it, read-only, and keeps doing so after dinkes-utara forwards it on to its puskesmas."""
    code = await file_ticket(api, "prov")
    path = f"/api/v1/agency/tickets/{code}"
    resp = await api.post(f"{path}/forward", json={"agency": "dinkes-utara", "note": "wilayah kabupaten"},
                          headers=as_agency("dinkes-prov"))
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"code": code, "status": "assigned",
                                 "agency": {"code": "dinkes-utara", "name": "Dinas Kesehatan Kabupaten Utara"}}
    assert ticket_row(reach_runtime, code)[:2] == ("assigned", "dinkes-utara")
    assert await statuses(api, code, "dinkes-prov") == READ_ONLY
    read = await (await api.get(path, headers=as_agency("dinkes-prov"))).json()
    assert read["code"] == code and read["agency"]["code"] == "dinkes-utara"
    onward = await api.post(f"{path}/forward", json={"agency": "puskesmas-hulu"}, headers=as_agency("dinkes-utara"))
    assert onward.status == 200
    assert await statuses(api, code, "dinkes-prov") == READ_ONLY
    assert await statuses(api, code, "dinkes-utara") == READ_ONLY
    assert await statuses(api, code, "dinkes-selatan") == HIDDEN
    ack = await api.post(f"{path}/status", json={"status": "acknowledged"}, headers=as_agency("puskesmas-hulu"))
    assert ack.status == 200


async def test_forward_to_a_sibling_regency_is_409_naming_the_agencies_allowed(api, reach_runtime):
    """dinkes-utara → dinkes-selatan (a sibling regency, not in its forward_to) is 409 with the agencies it may forward
    to, codes and names, in the message and as a list; the ticket stays where it was, nothing recorded or sent."""
    code = await file_ticket(api, "kab-utara")
    before = ticket_row(reach_runtime, code)
    assert before[:2] == ("assigned", "dinkes-utara")
    resp = await api.post(f"/api/v1/agency/tickets/{code}/forward", json={"agency": "dinkes-selatan"},
                          headers=as_agency("dinkes-utara"))
    assert resp.status == 409
    error = (await resp.json())["error"]
    assert error["code"] == "forward_not_allowed"
    assert error["allowed"] == [{"code": "puskesmas-hulu", "name": "UPT Puskesmas Hulu"},
                                {"code": "dinsos-selatan", "name": "Dinas Sosial Kabupaten Selatan"}]
    for words in ("dinkes-selatan", "puskesmas-hulu (UPT Puskesmas Hulu)", "dinsos-selatan (Dinas Sosial Kabupaten Selatan)"):
        assert words in error["message"]
    assert ticket_row(reach_runtime, code) == before
    upward = await api.post(f"/api/v1/agency/tickets/{code}/forward", json={"agency": "dinkes-prov"},
                            headers=as_agency("dinkes-utara"))
    assert upward.status == 409 and (await upward.json())["error"]["code"] == "forward_not_allowed"
    assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency("dinkes-selatan"))).status == 404


async def test_a_unit_with_nowhere_below_it_is_told_so(api, reach_runtime):
    """A puskesmas forwarding to its own dinas (above it, not in its forward_to) is 409; the list holds only what its
    forward_to names."""
    code = await file_ticket(api, "utara-hulu")
    resp = await api.post(f"/api/v1/agency/tickets/{code}/forward", json={"agency": "dinkes-utara"},
                          headers=as_agency("puskesmas-hulu"))
    assert resp.status == 409
    assert (await resp.json())["error"]["allowed"] == [{"code": "rsud-prov",
                                                        "name": "Rumah Sakit Umum Daerah Provinsi Contoh"}]


@pytest.mark.parametrize(("region", "forwarder", "target"), [
    ("kab-utara", "dinkes-utara", "dinsos-selatan"),  # a sibling regency's office its forward_to names
    ("utara-hulu", "puskesmas-hulu", "rsud-prov"),  # a province hospital above the unit, named in its forward_to
])
async def test_forward_to_an_agency_in_forward_to_outside_the_region_is_200(api, reach_runtime, region, forwarder, target):
    """An agency `forward_to` names is reachable whatever its region: 200, the ticket is the target's, the forwarder
    still reads it."""
    code = await file_ticket(api, region)
    resp = await api.post(f"/api/v1/agency/tickets/{code}/forward", json={"agency": target}, headers=as_agency(forwarder))
    assert resp.status == 200, await resp.text()
    assert ticket_row(reach_runtime, code)[:2] == ("assigned", target)
    assert await statuses(api, code, forwarder) == READ_ONLY
    assert (await api.get(f"/api/v1/agency/tickets/{code}", headers=as_agency(target))).status == 200


def test_rules_check_reports_an_unknown_forward_to_agency(tmp_path):
    """`rules check` on a forward_to naming an unknown agency prints `agencies.yaml:<line>: …` and exits 1."""
    folder = write_config(tmp_path / "config")
    agencies = folder / "agencies.yaml"
    text = agencies.read_text(encoding="utf-8").replace("forward_to: [dinsos-selatan]", "forward_to: [dinsos-timur]")
    agencies.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    forward_to: [dinsos-timur]") + 1
    result = subprocess.run([sys.executable, "main.py", "rules", "check"], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, ADUAN_CONFIG_DIR=str(folder)), timeout=60)
    assert result.returncode == 1
    assert f'agencies.yaml:{line}: agency "dinkes-utara": forward_to names unknown agency "dinsos-timur"' in result.stdout
