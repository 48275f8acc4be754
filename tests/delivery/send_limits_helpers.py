"""Helpers of the send-limit and redaction tests: a fake Twilio on loopback and a service whose notices go out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from aiohttp import web
from sqlalchemy import select

from app.server import create_app
from app.build import build_runtime
from config.models import SendLimits
from store import models as m
from tests.conftest import with_env

TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "twilio-auth-token-7f3a9c"
FINAL = ("delivered", "dead", "refused")
TEXTS = (
    "Jalan rusak berlubang besar di depan SDN 2 Selong, Lombok Timur, sudah tiga bulan",
    "Lampu jalan mati di Jalan Pejanggik Mataram sejak minggu lalu",
    "Sampah menumpuk di pasar Kebon Roek Ampenan, mohon diangkut",
    "Air PDAM tidak mengalir di Kelurahan Pagesangan tiga hari",
    "Obat di puskesmas Aikmel kosong sudah dua minggu, mohon ditindaklanjuti",
    "Saluran air tersumbat di Desa Kuripan, Lombok Barat, banjir setiap hujan",
    "Jembatan kayu di Desa Sembalun hampir roboh, berbahaya untuk anak sekolah",
)


@dataclass
class FakeTwilio:
    """Twilio's Messages resource on loopback: records each SMS asked for and answers as told."""

    status: int = 201
    answer: dict = field(default_factory=lambda: {"sid": "SM00000000000000000000000000000001", "status": "queued"})
    sent: list[dict] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Take one POST /2010-04-01/Accounts/{sid}/Messages.json."""
        self.sent.append(dict(await request.post()))
        return web.json_response(self.answer, status=self.status)


async def start_twilio(aiohttp_server) -> FakeTwilio:
    """Start a fake Twilio on 127.0.0.1."""
    twilio = FakeTwilio()
    app = web.Application()
    app.router.add_post(f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json", twilio.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    twilio.url = str(server.make_url("")).rstrip("/")
    return twilio


def limited_runtime(env, sample_config, twilio: FakeTwilio, smtp_url: str, **limits):
    """A runtime whose SMS go to the fake Twilio and e-mails to `smtp_url`, under these send limits."""
    settings = sample_config.settings.model_copy(update={"send_limits": SendLimits(**limits)})
    service_env = with_env(env, twilio_auth_token=TWILIO_TOKEN, twilio_account_sid=TWILIO_SID,
                          twilio_from="+6281100001708", twilio_api_url=twilio.url, smtp_url=smtp_url)
    return build_runtime(service_env, replace(sample_config, settings=settings))


class Services:
    """Build running services (app, outbox worker) and close them after the test, clients first."""

    def __init__(self, aiohttp_client, env, sample_config) -> None:
        self.aiohttp_client, self.env, self.sample_config = aiohttp_client, env, sample_config
        self.built: list = []

    async def start(self, twilio: FakeTwilio, smtp_url: str, **limits):
        """Return a client of the whole app and its runtime."""
        runtime = limited_runtime(self.env, self.sample_config, twilio, smtp_url, **limits)
        client = await self.aiohttp_client(create_app(runtime))
        self.built.append((client, runtime))
        return client, runtime

    async def close(self) -> None:
        """Close each client (its app stops its outbox worker), then its runtime."""
        for client, runtime in self.built:
            await client.close()
            runtime.readers.shutdown(wait=True)
            runtime.db.dispose()


async def submit(client, text: str, **reporter) -> str:
    """POST a complaint through the public API with this reporter; return its code."""
    resp = await client.post("/api/v1/complaints", json={"text": text, "reporter": reporter})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["code"]


def citizen_rows(runtime) -> list:
    """The notices to citizens, oldest first, with their complaint's code."""
    o = m.Outbox
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(o.__table__, m.Complaint.code).join(m.Complaint, m.Complaint.id == o.complaint_id)
                            .where(o.audience == "citizen").order_by(o.id)).all()


def all_final(runtime, count: int) -> bool:
    """Whether `count` notices to citizens are there and each is delivered, dead or refused."""
    rows = citizen_rows(runtime)
    return len(rows) == count and all(r.state in FINAL for r in rows)


@pytest.fixture
async def twilio(aiohttp_server):
    """A fake Twilio on loopback, the gateway of web and API reporters' SMS."""
    return await start_twilio(aiohttp_server)


@pytest.fixture
async def services(aiohttp_client, env, sample_config):
    """Start services with chosen send limits; each is closed after the test."""
    built = Services(aiohttp_client, env, sample_config)
    yield built
    await built.close()
