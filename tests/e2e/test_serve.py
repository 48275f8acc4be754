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
