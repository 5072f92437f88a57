"""Designs: grid and one-at-a-time (numpy), Latin hypercube, Sobol (Saltelli) and Morris (SALib).

``make_design`` returns a DataFrame with a ``variant`` column (0..n-1) and one column per
parameter holding the design value x (see ``spec.Parameter.change``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from reebloc.sweep.spec import SweepConfig


def salib_problem(cfg: SweepConfig) -> dict:
    names, bounds = [], []
    for p in cfg.parameters:
        lo, hi = _range(p)
        names.append(p.name)
        bounds.append([lo, hi if hi > lo else lo + 1e-12])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _range(p) -> tuple[float, float]:
    if p.low is not None and p.high is not None:
        return float(p.low), float(p.high)
    vals = [float(v) for v in p.values]
    return min(vals), max(vals)


def _levels(p, n: int) -> list:
    if p.values is not None:
        return list(p.values)
    lo, hi = _range(p)
    return list(np.linspace(lo, hi, n))


def make_design(cfg: SweepConfig) -> pd.DataFrame:
    d = cfg.design
    names = [p.name for p in cfg.parameters]
    if d.kind == "grid":
        rows = list(itertools.product(*[_levels(p, d.levels) for p in cfg.parameters]))
        X = pd.DataFrame(rows, columns=names)
    elif d.kind == "oat":
        ref = {p.name: p.default_reference() for p in cfg.parameters}
        rows = [dict(ref)]
        for p in cfg.parameters:
            for v in _levels(p, d.levels):
                if v != ref[p.name]:
                    rows.append({**ref, p.name: v})
        X = pd.DataFrame(rows, columns=names)
    else:
        problem = salib_problem(cfg)
        if d.kind == "lhs":
            from SALib.sample import latin
            A = latin.sample(problem, d.n, seed=d.seed)
        elif d.kind == "sobol":
            from SALib.sample import sobol
            A = sobol.sample(problem, d.n, calc_second_order=d.second_order, seed=d.seed)
        else:
            from SALib.sample import morris
            A = morris.sample(problem, d.n, num_levels=d.levels, seed=d.seed)
        X = pd.DataFrame(A, columns=names)
        # parameters given as a list of values: snap the sample to the nearest listed value
        for p in cfg.parameters:
            if p.values is not None:
                vals = np.array([float(v) for v in p.values])
                X[p.name] = vals[np.abs(X[p.name].to_numpy()[:, None] - vals[None, :]).argmin(axis=1)]
    X.insert(0, "variant", np.arange(len(X), dtype=np.int64))
    return X
