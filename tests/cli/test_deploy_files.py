"""The files of deploy/ agree with the code: every variable in the environment example, body limits, the unit."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from app.build import environment
from channels import REGISTRY
from channels.meta import MAX_BODY as META_MAX_BODY
from channels.web.receive import MAX_BODY_BYTES as FORM_MAX_BODY
from config.models import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICE_PACKAGES = ("config", "complaints", "router", "sla", "providers", "store", "intake", "delivery", "sweep",
                    "reports", "edges", "channels", "api", "media", "app")
VARIABLE = re.compile(r"ADUAN_[A-Z0-9_]*[A-Z0-9]")
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


def read_env_file(path: Path) -> dict[str, str]:
    """A systemd EnvironmentFile as systemd reads it: NAME=value lines; blank lines and # comments skipped."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and VARIABLE.fullmatch(name), f"{path.name}:{number}: not NAME=value: {line!r}"
        assert name not in values, f"{path.name}:{number}: {name} given twice"
        values[name] = value
    return values


def variables_the_code_reads() -> set[str]:
    """Every ADUAN_ variable named as a whole string in the service's code, and each channel's settings fields."""
    found = set()
    paths = [ROOT / "main.py", *(p for package in SERVICE_PACKAGES for p in (ROOT / package).rglob("*.py"))]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and VARIABLE.fullmatch(node.value):
                found.add(node.value)
    for channel in REGISTRY:
        found.update(f"ADUAN_{f.name.upper()}" for f in fields(channel.settings))
    return found


def nginx_size(value: str) -> int:
    """An nginx size (`2m`, `512k`, `1048576`) in bytes."""
    match = re.fullmatch(r"(\d+)([kmg]?)", value.lower())
    assert match, f"not an nginx size: {value!r}"
    return int(match.group(1)) * SIZE_UNITS[match.group(2)]


def nginx_blocks() -> dict[str, str]:
    """The example's `location` blocks by their match (`= /`, `~ ^/webhooks/...`), and the server's own directives."""
    text = (DEPLOY / "nginx.conf.example").read_text(encoding="utf-8")
    tls = text[text.index("listen 443"):]
    blocks = {match.group(1).strip(): match.group(2) for match in re.finditer(r"location\s+([^{]+)\{([^}]*)\}", tls)}
    blocks["server"] = re.sub(r"location\s+[^{]+\{[^}]*\}", "", tls)
    return blocks


def body_limit(block: str) -> int:
    """The client_max_body_size a block sets."""
    match = re.search(r"^\s*client_max_body_size\s+(\S+);", block, re.M)
    assert match, "no client_max_body_size"
    return nginx_size(match.group(1))


def test_the_environment_example_names_every_variable_the_code_reads():
    """aduan.env.example lists every ADUAN_ variable read by the service and its channels, and no other."""
    listed = set(read_env_file(DEPLOY / "aduan.env.example"))
    read = variables_the_code_reads()
    assert read - listed == set(), "read by the code but missing from deploy/aduan.env.example"
    assert listed - read == set(), "in deploy/aduan.env.example but read by nothing"


def test_the_environment_example_is_a_working_environment_with_no_secret_set():
    """The example as written reads without error, trusts one proxy, writes in a separate process, and sets no secret."""
    values = read_env_file(DEPLOY / "aduan.env.example")
    for instance in ("instance-1.env.example", "instance-2.env.example"):
        values_of_instance = {**values, **read_env_file(DEPLOY / instance)}
        env = environment(values_of_instance)
        assert env.secrets() == ()
        assert env.trust_forwarded_for == 1 and env.intake_writer == "process" and env.host == "127.0.0.1"
    first = environment({**values, **read_env_file(DEPLOY / "instance-1.env.example")})
    second = environment({**values, **read_env_file(DEPLOY / "instance-2.env.example")})
    assert (first.port, second.port) == (8081, 8082)
    assert (first.sweep_scheduler, second.sweep_scheduler) == (True, False)
    assert first.outbox_worker and second.outbox_worker


def test_nginx_proxies_to_both_instances_with_the_forwarded_address():
    """Both instances' ports are upstreams, X-Forwarded-For is appended, and /metrics is not served outside."""
    text = (DEPLOY / "nginx.conf.example").read_text(encoding="utf-8")
    assert "server 127.0.0.1:8081" in text and "server 127.0.0.1:8082" in text
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", text)
    assert "listen 443 ssl" in text and "ssl_certificate " in text
    metrics = nginx_blocks()["= /metrics"]
    assert "proxy_pass" not in metrics and re.search(r"return\s+404;", metrics)


def test_nginx_body_limits_are_no_lower_than_the_service_takes():
    """Each route's nginx limit is at least what Aduan accepts there: max_body_bytes, Meta's 3 MB, the form's files."""
    blocks = nginx_blocks()
    assert body_limit(blocks["server"]) >= Settings().max_body_bytes
    meta = blocks["~ ^/webhooks/(whatsapp|facebook|instagram)$"]
    assert body_limit(meta) >= META_MAX_BODY
    assert body_limit(blocks["= /"]) >= FORM_MAX_BODY


def test_the_unit_upgrades_the_database_then_serves():
    """aduan@.service runs `db upgrade` before `serve`, reads the instance's file, restarts on failure, drains on stop."""
    unit = (DEPLOY / "aduan@.service").read_text(encoding="utf-8")
    directives = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            name, _, value = line.partition("=")
            directives.setdefault(name, []).append(value)
    assert directives["ExecStart"] == ["/opt/aduan/.venv/bin/python main.py serve"]
    assert directives["ExecStartPre"][0].endswith("main.py db upgrade")
    assert "/etc/aduan/instance-%i.env" in directives["EnvironmentFile"]
    assert directives["Restart"] == ["on-failure"] and directives["KillSignal"] == ["SIGTERM"]
    # Longer than serve's drain: the requests in flight (10 s) and then the intake writer's (30 s).
    assert int(directives["TimeoutStopSec"][0].removesuffix("s")) > 40
    assert directives["ProtectSystem"] == ["strict"] and directives["ReadWritePaths"] == ["/var/lib/aduan"]
    assert directives["NoNewPrivileges"] == ["yes"] and directives["PrivateTmp"] == ["yes"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path):
    """`systemd-analyze verify` finds no unknown directive in the unit (its paths pointed at this checkout)."""
    unit = (DEPLOY / "aduan@.service").read_text(encoding="utf-8").replace("/opt/aduan/.venv/bin/python", sys.executable)
    (tmp_path / "aduan@.service").write_text(unit, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "aduan@.service")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "not executable" not in result.stderr, result.stderr
