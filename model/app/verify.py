"""``reebloc verify RUN_DIR``: re-run a run folder from its manifest and compare, byte for byte.

1. The data set named in the manifest must still hash to the recorded values (else: which
   files changed). 2. The resolved config in the manifest is solved again. 3. Every CSV table is
   written with the same formatting and compared with the stored file. 4. ``summary.json`` is
   compared key by key: the same keys and text, numbers equal to 1e-9 relative (solver noise
   below the tables' rounding), so a tampered headline is caught.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from reebloc.inputs.config import RunConfig, ResolvedConfig
from reebloc.inputs.dataset import load_dataset, sha256
from reebloc.errors import ReeblocError


def verify(run_dir: str | Path) -> list[tuple[str, str]]:
    """[(item, status)] where status is 'identical' or a description of the difference."""
    from reebloc.app.run import solve_resolved, write_tables
    run_dir = Path(run_dir)
    mpath = run_dir / "manifest.json"
    if not run_dir.is_dir():
        raise ReeblocError(run_dir, None, "not a run folder (not a folder)")
    if not mpath.is_file():
        raise ReeblocError(run_dir, None, "not a run folder (no manifest.json file)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError(f"expected a JSON object, got a {type(manifest).__name__}")
        cfg = RunConfig.model_validate(manifest["config"])
        folder = Path(manifest["inputs"]["path"])
        recorded = manifest["inputs"]["files"]
        if not isinstance(recorded, dict):
            raise ValueError("inputs.files is not an object")
    except (ValueError, KeyError, TypeError) as e:
        why = str(e).splitlines()[0] if not isinstance(e, KeyError) else f"missing key {e}"
        raise ReeblocError(mpath, None, f"unreadable manifest ({why})") from None
    except OSError as e:
        raise ReeblocError(mpath, None, f"cannot be read ({e.strerror})") from None
    out = []
    for name, digest in sorted(recorded.items()):
        p = folder / name
        now = sha256(p) if p.is_file() else "missing"
        out.append((f"input {name}", "identical" if now == digest else f"changed since the run ({now[:12]})"))
    if any(s != "identical" for _, s in out):
        return out
    cfg = cfg.model_copy(update={"inputs": str(folder)})
    resolved = ResolvedConfig(config=cfg, path=mpath, files=[mpath], raw=manifest["config"])
    result = solve_resolved(resolved, load_dataset(folder, cfg.year_list))
    with tempfile.TemporaryDirectory() as tmp:
        write_tables(result.tables, Path(tmp))
        for f in sorted(Path(tmp).glob("*.csv")):
            old = run_dir / f.name
            if not old.is_file():
                out.append((f"table {f.name}", "not in the run folder" if not old.exists() else "not a file"))
            elif old.read_bytes() == f.read_bytes():
                out.append((f"table {f.name}", "identical"))
            else:
                a = old.read_text(encoding="utf-8", errors="replace").splitlines()
                b = f.read_text(encoding="utf-8").splitlines()
                n = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
                out.append((f"table {f.name}", f"differs in {n} lines"))
    out.append(("summary summary.json", _compare_summary(run_dir / "summary.json", result.summary)))
    return out


def _compare_summary(path: Path, new: dict) -> str:
    if not path.is_file():
        return "not in the run folder"
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as e:
        return f"unreadable ({str(e).splitlines()[0]})"
    new = json.loads(json.dumps(new, default=_plain))        # the form it was written in
    diff = _first_difference(old, new, "")
    return "identical" if diff is None else f"differs at {diff}"


def _plain(o):
    return o.item() if hasattr(o, "item") else str(o)


def _first_difference(a, b, key: str) -> str | None:
    """Dotted key of the first difference (sorted keys), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{key}{k} ({'added' if k not in a else 'missing'})"
            d = _first_difference(a[k], b[k], f"{key}{k}.")
            if d is not None:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{key.rstrip('.')} (length {len(a)} vs {len(b)})"
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f"{key}{i}.")
            if d is not None:
                return d
        return None
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        if a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0):
            return None
    elif a == b:
        return None
    return f"{key.rstrip('.')} ({a!r} in the folder, {b!r} re-run)"
