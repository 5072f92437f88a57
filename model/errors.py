"""User-facing errors: one line naming the file, the field and what was expected."""

from __future__ import annotations

from pathlib import Path


class ReeblocError(Exception):
    """A user mistake (bad config, bad data) reported as one line, never a traceback.

    ``file`` is the offending file, ``field`` the key/column (with row where known).
    """

    def __init__(self, file: str | Path | None, field: str | None, message: str):
        self.file = str(file) if file is not None else None
        self.field = field
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.field:
            where.append(self.field)
        prefix = ": ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class SolverError(ReeblocError):
    """The solver stopped without an optimum; carries the termination status."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(None, "solver", f"{message} (status: {status})")
