"""China as a strategic leader (issue 17): the ``strategy`` block of a run config.

The leader (``player``, default the config's ``china_node``) chooses export instruments per year
to maximise its payoff; the rest of the model answers as the competitive equilibrium (a
Stackelberg game, solved by ``reebloc.strategy``; docs/strategy.md).

Instruments
- ``export_tax``: a specific tax τ ($/kg) on the player's arcs for ``commodity`` to
  ``destinations``; revenue to the player's government. A negative τ is an export subsidy
  (how a "predatory" leader cuts the price it sells at).
- ``export_quota``: Σ flow on those arcs ≤ s × reference exports, s the instrument's value (a
  share), the reference exports those of the same run without the strategy (first solve).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Union

from pydantic import Field, field_validator, model_validator

from reebloc.inputs.schema_base import Num, Strict, YearSpan


class Instrument(Strict):
    """One export instrument of the leader; its value per year lies in [low, high]."""

    kind: Literal["export_tax", "export_quota"] = Field(
        description="export_tax: specific tax τ on the leader's exports ($/kg; negative = subsidy); "
        "export_quota: exports ≤ s × reference exports (s a share)")
    commodity: str = Field(description="the commodity taxed or limited")
    destinations: Union[Literal["all"], list[str]] = Field(default="all", description="all, or a list of importing nodes")
    low: Num = Field(description="lowest value searched ($/kg for a tax, share for a quota)")
    high: Num = Field(description="highest value searched ($/kg for a tax, share for a quota)")
    schedule: Literal["per_year", "constant"] = Field(
        default="per_year", description="one value per year, or one value for every year")
    years: YearSpan | None = Field(default=None, description="years the instrument applies; default all")
    initial: Num | None = Field(default=None, description="starting value of the search; default: none in force "
                                "(tax 0, quota share = high)")

    @model_validator(mode="after")
    def _bounds(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        if self.kind == "export_quota" and (self.low < 0 or self.high > 1):
            raise ValueError("an export_quota is a share of reference exports: low and high must lie in [0, 1]")
        if self.initial is not None and not self.low <= self.initial <= self.high:
            raise ValueError(f"initial ({self.initial:g}) is outside [low, high] = [{self.low:g}, {self.high:g}]")
        return self

    def start_value(self) -> float:
        if self.initial is not None:
            return float(self.initial)
        neutral = 0.0 if self.kind == "export_tax" else 1.0
        return float(min(max(neutral, self.low), self.high))


class Deterrence(Strict):
    """Payoff less weight × ex-China output of ``processes`` (t, discounted): the leader's
    dislike of rival capacity. Output is the proxy for capacity built until the model builds
    capacity (issue 12)."""

    weight_usd_per_kg: Num = Field(ge=0, description="weight on each kg of rival output ($/kg, discounted)")
    processes: list[str] = Field(min_length=1, description="processes whose ex-China output counts (ids of processes.csv)")


class SearchOptions(Strict):
    """Derivative-free coordinate search: per coordinate a grid of ``grid_points`` over [low, high],
    then a bounded scalar refinement (Brent) around the best grid point to ``tolerance``; sweeps
    over all coordinates until the payoff gains less than ``min_gain_usd`` or ``max_sweeps``."""

    grid_points: int = Field(default=7, ge=2, le=201, description="grid points per coordinate")
    refine: bool = Field(default=True, description="refine the best grid point by a bounded scalar search (Brent)")
    tolerance: Num = Field(default=1e-3, gt=0, description="refinement tolerance in instrument units ($/kg or share)")
    max_sweeps: int = Field(default=3, ge=1, le=50, description="passes over all coordinates at most")
    min_gain_usd: Num = Field(default=1e3, ge=0, description="stop when a pass gains less payoff than this ($)")
    max_evaluations: int = Field(default=2000, ge=1, description="equilibrium solves at most")
    start_from: list[str] = Field(default_factory=list, description="strategy.csv files of earlier strategic runs "
                                  "(paths from the working directory): each schedule is evaluated first and the "
                                  "search starts from the best of them and the instruments' own start (a multi-start "
                                  "against local optima)")

    @field_validator("start_from")
    @classmethod
    def _files_exist(cls, v: list[str]) -> list[str]:
        for f in v:
            if not Path(f).is_file():
                raise ValueError(f"no file {f!r} (expected the strategy.csv of a strategic run)")
        return v


class Strategy(Strict):
    player: str | None = Field(default=None, description="the leader node; default china_node")
    objective: Literal["surplus", "deterrence"] = Field(
        default="surplus", description="surplus: producer surplus + export-tax revenue; deterrence: that less "
        "deterrence.weight_usd_per_kg × ex-China output of deterrence.processes")
    deterrence: Deterrence | None = Field(default=None, description="objective deterrence: weight and processes")
    instruments: dict[str, Instrument] = Field(min_length=1, description="the leader's export instruments by name")
    search: SearchOptions = Field(default_factory=SearchOptions, description="settings of the coordinate search")
    description: str = Field(default="", description="free text")

    @model_validator(mode="after")
    def _deterrence(self):
        if self.objective == "deterrence" and self.deterrence is None:
            raise ValueError("objective deterrence needs a deterrence block (weight_usd_per_kg, processes)")
        return self
