"""Run chunks of variants: in this process, on local worker processes, or on a Dask cluster.

Every finished chunk comes back to this process, which writes it to the chunk store at once
(atomically), so a kill at any moment loses at most the chunks in flight.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import pandas as pd
from tqdm import tqdm

from reebloc.sweep.evaluators import EvaluatorFactory, run_chunk
from reebloc.sweep.store import ChunkStore


def _init_worker(threads: int) -> None:
    # one HiGHS thread and one BLAS thread per worker process: the cores are the parallelism
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    # A worker's own multiprocessing locks (Pyomo makes one the first time it is touched, tqdm
    # another) are never shared with another process. Under the spawn default each would be a
    # named semaphore registered with the parent's resource tracker, to be unregistered by a
    # finaliser; a worker terminated after a sweep-file mistake (terminate() from here, then a
    # second one from the pool once a sibling has exited) could die between the two, and the
    # tracker printed "leaked semaphore" after the error line. Under the fork default a lock's
    # name is unlinked as it is made and nothing is registered, so a worker can die at any
    # moment without leaving anything to clean up. (This worker starts no processes itself.)
    if "fork" in mp.get_all_start_methods():
        mp.set_start_method("fork", force=True)


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
