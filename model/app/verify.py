"""``reebloc verify RUN_DIR``: re-run a run folder from its manifest and compare, byte for byte.

1. The data set named in the manifest must still hash to the recorded values (else: which
   files changed). 2. The resolved config in the manifest is solved again. 3. Every CSV table is
   written with the same formatting and compared with the stored file.
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
    if not mpath.exists():
        raise ReeblocError(run_dir, None, "not a run folder (no manifest.json)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        cfg = RunConfig.model_validate(manifest["config"])
        folder = Path(manifest["inputs"]["path"])
        recorded = manifest["inputs"]["files"]
    except (ValueError, KeyError) as e:
        raise ReeblocError(mpath, None, f"unreadable manifest ({e})") from None
    out = []
    for name, digest in sorted(recorded.items()):
        p = folder / name
        now = sha256(p) if p.exists() else "missing"
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
            if not old.exists():
                out.append((f"table {f.name}", "not in the run folder"))
            elif old.read_bytes() == f.read_bytes():
                out.append((f"table {f.name}", "identical"))
            else:
                a, b = old.read_text().splitlines(), f.read_text().splitlines()
                n = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
                out.append((f"table {f.name}", f"differs in {n} lines"))
    return out
