"""Policy instruments as config data (docs/config.md § Policy instruments; equations in docs/model.md § Equations). Each is a named entry under ``policies:``.

Every instrument has ``kind`` (the discriminator), ``enabled`` and optional ``years``; numeric
fields are plain numbers so sweeps can address them as ``policies.<name>.<field>``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from reebloc.inputs.schema_base import MAX_TERM_YEARS, FieldError, Num, Strict, YearSpan

AllOr = Union[Literal["*"], list[str]]


class PolicyBase(Strict):
    enabled: bool = Field(default=True, description="false: the instrument is off (kept in the config)")
    years: YearSpan | None = Field(default=None, description="active years; default: the whole run")
    description: str = Field(default="", description="free text: the terms and their source")

    def active(self, year: int) -> bool:
        return self.enabled and (self.years is None or self.years.covers(year))


class Tariff(PolicyBase):
    """Import tariff on arcs origin → destination: wedge = specific + ad_valorem × P_base.

    ``base: equilibrium`` takes P_base as the exporter's market price (resolved by fixed-point
    iteration); ``base: reference`` takes ``reference_price_usd_per_kg[commodity]``, a number or a
    series by year (``{ndpr_oxide: {2025: 60, 2026: 65}}``; years between entries take the latest earlier one).
    Revenue accrues to the importing node's government.
    """

    kind: Literal["tariff"] = Field(description="import tariff on trade arcs")
    origins: AllOr = Field(default="*", description="exporting nodes: \"*\" (all) or a list of ids")
    destinations: AllOr = Field(default="*", description="importing nodes: \"*\" (all) or a list of ids")
    commodities: AllOr = Field(default="*", description="commodities: \"*\" (all) or a list of ids")
    ad_valorem: Num = Field(default=0.0, ge=0, description="ad valorem rate (share of the base price, 0.25 = 25%)")
    specific_usd_per_kg: Num = Field(default=0.0, ge=0, description="specific duty ($/kg)")
    base: Literal["equilibrium", "reference"] = Field(
        default="equilibrium", description="price the ad valorem rate applies to: the exporter's equilibrium "
        "price (fixed point) or reference_price_usd_per_kg")
    reference_price_usd_per_kg: dict[str, Union[Num, dict[int, Num]]] = Field(
        default_factory=dict, description="base: reference: {commodity: price} or {commodity: {year: price}} ($/kg)")
    allow_above_100pct: bool = Field(default=False, description="ad_valorem is a share (0.25 = 25%); "
                                     "above 1 (100%) only with this set, so that 25 for 25% is caught")

    def reference_price(self, commodity: str, year: int) -> float | None:
        return price_in_year(self.reference_price_usd_per_kg.get(commodity), year)

    @model_validator(mode="after")
    def _share(self):
        _check_share(self, ("ad_valorem",))
        return self

    @model_validator(mode="after")
    def _reference(self):
        if self.base == "reference" and self.ad_valorem > 0 and not self.reference_price_usd_per_kg:
            raise ValueError("base: reference needs reference_price_usd_per_kg {commodity: price}")
        return self


def price_in_year(value, year: int) -> float | None:
    """A constant price, or the latest entry at or before ``year`` of a {year: price} series."""
    if value is None or isinstance(value, (int, float)):
        return value
    earlier = [y for y in value if y <= year]
    return value[max(earlier)] if earlier else value[min(value)]


def _check_share(p, fields: tuple[str, ...]) -> None:
    for f in fields:
        v = getattr(p, f)
        if v > 1 and not p.allow_above_100pct:
            raise FieldError(f, f"{v:g} is {v * 100:,.0f}%: ad valorem rates are shares (0.25 = 25%); "
                             "set allow_above_100pct: true if you mean it")


class Bloc(PolicyBase):
    """Trade bloc: members trade at the internal rate; outsiders pay the external rate and a
    variable levy that lifts their landed price to the bloc reference price:
    levy = max(0, P_ref − (P_origin + freight + every tariff on the arc: the external rate and the
    member's own national tariffs)), so the landed, duty-paid price reaches P_ref and no more.
    """

    kind: Literal["bloc"] = Field(description="trade bloc with internal and external tariffs and a variable levy")
    members: list[str] = Field(min_length=1, description="member nodes")
    commodities: AllOr = Field(default="*", description="commodities covered: \"*\" (all) or a list of ids")
    internal_ad_valorem: Num = Field(default=0.0, ge=0, description="ad valorem rate between members (share)")
    internal_specific_usd_per_kg: Num = Field(default=0.0, ge=0, description="specific duty between members ($/kg)")
    external_ad_valorem: Num = Field(default=0.0, ge=0, description="ad valorem rate on imports from outsiders (share)")
    external_specific_usd_per_kg: Num = Field(default=0.0, ge=0, description="specific duty on imports from outsiders ($/kg)")
    reference_price_usd_per_kg: dict[str, Union[Num, dict[int, Num]]] = Field(
        default_factory=dict, description="bloc reference price: outsiders pay a levy up to it "
        "({commodity: price} or {commodity: {year: price}}, $/kg); none: no levy")
    allow_above_100pct: bool = Field(default=False, description="ad valorem rates above 1 (100%) only with this set")

    @model_validator(mode="after")
    def _share(self):
        _check_share(self, ("internal_ad_valorem", "external_ad_valorem"))
        return self

    def reference_price(self, commodity: str, year: int) -> float | None:
        return price_in_year(self.reference_price_usd_per_kg.get(commodity), year)


class PriceFloor(PolicyBase):
    """Contract for difference on covered output q of ``commodity``:
    payer pays (F − P_ref)⁺ q and receives upside_share × (P_ref − F)⁺ q, P_ref the price at
    ``reference_node``. The producer dispatches on P_node + (F − P_ref)⁺ − share (P_ref − F)⁺.
    """

    kind: Literal["price_floor"] = Field(description="contract for difference (price floor) on covered output")
    facilities: list[str] = Field(min_length=1, description="covered facilities (ids of facilities.csv)")
    commodity: str = Field(description="covered output commodity")
    price_usd_per_kg: Num = Field(ge=0, description="floor (strike) price F ($/kg)")
    reference_node: str = Field(description="node whose market price is the reference P_ref")
    upside_share: Num = Field(default=0.0, ge=0, le=1, description="share of (P_ref − F)⁺ paid back to the payer")
    volume_cap_t: Num | None = Field(default=None, ge=0, description="covered output per year, all facilities (t); none: all output")
    payer: str = Field(default="US", description="who pays: a node or NODE_AGENCY (e.g. US_DoD)")
    price_basis: Literal["real", "nominal"] = Field(
        default="real", description="nominal: F is fixed in dollars of each year and deflated by money.inflation_rate")


class Offtake(PolicyBase):
    """Offtake guarantee on ``share`` (or ``volume_t``) of a facility's output of ``commodity`` at
    the contract price C (fixed, or cost-plus: (unit cost + inputs at ``input_valuation``) ×
    (1 + margin) + margin $/kg). ``settlement``:

    - ``purchase``: the buyer takes the output at C and resells it at the market price P or uses
      it for its own demand; net cost = (C − P) × q, so the buyer keeps all of the upside;
    - ``floor``: the producer sells on the market and the buyer guarantees C: it pays
      (C − P)⁺ − upside_share·(P − C)⁺ per kg of q (an earnings floor with a share of the upside,
      as a contract for difference on C).
    """

    kind: Literal["offtake"] = Field(description="offtake guarantee at a contract price")
    facility: str = Field(description="the facility whose output is bought (id of facilities.csv)")
    commodity: str = Field(description="the output commodity bought")
    share: Num | None = Field(default=None, ge=0, le=1, description="share of the facility's output taken (give share or volume_t)")
    volume_t: Num | None = Field(default=None, ge=0, description="tonnes taken per year (give share or volume_t)")
    contract_price_usd_per_kg: Num | None = Field(default=None, ge=0, description="fixed contract price ($/kg; "
                                                  "give it or cost_plus_margin)")
    cost_plus_margin: Num | None = Field(default=None, ge=0, description="cost-plus price: (unit cost + inputs "
                                         "at input_valuation) × (1 + margin) (share)")
    cost_plus_margin_usd_per_kg: Num | None = Field(
        default=None, ge=0, description="cost-plus price: a fixed margin added per kg ($/kg), e.g. an EBITDA "
        "guarantee spread over capacity; alone or with cost_plus_margin")
    buyer: str = Field(default="US", description="who buys and pays: a node or NODE_AGENCY")
    use: Literal["resale", "own_demand"] = Field(default="resale", description="resale at the market price, "
                                                 "or use for the buyer's own demand")
    price_basis: Literal["real", "nominal"] = Field(
        default="real", description="of contract_price_usd_per_kg and input_price_usd_per_kg")
    input_valuation: Literal["cost", "market"] = Field(
        default="cost", description="cost-plus: inputs at the producer's own cost (input_price_usd_per_kg, "
                                    "else the owner's own chain cost, or the market price where cheaper) or at market prices")
    input_price_usd_per_kg: dict[str, Num] = Field(default_factory=dict, description="contracted input prices ($/kg)")
    settlement: Literal["purchase", "floor"] = Field(
        default="purchase", description="purchase: the buyer takes the output at the contract price (keeps the "
        "upside); floor: the producer sells on the market and the buyer pays (C − P)⁺ − upside_share·(P − C)⁺")
    upside_share: Num = Field(default=0.0, ge=0, le=1, description="floor settlement: share of the market price "
                              "above the contract price paid back to the buyer")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.share is None) == (self.volume_t is None):
            raise ValueError("give exactly one of share or volume_t")
        cost_plus = self.cost_plus_margin is not None or self.cost_plus_margin_usd_per_kg is not None
        if (self.contract_price_usd_per_kg is None) != cost_plus:
            raise ValueError("give exactly one of contract_price_usd_per_kg or a cost-plus margin "
                             "(cost_plus_margin and/or cost_plus_margin_usd_per_kg)")
        if self.settlement == "purchase" and self.upside_share:
            raise ValueError("upside_share applies to settlement: floor (a purchase keeps all of the upside)")
        if self.settlement == "floor" and self.use != "resale":
            raise ValueError("use: own_demand needs settlement: purchase (under a floor the producer sells on the market)")
        return self


class Stockpile(PolicyBase):
    """Strategic stockpile at ``node`` of ``commodity``: buys on the market, holds at a cost,
    releases (``release: disruption`` only in a disruption, or ``any``). A disruption of this
    stockpile: an export control in force that reaches its node with its commodity or an input
    upstream of it (a control elsewhere, or on other material, leaves its supply as it was).
    stock_y = stock_{y−1} + purchase_y − release_y, 0 ≤ stock_y ≤ capacity_t;
    optional target: stock_y ≥ target_days/365 × reference demand of the node (years ≥ target_from),
    held in normal times and relaxed in a disruption, whatever ``release`` (the cover is there to be used).
    """

    kind: Literal["stockpile"] = Field(description="strategic stockpile")
    node: str = Field(description="where the stock is held and released")
    commodity: str = Field(description="the stocked commodity")
    capacity_t: Num = Field(ge=0, description="largest stock (t)")
    initial_t: Num = Field(default=0.0, ge=0, description="stock at the start of the run's first year (t), "
                           "held (and paid for) from then, also before the policy's own years")
    holding_cost_usd_per_kg_yr: Num = Field(default=0.0, ge=0, description="cost of holding stock ($/kg per year)")
    release: Literal["disruption", "any"] = Field(default="disruption", description="disruption: releases only "
                                                  "where an export control in force reaches this node with the "
                                                  "commodity or an input upstream of it; any: any year")
    target_days: Num | None = Field(default=None, ge=0, description="minimum stock in days of the node's "
                                    "reference demand (days); none: no target. A target above capacity_t "
                                    "in a year it applies is refused")
    target_from: int | None = Field(default=None, description="first year the target applies; default: the first year")
    payer: str = Field(default="US", description="who pays: a node or NODE_AGENCY")

    @model_validator(mode="after")
    def _initial(self):
        if self.initial_t > self.capacity_t:
            raise ValueError(f"initial_t ({self.initial_t}) exceeds capacity_t ({self.capacity_t})")
        return self


class Outlay(PolicyBase):
    """Fixed outlay, or project finance when ``projects`` is given (then the government cost is
    the grant paid or the annualised capital-cost subsidy, computed from what is built;
    docs/model.md § Investment).

    A fixed outlay has no market effect and is costed the way budget offices cost it
    (docs/model.md § Money). ``amount_usd`` is in dollars of ``year`` (``price_basis: nominal``,
    the default: as announced) or of ``money.price_year`` (``real``).

    - grant: budget cost = amount.
    - equity: budget cost = ``expected_loss_rate`` × amount (the share of the stake's value the
      government expects to lose; 1.0 = face value), with an optional range
      ``expected_loss_range: [low, high]`` reported beside the central figure.
    - loan / guarantee: credit-subsidy cost in the manner of the US Federal Credit Reform Act,
      booked in ``year``: PV at ``money.credit_discount_rate`` (nominal Treasury rate) of the
      interest subsidy and the expected defaults over ``term_years``,
      Σ_{k=1..T} (s·B_k + L·A·B_k / Σ_j B_j) / (1 + i)^k, with B_k the balance outstanding in
      year k (``repayment: linear``: A(1 − (k−1)/T); ``bullet``: A), s = ``interest_subsidy_rate``
      (the loan rate's gap below the benchmark rate; negative for fees above it, as for a
      guarantee's fee) and L = ``expected_loss_rate`` (expected default loss net of recoveries,
      share of A, spread in proportion to the balance).

    The transfer lands at ``recipient`` (a node; default the payer's node): a payment to a foreign
    firm is a transfer abroad in welfare.csv and summary.json.
    """

    kind: Literal["outlay"] = Field(description="fixed outlay (equity, loan, guarantee, grant), or project finance")
    type: Literal["equity", "loan", "guarantee", "grant"] = Field(
        description="grant: amount; equity: expected loss; loan/guarantee: credit-subsidy cost (docs/model.md § Money)")
    amount_usd: Num = Field(ge=0, description="amount ($, of year if nominal)")
    year: int = Field(description="year of the payment (or of the loan's disbursement)")
    payer: str = Field(default="US", description="who pays: a node or NODE_AGENCY")
    recipient: str | None = Field(default=None, description="node receiving the transfer; default: the payer's node")
    price_basis: Literal["nominal", "real"] = Field(default="nominal", description="amount_usd in dollars of year "
                                                   "(nominal) or of money.price_year (real)")
    interest_subsidy_rate: Num = Field(default=0.0, ge=-1, le=1, description="loan: loan rate's gap below the "
                                       "benchmark rate (share a year; negative above it)")
    expected_loss_rate: Num | None = Field(default=None, ge=0, le=1, description="equity (required) and loans: "
                                           "expected loss as a share of the amount")
    expected_loss_range: list[Num] | None = Field(default=None, min_length=2, max_length=2,
                                                  description="[low, high] of expected_loss_rate, reported as a range")
    term_years: int = Field(default=1, ge=1, le=MAX_TERM_YEARS, description="loan: term (years)")
    repayment: Literal["linear", "bullet"] = Field(default="linear", description="loan: principal repaid in equal "
                                                   "parts (linear) or at maturity (bullet)")
    projects: list[str] = Field(default_factory=list, description=(
        "build options (projects.csv) the money goes to: a grant lowers their capex, a loan or equity "
        "their cost of capital (docs/model.md § Investment); empty = a fixed outlay with no market effect"))
    cost_of_capital: Num | None = Field(default=None, ge=0, le=1, description=(
        "rate the government's money asks (loan interest or equity return); default: loan = the project's "
        "rate less interest_subsidy_rate, equity = the run's discount rate"))

    @model_validator(mode="after")
    def _loss(self):
        if self.years is not None:
            raise ValueError("years does not apply to an outlay: it is booked once, in `year` (a loan's "
                             "disbursement); write one outlay per payment year")
        credit = {"interest_subsidy_rate", "term_years", "repayment", "cost_of_capital", "expected_loss_rate",
                  "expected_loss_range"} & self.model_fields_set
        if self.type == "grant" and credit:
            raise ValueError(f"{', '.join(sorted(credit))} do(es) not apply to a grant (costed at its amount); "
                             "they are terms of a loan, guarantee or equity stake")
        if self.type == "equity" and self.expected_loss_rate is None and not self.projects:
            raise ValueError("equity is costed at its expected loss: give expected_loss_rate "
                             "(share of amount_usd expected to be lost; 1.0 = face value)")
        if self.type == "guarantee" and self.projects:
            raise ValueError("a guarantee cannot finance projects: use type loan (or leave projects empty)")
        if self.expected_loss_range is not None:
            lo, hi = self.expected_loss_range
            if not 0 <= lo <= self.loss_rate() <= hi <= 1:
                raise ValueError(f"expected_loss_range [{lo:g}, {hi:g}] must satisfy 0 ≤ low ≤ "
                                 f"expected_loss_rate ({self.loss_rate():g}) ≤ high ≤ 1")
        return self

    def loss_rate(self) -> float:
        return 0.0 if self.expected_loss_rate is None else self.expected_loss_rate

    def balances(self) -> list[float]:
        """Balance outstanding in each year k = 1..T of the loan (USD)."""
        T, A = self.term_years, self.amount_usd
        return [A * (1 - k / T) if self.repayment == "linear" else A for k in range(T)]

    def budget_cost(self, credit_discount_rate: float, loss_rate: float | None = None) -> float:
        """Budget cost in dollars of ``year`` (see the class docstring); ``loss_rate`` overrides
        ``expected_loss_rate`` (for the range)."""
        L = self.loss_rate() if loss_rate is None else loss_rate
        A = self.amount_usd
        if self.type == "grant":
            return A
        if self.type == "equity":
            return L * A
        B = self.balances()
        tot = sum(B)
        return sum((self.interest_subsidy_rate * b + L * A * b / tot) / (1 + credit_discount_rate) ** (k + 1)
                   for k, b in enumerate(B))


class ContentRule(PolicyBase):
    """Origin rule on a buyer: demand of ``segments`` at ``node`` for ``commodities`` must be
    served with *clean* material (no stage in China: mine, separation, metal, magnet) in the
    rule's ``years`` — e.g. DFARS 252.225-7052 for US defence magnets from 2027. Those demand
    rows draw on the node's clean balance, whose dual is the clean price; the clean premium
    (clean − China-touched price) is reported in ``prices.csv``.
    """

    kind: Literal["content_rule"] = Field(description="origin rule: covered demand must be served with clean material")
    node: str = Field(description="the buyer node whose demand the rule covers")
    segments: list[str] = Field(min_length=1, description="demand segments at the node")
    commodities: AllOr = Field(default="*", description="commodities the rule covers")


Policy = Annotated[
    Union[Tariff, Bloc, PriceFloor, Offtake, Stockpile, Outlay, ContentRule], Field(discriminator="kind")
]
POLICY_CLASSES = {c.model_fields["kind"].annotation.__args__[0]: c
                  for c in (Tariff, Bloc, PriceFloor, Offtake, Stockpile, Outlay, ContentRule)}
