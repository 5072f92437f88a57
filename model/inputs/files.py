"""Reading user files safely: regular files only, bounded size, one-line errors.

A FIFO, ``/dev/zero``, a folder named ``x.csv``, a dangling link or a symbolic-link loop given
where a config or a table is expected would hang, read without end or raise a traceback; each
is refused here with one line naming the path. Limits (documented in docs/config.md):
``MAX_CONFIG_BYTES`` for a YAML file, ``MAX_TABLE_BYTES`` for a CSV table.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from reebloc.errors import ReeblocError

MAX_CONFIG_BYTES = 1_000_000          # a run or sweep config; the library's largest is ~10 kB
MAX_TABLE_BYTES = 500_000_000         # a data table; the default data set's largest is ~100 kB


def resolve(path: Path, where: str | Path | None = None, field: str | None = None) -> Path:
    """``path.resolve()``, with a symbolic-link loop reported as one line."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as e:      # Python < 3.13 raises RuntimeError for loops
        msg = "symbolic link loop" if isinstance(e, RuntimeError) or getattr(e, "errno", None) == errno.ELOOP \
            else f"cannot be resolved ({getattr(e, 'strerror', e)})"
        raise ReeblocError(where if where is not None else path, field,
                           msg if where is None else f"{path}: {msg}") from None


def check_regular(path: Path, what: str, max_bytes: int) -> os.stat_result:
    """The path is a regular file (links followed) no larger than ``max_bytes``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ReeblocError(path, None, "is a dangling symbolic link") from None
        raise ReeblocError(path, None, "file not found") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ReeblocError(path, None, "symbolic link loop") from None
        raise ReeblocError(path, None, f"cannot be read ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReeblocError(path, None, f"is a folder, expected {what}")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else \
            "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else \
            "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file"
        raise ReeblocError(path, None, f"is {kind}, expected {what} (only regular files are read)")
    if st.st_size > max_bytes:
        raise ReeblocError(path, None, f"is {st.st_size:,} bytes; {what} may be at most {max_bytes:,} bytes")
    return st


def read_bytes(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, checked first; read errors (permissions, I/O) as one line."""
    check_regular(path, what, max_bytes)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open does not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise ReeblocError(path, None, f"cannot be read ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReeblocError(path, None, f"is not a regular file, expected {what}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise ReeblocError(path, None, f"cannot be read ({e.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ReeblocError(path, None, f"is larger than {max_bytes:,} bytes, the limit for {what}")
    return data
