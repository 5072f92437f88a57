"""Shared pydantic building blocks for run-config schemas."""

from __future__ import annotations

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


class YearSpan(Strict):
    """Inclusive span of years ``[start, end]``."""

    start: int = Field(ge=1900, le=2200, description="first year (inclusive)")
    end: int = Field(ge=1900, le=2200, description="last year (inclusive)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))

    def covers(self, year: int) -> bool:
        return self.start <= year <= self.end


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
