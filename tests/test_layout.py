"""The package's shape: one import root, stages that import only upstream, no import cycles.

Stages in the order data flows (docs/architecture.md): errors → inputs → equilibrium → solve →
outputs → sweep / app; reports read run folders and import only ``reebloc.errors``. Every
import is counted, including imports inside functions, because a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"reebloc": ROOT / "model", "reebloc.reports": ROOT / "reports"}

# stage -> stages it may import (itself included)
ALLOWED = {
    "errors": {"errors"},
    "inputs": {"errors", "inputs"},
    "equilibrium": {"errors", "inputs", "equilibrium"},
    "solve": {"errors", "inputs", "equilibrium", "solve"},
    "outputs": {"errors", "inputs", "equilibrium", "solve", "outputs"},
    # strategy (issue 17): the leader's search re-solves the equilibrium (solve) and reads its
    # payoff from the accounting (outputs); runs (app) call it, so it sits between the two
    "strategy": {"errors", "inputs", "equilibrium", "solve", "outputs", "strategy"},
    "sweep": {"errors", "inputs", "equilibrium", "solve", "outputs", "strategy", "sweep", "app"},
    "app": {"", "errors", "inputs", "equilibrium", "solve", "outputs", "strategy", "sweep", "app", "reports", "api"},
    "api": {"errors", "inputs", "equilibrium", "solve", "outputs", "strategy", "sweep", "app", "reports", "api"},
    "reports": {"errors", "reports"},
    "": {"errors", "inputs", "equilibrium", "solve", "outputs", "strategy", "sweep", "app", "reports", "api"},
}


def modules() -> dict[str, Path]:
    out = {}
    for root_name, folder in SOURCES.items():
        for f in folder.rglob("*.py"):
            rel = f.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([root_name, *parts])
            if root_name == "reebloc" and parts[:1] == ["reports"]:
                continue
            out[name] = f
    return out


def stage(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            if t.startswith("model.") or t == "model" or t.startswith("reports.") or t == "reports":
                found.add("!" + t)  # the old, clashing import roots
            while t and t not in known:
                t = t.rsplit(".", 1)[0] if "." in t else ""
            if t and t != name:
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {n: imports_of(n, p, set(mods)) for n, p in mods.items()}


def test_no_old_import_roots():
    bad = {n: sorted(t for t in deps if t.startswith("!")) for n, deps in graph().items()}
    assert not {n: d for n, d in bad.items() if d}, "imports of the old top-level names"


def test_stages_import_only_upstream():
    bad = []
    for n, deps in graph().items():
        for d in deps:
            if d.startswith("!"):
                continue
            if stage(d) not in ALLOWED[stage(n)]:
                bad.append(f"{n} -> {d}")
    assert not bad, "imports against the flow of data:\n" + "\n".join(sorted(bad))


def test_no_import_cycles():
    g = {n: {d for d in deps if not d.startswith("!")} for n, deps in graph().items()}
    # a package importing its own submodules (``__init__`` re-exports) is not a cycle
    index, low, on, stack, sccs = {}, {}, set(), [], []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w.startswith(v + "."):
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            strong(v)
    assert not sccs, f"import cycles: {sccs}"


def test_cycle_detector_can_fail(tmp_path):
    """The detector sees a planted two-module cycle (so the tests above can fail)."""
    pkg = tmp_path / "m"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from reebloc.b import g\n")
    (pkg / "b.py").write_text("from reebloc.a import f\n")
    g = {n: imports_of(n, p, set(modules_in(pkg))) for n, p in modules_in(pkg).items()}
    assert "reebloc.b" in g["reebloc.a"] and "reebloc.a" in g["reebloc.b"]


def modules_in(folder: Path) -> dict[str, Path]:
    out = {}
    for f in folder.rglob("*.py"):
        parts = [p for p in f.relative_to(folder).with_suffix("").parts if p != "__init__"]
        out[".".join(["reebloc", *parts])] = f
    return out


def test_no_core_under_build():
    assert not (ROOT / "model" / "build").exists(), "the equations live in model/equilibrium/"


@pytest.mark.slow
def test_wheel_has_one_import_root(tmp_path):
    """``pip wheel .`` builds a wheel whose only top-level package is ``reebloc``."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                        "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    wheel = next(tmp_path.glob("reebloc-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"reebloc"}, tops
    for must in ("reebloc/equilibrium/balance.py", "reebloc/reports/api.py", "reebloc/app/cli.py"):
        assert must in names
