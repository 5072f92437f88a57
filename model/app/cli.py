"""Command line: a thin face over the Python API. User mistakes print one line and exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import json
import time
import warnings
from pathlib import Path

from reebloc.errors import ReeblocError


def _run(a) -> int:
    from reebloc.app.run import check_all, check_out_arg, run, run_many
    if a.workers is not None and a.workers < 1:
        raise ReeblocError(None, "--workers", f"expected a whole number ≥ 1, got {a.workers}")
    check_out_arg(a.out)
    if len(a.configs) > 1:      # every config is checked before the first solve
        check_all(a.configs, out=a.out, force=a.force, overlay=a.overlay, folders=not a.decompose)
    if a.no_tables and not a.decompose:
        raise ReeblocError(None, "--no-tables", "applies to --decompose runs only (a run of the extensive form "
                           "takes its tables from the one solve)")
    if a.decompose:
        from reebloc.app.decomposed import run_decomposed
        for cfg in a.configs:
            t0 = time.perf_counter()
            folder = run_decomposed(cfg, a.decompose, a.np, out=a.out, force=a.force, tables=not a.no_tables)
            rep = json.loads((folder / "summary.json").read_text())
            state = (f"converged in {rep['iterations']} iterations" if rep["converged"] else
                     f"NOT converged after {rep['iterations']} iterations")
            gap = f", gap to its bound {rep['gap']:.1e}" if rep.get("gap") is not None else ""
            print(f"{cfg}: {a.decompose} on {a.np} process(es), {state}{gap}: expected welfare "
                  f"{rep['objective_kusd'] * 1000:,.0f} USD; wrote {folder} in {time.perf_counter() - t0:.2f} s")
        return 0
    if (a.workers or 1) == 1 or len(a.configs) == 1 or a.overlay:
        for cfg in a.configs:
            t0 = time.perf_counter()
            folder = run(cfg, out=a.out, force=a.force, overlay=a.overlay)
            print(f"{cfg}: wrote {folder} in {time.perf_counter() - t0:.2f} s")
        return 0
    failed = 0
    for cfg, folder, seconds, err in run_many(a.configs, out=a.out, force=a.force, workers=a.workers):
        if err is None:
            print(f"{cfg}: wrote {folder} in {seconds:.2f} s")
        else:
            print(f"error: {err}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def _validate(a) -> int:
    from reebloc.app.run import check_config
    from reebloc.inputs.config import load_config
    for cfg in a.configs:
        r = load_config(cfg)
        data = check_config(r)      # data set, references, payers, ids, policy references
        print(f"{cfg}: ok ({len(data['facilities'])} facilities, {len(data['routes'])} routes, "
              f"years {r.config.years.start}-{r.config.years.end}, {len(r.config.scenarios)} scenario(s), "
              f"{len(r.config.policies)} policies)")
    return 0


def _compare(a) -> int:
    from reebloc.reports.api import compare
    print(compare([Path(p) for p in a.runs], baseline=Path(a.baseline) if a.baseline else None, fmt=a.format))
    return 0


DEFAULT_REPORTS = Path("runs/out/reports")


def _report(a) -> int:
    from reebloc.errors import check_report_out
    from reebloc.reports.api import report
    out = Path(a.out) if a.out else DEFAULT_REPORTS / "report.html"
    check_report_out(out, a.force)
    if not a.out:
        out.parent.mkdir(parents=True, exist_ok=True)
    out = report([Path(p) for p in a.runs], out, baseline=Path(a.baseline) if a.baseline else None, force=a.force)
    print(f"wrote {out}")
    return 0


def _sweep(a) -> int:
    from reebloc.sweep.api import run_sweep
    if a.workers is not None and a.workers < 1:
        raise ReeblocError(None, "--workers", f"expected a whole number ≥ 1, got {a.workers}")
    out = run_sweep(Path(a.config), scheduler=a.scheduler, workers=a.workers, out=a.out, resume=not a.fresh)
    manifest = json.loads((out / "manifest.json").read_text())
    failed = manifest.get("failed", 0)
    note = (f" ({failed} of {manifest['n_variants']} variants failed or were refused; the status column "
            "of results.parquet says why)" if failed else "")
    print(f"wrote {out}{note}")
    return 0


def _sweep_report(a) -> int:
    from reebloc.errors import check_report_out
    from reebloc.sweep.api import sweep_report
    out = Path(a.out) if a.out else DEFAULT_REPORTS / f"{Path(a.sweep_dir).resolve().name}.html"
    check_report_out(out, a.force)
    if not a.out:
        out.parent.mkdir(parents=True, exist_ok=True)
    out = sweep_report(Path(a.sweep_dir), out, force=a.force)
    print(f"wrote {out}")
    return 0


def _verify(a) -> int:
    from reebloc.app.verify import verify
    bad = 0
    for item, status in verify(a.run_dir):
        print(f"{item}: {status}")
        bad += status != "identical"
    print("verified: identical" if not bad else f"NOT reproduced: {bad} item(s) differ")
    return 0 if not bad else 1


def _findings(a) -> int:
    from reebloc.reports.findings import run_args
    return run_args(a)


def _calibrate(a) -> int:
    from reebloc.app.calibrate import main as calibrate_main
    return calibrate_main(a)


def _schema(a) -> int:
    from reebloc.app.schema import schema_text, write_schemas
    if a.out:
        for f in write_schemas(Path(a.out)):
            print(f"wrote {f}")
    else:
        print(schema_text(a.kind))
    return 0


def _list(a) -> int:
    from reebloc.inputs.catalog import listing
    print(listing(a.what, Path(a.inputs)))
    return 0


def _version() -> str:
    import reebloc
    return f"reebloc {reebloc.__version__}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reebloc", description="Rare-earth supply under price floors and trade blocs.")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and results")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="solve one or more run configs and write runs/out/<name>/")
    r.add_argument("configs", nargs="+")
    r.add_argument("--out", default=None, help="output root (default runs/out); the run goes to OUT/<name>/")
    r.add_argument("--force", action="store_true", help="replace an existing run folder")
    r.add_argument("--workers", type=int, default=None,
                   help="solve the configs in N parallel processes (default 1: one after another)")
    r.add_argument("--decompose", choices=["benders", "lshaped", "ph"], default=None,
                   help="solve by scenario decomposition instead of the extensive form: benders (multi-cut "
                        "L-shaped on warm HiGHS models), or mpi-sppy's lshaped or ph (progressive hedging); "
                        "needs pip install -e '.[mpi]' (docs/performance.md)")
    r.add_argument("--np", type=int, default=1, help="MPI processes for --decompose (default 1)")
    r.add_argument("--no-tables", action="store_true", help="with --decompose: write only the plan and its "
                   "expected welfare, not the result tables (which cost two more solves per scenario)")
    r.add_argument("--overlay", default=None, help="YAML whose top-level keys replace the config's, e.g. "
                   "runs/overlays/strategic-china.yaml: the variant against a strategic China (docs/strategy.md)")
    r.set_defaults(func=_run)
    v = sub.add_parser("validate", help="check configs and their data sets without solving")
    v.add_argument("configs", nargs="+")
    v.set_defaults(func=_validate)
    c = sub.add_parser("compare", help="headline figures of run folders side by side ($M, %%)")
    c.add_argument("runs", nargs="+")
    c.add_argument("--baseline", default=None, help="run folder the others are compared with (Δ columns)")
    c.add_argument("--format", default="table", choices=["table", "csv", "json"], help="output format (default table)")
    c.set_defaults(func=_compare)
    rp = sub.add_parser("report", help="HTML, Markdown or Excel report over run folders")
    rp.add_argument("runs", nargs="+")
    rp.add_argument("--out", default=None, help="FILE.html, FILE.md or FILE.xlsx (default runs/out/reports/report.html)")
    rp.add_argument("--baseline", default=None, help="run folder every other variant is compared with")
    rp.add_argument("--force", action="store_true", help="replace an existing report")
    rp.set_defaults(func=_report)
    s = sub.add_parser("sweep", help="run a sensitivity sweep (runs/sweeps/<name>.yaml)")
    s.add_argument("config")
    s.add_argument("--scheduler", default=None, help="Dask scheduler address (default: local processes)")
    s.add_argument("--workers", type=int, default=None, help="local worker processes (default: cores)")
    s.add_argument("--out", default=None, help="output root (default runs/out/sweeps)")
    s.add_argument("--fresh", action="store_true",
                   help="start again instead of resuming a sweep folder that exists")
    s.set_defaults(func=_sweep)
    sr = sub.add_parser("sweep-report", help="sensitivity indices and metamodel of a finished sweep")
    sr.add_argument("sweep_dir")
    sr.add_argument("--out", default=None, help="FILE.html, FILE.md or FILE.xlsx (default runs/out/reports/<sweep>.html)")
    sr.add_argument("--force", action="store_true", help="replace an existing report")
    sr.set_defaults(func=_sweep_report)
    ve = sub.add_parser("verify", help="re-run a run folder from its manifest and compare byte for byte")
    ve.add_argument("run_dir")
    ve.set_defaults(func=_verify)
    fd = sub.add_parser("findings", help="docs/findings.md from policy-library run folders")
    from reebloc.reports.findings import add_arguments as findings_arguments
    findings_arguments(fd)
    fd.set_defaults(func=_findings)
    cal = sub.add_parser("calibrate", help="compare the 2025-26 history with observed figures")
    cal.add_argument("config", nargs="?", default="runs/scenarios/brief_regimes.yaml")
    cal.add_argument("--out", default=None, help="output root (default runs/out); writes OUT/calibration/")
    cal.add_argument("--force", action="store_true", help="replace an existing OUT/calibration/")
    cal.add_argument("--update-docs", action="store_true", help="also rewrite docs/calibration.md (the tracked copy)")
    cal.set_defaults(func=_calibrate)
    sc = sub.add_parser("schema", help="JSON Schema of run, sweep and policy configs (for editors and validators)")
    sc.add_argument("kind", nargs="?", default="run", choices=["run", "sweep", "policy"],
                    help="the schema printed when --out is not given (default run)")
    sc.add_argument("--out", default=None, help="folder to write run/sweep/policy.schema.json into")
    sc.set_defaults(func=_schema)
    ls = sub.add_parser("list", help="valid ids of a data set: nodes, commodities, facilities, segments, payers")
    ls.add_argument("what", choices=["nodes", "commodities", "facilities", "segments", "payers"])
    ls.add_argument("--inputs", default="inputs/default", help="data-set folder (default inputs/default)")
    ls.set_defaults(func=_list)
    return p


def _one_line(text: str) -> str:
    """An error is one line: control characters (a newline from a file name or a value) are shown
    escaped, never printed raw."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s",
                        stream=sys.stderr)
    logging.getLogger("pyomo").setLevel(logging.ERROR)
    warnings.simplefilter("default")
    warnings.formatwarning = lambda msg, cat, *rest: f"warning: {msg}\n"
    try:
        return args.func(args) or 0
    except ReeblocError as e:
        print(f"error: {_one_line(e.line())}", file=sys.stderr)
        return 2
    except OSError as e:     # last resort: a file we could not read or write, named by the OS
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"error: {where}{e.strerror or e.__class__.__name__}", file=sys.stderr)
        return 2
    except RecursionError:   # last resort: input nested beyond Python's stack (loaders bound it first)
        print("error: input nested too deeply to be read", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:       # e.g. `reebloc compare ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
