"""How local is a leader search's optimum? Evaluates, in one variant's strategic model, China's
payoff at the export-tax schedule every strategic run found (their ``strategy.csv``): a schedule
found against another variant that beats the variant's own best response shows its search
stopped in a worse local optimum (docs/strategy.md § Search). Run from the repository root:

    python bench/leader_starts.py runs/library/baseline.yaml runs/out/strategic-library-*/strategy.csv
    python bench/leader_starts.py CFG RUNS... --overlay runs/overlays/strategic-china.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("schedules", nargs="+", help="strategy.csv files of strategic runs")
    ap.add_argument("--overlay", default=str(ROOT / "runs" / "overlays" / "strategic-china-quick.yaml"))
    a = ap.parse_args()

    import numpy as np
    import pandas as pd

    from reebloc.equilibrium import create_model
    from reebloc.inputs.config import apply_overlay, load_config
    from reebloc.inputs.dataset import load_dataset
    from reebloc.solve.solver import make_solver
    from reebloc.strategy import Leader

    r = apply_overlay(load_config(a.config), a.overlay)
    data = load_dataset(r.data_dir, r.config.year_list)
    inst = create_model(r.config, data)
    leader = Leader(inst, make_solver(inst, r.config.solver))
    print(f"{r.config.name}: China's payoff at competitive prices {leader.reference.payoff_usd / 1e6:,.1f} M$")
    for path in a.schedules:
        st = pd.read_csv(path)
        v = {(row.instrument, int(row.year)): float(row.value) for row in st.itertuples()}
        x = np.array([v[c.instrument, c.years[0]] for c in leader.coords])
        print(f"  at the schedule of {Path(path).parent.name}: {leader.evaluate(x) / 1e6:,.1f} M$", flush=True)


if __name__ == "__main__":
    main()
