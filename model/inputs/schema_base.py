"""Shared pydantic building blocks for run-config schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import math

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MAX_NUMBER = 1e15      # as for data tables: larger magnitudes are typos or stand-ins for infinity
MAX_THREADS = 64       # HiGHS threads (the solver gains nothing past the cores of one machine)
MAX_RUN_YEARS = 100    # years in a run's horizon
MAX_TERM_YEARS = 100   # years of a loan's interest subsidy


class Strict(BaseModel):
    """Base of every config block: unknown keys are errors (``extra="forbid"``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


@dataclass(frozen=True)
class Period:
    """One period of the run: months ``first_month``–``last_month`` of ``year`` (whole years are
    months 1–12). ``length_years`` weights every per-year quantity of the period (docs/model.md
    § Periods); ``label`` is ``2025`` for a whole year, ``2025-05`` for one starting in May."""

    year: int
    first_month: int = 1
    last_month: int = 12

    @property
    def length_years(self) -> float:
        return (self.last_month - self.first_month + 1) / 12.0

    @property
    def whole(self) -> bool:
        return self.first_month == 1 and self.last_month == 12

    @property
    def label(self) -> str:
        return str(self.year) if self.whole else f"{self.year}-{self.first_month:02d}"

    @property
    def start(self) -> tuple[int, int]:
        return (self.year, self.first_month)

    @property
    def end(self) -> tuple[int, int]:
        return (self.year, self.last_month)


class YearSpan(Strict):
    """Inclusive span of years ``[start, end]``; ``from_month``/``to_month`` narrow it to start in a
    month of the first year and end in a month of the last (a run must split those years into
    periods that start and end there: ``periods``)."""

    start: int = Field(ge=1900, le=2200, description="first year (inclusive)")
    end: int = Field(ge=1900, le=2200, description="last year (inclusive)")
    from_month: int = Field(default=1, ge=1, le=12, description="first month of the first year (1 = January)")
    to_month: int = Field(default=12, ge=1, le=12, description="last month of the last year (12 = December)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        if self.end == self.start and self.to_month < self.from_month:
            raise ValueError(f"to_month ({self.to_month}) is before from_month ({self.from_month}) of {self.start}")
        return self

    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))

    def covers(self, when: "int | Period") -> bool:
        """A year: inside [start, end]; a period: wholly inside the span (months included)."""
        if isinstance(when, Period):
            return (self.start, self.from_month) <= when.start and when.end <= (self.end, self.to_month)
        return self.start <= when <= self.end

    def straddles(self, p: Period) -> bool:
        """The span starts or ends strictly inside period ``p`` (it would cover part of it)."""
        first, last = (self.start, self.from_month), (self.end, self.to_month)
        return p.start < first <= p.end or p.start <= last < p.end


class FieldError(ValueError):
    """A validation error about ``field`` (dotted, relative to the block that raises it), so the
    one-line error names the key itself and the file that set it, not the enclosing block."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _no_bool(v):
    """YAML reads yes/no/true/false as booleans; pydantic would take them as 1/0."""
    if isinstance(v, bool):
        raise ValueError(f"expected a number, got {str(v).lower()}")
    return v


def _finite(v: float) -> float:
    """Money and quantities are finite and below ``MAX_NUMBER`` in size (1e308 would write
    ``inf`` to tables and invalid JSON to summary.json)."""
    if not math.isfinite(v):
        raise ValueError(f"expected a finite number, got {v}")
    if abs(v) >= MAX_NUMBER:
        raise ValueError(f"expected a number smaller than {MAX_NUMBER:g} in size, got {v:g}")
    return v


Num = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_finite)]
"""A finite float below ``MAX_NUMBER`` in size that refuses booleans."""
