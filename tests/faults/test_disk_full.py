"""Faults: the disk full under the Vonage parts spool, the web form's uploads and the media fetcher's files.

The disk fills at the write itself (outage_helpers.FullDisk: half the bytes go down, then ENOSPC), as a real full
disk does; each case must refuse clearly, leave nothing half-written, and work again once there is room.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app.build import build_runtime
from app.server import create_app
from channels.sms import parts
from channels.web import storage
from tests.faults.outage_helpers import FullDisk, aware, counts_line
from store import models
from tests.channels.sms.sms_helpers import (PUBLIC_URL, VONAGE_METHOD, VONAGE_SECRET, inbound_rows, load,
                                            vonage_params)
from tests.channels.web.conftest import Citizen, phone_photo
from tests.conftest import with_env
from tests.media import payloads
from tests.media.conftest import attachment, media_client, media_env, media_runtime, provider  # noqa: F401 (fixtures)
from tests.media.fakes import jpeg

VONAGE = "/webhooks/sms/vonage"
PART1 = load("vonage_inbound__concat_part1.json")["text"]
PART2 = load("vonage_inbound__concat_part2.json")["text"]
ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon segera diperbaiki."


@pytest.fixture
def disk(monkeypatch) -> FullDisk:
    """The disk under var/: the spool writes through `os.fdopen`, the attachment store through `open`."""
    full = FullDisk()
    monkeypatch.setattr(parts, "os", full.os_module())
    monkeypatch.setattr(storage, "open", full.open, raising=False)
    return full


def files_under(root: Path) -> list[Path]:
    """Every file under a folder of var/ (none when it does not exist)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def complaints(runtime) -> int:
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(models.Complaint)).scalar_one()


def attachment_rows(runtime) -> list[dict]:
    with runtime.db.reader.connect() as conn:
        return [dict(r) for r in conn.execute(select(models.Attachment.__table__)).mappings()]


def dangling(runtime) -> list[dict]:
    """Attachment rows that say a file is stored where there is none, or none of that size."""
    var = Path(runtime.env.var_dir)
    return [r for r in attachment_rows(runtime) if r["stored_path"]
            and (not (var / r["stored_path"]).is_file() or (var / r["stored_path"]).stat().st_size != r["size"])]


@pytest.fixture
def sms_runtime(env, sample_config):
    """A service with Vonage inbound on, behind a public HTTPS URL."""
    rt = build_runtime(with_env(env, public_url=PUBLIC_URL, vonage_signature_secret=VONAGE_SECRET,
                                vonage_signature_method=VONAGE_METHOD), sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


async def test_vonage_part_on_a_full_disk_is_refused_with_503_and_kept_once_there_is_room(aiohttp_client, disk,
                                                                                       sms_runtime):
    """A part that cannot be written is answered 503 so Vonage retries; no torn file; the retries make one message."""
    client = await aiohttp_client(create_app(sms_runtime))
    spool = Path(sms_runtime.env.var_dir) / "sms" / "vonage-parts"

    async def send(n: int):
        return await client.get(f"{VONAGE}?{urlencode(vonage_params(f'vonage_inbound__concat_part{n}.json'))}")

    answers = []
    disk.full = True
    refused = await send(1)
    answers.append(refused.status)
    assert refused.status == 503 and refused.headers.get("Retry-After")
    assert files_under(spool) == [], "a part written half is left in the spool"
    disk.full = False
    answers.append((await send(1)).status)  # Vonage retrying part 1
    disk.full = True
    last = await send(2)
    answers.append(last.status)
    assert last.status == 503 and [p.name for p in files_under(spool)] == ["part-1.json"]
    assert complaints(sms_runtime) == 0
    disk.full = False
    answers.append((await send(2)).status)  # Vonage retrying part 2
    answers.append((await send(2)).status)  # and once more, as if our 200 was lost
    stored = inbound_rows(sms_runtime)
    print(counts_line(sent=len(answers), acknowledged=answers.count(200), refused=answers.count(503),
                      writes_refused=disk.refused, stored=len(stored), duplicated=max(0, len(stored) - 1),
                      lost=int(len(stored) == 0)))
    assert answers == [503, 200, 503, 200, 200] and disk.refused == 2
    assert [r["normalized"]["text"] for r in stored] == [PART1 + PART2]
    assert complaints(sms_runtime) == 1
    assert not [p for p in files_under(spool) if p.name.startswith(".tmp-") or p.name.startswith("part-")]


async def test_web_form_upload_on_a_full_disk_is_refused_with_the_input_kept(client, runtime, disk):
    """A photo that cannot be written: the form comes back with an error and the typed text, no file is left;
    with room again the same complaint goes through with its photo."""
    citizen = Citizen(client)
    folder = Path(runtime.env.var_dir) / "attachments"
    disk.full = True
    refused = await citizen.send({"text": ROAD}, [("jalan.jpg", phone_photo())])
    html = await refused.text()
    full_disk_files = files_under(folder)
    print(counts_line(sent=1, acknowledged=int(refused.status == 303), status=refused.status, stored=complaints(runtime),
                      files_left=len(full_disk_files), dangling=len(dangling(runtime))))
    assert full_disk_files == [], "a half-written upload is left under var/attachments"
    assert dangling(runtime) == []
    if refused.status == 303:  # taken without the file (as past the quota), the citizen told which file
        assert complaints(runtime) == 1 and attachment_rows(runtime) == []
    else:  # or sent back: a page saying so, with what the citizen typed, never a bare 500
        assert refused.status == 503 and refused.headers.get("Retry-After")
        assert ROAD in html and 'name="csrf_token"' in html
        assert complaints(runtime) == 0
    disk.full = False
    again = await citizen.send({"text": ROAD}, [("jalan.jpg", phone_photo())])
    assert again.status == 303 and re.match(r"/track/", again.headers["Location"])
    assert len(files_under(folder)) == 1 and dangling(runtime) == []


async def test_fetched_media_on_a_full_disk_is_retried_later_and_leaves_no_file(media_client, media_runtime, provider,
                                                                               disk):
    """A fetched photo that cannot be written: the row is failed with a later retry, no file left; later it is kept."""
    provider.files[payloads.TELEGRAM_FILE_ID] = jpeg()
    await media_runtime.intake.accept(payloads.telegram_photo())
    folder = Path(media_runtime.env.var_dir) / "attachments"
    disk.full = True
    crashed = None
    try:
        await media_runtime.media.run_once()
    except OSError as exc:
        crashed = exc
    row = attachment(media_runtime)
    print(counts_line(sent=1, fetched=1, stored=int(row["fetch_state"] == "stored"),
                      files_left=len(files_under(folder)), crashed=int(crashed is not None), state=row["fetch_state"]))
    assert crashed is None, "the full disk escaped the fetcher's round"
    assert files_under(folder) == [], "a half-written fetched file is left under var/attachments"
    assert row["fetch_state"] == "failed" and row["stored_path"] is None
    disk.full = False
    assert await media_runtime.media.run_once(now=aware(row["fetch_next_at"]) + timedelta(seconds=1)) == 1
    row = attachment(media_runtime)
    assert row["fetch_state"] == "stored" and len(files_under(folder)) == 1 and dangling(media_runtime) == []
