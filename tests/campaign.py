"""Bad-input campaign: mutations of a valid run config and data set (the `chain` fixture).

Each mutation class is a hypothesis strategy that draws a :class:`Mutation`: what to change,
in which file, and what a correct program must answer:

- ``expect="ok"``: a harmless change (byte-order mark, CRLF, padding, reordered columns ...)
  that must run and give byte-identical ``prices.csv`` to the unmutated data;
- ``expect="error"``: a user mistake that must give exit 2 and one line ``error: FILE: FIELD: ...``;
- ``expect="any"``: legal but unusual input (a zero, a far-off year): either outcome, cleanly.

``tests/test_campaign.py`` applies them to a fresh copy of ``tests/data/chain`` +
``tests/configs/chain.yaml`` and calls ``reebloc.app.cli.main`` in-process. ``RECORD`` counts what was
tried per class and outcome; see docs/reliability.md.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import hypothesis.strategies as st

from reebloc.inputs.dataset import FLOAT, INT, OPTFLOAT, OPTSTR, SPECS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "chain"
CONFIG = ROOT / "tests" / "configs" / "chain.yaml"
TABLES = sorted(p.stem for p in DATA.glob("*.csv"))
NUMERIC = [(t, c) for t in TABLES for c, typ in SPECS[t].columns.items() if typ in (FLOAT, OPTFLOAT, INT)]
YEARS = [(t, c) for t, c in NUMERIC if SPECS[t].columns[c] == INT]
TEXT = {"sources": "citation", "assumptions": "description", "nodes": "name", "commodities": "name",
        "facilities": "owner"}
# columns that refer to keys of other tables (and the source_id every cited table carries)
REFS = sorted({(t, c) for t in TABLES for c in SPECS[t].refs} | {(t, "source_id") for t in TABLES if SPECS[t].cites})
# key columns other tables refer to -> the names the referring column may have in the error
KEYS = {("nodes", "node"): ("node", "origin", "destination"), ("commodities", "commodity"): ("commodity",),
        ("processes", "process"): ("process", "coefficient_t"), ("facilities", "facility"): ("facility",),
        ("sources", "source_id"): ("source_id",), ("assumptions", "assumption_id"): ("source_id",)}


@dataclass
class Mutation:
    cls: str
    file: str                          # the file changed: "run.yaml" or "<table>.csv"
    detail: str
    apply: Callable[[Path], None] = field(repr=False)   # edits a case folder (run.yaml, data/)
    expect: str = "error"              # "ok" (harmless: same prices), "error", "any"
    mentions: tuple[str, ...] = ()     # an error line must contain one of these (a field), if given

    def __str__(self):
        return f"[{self.cls}] {self.file}: {self.detail}"


# ---------------------------------------------------------------- cases and files

def make_case(folder: Path) -> Path:
    """A fresh copy of the fixture in ``folder``: ``run.yaml`` and ``data/``. Returns run.yaml."""
    shutil.copytree(DATA, folder / "data")
    cfg = folder / "run.yaml"
    cfg.write_text(CONFIG.read_text().replace("../data/chain", "data"))
    return cfg


def path_of(case: Path, file: str) -> Path:
    return case / file if file.endswith(".yaml") else case / "data" / file


def read_rows(p: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")))


def write_rows(p: Path, rows: list[list[str]], eol: str = "\n") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol).writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8", newline="")


def n_rows(table: str) -> int:
    return len(read_rows(DATA / f"{table}.csv")) - 1


def cell_value(table: str, row: int, col: str) -> str:
    rows = read_rows(DATA / f"{table}.csv")
    return rows[row + 1][rows[0].index(col)]


def set_cell(table: str, row: int, col: str, value: str) -> Callable[[Path], None]:
    def f(case: Path):
        p = case / "data" / f"{table}.csv"
        rows = read_rows(p)
        rows[row + 1][rows[0].index(col)] = value
        write_rows(p, rows)
    return f


def edit_rows(table: str, fn: Callable[[list[list[str]]], list[list[str]]], eol: str = "\n"):
    def f(case: Path):
        p = case / "data" / f"{table}.csv"
        write_rows(p, fn(read_rows(p)), eol)
    return f


def edit_bytes(file: str, fn: Callable[[bytes], bytes]):
    def f(case: Path):
        p = path_of(case, file)
        p.write_bytes(fn(p.read_bytes()))
    return f


def edit_text(file: str, fn: Callable[[str], str]):
    def f(case: Path):
        p = path_of(case, file)
        p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8", newline="")
    return f


tables = st.sampled_from(TABLES)


@st.composite
def cell(draw, columns):
    table, col = draw(st.sampled_from(columns))
    row = draw(st.integers(0, n_rows(table) - 1))
    return table, row, col


# ---------------------------------------------------------------- data mutations

WRONG_TYPES = ["abc", "1,000", "12t", "true", "1.2.3", "None", "[]", "\u20ac5", "0x10", "1 000", "--5", "5%",
               "N/A", "#VALUE!", "1e", "."]


@st.composite
def wrong_type(draw):
    t, r, c = draw(cell(NUMERIC))
    v = draw(st.sampled_from(WRONG_TYPES + [""]))
    expect = "ok" if v == "" and SPECS[t].columns[c] == OPTFLOAT and cell_value(t, r, c) in ("", "0") else "error"
    return Mutation("wrong_type", f"{t}.csv", f"row {r + 1} {c} = {v!r}", set_cell(t, r, c, v), expect, (c,))


@st.composite
def missing_column(draw):
    t = draw(tables)
    cols = list(SPECS[t].columns)
    c = draw(st.sampled_from(cols))
    i = cols.index(c)
    optional = SPECS[t].columns[c] in (OPTSTR, OPTFLOAT)
    values = {r[i] for r in read_rows(DATA / f"{t}.csv")[1:]}
    harmless = optional and (SPECS[t].columns[c] == OPTSTR or values <= {"", "0"})
    return Mutation("missing_column", f"{t}.csv", f"drop column {c}",
                    edit_rows(t, lambda rows: [r[:i] + r[i + 1:] for r in rows]),
                    "ok" if harmless else "error", (c,))


@st.composite
def extra_column(draw):
    t = draw(tables)
    name = draw(st.sampled_from(["comment", "capacity", "year2", "", "Unnamed: 9", "source_id", "NOTE",
                                 list(SPECS[t].columns)[0] + " ", "\u00a0"]))
    value = draw(st.sampled_from(["", "x", "1", "CN"]))
    at = draw(st.sampled_from(["end", "start"]))

    def fn(rows):
        return [([name] + r if at == "start" else r + [name]) if k == 0 else
                ([value] + r if at == "start" else r + [value]) for k, r in enumerate(rows)]
    return Mutation("extra_column", f"{t}.csv", f"add column {name!r} at {at}", edit_rows(t, fn), "error",
                    ("column",))


@st.composite
def unknown_reference(draw):
    side = draw(st.sampled_from(["referrer", "key"]))
    if side == "referrer":
        t, r, c = draw(cell(REFS))
        v = cell_value(t, r, c)
        new = draw(st.sampled_from([v.swapcase(), v + "_x", "XX", v[:-1], v + "s"]))
        mentions = (c,)
    else:
        (t, c), mentions = draw(st.sampled_from(sorted(KEYS.items())))
        r = draw(st.integers(0, n_rows(t) - 1))
        v = cell_value(t, r, c)
        new = draw(st.sampled_from([v.swapcase(), v + "_x", "ZZ"]))
    # renaming one row of a process makes a new process no facility uses: legal (or a duplicate key)
    expect = "any" if (t, c) == ("processes", "process") else "error"
    return Mutation("unknown_reference", f"{t}.csv", f"row {r + 1} {c}: {v!r} -> {new!r} ({side})",
                    set_cell(t, r, c, new), expect, mentions)


BAD_NUMBERS = {"-1": "?", "-0.001": "?", "nan": "error", "NaN": "error", "inf": "error", "-inf": "error",
               "Infinity": "error", "1e309": "error", "-1e309": "error", "1e300": "error", "1e20": "error",
               "0": "?", "-0": "?", "1e-300": "?", "1e6": "?"}


@st.composite
def bad_number(draw):
    t, r, c = draw(cell([x for x in NUMERIC if x not in YEARS]))
    v = draw(st.sampled_from(sorted(BAD_NUMBERS)))
    expect = BAD_NUMBERS[v]
    if expect == "?":
        negative = v.startswith("-") and v != "-0"
        nonneg = c in SPECS[t].nonneg
        expect = "error" if negative and nonneg else "any"
    return Mutation("bad_number", f"{t}.csv", f"row {r + 1} {c} = {v}", set_cell(t, r, c, v), expect, (c,))


@st.composite
def empty_file(draw):
    t = draw(tables)
    header = ",".join(SPECS[t].columns)
    content = draw(st.sampled_from(["", "\n", "  \n\n", "\ufeff", "\r\n", ",,,\n", "header only"]))
    text = header + "\n" if content == "header only" else content
    # a table with no rows is legal for capacity and routes (no capacity, no trade)
    expect = "any" if content == "header only" else "error"
    return Mutation("empty_file", f"{t}.csv", f"contents {content!r}", edit_text(f"{t}.csv", lambda _: text), expect)


@st.composite
def duplicate_key(draw):
    t = draw(tables)
    r = draw(st.integers(0, n_rows(t) - 1))
    how = draw(st.sampled_from(["exact copy", "copy, other values changed", "copy, key padded", "copy at top"]))
    key = [list(SPECS[t].columns).index(k) for k in SPECS[t].key]

    def fn(rows):
        dup = list(rows[r + 1])
        if how == "copy, other values changed":
            for i, v in enumerate(dup):
                if i not in key and SPECS[t].columns[rows[0][i]] in (FLOAT, OPTFLOAT):
                    dup[i] = "7"
        if how == "copy, key padded":
            dup[key[0]] = f"  {dup[key[0]]} "
        return [rows[0], dup] + rows[1:] if how == "copy at top" else rows + [dup]
    return Mutation("duplicate_key", f"{t}.csv", f"row {r + 1}: {how}", edit_rows(t, fn), "error", ("duplicate key",))


@st.composite
def byte_order_mark(draw):
    file = draw(st.sampled_from([f"{t}.csv" for t in TABLES] + ["run.yaml"]))
    return Mutation("byte_order_mark", file, "UTF-8 BOM prepended", edit_bytes(file, lambda b: codecs.BOM_UTF8 + b), "ok")


@st.composite
def line_endings(draw):
    file = draw(st.sampled_from([f"{t}.csv" for t in TABLES] + ["run.yaml"]))
    how = draw(st.sampled_from(["CRLF", "mixed CRLF/LF", "CR only", "no final newline", "extra blank lines at end"]))
    pick = draw(st.lists(st.booleans(), min_size=200, max_size=200))

    def fn(b: bytes) -> bytes:
        lines = b.split(b"\n")
        if how == "CRLF":
            return b.replace(b"\n", b"\r\n")
        if how == "mixed CRLF/LF":
            return b"".join(x + (b"\r\n" if pick[i % len(pick)] else b"\n") for i, x in enumerate(lines[:-1])) + lines[-1]
        if how == "CR only":
            return b.replace(b"\n", b"\r")
        if how == "no final newline":
            return b.rstrip(b"\n")
        return b + b"\n\n\n"
    if how == "CR only" and file == "run.yaml":
        how = "CRLF"   # YAML treats a lone CR as a line break too, but keep config cases comparable
    return Mutation("line_endings", file, how, edit_bytes(file, fn), "ok")


@st.composite
def non_utf8(draw):
    how = draw(st.sampled_from(["latin-1 cell", "cp1252 quotes", "whole file latin-1", "UTF-16", "lone byte"]))
    t = draw(st.sampled_from(sorted(TEXT)))
    file = f"{t}.csv"

    def fn(b: bytes) -> bytes:
        text = b.decode("utf-8")
        rows = text.split("\n")
        header = rows[0].split(",")
        first = rows[1].split(",")
        i = header.index(TEXT[t])
        if how == "latin-1 cell":
            first[i] = "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale"
            return "\n".join([rows[0], ",".join(first)] + rows[2:]).encode("latin-1", errors="replace")
        if how == "cp1252 quotes":
            first[i] = "\u201cquoted\u201d \u2013 dash"
            return "\n".join([rows[0], ",".join(first)] + rows[2:]).encode("cp1252")
        if how == "whole file latin-1":
            return ("\n".join(rows[:1] + [rows[1] + "\u00e9"] + rows[2:])).replace(",\u00e9", ",x\u00e9").encode("latin-1")
        if how == "UTF-16":
            return text.encode("utf-16")
        return b.replace(b"\n", b"\n\xff", 1)
    if draw(st.booleans()):
        file = "run.yaml"
        how = draw(st.sampled_from(["latin-1 description", "UTF-16", "lone byte"]))

        def fn(b: bytes) -> bytes:   # noqa: F811
            if how == "latin-1 description":
                return b + "description: Soci\u00e9t\u00e9 G\u00e9n\u00e9rale\n".encode("latin-1")
            if how == "UTF-16":
                return b.decode("utf-8").encode("utf-16")
            return b.replace(b"name: chain", b"name: ch\xffain")
    return Mutation("non_utf8", file, how, edit_bytes(file, fn), "error")


YEAR_VALUES = {"1800": "any", "2062": "any", "99999": "error", "-1": "any", "0": "any", "2025.5": "error",
               "1e20": "error", "20255": "error", "1e400": "error", "2.1e3": "any", "1900": "any"}


@st.composite
def year_out_of_range(draw):
    t, r, c = draw(cell(YEARS))
    v = draw(st.sampled_from(sorted(YEAR_VALUES)))
    expect = YEAR_VALUES[v]
    if t in ("capacity", "costs") and expect == "any":
        expect = "error"      # outside the data horizon (demand years)
    return Mutation("year_out_of_range", f"{t}.csv", f"row {r + 1} {c} = {v}", set_cell(t, r, c, v), expect, (c, "year"))


@st.composite
def deleted_file(draw):
    how = draw(st.sampled_from(["delete table", "table is a folder", "delete data folder", "data folder is a file",
                                "delete config"]))
    t = draw(tables)
    file = f"{t}.csv" if how.startswith("delete table") or how == "table is a folder" else "run.yaml"

    def f(case: Path):
        p = case / "data" / f"{t}.csv"
        if how == "delete table":
            p.unlink()
        elif how == "table is a folder":
            p.unlink()
            p.mkdir()
            (p / "inner.csv").write_text("x\n")
        elif how == "delete data folder":
            shutil.rmtree(case / "data")
        elif how == "data folder is a file":
            shutil.rmtree(case / "data")
            (case / "data").write_text("not a folder\n")
        else:
            (case / "run.yaml").unlink()
    return Mutation("deleted_file", file, how if file == "run.yaml" else f"{how}: {t}.csv", f, "error")


@st.composite
def hostile_file(draw):
    """Issue 18 class 7 (files that used to give a traceback) and class 4 (files that never end)."""
    how = draw(st.sampled_from(["symlink loop", "symlink to /dev/zero", "FIFO", "cell of 200,000 characters"]))
    t = draw(tables)

    def f(case: Path):
        p = case / "data" / f"{t}.csv"
        if how == "cell of 200,000 characters":
            rows = read_rows(p)
            rows[1][0] = "x" * 200_000
            write_rows(p, rows)
            return
        p.unlink()
        if how == "symlink loop":
            p.symlink_to(p)
        elif how == "symlink to /dev/zero":
            p.symlink_to("/dev/zero")
        else:
            os.mkfifo(p)
    return Mutation("hostile_file", f"{t}.csv", f"{how}: {t}.csv", f, "error")


@st.composite
def swapped_columns(draw):
    t = draw(tables)
    cols = list(SPECS[t].columns)
    i, j = sorted(draw(st.lists(st.integers(0, len(cols) - 1), min_size=2, max_size=2, unique=True)))
    how = draw(st.sampled_from(["reorder columns (header and data)", "swap header names only",
                                "swap values in one row"]))
    r = draw(st.integers(0, n_rows(t) - 1))

    def fn(rows):
        out = [list(x) for x in rows]
        for k, row in enumerate(out):
            if how.startswith("reorder") or (how == "swap header names only" and k == 0) or \
                    (how == "swap values in one row" and k == r + 1):
                row[i], row[j] = row[j], row[i]
        return out
    expect = "ok" if how.startswith("reorder") else "any"
    return Mutation("swapped_columns", f"{t}.csv", f"{how}: {cols[i]} <-> {cols[j]}", edit_rows(t, fn), expect)


@st.composite
def whitespace(draw):
    t = draw(tables)
    how = draw(st.sampled_from(["pad every cell", "tabs around cells", "no-break spaces around cells",
                                "pad header", "blank lines between rows", "trailing spaces on lines",
                                "quote every cell", "whitespace-only line"]))
    pad = draw(st.sampled_from([" ", "  ", "   "]))

    def f(case: Path):
        p = case / "data" / f"{t}.csv"
        rows = read_rows(p)
        if how == "pad every cell":
            write_rows(p, [[pad + v + pad for v in r] for r in rows])
        elif how == "tabs around cells":
            write_rows(p, [[f"\t{v}\t" for v in r] for r in rows])
        elif how == "no-break spaces around cells":
            write_rows(p, [[f"\u00a0{v}\u00a0" for v in r] for r in rows])
        elif how == "pad header":
            write_rows(p, [[pad + v for v in rows[0]]] + rows[1:])
        elif how == "quote every cell":
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
            p.write_text(buf.getvalue(), encoding="utf-8")
        else:
            text = p.read_text(encoding="utf-8")
            lines = text.split("\n")
            if how == "blank lines between rows":
                text = "\n\n".join(lines)
            elif how == "trailing spaces on lines":
                text = "\n".join(x + pad if x else x for x in lines)
            else:
                text = "\n".join(lines[:2] + [pad] + lines[2:])
            p.write_text(text, encoding="utf-8")
    return Mutation("whitespace", f"{t}.csv", how, f, "ok")


@st.composite
def ragged_rows(draw):
    t = draw(tables)
    how = draw(st.sampled_from(["trailing comma on first row", "trailing comma on every data row",
                                "trailing comma on one row", "one field missing", "stray comma inside a value",
                                "unclosed quote"]))
    r = draw(st.integers(0, n_rows(t) - 1))

    def fn(rows):
        out = [list(x) for x in rows]
        if how == "trailing comma on first row":
            out[1].append("")
        elif how == "trailing comma on every data row":
            for row in out[1:]:
                row.append("")
        elif how == "trailing comma on one row":
            out[r + 1].append("")
        elif how == "one field missing":
            out[r + 1].pop(min(1, len(out[r + 1]) - 1))
        return out

    def f(case: Path):
        p = case / "data" / f"{t}.csv"
        if how in ("stray comma inside a value", "unclosed quote"):
            lines = p.read_text(encoding="utf-8").split("\n")
            cells = lines[r + 1].split(",")
            cells[0] = cells[0][:1] + "," + cells[0][1:] if how.startswith("stray") else '"' + cells[0]
            lines[r + 1] = ",".join(cells)
            p.write_text("\n".join(lines), encoding="utf-8")
        else:
            edit_rows(t, fn)(case)
    expect = "error"
    if how == "one field missing" and t == "sources":
        expect = "any"   # the url column is optional: a short row may still be complete
    return Mutation("ragged_rows", f"{t}.csv", f"{how} (row {r + 1})", f, expect)


OPTIONAL = {
    "substitution": ("segment,commodity,substitute,max_share,ratio_t_per_t,source_id",
                     "ev,ndfeb_magnet,ndpr_oxide,{share},{ratio},{src}"),
    "observed": ("metric,year,months,value,low,high,unit,source_id", "china_share_mine_output,{year},1-12,0.7,0.6,0.8,1,{src}"),
}


@st.composite
def optional_table(draw):
    t = draw(st.sampled_from(sorted(OPTIONAL)))
    header, row = OPTIONAL[t]
    fields = {"share": "0.2", "ratio": "3", "src": "fixture", "year": "2025"}
    bad = draw(st.sampled_from([None, ("share", "2"), ("share", "-0.1"), ("ratio", "0"), ("src", "nosuch"),
                                ("year", "20x5"), ("share", "nan"), "empty", "segment", "no source column"]))
    expect = "error"
    if bad is None:
        expect = "any"        # a valid optional table: a legal, different model
    text = header + "\n" + row + "\n"
    if isinstance(bad, tuple):
        fields[bad[0]] = bad[1]
        if "{" + bad[0] + "}" not in row:
            expect = "any"    # not a column of this table: the row stays valid
    text = (header + "\n" + row.format(**fields) + "\n")
    if bad == "empty":
        text = ""
    elif bad == "segment":
        text = text.replace("ev,", "evs,") if t == "substitution" else text.replace("china_share_mine_output", "")
    elif bad == "no source column":
        text = "\n".join(",".join(x.split(",")[:-1]) for x in text.strip().split("\n")) + "\n"

    def f(case: Path):
        (case / "data" / f"{t}.csv").write_text(text, encoding="utf-8")
    return Mutation("optional_table", f"{t}.csv", f"added, {bad or 'valid'}", f, expect)


@st.composite
def extra_file(draw):
    name = draw(st.sampled_from(["notes.txt", "capacity (copy).csv", "backup.csv", ".~lock.capacity.csv#",
                                 "README.md", "old"]))
    junk = draw(st.sampled_from([b"", b"\xff\xfe junk", b"a,b\n1,2\n"]))

    def f(case: Path):
        p = case / "data" / name
        if name == "old":
            p.mkdir()
            (p / "capacity.csv").write_bytes(junk)
        else:
            p.write_bytes(junk)
    return Mutation("extra_file", name, f"unrelated file in the data folder ({len(junk)} bytes)", f, "ok")


# ---------------------------------------------------------------- config mutations

def replace_in_config(old: str, new: str):
    def fn(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit_text("run.yaml", fn)


def append_to_config(extra: str):
    return edit_text("run.yaml", lambda text: text.rstrip("\n") + "\n" + extra + "\n")


@st.composite
def config_bad_yaml(draw):
    how = draw(st.sampled_from([
        ("unclosed brace", "years: {start: 2025, end: 2027}", "years: {start: 2025, end: 2027"),
        ("extra brace", "years: {start: 2025, end: 2027}", "years: {start: 2025, end: 2027}}"),
        ("tab indentation", "discount_rate: 0.05", "discount_rate:\n\t0.05"),
        ("missing colon", "discount_rate: 0.05", "discount_rate 0.05"),
        ("bad indentation", "curves: {form: steps, steps: 10, demand: linear}", "curves:\n  form: steps\n    steps: 10"),
        ("list item in a mapping", "discount_rate: 0.05", "discount_rate: 0.05\n- item"),
        ("two documents", "discount_rate: 0.05", "discount_rate: 0.05\n---\nname: other"),
        ("python tag", "name: chain", "name: !!python/object/apply:os.getcwd []"),
        ("unknown tag", "name: chain", "name: !custom chain"),
        ("unclosed quote", "name: chain", "name: \"chain"),
        ("alias to nothing", "discount_rate: 0.05", "discount_rate: *rate"),
    ]))
    return Mutation("config_bad_yaml", "run.yaml", how[0], replace_in_config(how[1], how[2]), "error")


CONFIG_VALUES = {
    "discount_rate": ["abc", "[1]", "{a: 1}", "null", ".nan", ".inf", "-0.5", "1.5", "true", "'5%'"],
    "years": ["2025", "{start: abc, end: 2027}", "{start: 2025.5, end: 2027}", "{start: null, end: 2027}",
              "[2025, 2027]", "{start: 2025}", "{start: 2027, end: 2025}"],
    "curves": ["{form: steps, steps: 0}", "{form: steps, steps: -1}", "{form: steps, steps: 1.5}",
               "{form: steps, steps: ten}", "{form: steps, steps: 1000000}", "{form: Steps, steps: 10}", "steps"],
    "name": ["../x", "a/b", "''", "null", "'" + "x" * 200 + "'", "'.'", "'..'", "'-lead'", "'sp ace'", "[chain]"],
    "inputs": ["123", "null", "nope", "'/nonexistent/reebloc'", "[data]", "run.yaml"],
    "solver": ["{threads: 0}", "{time_limit_s: 0}", "{time_limit_s: -1}", "{time_limit_s: abc}", "{name: cplex}",
               "{threads: 1.5}", "{options: [1, 2]}", "{options: {nosuch_option: 1}}",
               "{options: {presolve: 5}}", "{options: {time_limit: abc}}", "{options: {presolve: [on]}}",
               "{options: {time_limit: {s: 5}}}"],
    "wedges": ["{damping: 0}", "{damping: 2}", "{max_iterations: 0}", "{tolerance_usd_per_kg: -1}"],
    "scenarios": ["{}", "{a: {probability: 0.5}}", "{a: {probability: -1}, b: {probability: 2}}",
                  "{a: {probability: abc}}", "[a, b]", "{a: {probability: 1, diverges: abc}}"],
    "reference_scenario": ["nosuch", "[base]"],
    "china_node": ["[CN]"],
    # YAML 1.1 reads these names as booleans or numbers
    "policies": ["{off: " + "{kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 1}}",
                 "{1: {kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 1}}"],
}
CONFIG_VALUES["scenarios"] += ["{no: {probability: 1}}", "{yes: {probability: 0.5}, 2: {probability: 0.5}}"]
# HiGHS ignores an unknown option or a value of the wrong type (it says so only in its log, which is
# off): the run goes on. A known gap, counted as "any" (docs/reliability.md, "What is left").
# pydantic (lax mode) reads true/false as 1/0 where a number is expected: also a known gap.
CONFIG_ANY = {"true", "{options: {nosuch_option: 1}}", "{options: {presolve: 5}}", "{options: {time_limit: abc}}"}
CONFIG_LINES = {"discount_rate": "discount_rate: 0.05", "years": "years: {start: 2025, end: 2027}",
                "curves": "curves: {form: steps, steps: 10, demand: linear}", "name": "name: chain", "inputs": "inputs: data"}


@st.composite
def config_wrong_type(draw):
    key = draw(st.sampled_from(sorted(CONFIG_VALUES)))
    v = draw(st.sampled_from(CONFIG_VALUES[key]))
    line = CONFIG_LINES.get(key)
    f = replace_in_config(line, f"{key}: {v}") if line else append_to_config(f"{key}: {v}")
    # a missing data folder is named by its path, not by the `inputs` key (docs/reliability.md)
    mentions = (key, "data-set folder") if key == "inputs" else (key,)
    return Mutation("config_wrong_type", "run.yaml", f"{key}: {v}", f, "any" if v in CONFIG_ANY else "error", mentions)


UNKNOWN_KEYS = [("discount_rte: 0.05", "discount_rte"), ("year: 2025", "year"), ("Name: x", "Name"),
                ("curves: {form: steps, step: 10}", "curves.step"), ("solver: {thread: 2}", "solver.thread"),
                ("wedges: {dampening: 0.5}", "wedges.dampening"), ("scenario: {a: {probability: 1}}", "scenario"),
                ("scenarios: {a: {probability: 1, controls: {}}}", "scenarios.a.controls"),
                ("policy: {}", "policy"), ("x_anchor: 1", "x_anchor")]


@st.composite
def config_unknown_key(draw):
    extra, key = draw(st.sampled_from(UNKNOWN_KEYS))
    head = extra.split(":")[0]
    f = replace_in_config(CONFIG_LINES[head], extra) if head in CONFIG_LINES else append_to_config(extra)
    return Mutation("config_unknown_key", "run.yaml", extra, f, "error", (key,))


@st.composite
def config_missing_key(draw):
    key = draw(st.sampled_from(["name", "inputs", "years", "discount_rate", "years.start", "years.end"]))
    if "." in key:
        part = key.split(".")[1]
        new = "years: {end: 2027}" if part == "start" else "years: {start: 2025}"
        f = replace_in_config(CONFIG_LINES["years"], new)
    else:
        f = replace_in_config(CONFIG_LINES[key] + "\n", "")
    return Mutation("config_missing_key", "run.yaml", f"delete {key}", f, "error", (key,))


@st.composite
def config_duplicate_key(draw):
    key = draw(st.sampled_from(["name", "inputs", "years", "discount_rate", "curves"]))
    same = draw(st.booleans())
    alt = {"name": "other", "inputs": "elsewhere", "years": "{start: 2026, end: 2027}", "discount_rate": "0.9",
           "curves": "{form: linear}"}[key]
    value = CONFIG_LINES[key].split(": ", 1)[1] if same else alt
    nested = draw(st.booleans())
    if nested:
        return Mutation("config_duplicate_key", "run.yaml", "years.start twice",
                        replace_in_config(CONFIG_LINES["years"], "years: {start: 2025, end: 2027, start: 2026}"),
                        "error", ("start", "duplicate"))
    return Mutation("config_duplicate_key", "run.yaml", f"{key} twice ({'same' if same else 'different'} value)",
                    append_to_config(f"{key}: {value}"), "error", (key, "duplicate"))


@st.composite
def config_harmless(draw):
    how = draw(st.sampled_from(["comments", "block style", "quoted strings", "reordered keys", "trailing spaces",
                                "explicit document markers", "x- anchor block", "indented flow mapping"]))

    def fn(text: str) -> str:
        if how == "comments":
            return "# a comment\n" + text.replace("discount_rate: 0.05", "discount_rate: 0.05   # five percent")
        if how == "block style":
            return text.replace("years: {start: 2025, end: 2027}", "years:\n  start: 2025\n  end: 2027")
        if how == "quoted strings":
            return text.replace("name: chain", "name: 'chain'").replace("inputs: data", 'inputs: "data"')
        if how == "reordered keys":
            lines = text.rstrip("\n").split("\n")
            return "\n".join(reversed(lines)) + "\n"
        if how == "trailing spaces":
            return "\n".join(x + "  " for x in text.split("\n"))
        if how == "explicit document markers":
            return "---\n" + text + "...\n"
        if how == "x- anchor block":
            return "x-years: &y {start: 2025, end: 2027}\n" + text.replace("years: {start: 2025, end: 2027}",
                                                                            "years: *y")
        return text.replace("curves: {form: steps, steps: 10, demand: linear}", "curves: {\n  form: steps,\n  steps: 10,\n  demand: linear\n}")
    return Mutation("config_harmless", "run.yaml", how, edit_text("run.yaml", fn), "ok")


@st.composite
def config_years_out_of_range(draw):
    start, end = draw(st.sampled_from([(1800, 2027), (2025, 2062), (2024, 2027), (2025, 2028), (2026, 2031),
                                       (1899, 2027), (2025, 2201), (-1, 2027), (2025, 10 ** 6), (2026, 2025)]))
    return Mutation("config_years_out_of_range", "run.yaml", f"years {start}-{end}",
                    replace_in_config(CONFIG_LINES["years"], f"years: {{start: {start}, end: {end}}}"), "error",
                    ("years", "year"))


@st.composite
def config_empty(draw):
    content = draw(st.sampled_from(["", "\n", "# only a comment\n", "[]\n", "42\n", "~\n", "chain\n", "---\n---\n",
                                    "\ufeff", "- name: chain\n"]))
    return Mutation("config_empty", "run.yaml", f"contents {content!r}", edit_text("run.yaml", lambda _: content), "error")


@st.composite
def config_base(draw):
    target = draw(st.sampled_from(["nosuch.yaml", "run.yaml", ".", "data/nodes.csv", "data", "42",
                                   "[a.yaml]", "base.yaml (cycle)", "base.yaml (bad key)"]))

    def f(case: Path):
        text = (case / "run.yaml").read_text()
        if target.startswith("base.yaml"):
            body = "base: run.yaml\n" if "cycle" in target else "discount_rat: 0.1\n"
            (case / "base.yaml").write_text(body)
            text = "base: base.yaml\n" + text
        else:
            text = f"base: {target}\n" + text
        (case / "run.yaml").write_text(text)
    mentions = ("base", "discount_rat", "mapping", "YAML")
    return Mutation("config_base", "run.yaml", f"base: {target}", f, "error", mentions)


FLOOR = ("floor: {kind: price_floor, facilities: [us_sep], commodity: ndpr_oxide, price_usd_per_kg: 110, "
         "reference_node: CN, payer: US}")
STOCK = "stock: {kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 1000, payer: US}"
OFFTAKE = ("offt: {kind: offtake, facility: us_sep, commodity: ndpr_oxide, share: 0.5, "
           "contract_price_usd_per_kg: 60, buyer: US}")
TARIFF = "tar: {kind: tariff, origins: [CN], destinations: [US], commodities: [ndfeb_magnet], specific_usd_per_kg: 5}"
CONTROL = ("scenarios: {calm: {probability: 0.6}, ban: {probability: 0.4, export_controls: {c: {exporter: CN, "
           "commodities: [ndfeb_magnet], destinations: [US], years: {start: 2026, end: 2027}, kind: ban}}}}")
REFERENCES = [
    (FLOOR, "[us_sep]", "[us_sepp]", "facilities"), (FLOOR, "commodity: ndpr_oxide", "commodity: ndpr", "commodity"),
    (FLOOR, "reference_node: CN", "reference_node: CH", "reference_node"),
    (STOCK, "node: US", "node: USA", "node"), (STOCK, "commodity: ndfeb_magnet", "commodity: magnets", "commodity"),
    (OFFTAKE, "facility: us_sep", "facility: us_mag2", "facility"),
    (OFFTAKE, "commodity: ndpr_oxide", "commodity: ndfeb_magnet", "commodity"),
    (TARIFF, "origins: [CN]", "origins: [CX]", "origins"), (TARIFF, "destinations: [US]", "destinations: [us]", "destinations"),
    (TARIFF, "commodities: [ndfeb_magnet]", "commodities: [ndfeb]", "commodities"),
    (CONTROL, "exporter: CN", "exporter: China", "exporter"), (CONTROL, "destinations: [US]", "destinations: [XX]", "destinations"),
    (CONTROL, "commodities: [ndfeb_magnet]", "commodities: [magnet]", "commodities"),
]


@st.composite
def config_unknown_reference(draw):
    block, old, new, key = draw(st.sampled_from(REFERENCES))
    broken = block.replace(old, new, 1)
    text = broken if block.startswith("scenarios") else "policies: {" + broken + "}"
    return Mutation("config_unknown_reference", "run.yaml", f"{new} in {block.split(':')[0]}",
                    append_to_config(text), "error", (key,))


DATA_CLASSES = {
    "wrong_type": wrong_type, "missing_column": missing_column, "extra_column": extra_column,
    "unknown_reference": unknown_reference, "bad_number": bad_number, "empty_file": empty_file,
    "duplicate_key": duplicate_key, "byte_order_mark": byte_order_mark, "line_endings": line_endings,
    "non_utf8": non_utf8, "year_out_of_range": year_out_of_range, "deleted_file": deleted_file,
    "swapped_columns": swapped_columns, "whitespace": whitespace, "ragged_rows": ragged_rows,
    "optional_table": optional_table, "extra_file": extra_file, "hostile_file": hostile_file,
}
# Issue 18's attack classes as config mutations (tests/test_reliability2.py has one hand-written test
# per class): 3 hostile names (inert: the run goes on), 4 unbounded work, 5 wrong numbers with exit 0.
ATTACKS = [
    ("description: '=cmd|calc'", "any", ()),
    ("scenarios: {'=HYPERLINK(\"http://x\")': {probability: 0.5}, '<script>x</script>': {probability: 0.5}}", "any", ()),
    ("policies: {'+SUM(1)': {kind: stockpile, node: US, commodity: ndfeb_magnet, capacity_t: 1, payer: US}}", "any", ()),
    ("solver: {threads: 100000}", "error", ("solver.threads",)),
    ("policies: {o: {kind: outlay, type: loan, amount_usd: 1, year: 2025, term_years: 100000000}}", "error", ("term_years",)),
    ("scenarios: {a: {probability: 1.0}, b: {probability: 0}}", "error", ("probability",)),
    ("policies: {o: {kind: outlay, type: grant, amount_usd: 1e308, year: 2025, payer: US}}", "error", ("amount_usd",)),
    ("policies: {o: {kind: outlay, type: grant, amount_usd: .inf, year: 2025, payer: US}}", "error", ("amount_usd",)),
    ("policies: {o: {kind: outlay, type: grant, amount_usd: .nan, year: 2025, payer: US}}", "error", ("amount_usd",)),
    ("china_node: XX", "error", ("china_node",)),
]


@st.composite
def config_attack(draw):
    extra, expect, mentions = draw(st.sampled_from(ATTACKS))
    return Mutation("config_attack", "run.yaml", extra, append_to_config(extra), expect, mentions)


CONFIG_CLASSES = {
    "config_bad_yaml": config_bad_yaml, "config_wrong_type": config_wrong_type,
    "config_unknown_key": config_unknown_key, "config_missing_key": config_missing_key,
    "config_duplicate_key": config_duplicate_key, "config_harmless": config_harmless,
    "config_years_out_of_range": config_years_out_of_range, "config_empty": config_empty,
    "config_base": config_base, "config_unknown_reference": config_unknown_reference,
    "config_attack": config_attack,
}
CLASSES = {**DATA_CLASSES, **CONFIG_CLASSES}
HARMLESS = {"byte_order_mark": byte_order_mark, "line_endings": line_endings, "whitespace": whitespace,
            "config_harmless": config_harmless}


# ---------------------------------------------------------------- counting

RECORD: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))


def record(test: str, cls: str, outcome: str) -> None:
    RECORD[test][cls][outcome] += 1


def summary(settings: dict) -> dict:
    """Counts per test, class and outcome; ``mutations`` and ``outcomes`` total the mutation tests
    (validate, run, harmless), ``kills`` the SIGKILL test."""
    tests = {}
    for test, by_class in sorted(RECORD.items()):
        t_out = Counter()
        for c in by_class.values():
            t_out.update(c)
        tests[test] = {"examples": sum(t_out.values()), "outcomes": dict(sorted(t_out.items())),
                       "by_class": {k: dict(sorted(v.items())) for k, v in sorted(by_class.items())}}
    totals = Counter()
    for test, t in tests.items():
        if test != "kill":
            totals.update(t["outcomes"])
    return {"settings": settings, "classes": len(CLASSES), "mutations": sum(totals.values()),
            "outcomes": dict(sorted(totals.items())), "kills": tests.get("kill", {}).get("outcomes", {}),
            "tests": tests}


def write_summary(path: str | Path, settings: dict) -> None:
    Path(path).write_text(json.dumps(summary(settings), indent=2) + "\n")


def table(report: dict) -> str:
    """The counts of a JSON report as Markdown: one row per (test, class), one column per outcome;
    the last row totals the mutation tests (the SIGKILL test is listed but not in the total)."""
    tests = report["tests"]
    outcomes = sorted({o for t in tests.values() for o in t["outcomes"]})
    total = Counter()
    for test, t in tests.items():
        if test != "kill":
            total.update(t["outcomes"])
    lines = ["| test | class | " + " | ".join(outcomes) + " | total |",
             "|---|---|" + "---:|" * (len(outcomes) + 1)]
    for test, t in tests.items():
        for cls, c in t["by_class"].items():
            lines.append(f"| {test} | {cls} | " + " | ".join(str(c.get(o, 0)) for o in outcomes)
                         + f" | {sum(c.values())} |")
        lines.append(f"| **{test}** | all | " + " | ".join(f"**{t['outcomes'].get(o, 0)}**" for o in outcomes)
                     + f" | **{t['examples']}** |")
    lines.append(f"| **mutations** | {report['classes']} classes | "
                 + " | ".join(f"**{total.get(o, 0)}**" for o in outcomes) + f" | **{sum(total.values())}** |")
    return "\n".join(lines)


if __name__ == "__main__":   # python -m tests.campaign REPORT.json
    import sys
    print(table(json.loads(Path(sys.argv[1]).read_text())))
