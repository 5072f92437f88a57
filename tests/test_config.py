"""Config inheritance: overrides merge, are logged and recorded in the manifest."""

from __future__ import annotations

import logging

from reebloc.inputs.config import load_config
from tests.conftest import CONFIGS


def test_base_inheritance_merges_and_logs(caplog, tmp_path):
    (tmp_path / "a.yaml").write_text(
        "name: a\ninputs: ../x\nyears: {start: 2025, end: 2030}\ndiscount_rate: 0.05\n"
        "curves: {form: steps, steps: 10}\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\ncurves: {steps: 20}\n")
    (tmp_path / "c.yaml").write_text("base: b.yaml\nname: c\ndiscount_rate: 0.03\nyears: {end: 2030}\n")
    with caplog.at_level(logging.INFO, logger="reebloc.config"):
        r = load_config(tmp_path / "c.yaml")
    cfg = r.config
    assert (cfg.name, cfg.discount_rate, cfg.curves.steps, cfg.curves.form) == ("c", 0.03, 20, "steps")
    assert cfg.years.end == 2030
    assert r.overrides == ["name: a -> b", "curves.steps: 10 -> 20", "name: b -> c", "discount_rate: 0.05 -> 0.03",
                           "years.end: 2030 (restated, unchanged)"]
    assert [rec.getMessage() for rec in caplog.records] == [f"override {o}" for o in r.overrides]
    assert [p.name for p in r.files] == ["a.yaml", "b.yaml", "c.yaml"]
    # inputs are resolved relative to the file that set them
    assert r.data_dir == (tmp_path / "../x").resolve()


def test_overrides_are_in_the_manifest():
    from reebloc.app.run import run_in_memory
    r = run_in_memory(CONFIGS / "spe3_steps.yaml")
    assert "curves.form: linear -> steps" in r.manifest["overrides"]
    assert r.manifest["config"]["curves"] == {"form": "steps", "steps": 50, "demand": "linear", "demand_steps": 48,
                                              "demand_min_price_ratio": 0.25}
