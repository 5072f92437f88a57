"""Sensitivity sweeps (docs/sweeps.md).

- ``api``: ``run_sweep(path, scheduler=None, workers=None, resume=True, out=None) -> Path``,
  ``sweep_report(sweep_dir, out) -> Path``, ``load_results(sweep_dir)``
- ``spec``: the sweep-file schema (pydantic) and ``load_sweep``
- ``design``: grid / one-at-a-time / Latin hypercube / Sobol / Morris designs
- ``evaluators``: ``ReeblocEvaluator`` (build once, re-solve with ``reebloc.solve.fastpath.FastHighs``),
  ``IshigamiEvaluator`` (stand-in with known indices), ``run_chunk``
- ``runner``: in-process, local processes or Dask
- ``store``: the resumable chunk store
- ``analysis``: SALib indices, OLS metamodel, charts, HTML / Markdown / Excel report
"""
