"""JSON Schema of run, sweep and policy configs, generated from the pydantic models.

``reebloc schema [run|sweep|policy]`` prints one; ``reebloc schema --out DIR`` writes
``run.schema.json``, ``sweep.schema.json`` and ``policy.schema.json`` (the copies in
``docs/schema/`` are kept current by a test). Editors use them for completion and checking
(``docs/config.md``: a ``# yaml-language-server: $schema=...`` modeline).

A config with ``base:`` gives only the keys it changes, so the run schema requires the keys
of a complete config (``name``, ``inputs``, ``years``, ``discount_rate``) only when ``base`` is
absent; top-level ``x-*`` keys (YAML anchors) are allowed.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("run", "sweep", "policy")


def _run() -> dict:
    from reebloc.inputs.config import RunConfig
    s = RunConfig.model_json_schema()
    required = s.pop("required", [])
    s["anyOf"] = [{"required": ["base"]}, {"required": required}]
    s["patternProperties"] = {"^x-": {"description": "ignored: holds YAML anchors for reuse"}}
    props = s["properties"]
    # a config with base: may give part of a scenario (merged key by key into the base's)
    return s


def _sweep() -> dict:
    from reebloc.sweep.spec import SweepConfig
    return SweepConfig.model_json_schema()


def _policy() -> dict:
    from reebloc.inputs.policies import Policy
    s = TypeAdapter(Policy).json_schema()
    s["title"] = "Policy"
    s["description"] = "One policy instrument (an entry under policies:), chosen by kind."
    return s


def schema(kind: str) -> dict:
    s = {"run": _run, "sweep": _sweep, "policy": _policy}[kind]()
    return {"$schema": SCHEMA_URL, "$id": f"reebloc-{kind}.schema.json", **s}


def schema_text(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind in KINDS:
        f = folder / f"{kind}.schema.json"
        f.write_text(schema_text(kind), encoding="utf-8")
        out.append(f)
    return out
