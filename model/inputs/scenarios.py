"""Disruption scenarios (docs/model.md § Scenario tree): probabilities, divergence years, export controls."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field, field_validator, model_validator

from reebloc.inputs.schema_base import Num, Strict, YearSpan


class OutsideBloc(Strict):
    outside_bloc: str = Field(description="name of a bloc policy: controls hit every non-member")


class ExportControl(Strict):
    """A control on ``exporter``'s arcs for ``commodities`` to ``destinations``:
    ban (flow = 0), quota (Σ flow ≤ quota_t), share (Σ flow ≤ share × reference_t),
    licence (a friction cost_usd_per_kg on each kg and Σ flow ≤ cap_t if given).

    ``origin_class: china_touched`` limits the control to China-touched material (any stage in
    China): with ``exporter: third_countries`` (every node but the China node) or a list of
    nodes it is China's extraterritorial rule (October 2025) on products made abroad with
    Chinese-origin rare earths; clean material on the same arcs is free.
    """

    exporter: Union[str, list[str]] = Field(
        default="CN", description="a node, a list of nodes, or third_countries (every node but the China node)")
    origin_class: Literal["any", "china_touched"] = Field(
        default="any", description="which material the control covers: any, or only China-touched")
    commodities: list[str] = Field(min_length=1, description="controlled commodities (ids of commodities.csv)")
    destinations: Union[Literal["all"], list[str], OutsideBloc] = Field(
        default="all", description="all, a list of nodes, or {outside_bloc: <bloc policy>} (every non-member)")
    years: YearSpan = Field(description="years the control is in force")
    kind: Literal["ban", "quota", "share", "licence"] = Field(
        description="ban: flow 0; quota: Σ flow ≤ quota_t; share: Σ flow ≤ share × reference_t; "
        "licence: cost_usd_per_kg on each kg, Σ flow ≤ cap_t if given")
    quota_t: Num | None = Field(default=None, ge=0, description="quota: annual cap on the controlled flows (t)")
    share: Num | None = Field(default=None, ge=0, le=1, description="share: allowed share of reference_t")
    reference_t: Num | None = Field(default=None, ge=0, description="share: reference annual flow (t)")
    cost_usd_per_kg: Num = Field(default=0.0, ge=0, description="licence: friction cost on each kg exported ($/kg)")
    cap_t: Num | None = Field(default=None, ge=0, description="licence: optional annual cap (t)")
    description: str = Field(default="", description="free text")

    @model_validator(mode="after")
    def _fields_for_kind(self):
        need = {"quota": ["quota_t"], "share": ["share", "reference_t"], "licence": []}
        for f in need.get(self.kind, []):
            if getattr(self, f) is None:
                raise ValueError(f"kind {self.kind} needs {f}")
        return self

    def cap(self) -> float | None:
        """Annual cap on the controlled flows (t), None if uncapped."""
        return {"ban": 0.0, "quota": self.quota_t,
                "share": (self.share or 0) * (self.reference_t or 0), "licence": self.cap_t}[self.kind]


class Scenario(Strict):
    """A state of the world with a probability. Decisions in years before ``diverges`` are
    shared with the trunk (non-anticipativity); default: the first year any control applies."""

    probability: Num = Field(ge=0, le=1, description="probability of the scenario (all sum to 1); > 0: a scenario of probability 0 is dropped, not kept")
    diverges: int | None = Field(default=None, description="first year decisions may differ from the other "
                                 "scenarios (non-anticipativity before it); default: first year of its controls")
    description: str = Field(default="", description="free text")
    export_controls: dict[str, ExportControl] = Field(default_factory=dict, description="Chinese (or other) "
                                                      "export controls in force in this scenario, by name")

    @field_validator("probability")
    @classmethod
    def _positive(cls, v: float) -> float:
        # at 0 the scenario's rows carry no weight in the objective: its demand goes unserved and
        # its prices (duals / probability) are 0 or noise. Near 0 the division amplifies noise.
        if v < 1e-6:
            raise ValueError(f"probability {v:g} is not positive (at least 1e-06); drop the scenario instead")
        return v

    def divergence_year(self) -> int | None:
        """Explicit ``diverges``, else the first year any of its controls applies (None: never)."""
        if self.diverges is not None:
            return self.diverges
        if self.export_controls:
            return min(c.years.start for c in self.export_controls.values())
        return None
