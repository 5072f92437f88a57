"""What differs between runs (resolved configs, data sets) and where each run came from."""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from .runs import RunFolder
from .tables import Table

ABSENT = "(absent)"

# Keys of the data-set tables (docs/data.md); other tables fall back to their text columns.
DATA_KEYS: dict[str, list[str]] = {
    "sources": ["source_id"],
    "assumptions": ["assumption_id"],
    "nodes": ["node"],
    "commodities": ["commodity"],
    "processes": ["process", "commodity"],
    "facilities": ["facility"],
    "capacity": ["facility", "year"],
    "costs": ["facility", "year"],
    "demand": ["node", "segment", "commodity", "year"],
    "routes": ["origin", "destination", "commodity"],
    "substitution": ["segment", "commodity", "substitute"],
    "observed": ["metric", "year", "months"],
}
MAX_DETAIL_ROWS = 200


def _as_tree(v):
    """A list of dicts with unique ``name``/``id`` becomes a dict keyed ``[name]``."""
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        for key in ("name", "id"):
            labels = [str(x.get(key)) for x in v]
            if all(x.get(key) is not None for x in v) and len(set(labels)) == len(v):
                return {f"[{lab}]": x for lab, x in zip(labels, v)}
    return v


def _show(v) -> str:
    if v is ABSENT or isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True)


def diff_tree(values: list, prefix: str = "") -> tuple[list[tuple[str, list[str]]], int]:
    """Compare one config node across runs: (rows that differ as (dotted key, shown values),
    number of identical leaves). Descends into dicts (a run that lacks the dict, or has it
    empty, shows "(absent)" for each key under it)."""
    values = [_as_tree(v) for v in values]
    if all(isinstance(v, dict) or v is ABSENT for v in values) and any(isinstance(v, dict) and v for v in values):
        rows, same = [], 0
        keys = list(dict.fromkeys(k for v in values if isinstance(v, dict) for k in v))
        for k in keys:
            sub = f"{prefix}{k}" if k.startswith("[") else (f"{prefix}.{k}" if prefix else str(k))
            r, n = diff_tree([v.get(k, ABSENT) if isinstance(v, dict) else ABSENT for v in values], sub)
            rows += r
            same += n
        return rows, same
    shown = [_show(v) for v in values]
    if all(x == shown[0] for x in shown):
        return [], 1
    return [(prefix, shown)], 0


def config_diff(runs: list[RunFolder]) -> Table:
    rows, same = diff_tree([r.config for r in runs])
    df = pd.DataFrame([{"key": k, **dict(zip([r.name for r in runs], vals))} for k, vals in sorted(rows)],
                      columns=["key", *[r.name for r in runs]])
    notes = [f"Resolved configs (manifest.json config) compared key by key: {len(rows)} differ, {same} identical."]
    if len(runs) < 2:
        notes = ["Only one run: nothing to compare."]
    lacking = [r.name for r in runs if not r.config]
    if lacking:
        notes.append(f"manifest.json has no resolved config: {', '.join(lacking)}")
    return Table("config_diff", "Configs: keys that differ", df, notes=notes)


def _key_cols(name: str, df: pd.DataFrame) -> list[str]:
    keys = [c for c in DATA_KEYS.get(name, []) if c in df.columns]
    if keys:
        return keys
    num = set(df.apply(lambda s: pd.to_numeric(s, errors="coerce").notna().all()).loc[lambda x: x].index)
    return [c for c in df.columns if c not in num and c not in ("source_id", "note", "citation", "url", "description", "name")] or list(df.columns)


def diff_table(name: str, a: pd.DataFrame, b: pd.DataFrame) -> tuple[int, int, int, list[dict]]:
    """Rows added, removed, changed from ``a`` to ``b`` (by the table's key) and cell-level details."""
    keys = _key_cols(name, a)
    if not set(keys) <= set(b.columns):
        return len(b), len(a), 0, []
    ia = a.drop_duplicates(keys, keep="last").set_index(keys)
    ib = b.drop_duplicates(keys, keep="last").set_index(keys)
    added = ib.index.difference(ia.index)
    removed = ia.index.difference(ib.index)
    common = ia.index.intersection(ib.index)
    cols = sorted(set(ia.columns) | set(ib.columns), key=lambda c: (list(ia.columns) + list(ib.columns)).index(c))
    ca = ia.reindex(index=common, columns=cols).fillna(ABSENT).astype(str)
    cb = ib.reindex(index=common, columns=cols).fillna(ABSENT).astype(str)
    neq = ca != cb
    changed = neq.any(axis=1)
    details: list[dict] = []
    for idx in common[changed.to_numpy()]:
        k = idx if isinstance(idx, tuple) else (idx,)
        for c in [c for c in cols if neq.at[idx, c]]:
            details.append({"key": ", ".join(f"{n}={v}" for n, v in zip(keys, k)), "column": c, "from": ca.at[idx, c], "to": cb.at[idx, c]})
    for kind, index in (("added", added), ("removed", removed)):
        for idx in index:
            k = idx if isinstance(idx, tuple) else (idx,)
            details.append({"key": ", ".join(f"{n}={v}" for n, v in zip(keys, k)), "column": f"(row {kind})", "from": "", "to": ""})
    return len(added), len(removed), int(changed.sum()), details


def dataset_diff(runs: list[RunFolder], reference: RunFolder) -> tuple[Table, Table]:
    """Each run's data set against the reference run's, table by table."""
    summary, detail = [], []
    notes = [f"Data sets compared with {reference.name}'s, by file hash (manifest inputs.files) and row by row."]
    ref_h = reference.input_hashes
    for r in runs:
        if r is reference:
            continue
        h = r.input_hashes
        gone = [x.name for x in (reference, r) if x.inputs_path is None]
        if gone:
            notes.append(
                f"{r.name}: data-set folder of {', '.join(gone)} not found "
                f"({', '.join(str((x.manifest.get('inputs') or {}).get('path')) for x in (reference, r) if x.inputs_path is None)}); "
                "compared by file hash only."
            )
        for f in sorted(set(ref_h) | set(h)):
            row = {"run": r.name, "file": f, "status": "", "rows_added": 0, "rows_removed": 0, "rows_changed": 0}
            if f not in h:
                row["status"] = "removed"
            elif f not in ref_h:
                row["status"] = "added"
            elif h[f] == ref_h[f]:
                row["status"] = "same"
            else:
                row["status"] = "changed"
                if not gone:
                    stem = f.removesuffix(".csv")
                    a, b = reference.input_table(stem), r.input_table(stem)
                    if a is not None and b is not None:
                        ad, rm, ch, det = diff_table(stem, a, b)
                        row.update(rows_added=ad, rows_removed=rm, rows_changed=ch)
                        detail += [{"run": r.name, "file": f, **d} for d in det]
                else:
                    row.update(rows_added=None, rows_removed=None, rows_changed=None)
            summary.append(row)
    if len(runs) < 2:
        notes = ["Only one run: nothing to compare."]
    s = pd.DataFrame(summary, columns=["run", "file", "status", "rows_added", "rows_removed", "rows_changed"])
    d = pd.DataFrame(detail, columns=["run", "file", "key", "column", "from", "to"])
    dnotes = [f"Cells that differ from {reference.name}'s data set."]
    if len(d) > MAX_DETAIL_ROWS:
        dnotes.append(f"First {MAX_DETAIL_ROWS} of {len(d)} differences shown.")
        d = d.head(MAX_DETAIL_ROWS)
    return (
        Table("data_diff", "Data sets: tables that differ", s, notes=notes),
        Table("data_diff_rows", "Data sets: cells that differ", d, notes=dnotes),
    )


# --------------------------------------------------------------------------- like for like

LIKE_FOR_LIKE = (("years", "horizon"), ("periods", "periods"), ("discount_rate", "discount rate"),
                 ("money", "money settings"), ("curves", "curve forms"), ("trade", "trade settings"),
                 ("storage", "storage settings"))
"""Resolved-config keys that make two runs' figures incommensurable when they differ: a Δ between
them mixes the difference with the policy's effect (policies and scenarios are what variants vary)."""


def _brief(key: str, v) -> str:
    """A setting as a reader writes it: 2025–2030 for a horizon, 0.05 for a rate."""
    if key == "years" and isinstance(v, dict) and {"start", "end"} <= set(v):
        return f"{v['start']}–{v['end']}"
    if isinstance(v, float):
        return f"{v:g}"
    return _show(v)


def not_like_for_like(runs: list[RunFolder], base: RunFolder | None = None) -> list[str]:
    """One warning per run whose horizon, periods, discount rate, money, curve, trade or storage
    settings, or data set differ from the reference's (the baseline, else the first run)."""
    if len(runs) < 2:
        return []
    ref = base or runs[0]
    out = []
    for r in runs:
        if r is ref:
            continue
        diffs = []
        for key, label in LIKE_FOR_LIKE:
            a, b = ref.config.get(key, ABSENT), r.config.get(key, ABSENT)
            if a != b and ref.config and r.config:
                diffs.append(f"{label} {_brief(key, b)} (against {_brief(key, a)})")
        h0, h1 = ref.input_hashes, r.input_hashes
        if h0 and h1 and h0 != h1:
            changed = sorted(f for f in set(h0) | set(h1) if h0.get(f) != h1.get(f))
            diffs.append(f"data set ({', '.join(changed)} differ)")
        if diffs:
            out.append(f"not like for like: {r.name} differs from {ref.name} in " + "; ".join(diffs)
                       + f": its figures and any Δ against {ref.name} mix these differences with the policy's effect")
    return out


# --------------------------------------------------------------------------- provenance


def _fingerprint(h: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(h, sort_keys=True).encode()).hexdigest()[:12] if h else ""


def provenance(runs: list[RunFolder]) -> list[Table]:
    ds_rows, src_parts, asm_parts = [], [], []
    seen: dict[str, str] = {}
    for r in runs:
        path = (r.manifest.get("inputs") or {}).get("path")
        fp = _fingerprint(r.input_hashes)
        folder = r.inputs_path
        ds_rows.append({"run": r.name, "data_set": str(path), "found": "yes" if folder else "no (folder gone)", "files": len(r.input_hashes), "fingerprint": fp})
        ident = f"{path}#{fp}"
        if ident in seen or folder is None:
            continue
        seen[ident] = r.name
        src = r.input_table("sources")
        if src is not None:
            src_parts.append(src.assign(data_set=str(path)))
        asm = r.input_table("assumptions")
        if asm is not None:
            used: dict[str, list[str]] = {}
            for f in sorted(folder.glob("*.csv")):
                if f.stem in ("sources", "assumptions"):
                    continue
                t = pd.read_csv(f, dtype=str, keep_default_na=False)
                if "source_id" in t.columns:
                    for sid in set(t["source_id"]):
                        used.setdefault(sid, []).append(f.stem)
            asm = asm.assign(used_by=asm["assumption_id"].map(lambda a: ", ".join(used.get(a, [])) or "(unused)"), data_set=str(path))
            asm_parts.append(asm)
    tables = [
        Table("datasets", "Data sets", pd.DataFrame(ds_rows, columns=["run", "data_set", "found", "files", "fingerprint"]),
              notes=["fingerprint: short hash over the run's input file hashes (manifest inputs.files)."]),
    ]
    missing = [r.name for r in runs if r.inputs_path is None]
    gone_note = [f"data-set folder not found for: {', '.join(missing)}; its sources and assumptions cannot be listed"] if missing else []
    src = pd.concat(src_parts, ignore_index=True) if src_parts else pd.DataFrame(columns=["data_set", "source_id", "citation", "url", "note"])
    src = src[["data_set"] + [c for c in src.columns if c != "data_set"]]
    tables.append(Table("sources", "Sources", src, notes=gone_note))
    asm = pd.concat(asm_parts, ignore_index=True) if asm_parts else pd.DataFrame(columns=["data_set", "assumption_id", "description", "unit", "central", "low", "high", "note", "used_by"])
    asm = asm[["data_set"] + [c for c in asm.columns if c != "data_set"]]
    tables.append(Table("assumptions", "Assumptions in force", asm,
                        notes=["Labelled assumptions of the data set (central values in force); used_by: tables whose rows cite it."] + gone_note))

    vrows: dict[str, dict[str, str]] = {}
    for r in runs:
        m = r.manifest
        flat = {f"versions.{k}": v for k, v in (m.get("versions") or {}).items()}
        flat["git_commit"] = m.get("git_commit")
        flat["git_dirty"] = m.get("git_dirty")
        for sect in ("solver", "wedges", "timings_s"):
            if isinstance(m.get(sect), dict):
                flat.update({f"{sect}.{k}": v for k, v in m[sect].items()})
        flat["config_files"] = m.get("config_files")
        for k, v in flat.items():
            vrows.setdefault(k, {})[r.name] = "" if v is None else _show(v)
    vdf = pd.DataFrame([{"key": k, **v} for k, v in vrows.items()], columns=["key", *[r.name for r in runs]]).fillna("")
    tables.append(Table("versions", "Versions and solver", vdf))

    orows = [{"run": r.name, "override": str(o)} for r in runs for o in (r.manifest.get("overrides") or [])]
    tables.append(Table("overrides", "Config overrides (base → variant)", pd.DataFrame(orows, columns=["run", "override"])))
    return tables
