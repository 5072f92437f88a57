"""Shared test helpers: paths and a cached solve of the small fixtures."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "tests" / "configs"
DATA = ROOT / "tests" / "data"


@lru_cache(maxsize=None)
def solved(config_name: str):
    """RunResult of tests/configs/<config_name>.yaml (solved once per session)."""
    from reebloc.app.run import run_in_memory
    return run_in_memory(CONFIGS / f"{config_name}.yaml")


def run_refused(tmp_path: Path, capsys, body: str, base: str = "two.yaml", name: str = "c") -> tuple[Path, str]:
    """Write a run config over tests/configs/<base> with ``body`` (YAML after its ``name``), run
    ``reebloc run`` on it (exit 2 asserted) and return (config path, stripped standard error)."""
    from reebloc.app.cli import main
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(f"base: {CONFIGS / base}\nname: {name}\n{body}\n")
    capsys.readouterr()
    assert main(["-q", "run", str(cfg), "--out", str(tmp_path / "out")]) == 2
    return cfg, capsys.readouterr().err.strip()


@pytest.fixture
def copy_dataset(tmp_path):
    """Copy a test data set into tmp and return (folder, config path) for mutation."""
    import shutil

    def make(name: str, config: str | None = None) -> tuple[Path, Path]:
        folder = tmp_path / "data"
        shutil.copytree(DATA / name, folder)
        cfg = tmp_path / "run.yaml"
        text = (CONFIGS / f"{config or name}.yaml").read_text()
        cfg.write_text(text.replace(f"../data/{name}", "data"))
        return folder, cfg
    return make


def csv_text(head: str, rows: list[str]) -> str:
    """A CSV file's text from its header and rows."""
    return head + "\n" + "\n".join(rows) + "\n"


def solve_files(folder: Path, files: dict[str, str], config: str):
    """Write a data set (file name → text) to ``folder/data`` and a run config (``config``: the
    YAML after ``inputs: data``) to ``folder/run.yaml``; return the solved RunResult."""
    from reebloc.app.run import solve_resolved
    from reebloc.inputs.config import load_config
    from reebloc.inputs.dataset import load_dataset
    data = folder / "data"
    data.mkdir()
    for name, text in files.items():
        (data / name).write_text(text)
    cfg = folder / "run.yaml"
    cfg.write_text("inputs: data\n" + config)
    r = load_config(cfg)
    return solve_resolved(r, load_dataset(r.data_dir, r.config.year_list))
