"""The "email" deliverer against a real SMTP server (aiosmtpd on loopback): what an agency and a citizen receive,
and how each failure is classified."""

from __future__ import annotations

import logging
import random
import socket
from dataclasses import replace
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from html.parser import HTMLParser
from urllib.parse import quote

import aiohttp
import pytest
from aiosmtpd.smtp import AuthResult
from structlog.testing import capture_logs

import delivery.smtp as smtp
from complaints.model import Reporter
from delivery.email import make_email_deliverer
from delivery.smtp import parse_smtp_url
from delivery.words import event_title
from delivery.worker import OutboxWorker
from providers.outcome import Delivered, Delivery, Permanent, RetryLater
from sweep.job import run_sweep

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # when file_complaint files, by default
HEALTH = "Pelayanan dokter di rumah sakit lambat sekali. <script>alert(1)</script> & antre 5 jam"


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


class Tags(HTMLParser):
    """Collect the tags of an HTML part with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, attrs))


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a received message."""
    plain, page = (message.get_body((subtype,)).get_content().replace("\r\n", "\n") for subtype in ("plain", "html"))
    return plain, page


def test_no_deliverer_without_an_smtp_url(make_runtime):
    """E-mail delivery is off (its rows wait) when ADUAN_SMTP_URL is unset."""
    assert make_email_deliverer(None, make_runtime().tickets) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://user:hunter2-secret@mail.example", "smtp:// or smtps://"),
        ("smtp://user:hunter2-secret@:25", "no host"),
        ("smtp://user:hunter2-secret@mail.example:port", "port"),
        ("smtp://user:hunter2-secret@mail.example?starttls=maybe", "starttls"),
        ("smtp://user:hunter2-secret@mail.example?form=a@b.example", "unknown parameters: form"),
        ("smtp://user:hunter2-secret@mail.example?from=not-an-address", "from"),
    ],
)
def test_a_malformed_url_stops_construction_without_showing_the_password(make_runtime, url, problem):
    """Bad configuration raises at construction, with a reason and never the password."""
    with pytest.raises(ValueError) as caught:
        make_email_deliverer(url, make_runtime().tickets)
    assert problem in str(caught.value) and "hunter2" not in str(caught.value)


def test_url_parts_are_percent_decoded_with_default_ports():
    """User and password are percent-decoded; smtp:// defaults to 25, smtps:// to 465; `from` replaces the sender."""
    plain = parse_smtp_url("smtp://aduan%40ntb:p%40ss%2Fw%3Ard@Mail.Example", "https://aduan.ntbprov.example/x")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls) == ("mail.example", 25, False, "auto")
    assert (plain.username, plain.password) == ("aduan@ntb", "p@ss/w:rd")
    assert str(plain.sender) == "Aduan <noreply@aduan.ntbprov.example>"
    assert "p@ss" not in repr(plain)
    tls = parse_smtp_url("smtps://mail.example?from=aduan@ntb.go.id&starttls=require", "http://127.0.0.1:8080")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (465, True, None, None)
    assert str(tls.sender) == "Aduan <aduan@ntb.go.id>"
    assert str(parse_smtp_url("smtp://h", "http://127.0.0.1:8080").sender) == "Aduan <noreply@[127.0.0.1]>"


async def test_a_new_ticket_reaches_the_agency_with_both_parts(make_runtime, mail_server, file_complaint,
                                                                outbox_deliveries, session):
    """The agency gets one e-mail: subject with code, event, category and region; every fact in both parts."""
    runtime = make_runtime(smtp_url=mail_server.url())
    code = file_complaint(runtime, HEALTH, region="lombok-timur", lat=-8.5312, lon=116.5301,
                          reporter=Reporter(name="Baiq Nurul", phone="+6281234567890", email="baiq@warga.example"))
    [d] = outbox_deliveries(runtime, "email", "agency")
    assert (d.event, d.target) == ("ticket.assigned", "pengaduan@dinkes.lomboktimurkab.example")

    outcome = await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session)

    assert outcome == Delivered("accepted by 127.0.0.1")
    [got] = mail_server.messages
    assert got.mail_from == "noreply@aduan.test" and got.rcpt_tos == ["pengaduan@dinkes.lomboktimurkab.example"]
    msg = got.message
    assert msg["Subject"] == f"[{code}] Aduan baru: kesehatan — Kabupaten Lombok Timur"
    assert msg["From"] == "Aduan <noreply@aduan.test>" and msg["To"] == "pengaduan@dinkes.lomboktimurkab.example"
    assert msg["X-Aduan-Delivery"] == d.delivery_id and msg["X-Aduan-Event"] == "ticket.assigned"
    assert d.delivery_id in msg["Message-ID"]
    assert msg.get_content_type() == "multipart/alternative"
    text, page = parts(msg)
    ticket_url = f"http://aduan.test/agency/tickets/{code}"
    for body in (text, page):
        for fact in (code, "Pengaduan", "kesehatan", "Normal", "Kabupaten Lombok Timur", "Baiq Nurul",
                     "+6281234567890", "baiq@warga.example", "-8.5312, 116.5301", ticket_url):
            assert fact in body, fact
        assert "/api/v1/" not in body  # a person opens the inbox's page, not the API's answer
    assert HEALTH in text
    assert re.search(r"^Lampiran: +0$", text, re.M) and re.search(r"^Pelapor: +Baiq Nurul, ", text, re.M)


async def test_citizen_markup_is_escaped_in_the_html_part(make_runtime, mail_server, file_complaint,
                                                         outbox_deliveries, session):
    """A <script> in the citizen's text arrives as text in the HTML part; the page loads nothing from outside."""
    runtime = make_runtime(smtp_url=mail_server.url())
    code = file_complaint(runtime, HEALTH, region="lombok-timur", reporter=Reporter(name='<img src=x onerror="alert(2)">'))
    [d] = outbox_deliveries(runtime, "email", "agency")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session), Delivered)
    _, page = parts(mail_server.messages[0].message)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; antre 5 jam" in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    tags = Tags()
    tags.feed(page)
    assert not {"script", "img", "link", "style", "iframe"} & {tag for tag, _ in tags.seen}
    # The only address in the page is the ticket's link: nothing is fetched when it is opened.
    assert [value for _, attrs in tags.seen for name, value in attrs if name in ("href", "src")] == [
        f"http://aduan.test/agency/tickets/{code}"]


async def test_an_anonymous_reporter_is_withheld(make_runtime, mail_server, file_complaint, outbox_deliveries, session):
    """An anonymous complaint names no reporter in either part: "Anonim" instead."""
    runtime = make_runtime(smtp_url=mail_server.url())
    file_complaint(runtime, HEALTH, region="lombok-timur", anonymous=True,
                   reporter=Reporter(name="Baiq Nurul", phone="+6281234567890", email="baiq@warga.example"))
    [d] = outbox_deliveries(runtime, "email", "agency")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session), Delivered)
    for body in parts(mail_server.messages[0].message):
        assert "Anonim" in body
        for identity in ("Baiq", "6281234567890", "baiq@warga.example"):
            assert identity not in body


async def test_a_follow_up_is_sent_as_additional_information(make_runtime, mail_server, file_complaint,
                                                            outbox_deliveries, session):
    """A sender's second message within the merge window reaches the agency as "Tambahan informasi"."""
    runtime = make_runtime(smtp_url=mail_server.url())
    sender = {"channel": "telegram", "sender_id": "5550001", "reply_to": "5550001", "mergeable": True}
    code = file_complaint(runtime, HEALTH, region="lombok-timur", **sender)
    file_complaint(runtime, "Sudah 3 hari <b>belum</b> ada dokter jaga", at=NOW + timedelta(minutes=2), **sender)
    first, update = outbox_deliveries(runtime, "email", "agency")
    assert (first.event, update.event) == ("ticket.assigned", "ticket.updated")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(update, session), Delivered)
    msg = mail_server.messages[0].message
    assert msg["Subject"] == f"[{code}] Tambahan informasi: kesehatan — Kabupaten Lombok Timur"
    text, page = parts(msg)
    assert "2026-11-24 16:02 WITA: Sudah 3 hari <b>belum</b> ada dokter jaga" in text
    assert "Sudah 3 hari &lt;b&gt;belum&lt;/b&gt; ada dokter jaga" in page


async def test_the_sweeps_overdue_reminder_is_titled_as_one(make_runtime, mail_server, file_complaint,
                                                            outbox_deliveries, session):
    """A sweep finding the ticket past its acknowledgement due time e-mails the agency a reminder, not a follow-up."""
    runtime = make_runtime(smtp_url=mail_server.url())
    code = file_complaint(runtime, HEALTH, region="lombok-timur")
    run_sweep(runtime.db, runtime.config, public_url="http://aduan.test", as_of=NOW + timedelta(days=30))
    reminders = [d for d in outbox_deliveries(runtime, "email", "agency") if d.event == "ticket.updated"]
    assert len(reminders) == 1 and (reminders[0].payload["code"], reminders[0].payload["reason"]) == (code, "overdue")
    assert reminders[0].payload["ticket"]["overdue"] is True  # the ticket as the sweep left it
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(reminders[0], session), Delivered)
    msg = mail_server.messages[0].message
    assert msg["Subject"] == f"[{code}] Pengingat: lewat batas waktu: kesehatan — Kabupaten Lombok Timur"
    text, _page = parts(msg)
    assert text.startswith(f"Pengingat: lewat batas waktu: {code}")


async def test_an_unrouted_complaint_asks_the_triage_team_to_verify(make_runtime, mail_server, file_complaint,
                                                                   outbox_deliveries, session):
    """A complaint no rule matched goes to the triage team as "Perlu verifikasi", without a category."""
    runtime = make_runtime(smtp_url=mail_server.url())
    code = file_complaint(runtime, "mohon perhatiannya bapak ibu")
    [d] = outbox_deliveries(runtime, "email", "agency")
    assert (d.event, d.agency) == ("ticket.triage", "ntb-care")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session), Delivered)
    msg = mail_server.messages[0].message
    assert msg["Subject"] == f"[{code}] Perlu verifikasi — Provinsi Nusa Tenggara Barat"
    # The triage team are the operators: they open the complaint in their console.
    text, page = parts(msg)
    assert f"Tiket: http://aduan.test/dashboard/complaints/{code}\n" in text
    assert f'<a href="http://aduan.test/dashboard/complaints/{code}">Buka tiket {code}</a>' in page
    assert "/agency/tickets/" not in text + page


async def test_a_citizen_reply_is_plain_text(make_runtime, mail_server, file_complaint, outbox_deliveries, session):
    """A web reporter's acknowledgement goes to their address as plain text, subject "Aduan <code>"."""
    runtime = make_runtime(smtp_url=mail_server.url())
    code = file_complaint(runtime, HEALTH, region="lombok-timur", reporter=Reporter(email="baiq@warga.example"))
    [ack] = outbox_deliveries(runtime, "email", "citizen")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(ack, session), Delivered)
    [got] = mail_server.messages
    msg = got.message
    assert got.rcpt_tos == ["baiq@warga.example"]
    assert msg["Subject"] == f"Aduan {code}" and msg["X-Aduan-Delivery"] == ack.delivery_id
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().replace("\r\n", "\n").rstrip("\n") == ack.payload["text"]


async def test_a_from_parameter_sets_the_sender(make_runtime, mail_server, file_complaint, outbox_deliveries, session):
    """`?from=aduan@ntb.go.id` is both the From header and the envelope sender."""
    runtime = make_runtime(smtp_url=mail_server.url(**{"from": "aduan@ntb.go.id"}))
    file_complaint(runtime, HEALTH, region="lombok-timur")
    [d] = outbox_deliveries(runtime, "email", "agency")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session), Delivered)
    [got] = mail_server.messages
    assert got.mail_from == "aduan@ntb.go.id" and got.message["From"] == "Aduan <aduan@ntb.go.id>"
    assert got.message["Message-ID"] == f"<{d.delivery_id}@ntb.go.id>"


async def test_it_logs_in_with_the_decoded_credentials(make_runtime, mail_server, file_complaint, outbox_deliveries,
                                                       session):
    """Percent-encoded user and password reach the server decoded."""
    runtime = make_runtime(smtp_url=mail_server.url(credentials=True))
    file_complaint(runtime, HEALTH, region="lombok-timur")
    [d] = outbox_deliveries(runtime, "email", "agency")
    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session), Delivered)
    assert mail_server.logins == [(mail_server.user, mail_server.password)] and len(mail_server.messages) == 1


@pytest.mark.parametrize(
    ("label", "answers", "expected", "words"),
    [
        ("greylisted at RCPT", {"rcpt_answer": "451 4.7.1 Greylisted, try again later"}, RetryLater, "SMTP 451"),
        ("busy at DATA", {"data_answer": "451 4.3.0 Mail server temporarily rejected message"}, RetryLater, "SMTP 451"),
        ("mailbox full", {"data_answer": "452 4.2.2 Mailbox full"}, RetryLater, "SMTP 452"),
        ("no such user", {"rcpt_answer": "550 5.1.1 No such user"}, Permanent, "SMTP 550: recipient refused"),
        ("bad address", {"rcpt_answer": "553 5.1.3 Bad recipient address syntax"}, Permanent, "SMTP 553"),
        ("refused as spam", {"data_answer": "554 5.7.1 Message rejected"}, Permanent, "SMTP 554"),
    ],
)
async def test_server_answers_are_classified(label, answers, expected, words, make_runtime, mail_server,
                                             file_complaint, outbox_deliveries, session):
    """4xx answers retry later; 5xx answers (recipient refused, bad address, rejected) are permanent."""
    for name, value in answers.items():
        setattr(mail_server, name, value)
    runtime = make_runtime(smtp_url=mail_server.url())
    file_complaint(runtime, HEALTH, region="lombok-timur")
    [d] = outbox_deliveries(runtime, "email", "agency")
    outcome = await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session)
    assert type(outcome) is expected and words in outcome.detail
    assert mail_server.messages == []


async def test_nothing_listening_retries_later(make_runtime, closed_port, file_complaint, outbox_deliveries, session):
    """A refused connection is a retry, with the server's address (not the password) in the detail."""
    runtime = make_runtime(smtp_url=f"smtp://aduan:hunter2-secret@127.0.0.1:{closed_port}")
    file_complaint(runtime, HEALTH, region="lombok-timur")
    [d] = outbox_deliveries(runtime, "email", "agency")
    outcome = await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session)
    assert isinstance(outcome, RetryLater)
    assert f"127.0.0.1:{closed_port}" in outcome.detail and "hunter2" not in outcome.detail


async def test_a_server_that_never_answers_times_out_and_retries(make_runtime, file_complaint, outbox_deliveries,
                                                                 session, monkeypatch):
    """A server that takes the connection but sends no greeting is a retry once the timeout passes."""
    monkeypatch.setattr(smtp, "SMTP_TIMEOUT", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        runtime = make_runtime(smtp_url=f"smtp://127.0.0.1:{silent.getsockname()[1]}")
        file_complaint(runtime, HEALTH, region="lombok-timur")
        [d] = outbox_deliveries(runtime, "email", "agency")
        outcome = await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session)
    assert outcome == RetryLater("no answer from the SMTP server within 0.3 s")


async def test_required_starttls_that_the_server_lacks_is_permanent(make_runtime, mail_server, file_complaint,
                                                                    outbox_deliveries, session):
    """With starttls=require the password is never sent over a server without STARTTLS."""
    runtime = make_runtime(smtp_url=mail_server.url(credentials=True, starttls="require"))
    file_complaint(runtime, HEALTH, region="lombok-timur")
    [d] = outbox_deliveries(runtime, "email", "agency")
    outcome = await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(d, session)
    assert isinstance(outcome, Permanent) and "STARTTLS" in outcome.detail
    assert mail_server.logins == [] and mail_server.messages == []


async def test_unusable_deliveries_are_permanent(make_runtime, mail_server, session):
    """No address, an address with a line break (header injection), an unknown complaint: permanent, nothing sent."""
    deliver = make_email_deliverer(mail_server.url(), make_runtime().tickets)
    ticket = Delivery("d-1", "email", "pkm@dinkes.example", "ticket.assigned", {"code": "NTB-00000000"}, 1, "dinkes-ntb")
    assert await deliver(ticket, session) == Permanent("no complaint NTB-00000000")
    assert await deliver(replace(ticket, target=None), session) == Permanent("no e-mail address to send to")
    injected = Delivery("d-2", "email", "a@warga.example\r\nBcc: all@dinkes.example", "citizen.ack",
                        {"code": "NTB-7K3QX9P2", "text": "Terima kasih", "language": "id"})
    outcome = await deliver(injected, session)
    assert isinstance(outcome, Permanent) and outcome.detail.startswith("cannot write the message")
    assert mail_server.messages == []


async def test_the_password_never_reaches_a_detail_or_a_log(make_runtime, mail_server, file_complaint,
                                                            outbox_deliveries, caplog):
    """Through the outbox worker: a refused login whose answer quotes the password; no password in a detail or a log."""
    caplog.set_level(logging.DEBUG)
    password = mail_server.password

    def refuse(server, session, envelope, mechanism, auth_data):
        answer = f"535 5.7.8 Authentication failed for password {password}"
        return AuthResult(success=False, handled=False, message=answer)

    mail_server.authenticate = refuse
    runtime = make_runtime(smtp_url=mail_server.url(credentials=True))
    file_complaint(runtime, HEALTH, region="lombok-timur", reporter=Reporter(email="baiq@warga.example"))
    worker = OutboxWorker(runtime.db, {"email": make_email_deliverer(runtime.env.smtp_url, runtime.tickets)}, rng=random.Random(1))
    with capture_logs() as logs:
        assert await worker.run_once(NOW) == 2
    dead = [line for line in logs if line["event"] == "outbox.dead"]
    assert len(dead) == 2 and all("SMTP 535: login refused" in line["detail"] for line in dead)
    assert all("[password]" in line["detail"] for line in dead)
    # The test server's own log (mail.log) shows what it answered: not ours to check.
    everything = repr(logs) + "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    for form in (password, quote(password, safe=""), runtime.env.smtp_url):
        assert form not in everything
    with runtime.db.reader.connect() as conn:
        errors = [row[0] for row in conn.exec_driver_sql("SELECT last_error FROM outbox WHERE transport = 'email'")]
    assert errors and all(password not in e and "535" in e for e in errors)


def test_an_update_with_a_reason_is_titled_by_it():
    """The sweep's reminder and a citizen's objection are updates titled for what they are; others stay follow-ups."""
    assert event_title("ticket.updated", {"reason": "overdue"}) == "Pengingat: lewat batas waktu"
    assert event_title("ticket.updated", {"reason": "objection"}) == "Keberatan warga: aduan dibuka kembali"
    assert event_title("ticket.updated", {"code": "NTB-7K3QX9P2"}) == "Tambahan informasi"
