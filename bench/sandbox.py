"""A throwaway service for a load benchmark: a folder with the sample config (no rate limit), SQLite and a free port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml
from processes import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sandbox:
    """Where one benchmark's service runs: its folder, config folder, database file, port and environment."""

    folder: Path
    config: Path
    database: Path
    port: int
    env: dict[str, str]

    @property
    def base(self) -> str:
        """The service's URL."""
        return f"http://127.0.0.1:{self.port}"

    def serve(self, log: IO[str]) -> subprocess.Popen:
        """Migrate the database and start `main.py serve`, its log lines going to `log`."""
        subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)
        return subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=self.env, stderr=log)


def sandbox(prefix: str, log_level: str, **env: str) -> Sandbox:
    """Make a temporary folder holding a copy of the sample config for a service with the sweep off; `env` adds
    to (or overrides) its environment."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    settings = yaml.safe_load((config / "settings.yaml").read_text(encoding="utf-8")) or {}
    settings["rate_limit_per_minute"] = 10**9  # one address is the whole load here
    (config / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    database, port = folder / "aduan.db", free_port()
    service_env = dict(os.environ, ADUAN_DATABASE_URL=f"sqlite:///{database}", ADUAN_CONFIG_DIR=str(config),
                       ADUAN_PORT=str(port), ADUAN_VAR_DIR=str(folder / "var"), ADUAN_LOG_LEVEL=log_level,
                       ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_SWEEP="off")
    return Sandbox(folder, config, database, port, {**service_env, **env})
