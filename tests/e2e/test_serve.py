"""End to end: `python main.py db upgrade` and `serve` as subprocesses, a complaint in, its status back."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("serve did not become healthy")


def test_serve_accepts_a_complaint_and_reports_its_status(tmp_path, database_url):
    """A complaint submitted to a real server is stored, routed and tracked; SIGTERM stops it cleanly."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        ADUAN_DATABASE_URL=database_url,
        ADUAN_CONFIG_DIR=str(ROOT / "config"),
        ADUAN_PORT=str(port),
        ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ADUAN_VAR_DIR=str(tmp_path / "var"),
        ADUAN_OPERATOR_TOKEN="e2e-operator-token",
    )
    upgrade = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        resp = requests.post(f"{base}/api/v1/complaints", json={"text": "Jalan rusak parah dan berlubang di Selong, Lombok Timur"}, timeout=5)
        assert resp.status_code == 201, resp.text
        created = resp.json()
        assert created["status"] == "assigned"
        status = requests.get(f"{base}/api/v1/track/{created['code']}", timeout=5).json()
        assert status["code"] == created["code"] and status["status"] == "assigned"
        assert status["region"]["code"] == "lombok-timur"
        listed = requests.get(f"{base}/api/v1/complaints", headers={"Authorization": "Bearer e2e-operator-token"}, timeout=5).json()
        assert [c["code"] for c in listed["items"]] == [created["code"]]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
    logs = proc.stderr.read().decode()
    assert "e2e-operator-token" not in logs


def test_serve_refuses_a_database_that_is_behind(tmp_path):
    """serve will not start on an unmigrated database and says to run db upgrade."""
    env = dict(os.environ, ADUAN_DATABASE_URL=f"sqlite:///{tmp_path}/empty.db", ADUAN_CONFIG_DIR=str(ROOT / "config"),
               ADUAN_VAR_DIR=str(tmp_path / "var"), ADUAN_PORT=str(free_port()))
    result = subprocess.run([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "db upgrade" in result.stderr


def test_sighup_reloads_the_config_and_keeps_it_when_the_new_one_is_invalid(tmp_path, database_url):
    """SIGHUP switches to the edited rules; an invalid edit is refused and the rules in force stay."""
    import shutil

    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", config_dir)
    # The test posts many times from one address: lift the per-address limit so only reloads matter.
    settings = config_dir / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("rate_limit_per_minute: 20", "rate_limit_per_minute: 100000"),
                        encoding="utf-8")
    port = free_port()
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(config_dir), ADUAN_PORT=str(port),
               ADUAN_VAR_DIR=str(tmp_path / "var"))
    subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def agency_for(text: str):
        resp = requests.post(f"{base}/api/v1/complaints", json={"text": text}, timeout=5)
        assert resp.status_code == 201, resp.text
        return (resp.json()["agency"] or {}).get("code")

    def wait_for(expected: str) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if agency_for("halo, ini pesan umum") == expected:
                return
            time.sleep(0.2)
        raise AssertionError(f"never routed to {expected}")

    try:
        wait_healthy(base, proc)
        assert agency_for("halo, ini pesan umum") is None  # no rule: triage
        (config_dir / "rules.yaml").write_text(
            "triage: ntb-care\nrules:\n  - name: semua\n    then: {agency: dinsos-ntb}\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for("dinsos-ntb")
        (config_dir / "rules.yaml").write_text("triage: tidak-ada\nrules: [\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert agency_for("halo, ini pesan umum") == "dinsos-ntb"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert "config.error" in proc.stderr.read().decode()


def serve_env(tmp_path, database_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(ROOT / "config"), ADUAN_PORT=str(port),
               ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(tmp_path / "var"),
               ADUAN_OPERATOR_TOKEN="e2e-operator-token")
    return env


def test_a_port_in_use_is_one_line_naming_the_variable(tmp_path, database_url):
    """Another program on the port: serve says so in one line naming ADUAN_PORT, and exits 1 before starting anything
    (no database is opened: the one given does not even exist)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = serve_env(tmp_path, f"sqlite:///{tmp_path}/never-opened.db", port)
        done = subprocess.run([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"port {port} on 127.0.0.1 is already in use (another Aduan, or another program): set ADUAN_PORT to a free "
        "port, or stop what listens there"]
    assert not (tmp_path / "never-opened.db").exists()


def test_sigterm_under_load_answers_what_it_took_and_loses_none(tmp_path, database_url):
    """SIGTERM while complaints keep coming: every request answered 201 has its complaint stored, the others were
    refused a connection (never half-answered), and serve exits 0 within its drain time."""
    import shutil
    import threading

    port = free_port()
    env = serve_env(tmp_path, database_url, port)
    # The sample configuration, with room for one address to submit as fast as it can.
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("*.py", "schema", "__pycache__"))
    settings = (config / "settings.yaml").read_text().replace("rate_limit_per_minute: 20", "rate_limit_per_minute: 1000000")
    assert "rate_limit_per_minute: 1000000" in settings
    (config / "settings.yaml").write_text(settings)
    env["ADUAN_CONFIG_DIR"] = str(config)
    assert subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True).returncode == 0
    log = open(tmp_path / "serve.log", "wb")  # a file, not a pipe nobody reads: the log of every request fills it
    proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log)
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def submit(worker: int) -> None:
        n = 0
        with requests.Session() as session:
            while not stop.is_set():
                n += 1
                try:
                    resp = session.post(f"{base}/api/v1/complaints", timeout=10,
                                        json={"text": f"Lampu jalan mati di Selong, laporan {worker}-{n}"})
                except (requests.ConnectionError, requests.Timeout):
                    continue  # refused, closed or left unanswered at shutdown: not acknowledged, the client retries
                if resp.status_code == 201:
                    acknowledged.append(resp.json()["code"])
                elif resp.status_code != 503:
                    failures.append(f"{resp.status_code}: {resp.text[:200]}")

    try:
        wait_healthy(base, proc)
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        proc.wait(timeout=40)
        took = time.monotonic() - started
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
    for thread in threads:
        thread.join(timeout=15)
    log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()[-2000:]
    assert took < 35
    assert failures == []
    assert len(acknowledged) >= 50
    from sqlalchemy import create_engine, select
    from store.models import Complaint
    from store.db import normalize_url
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(select(Complaint.code)).scalars())
    finally:
        engine.dispose()
    assert set(acknowledged) <= stored
    assert len(acknowledged) == len(set(acknowledged))
