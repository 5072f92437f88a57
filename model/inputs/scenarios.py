"""Disruption scenarios (docs/model.md § Scenario tree): probabilities, divergence years, export controls."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field, field_validator, model_validator

from reebloc.inputs.schema_base import FieldError, Num, Strict, YearSpan


class OutsideBloc(Strict):
    outside_bloc: str = Field(description="name of a bloc policy: controls hit every non-member")


class ExportControl(Strict):
    """A control on ``exporter``'s arcs for ``commodities`` to ``destinations``
    (equation: docs/model.md § Equations, row “export controls”):

    - ``ban``: Σ flow = 0 (a licence regime with an approval rate of 0);
    - ``quota``: Σ flow ≤ quota_t;
    - ``share``: Σ flow ≤ share × reference_t;
    - ``licence``: licences granted as a quantity, Σ flow ≤ approval_rate × reference_t, where
      reference_t is the pre-control volume (a number for all controlled arcs together, or a
      mapping destination → t with one cap per destination; the key ``others`` takes the
      destinations not named); plus a per-kg friction ``cost_usd_per_kg`` on every kg (the
      paperwork); ``cap_t`` instead of an approval rate caps the sum directly; with neither
      the licence is a friction only.

    ``origin_class: china_touched`` limits the control to China-touched material (any stage in
    China): with ``exporter: third_countries`` (every node but the China node) or a list of
    nodes it is China's extraterritorial rule (October 2025) on products made abroad with
    Chinese-origin rare earths; clean material on the same arcs is free.

    Each kind takes only its own fields: ``quota_t`` (quota), ``share`` (share), ``approval_rate``,
    ``cap_t`` and ``cost_usd_per_kg`` (licence), ``reference_t`` (share, or a licence with an
    approval rate); a field of another kind is refused, not ignored (null, or a cost of 0, counts
    as not given). ``destinations`` is not empty and not the exporter itself (``all`` is every
    other node); ``years`` lie inside the data set's horizon, as a policy's do.
    """

    exporter: Union[str, list[str]] = Field(
        default="CN", description="a node, a list of nodes, or third_countries (every node but the China node)")
    origin_class: Literal["any", "china_touched"] = Field(
        default="any", description="which material the control covers: any, or only China-touched")
    commodities: list[str] = Field(min_length=1, description="controlled commodities (ids of commodities.csv)")
    destinations: Union[Literal["all"], list[str], OutsideBloc] = Field(
        default="all", description="all (every node but the exporter), a non-empty list of nodes other than "
        "a lone exporter, or {outside_bloc: <bloc policy>} (every non-member)")
    years: YearSpan = Field(description="years the control is in force")
    kind: Literal["ban", "quota", "share", "licence"] = Field(
        description="ban: flow 0; quota: Σ flow ≤ quota_t; share: Σ flow ≤ share × reference_t; "
        "licence: cost_usd_per_kg on each kg and Σ flow ≤ approval_rate × reference_t (or cap_t) if given")
    quota_t: Num | None = Field(default=None, ge=0, description="quota: annual cap on the controlled flows (t)")
    share: Num | None = Field(default=None, ge=0, le=1, description="share: allowed share of reference_t")
    approval_rate: Num | None = Field(default=None, ge=0, le=1,
                                      description="licence: share of the pre-control volume reference_t licensed")
    reference_t: Union[Num, dict[str, Num], None] = Field(
        default=None, description="share / licence: pre-control annual flow (t), or {destination: t, others: t} "
        "(a mapping names every destination the control reaches, or gives others)")
    cost_usd_per_kg: Num = Field(default=0.0, ge=0, description="licence: friction cost on each kg exported ($/kg)")
    cap_t: Num | None = Field(default=None, ge=0, description="licence: optional annual cap (t)")
    description: str = Field(default="", description="free text")

    @field_validator("destinations")
    @classmethod
    def _some_destination(cls, v):
        if isinstance(v, list) and not v:       # an empty list controls no arc: a control that does nothing
            raise ValueError("at least one destination; use all for every destination")
        return v

    @model_validator(mode="after")
    def _not_to_itself(self):
        # there is no arc from a node to itself: a lone exporter among its own destinations
        # controls nothing there (with several exporters the others still ship to it)
        exporters = [self.exporter] if isinstance(self.exporter, str) else self.exporter
        if isinstance(self.destinations, list) and len(set(exporters)) == 1 and exporters[0] in self.destinations:
            raise FieldError("destinations", f"{exporters[0]} is the exporter: an exporter cannot be its own "
                             "destination (destinations: all means every other node)")
        return self

    @model_validator(mode="after")
    def _fields_for_kind(self):
        need = {"quota": ["quota_t"], "share": ["share", "reference_t"], "licence": []}
        for f in need.get(self.kind, []):
            if getattr(self, f) is None:
                raise ValueError(f"kind {self.kind} needs {f}")
        if self.approval_rate is not None:
            if self.kind != "licence":
                raise FieldError("approval_rate", f"approval_rate applies to kind licence, not {self.kind}")
        # a field of another kind would be ignored silently (caps and friction read only their own
        # kind's fields); null, or a cost of 0, is "not given" (brief_regimes.yaml overrides a
        # merged licence or quota that way)
        for f, kinds in (("quota_t", ("quota",)), ("share", ("share",)), ("cap_t", ("licence",))):
            if getattr(self, f) is not None and self.kind not in kinds:
                raise FieldError(f, f"{f} applies to kind {kinds[0]}, not {self.kind}; drop it")
        if self.cost_usd_per_kg > 0 and self.kind != "licence":
            raise FieldError("cost_usd_per_kg", f"cost_usd_per_kg (the per-kg friction of a licence) applies to "
                             f"kind licence, not {self.kind}; drop it")
        if self.approval_rate is not None:
            if self.reference_t is None:
                raise ValueError("a licence with an approval_rate needs reference_t (the pre-control volume)")
            if self.cap_t is not None:
                raise ValueError("give either approval_rate (with reference_t) or cap_t, not both")
        if self.reference_t is not None and not (self.kind == "share" or self.approval_rate is not None):
            by = " by destination" if isinstance(self.reference_t, dict) else ""
            this = "a licence without one" if self.kind == "licence" else self.kind
            raise FieldError("reference_t", f"reference_t{by} applies to kind share or a licence with an "
                             f"approval_rate, not {this}; drop it")
        if isinstance(self.reference_t, dict):
            bad = [k for k, v in self.reference_t.items() if v < 0]
            if bad:
                raise ValueError(f"reference_t of {bad[0]} is negative")
        elif self.reference_t is not None and self.reference_t < 0:
            raise ValueError("reference_t must be >= 0")
        return self

    def rate(self) -> float | None:
        """Share of the reference volume allowed: share, approval_rate, 0 for a ban, else None."""
        if self.kind == "ban":
            return 0.0
        if self.kind == "share":
            return self.share
        if self.kind == "licence":
            return self.approval_rate
        return None

    def caps(self, targets: list[str]) -> list[tuple[str, list[str], float]]:
        """Annual caps as (label, destinations, cap t): one row for all ``targets`` together, or one
        per destination of a ``reference_t`` mapping (``others``: the targets not named). Empty
        if the control caps nothing (a pure friction)."""
        rate = self.rate()
        if self.kind == "ban":
            return [("", list(targets), 0.0)]
        if self.kind == "quota":
            return [("", list(targets), float(self.quota_t))]
        if rate is None:
            return [] if self.cap_t is None else [("", list(targets), float(self.cap_t))]
        ref = self.reference_t
        if not isinstance(ref, dict):
            return [("", list(targets), rate * float(ref))]
        named = [d for d in ref if d != "others"]
        rows = [(d, [d], rate * float(ref[d])) for d in named if d in targets]
        if "others" in ref:
            rows.append(("others", [d for d in targets if d not in named], rate * float(ref["others"])))
        return rows

    def exporter_nodes(self, nodes, china: str) -> list[str]:
        """The exporting nodes: a node, a list, or third_countries (every node but ``china``)."""
        if self.exporter == "third_countries":
            return [n for n in nodes if n != china]
        return [self.exporter] if isinstance(self.exporter, str) else list(self.exporter)

    def destination_nodes(self, nodes, policies) -> set[str]:
        """The destination nodes: a list, all, or every node outside a bloc policy's members."""
        dest = self.destinations
        if isinstance(dest, list):
            return set(dest)
        if dest == "all":
            return set(nodes)
        return set(nodes) - set(getattr(policies.get(dest.outside_bloc), "members", []))

    def cap(self) -> float | None:
        """Annual cap on the controlled flows together (t), None if uncapped or capped by destination."""
        rows = self.caps(["*"]) if not isinstance(self.reference_t, dict) else []
        return rows[0][2] if rows else None


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
