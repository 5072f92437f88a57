"""Shared pydantic building blocks for run-config schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class Strict(BaseModel):
    """Base of every config block: unknown keys are errors (``extra="forbid"``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class YearSpan(Strict):
    """Inclusive span of years ``[start, end]``."""

    start: int = Field(ge=1900, le=2200)
    end: int = Field(ge=1900, le=2200)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))

    def covers(self, year: int) -> bool:
        return self.start <= year <= self.end


def _no_bool(v):
    """YAML reads yes/no/true/false as booleans; pydantic would take them as 1/0."""
    if isinstance(v, bool):
        raise ValueError(f"expected a number, got {str(v).lower()}")
    return v


Num = Annotated[float, BeforeValidator(_no_bool)]
"""A float that refuses booleans."""
