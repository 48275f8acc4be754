"""Write the JSON Schema of each YAML file to config/schema/ (run: python -m config.schema_export)."""

from __future__ import annotations

import json
from pathlib import Path

from config.models import FILES

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


def schemas() -> dict[str, str]:
    """Return each schema file's name and text, generated from the pydantic models."""
    out = {}
    for name, model in FILES.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = name
        out[name.replace(".yaml", ".schema.json")] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return out


if __name__ == "__main__":
    SCHEMA_DIR.mkdir(exist_ok=True)
    for filename, text in schemas().items():
        (SCHEMA_DIR / filename).write_text(text, encoding="utf-8")
        print(f"wrote config/schema/{filename}")
