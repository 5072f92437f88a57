"""The key reference of ``docs/config.md``, generated from the pydantic models' field descriptions.

``python -m reebloc.app.configdoc`` rewrites the part of ``docs/config.md`` between the
``<!-- keys:begin -->`` and ``<!-- keys:end -->`` markers; a test checks it is current and that
every field has a description (so the page cannot drift from the code).
"""

from __future__ import annotations

import re
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

BEGIN, END = "<!-- keys:begin -->", "<!-- keys:end -->"


def _blocks():
    from reebloc.inputs.config import (Curves, InvestmentOptions, MoneyOptions, OriginOptions, RunConfig,
                                       SolverOptions, StorageOptions, TradeOptions, WedgeOptions)
    from reebloc.inputs.policies import POLICY_CLASSES
    from reebloc.inputs.scenarios import ExportControl, OutsideBloc, Scenario
    from reebloc.inputs.schema_base import YearSpan
    from reebloc.inputs.strategy import Deterrence, Instrument, SearchOptions, Strategy
    from reebloc.sweep.spec import Design, Output, Parameter, SweepConfig
    run = [
        ("Run config (top level)", "", RunConfig),
        ("`years` (and every other `years:` span)", "years.", YearSpan),
        ("`curves`", "curves.", Curves),
        ("`solver`", "solver.", SolverOptions),
        ("`wedges`", "wedges.", WedgeOptions),
        ("`origin`", "origin.", OriginOptions),
        ("`trade` (docs/model.md § Gradual trade)", "trade.", TradeOptions),
        ("`investment` (docs/model.md § Investment)", "investment.", InvestmentOptions),
        ("`money` (docs/model.md § Money)", "money.", MoneyOptions),
        ("`storage` (docs/model.md § Private storage)", "storage.", StorageOptions),
        ("`scenarios.<name>`", "scenarios.<name>.", Scenario),
        ("`scenarios.<name>.export_controls.<name>`", "…export_controls.<name>.", ExportControl),
        ("`destinations: {outside_bloc: …}` of an export control", "…destinations.", OutsideBloc),
        ("`strategy` (China as a Stackelberg leader, docs/strategy.md)", "strategy.", Strategy),
        ("`strategy.instruments.<name>`", "strategy.instruments.<name>.", Instrument),
        ("`strategy.deterrence`", "strategy.deterrence.", Deterrence),
        ("`strategy.search`", "strategy.search.", SearchOptions),
    ]
    pol = [(f"`policies.<name>` with `kind: {k}`", "", c) for k, c in POLICY_CLASSES.items()]
    sweep = [
        ("Sweep config (top level)", "", SweepConfig),
        ("`design`", "design.", Design),
        ("`parameters[]`", "parameters[].", Parameter),
        ("`outputs[]`", "outputs[].", Output),
    ]
    return run, pol, sweep


def _type(ann) -> str:
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, types.UnionType):
        parts = [_type(a) for a in args if a is not type(None)]
        s = " or ".join(dict.fromkeys(parts))
        return s + (" (optional)" if type(None) in args else "")
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" if isinstance(a, str) else str(a) for a in args)
    if origin in (list, tuple):
        return f"list of {_type(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping {_type(args[0])} → {_type(args[1])}" if args else "mapping"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann.__name__
    name = getattr(ann, "__name__", str(ann))
    return {"float": "number", "int": "integer", "str": "text", "bool": "true/false", "Any": "any"}.get(name, name)


def _default(f) -> str:
    if f.is_required():
        return "**required**"
    if f.default_factory is not None:
        v = f.default_factory()
        if isinstance(v, BaseModel):
            return "(the defaults below)"
        if isinstance(v, dict) and v and all(isinstance(x, BaseModel) for x in v.values()):
            return "`" + ", ".join(f"{k}: probability {x.probability:g}" if hasattr(x, "probability") else k for k, x in v.items()) + "`"
        return f"`{v!r}`".replace("{}", "{}") if v not in ({}, []) else ("`{}`" if v == {} else "`[]`")
    v = f.default
    if v is None:
        return "none"
    if v is PydanticUndefined:
        return "**required**"
    if isinstance(v, str):
        return f'`"{v}"`' if v in ("*", "") else f"`{v}`"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    return f"`{v:g}`" if isinstance(v, float) else f"`{v}`"


def _bounds(f) -> str:
    out = []
    for m in f.metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"), ("min_length", "length ≥")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sym} {v:g}" if isinstance(v, float) else f"{sym} {v}")
    return "; ".join(out)


def _table(title: str, prefix: str, model: type[BaseModel]) -> list[str]:
    lines = [f"#### {title}", ""]
    doc = (model.__doc__ or "").strip()
    if doc and not doc.startswith("Base of every") and model.__name__ not in ("RunConfig",):
        lines += [re.sub(r"\s+", " ", doc).replace("``", "`"), ""]
    lines += ["| key | type | default | meaning (unit) |", "|---|---|---|---|"]
    for name, f in model.model_fields.items():
        desc = (f.description or "").replace("|", "\\|").replace("\n", " ")
        b = _bounds(f)
        if b:
            desc += f" [{b}]"
        lines.append(f"| `{prefix}{name}` | {_type(f.annotation)} | {_default(f)} | {desc} |")
    return lines + [""]


def reference() -> str:
    """The generated key reference (markdown, between the markers)."""
    run, pol, sweep = _blocks()
    lines = [BEGIN, "", "<!-- generated by `python -m reebloc.app.configdoc` from the field descriptions in "
             "model/inputs/*.py and model/sweep/spec.py; do not edit by hand -->", "",
             "### Run configs", ""]
    for b in run:
        lines += _table(*b)
    lines += ["### Policy instruments", ""]
    for b in pol:
        lines += _table(*b)
    lines += ["### Sweep configs (`runs/sweeps/*.yaml`)", ""]
    for b in sweep:
        lines += _table(*b)
    return "\n".join(lines).rstrip("\n") + "\n\n" + END


def undocumented() -> list[str]:
    """``Model.field`` of every config field without a description."""
    run, pol, sweep = _blocks()
    return [f"{m.__name__}.{n}" for _, _, m in run + pol + sweep for n, f in m.model_fields.items() if not f.description]


def update(page: Path = Path("docs/config.md")) -> Path:
    text = page.read_text(encoding="utf-8")
    ref = reference()
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + ref + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n## Every key\n\n" + ref + "\n"
    page.write_text(text, encoding="utf-8")
    return page


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {update(Path(sys.argv[1]) if len(sys.argv) > 1 else Path('docs/config.md'))}")
