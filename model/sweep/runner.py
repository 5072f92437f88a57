"""Run chunks of variants: in this process, on local worker processes, or on a Dask cluster.

Every finished chunk comes back to this process, which writes it to the chunk store at once
(atomically), so a kill at any moment loses at most the chunks in flight.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import pandas as pd
from tqdm import tqdm

from reebloc.sweep.evaluators import EvaluatorFactory, run_chunk
from reebloc.sweep.store import ChunkStore


_setup = {"busy": False, "stopped": False}


def _init_worker(threads: int) -> None:
    # one HiGHS thread and one BLAS thread per worker process: the cores are the parallelism
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    # Pyomo creates a multiprocessing lock (a named semaphore, registered with the resource
    # tracker) the first time anything touches its deferred multiprocessing import: that used to
    # happen mid-solve, and a terminate() landing between the registration and the lock's
    # finaliser left the tracker warning of a leaked semaphore after the error line. Create it
    # here, with the handler installed but holding back until the lock is complete.
    _setup["busy"] = True
    signal.signal(signal.SIGTERM, _on_terminate)
    try:
        from pyomo.common import dependencies
        dependencies.multiprocessing.Lock  # noqa: B018 -- the attribute access runs the import
    finally:
        _setup["busy"] = False
    if _setup["stopped"]:
        _on_terminate()


def _on_terminate(*_) -> None:
    """terminate() (a sweep stopped by a mistake): release the worker's multiprocessing locks
    before exiting, else the resource tracker prints a "leaked semaphore" warning after the
    error line. During the worker's setup, only noted (Python runs handlers in the main thread,
    between bytecodes, so a lock half-made is finished first)."""
    if _setup["busy"]:
        _setup["stopped"] = True
        return
    from multiprocessing import util
    util._run_finalizers(0)
    os._exit(143)


def execute(factory: EvaluatorFactory, todo: list[tuple[int, pd.DataFrame]], store: ChunkStore, *,
            total: int, scheduler=None, workers: int = 1, progress: bool = True, desc: str = "sweep") -> dict:
    """Evaluate the chunks in ``todo`` and store each as it finishes. Returns run statistics."""
    remaining = sum(len(df) for _, df in todo)
    bar = tqdm(total=total, initial=total - remaining, unit="variant", desc=desc, smoothing=0.05,
               dynamic_ncols=True, disable=not progress, mininterval=0.5)
    stats = {"chunks": 0, "variants": 0, "failed": 0}

    def finished(cid, df):
        store.write_chunk(cid, df)
        stats["chunks"] += 1
        stats["variants"] += len(df)
        stats["failed"] += int((df["status"] != "optimal").sum())
        bar.update(len(df))
        bar.set_postfix(failed=stats["failed"], refresh=False)

    try:
        if not todo:
            pass
        elif scheduler is not None:
            _dask(factory, todo, finished, scheduler)
        elif workers <= 1:
            for cid, df in todo:
                finished(cid, run_chunk(factory, cid, df))
        else:
            _processes(factory, todo, finished, workers)
    finally:
        bar.close()
    return stats


def _processes(factory, todo, finished, workers: int) -> None:
    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx,
                               initializer=_init_worker, initargs=(factory.threads,))
    try:
        # keep a bounded queue in flight so a kill loses little and memory stays flat
        pending = {}
        it = iter(todo)
        for cid, df in it:
            pending[pool.submit(run_chunk, factory, cid, df)] = cid
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                cid = pending.pop(fut)
                finished(cid, fut.result())
                nxt = next(it, None)
                if nxt is not None:
                    pending[pool.submit(run_chunk, factory, nxt[0], nxt[1])] = nxt[0]
    except BaseException:
        # a sweep-file mistake raised in a worker, or Ctrl-C: do not wait for the other chunks
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            p.terminate()  # our own worker processes
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
        raise
    pool.shutdown(wait=True)


def _dask(factory, todo, finished, scheduler) -> None:
    from dask.distributed import Client, as_completed

    own = not hasattr(scheduler, "submit")
    client = Client(scheduler) if own else scheduler
    try:
        futures = {client.submit(run_chunk, factory, cid, df, pure=False, key=f"chunk-{factory.digest}-{cid}"): cid
                   for cid, df in todo}
        for fut in as_completed(futures):
            finished(futures[fut], fut.result())
    finally:
        if own:
            client.close()
