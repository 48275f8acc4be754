"""A rule's `channel` condition names a channel of the service's registry; any other name is an error with the list."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.build import channel_names
from config.loader import load_config

SAMPLE = Path(__file__).resolve().parents[2] / "config"


def with_channel_condition(tmp_path: Path, names: str) -> Path:
    """Copy the sample config with its first `channel:` condition replaced by `names`."""
    folder = tmp_path / "config"
    shutil.copytree(SAMPLE, folder)
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("channel: [sms, whatsapp, telegram]", f"channel: [{names}]", 1), encoding="utf-8")
    return folder


def test_an_unknown_channel_is_an_error_naming_the_channels(tmp_path):
    """`channel: [fax]` is refused at its line, with the channels the service has."""
    result = load_config(with_channel_condition(tmp_path, "sms, fax"), env={}, channels=channel_names())
    assert result.config is None
    (error,) = [e for e in result.errors if "fax" in e]
    assert error.startswith("rules.yaml:") and 'unknown channel "fax"' in error
    assert "instagram" in error and "telegram" in error


def test_every_registered_channel_is_accepted(tmp_path):
    """Each channel of the registry, Instagram included, may stand in a rule."""
    result = load_config(with_channel_condition(tmp_path, ", ".join(channel_names())), env={}, channels=channel_names())
    assert result.errors == [] and result.config is not None
