"""User-facing errors: one line naming the file, the field and what was expected; and user text
made safe for reports (below)."""

from __future__ import annotations

import html
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


def check_report_out(out: str | Path, force: bool = False) -> None:
    """``--out`` of ``report`` or ``sweep-report`` (and their Python functions): not a folder, and
    never an earlier report (or a Markdown report's ``<stem>_files/`` charts folder) replaced
    without ``force``."""
    out = Path(out)
    if out.is_dir():
        raise ReeblocError(out, "--out", "is a folder; expected FILE.html, FILE.md or FILE.xlsx")
    targets = [out] + ([out.parent / f"{out.stem}_files"] if out.suffix.lower() == ".md" else [])
    for t in targets:
        if t.exists() and not force:
            raise ReeblocError(t, "--out", "exists; pass --force to replace it")


# ---------------------------------------------------------------- user text in reports
# Text from inputs (scenario, node, policy and run names, descriptions, sources.csv) is data,
# never markup or code, in every report format.
#
# - XLSX: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
#   read as a formula (OWASP "CSV injection"); it is written with a leading apostrophe instead,
#   and every text cell is stored as a string (``data_type 's'``). ``escape_workbook`` runs over the
#   finished workbook, so no writer can forget a cell.
# - Markdown: ``<``, ``>`` and ``&`` are escaped (a Markdown viewer would render raw HTML).
# - Charts: matplotlib mathtext is off (``PLAIN_TEXT_RC``), so ``$...$`` in a name is drawn as is.

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_TEXT_RC = {"text.parse_math": False, "text.usetex": False}


def xlsx_text(s: str) -> str:
    """A string that a spreadsheet shows as text, never evaluates."""
    return "'" + s if s.startswith(FORMULA_PREFIXES) else s


def escape_workbook(book) -> int:
    """Rewrite every text or formula cell of an openpyxl workbook as inert text; returns the
    number of cells escaped. Numbers, booleans and dates are left alone."""
    n = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and (cell.data_type == "f" or v.startswith(FORMULA_PREFIXES)):
                    cell.value = xlsx_text(v)
                    n += 1
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    return n


def md_text(s) -> str:
    """Text for a Markdown page: HTML special characters escaped, one line."""
    return html.escape(str(s), quote=False).replace("\n", " ").replace("\r", " ")
