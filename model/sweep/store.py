"""Resumable chunk store of a sweep's results.

Layout of ``<root>/<name>/``::

    sweep.json          what defines the variants (digest, chunk size, count) — resume checks it
    design.parquet      the design (variant + parameter values)
    chunks/c-000012.parquet   one file per *finished* chunk (written to a temp name, then os.replace)
    results.parquet, results.csv, manifest.json   after consolidation

A chunk file either exists complete or not at all, so after a crash or SIGKILL the rerun
evaluates exactly the chunks without a file: no duplicate and no lost row.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from reebloc.errors import ReeblocError

_CHUNK = re.compile(r"^c-(\d{6})\.parquet$")


class ChunkStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.chunks = self.folder / "chunks"

    # ------------------------------------------------------------ setup / resume
    def prepare(self, meta: dict, design: pd.DataFrame, resume: bool) -> None:
        """Create the folder, or check that an existing one belongs to the same sweep."""
        meta_f = self.folder / "sweep.json"
        if meta_f.exists():
            try:
                old = json.loads(meta_f.read_text(encoding="utf-8"))
                if not isinstance(old, dict):
                    raise ValueError("not a JSON object")
            except (ValueError, OSError) as e:
                if resume:
                    raise ReeblocError(meta_f, None, f"unreadable ({str(e).splitlines()[0]}); "
                                       "start again with --fresh") from None
                old = {}
            same = old.get("digest") == meta["digest"] and old.get("n_variants") == meta["n_variants"]
            if resume and not same:
                raise ReeblocError(self.folder, "sweep.json", "this folder holds a different sweep "
                                   "(config or design changed); start again with --fresh")
            if resume:
                _check_inputs(old.get("inputs"), meta.get("inputs", {}), meta_f)
                meta["chunk_size"] = old["chunk_size"]  # chunk ids must keep their meaning
                return
            self.clear()
        self.chunks.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.folder / "design.parquet", _parquet_bytes(design))
        atomic_write_text(meta_f, json.dumps(meta, indent=2, sort_keys=True))

    def clear(self) -> None:
        if self.chunks.exists():
            for f in self.chunks.iterdir():
                f.unlink()
        for name in ("results.parquet", "results.csv", "manifest.json", "sweep.json", "design.parquet"):
            (self.folder / name).unlink(missing_ok=True)

    def discard(self, new_dirs=()) -> None:
        """Remove what ``prepare`` and the chunks wrote, and the folders in ``new_dirs`` (created
        for this sweep) once empty: a sweep refused after set-up leaves nothing behind."""
        self.clear()
        for d in (self.chunks, *new_dirs):
            try:
                d.rmdir()
            except OSError:   # not empty (someone else's files) or already gone: keep it
                pass

    def done(self) -> set[int]:
        """Ids of finished chunks; leftover temp files of a killed write are removed."""
        out = set()
        if not self.chunks.exists():
            return out
        for f in self.chunks.iterdir():
            m = _CHUNK.match(f.name)
            if m:
                out.add(int(m.group(1)))
            elif f.name.endswith(".tmp"):
                f.unlink(missing_ok=True)
        return out

    # ------------------------------------------------------------ writing
    def write_chunk(self, chunk_id: int, df: pd.DataFrame) -> Path:
        path = self.chunks / f"c-{chunk_id:06d}.parquet"
        atomic_write_bytes(path, _parquet_bytes(df))
        return path

    def read_all(self) -> pd.DataFrame:
        files = sorted(f for f in self.chunks.iterdir() if _CHUNK.match(f.name))
        if not files:
            return pd.DataFrame()
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    def consolidate(self, n_variants: int, manifest: dict, ensure_columns: list[str] = ()) -> pd.DataFrame:
        df = self.read_all().sort_values("variant", kind="stable").reset_index(drop=True)
        for c in ensure_columns:  # an output every variant failed to produce is still a column
            if c not in df.columns:
                df[c] = float("nan")
        dup = df["variant"].duplicated()
        if dup.any():  # cannot happen with atomic chunk files; refuse rather than hide it
            raise ReeblocError(self.folder, "chunks", f"{int(dup.sum())} duplicate variant rows")
        missing = n_variants - len(df)
        if missing:
            raise ReeblocError(self.folder, "chunks", f"{missing} variants missing; rerun to finish")
        atomic_write_bytes(self.folder / "results.parquet", _parquet_bytes(df))
        atomic_write_text(self.folder / "results.csv", df.to_csv(index=False, lineterminator="\n"))
        atomic_write_text(self.folder / "manifest.json",
                          json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
        return df


def _check_inputs(old: dict | None, new: dict, meta_f: Path) -> None:
    """A resume must read the same inputs as the chunks already written: same files, same bytes."""
    if old is None:
        raise ReeblocError(meta_f, "inputs", "no input hashes recorded (a sweep from an older reebloc); "
                           "cannot tell whether the inputs changed: start again with --fresh")
    for f in sorted(set(old) | set(new)):
        if old.get(f) != new.get(f):
            what = ("is new" if f not in old else "is gone" if f not in new else "changed")
            raise ReeblocError(f, None, f"{what} since this sweep started ({len(old)} inputs recorded in "
                               f"{meta_f}); resuming would mix results of old and new inputs: restore the "
                               "file or start again with --fresh")


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import io
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
