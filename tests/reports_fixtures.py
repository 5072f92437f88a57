"""Run folders for the report tests: two small variants solved for real, plus an "old" run.

* ``base``: the four-node chain (tests/data/chain) with two scenarios (no controls; a Chinese
  Dy/Tb ban from 2026).
* ``floor``: ``base`` plus a US tariff on Chinese magnets, a $110/kg NdPr price floor (CfD)
  and a US–JP–AU bloc, on a copy of the data set with one demand row changed.
* ``old``: a copy of ``base`` as a run made before government and security outputs existed
  (no government.csv, security.csv or their summary keys) whose data-set folder is gone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CHAIN_CONFIG = ROOT / "tests" / "configs" / "chain.yaml"
CHAIN_DATA = ROOT / "tests" / "data" / "chain"

BASE_YAML = """\
base: {chain}
name: base
inputs: {data}
scenarios:
  no_controls: {{probability: 0.6}}
  ban:
    probability: 0.4
    export_controls:
      heavy: {{commodities: [dytb_oxide], years: {{start: 2026, end: 2027}}, kind: ban}}
"""

FLOOR_YAML = """\
base: base.yaml
name: floor
inputs: {data}
policies:
  us_tariff: {{kind: tariff, origins: [CN], destinations: [US], commodities: [ndfeb_magnet], ad_valorem: 0.25}}
  mp_floor: {{kind: price_floor, facilities: [us_sep], commodity: ndpr_oxide, price_usd_per_kg: 110, reference_node: CN, payer: US}}
  ally: {{kind: bloc, members: [US, JP, AU], external_ad_valorem: 0.1}}
"""

CHANGED_DEMAND = {"node": "US", "year": "2027", "factor": 1.2}  # one row of the floor data set


def make_runs(tmp: Path) -> dict[str, Path]:
    from reebloc.app.run import run

    data = tmp / "data"
    base_data = shutil.copytree(CHAIN_DATA, data / "chain")
    var_data = shutil.copytree(CHAIN_DATA, data / "chain_v")
    dem = pd.read_csv(var_data / "demand.csv", dtype=str, keep_default_na=False)
    row = dem.index[(dem["node"] == CHANGED_DEMAND["node"]) & (dem["year"] == CHANGED_DEMAND["year"])][0]
    dem.loc[row, "quantity_t"] = f"{float(dem.loc[row, 'quantity_t']) * CHANGED_DEMAND['factor']:g}"
    dem.to_csv(var_data / "demand.csv", index=False)

    cfg = tmp / "configs"
    cfg.mkdir()
    (cfg / "base.yaml").write_text(BASE_YAML.format(chain=CHAIN_CONFIG, data=base_data))
    (cfg / "floor.yaml").write_text(FLOOR_YAML.format(data=var_data))
    out = tmp / "out"
    runs = {"base": run(cfg / "base.yaml", out=out), "floor": run(cfg / "floor.yaml", out=out)}
    runs["old"] = make_old(runs["base"], out / "old", gone=data / "gone")
    return runs


def make_old(src: Path, dst: Path, gone: Path) -> Path:
    """A copy of run ``src`` as if made before government/security outputs existed."""
    shutil.copytree(src, dst)
    for f in ("government.csv", "security.csv"):
        (dst / f).unlink()
    for f in dst.glob("*.csv"):
        lines = f.read_text().splitlines(keepends=True)
        f.write_text(lines[0] + "".join("old" + ln[ln.index(","):] for ln in lines[1:]))
    m = json.loads((dst / "manifest.json").read_text())
    m["run"] = m["config"]["name"] = "old"
    m["inputs"]["path"] = str(gone)
    (dst / "manifest.json").write_text(json.dumps(m, indent=2))
    s = json.loads((dst / "summary.json").read_text())
    s = {k: v for k, v in s.items() if not k.startswith("government_cost") and k != "security"}
    s["run"] = "old"
    (dst / "summary.json").write_text(json.dumps(s, indent=2))
    return dst
