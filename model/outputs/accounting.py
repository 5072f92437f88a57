"""Who pays: government payments by instrument, and welfare by node with true costs (docs/model.md § Outputs and accounting).

government.csv: positive usd = cost to the payer, negative = revenue (tariffs, levies, resale,
the strategic leader's export tax: instrument ``export_tax``, policy ``strategy``); fixed outlays
at budget cost (equity at expected loss, loans at credit-subsidy cost; docs/model.md § Money);
``recipient`` = the node where a payment lands (a foreign one makes it a transfer abroad).
welfare.csv per node: CS = WTP − expenditure; PS = sales − purchased inputs − true cost + trade
rents of its exporters + transfers received (at the recipient's node); government_net = revenue − payments; total = CS + PS
+ government_net. Transfers (tariffs, levies, CfD and offtake payments, outlays) cancel in Σ total.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pyomo.environ as pyo

from reebloc.equilibrium import ModelInstance
from reebloc.equilibrium.demand import own_use
from reebloc.equilibrium.gradual import adjustment_kusd
from reebloc.errors import ReeblocError
from reebloc.inputs.policies import Outlay
from reebloc.outputs.tables import KUSD, TOL, _expand, _frame, facility_cost_kusd
from reebloc.solve.wedges import (arc_wedge_parts, floor_price_real, floor_subsidy, offtake_contract_price,
                                  offtake_payment, producer_price)


REVENUE_INSTRUMENTS = ("tariff", "bloc_tariff", "bloc_levy")     # government revenue, not spending


def payer_node(payer: str, nodes: list[str], where=None) -> str:
    """'US' or 'US_DoD' → 'US': a payer is a node, or a node and an agency joined by '_'."""
    head = payer.split("_", 1)[0]
    if head in nodes:
        return head
    raise ReeblocError(where, "payer", f"payer {payer!r} must be a node or node_agency (e.g. US_DoD)")


def government_rows(inst: ModelInstance, prices: dict) -> list[tuple]:
    """(t, payer, instrument, policy, usd, recipient_node) per tree node; recipient is where the
    transfer lands (None for revenue). usd is the period's amount: per-year payments × the
    period's length L_t (docs/model.md § Periods)."""
    m, ix, pi = inst.m, inst.ix, inst.pi
    P = lambda n, c, t: prices.get((n, c, t), 0.0)  # noqa: E731
    rows = []
    used = getattr(inst, "wedge_prices", None) or prices   # the prices the LP's wedges were set from
    Pd = lambda n, c, t: producer_price(used, n, c, t)    # noqa: E731  the defined price (p + μ)
    for (o, d, c, t) in m.AT_wedge:
        q = m.flow[o, d, c, t].value or 0.0
        if q <= TOL:
            continue
        parts = arc_wedge_parts(inst, used, o, d, c, t)
        tariff_p = pyo.value(m.tariff_usd_per_kg[o, d, c, t])
        levy_p = pyo.value(m.levy_usd_per_kg[o, d, c, t])
        tsum = sum(v for _, i, v in parts if i != "bloc_levy")
        lsum = sum(v for _, i, v in parts if i == "bloc_levy")
        for name, ins, v in parts:
            total, s = (levy_p, lsum) if ins == "bloc_levy" else (tariff_p, tsum)
            usd = q * (total * v / s if s > 0 else 0.0) * KUSD
            if usd:
                rows.append((t, d, ins, name, -usd, None))
    for (o, d, c, t) in m.AT_xtax:     # the strategic leader's export tax: revenue to the exporter
        q = m.flow[o, d, c, t].value or 0.0
        tax = pyo.value(m.export_tax_usd_per_kg[o, d, c, t])
        if q > TOL and tax:
            rows.append((t, o, "export_tax", "strategy", -tax * q * KUSD, None))
    for (p, f, t) in m.FLR:
        fl = pi.floors[p]
        q = m.cov[p, f, t].value or 0.0
        pay = floor_subsidy(floor_price_real(inst, p, t), Pd(fl.reference_node, fl.commodity, t), fl.upside_share)
        if q > TOL:
            rows.append((t, fl.payer, "price_floor", p, pay * q * KUSD, ix.facilities.at[f, "node"]))
    for (p, t) in m.OFT:
        o = pi.offtakes[p]
        q = m.off[p, t].value or 0.0
        if q <= TOL:
            continue
        node = ix.facilities.at[o.facility, "node"]
        if o.settlement == "floor":       # (C − P)⁺ − share·(P − C)⁺ on q; the producer sells on the market
            rows.append((t, o.buyer, "offtake_floor", p, offtake_payment(inst, p, t, used) * q * KUSD, node))
            continue
        contract = offtake_contract_price(inst, p, t, used)
        rows.append((t, o.buyer, "offtake", p, contract * q * KUSD, node))
        back = "offtake_resale" if o.use == "resale" else "offtake_own_use"
        rows.append((t, o.buyer, back, p, -Pd(node, o.commodity, t) * q * KUSD, node))
    for (p, t) in m.STK:
        sp = pi.stockpiles[p]
        pr = P(sp.node, sp.commodity, t)
        buy, rel, stock = (m.buy[p, t].value or 0.0, m.release[p, t].value or 0.0, m.stock[p, t].value or 0.0)
        hold = pyo.value(m.stock_holding_usd_per_kg[p, t]) * stock
        for ins, usd, rec in (("stockpile_purchase", pr * buy, None), ("stockpile_release", -pr * rel, None),
                              ("stockpile_holding", hold, None)):
            if abs(usd) > TOL:
                rows.append((t, sp.payer, ins, p, usd * KUSD, rec))
    L = ix.tree.length
    rows = [(t, payer, ins, pol, usd * L[t], rec) for (t, payer, ins, pol, usd, rec) in rows]
    if counts_closing(inst):
        rows += [(t, pi.stockpiles[p].payer, CLOSING, p, -v * KUSD, None)
                 for (p, t), v in closing_stock_kusd(inst, P).items() if v > TOL]
    rows += investment_subsidy_rows(inst)
    return rows


CLOSING = "stockpile_closing_value"
"""government.csv instrument: the stock a public stockpile still holds at the horizon's end,
valued at the final period's price (negative: an asset its payer keeps; not cash)."""


def final_nodes(inst: ModelInstance) -> set[int]:
    """Tree nodes with no successor: the last period of each scenario."""
    tree = inst.ix.tree
    return set(range(len(tree))) - {p for p in tree.parent if p is not None}


def counts_closing(inst: ModelInstance) -> bool:
    """Whether welfare counts the value of closing stocks (``money.closing_stocks: market``);
    with ``none`` (the default, as the LP decides) it is reported only (stockpiles.csv
    ``closing_value_usd``, summary.json ``closing_stock_value_usd``)."""
    return inst.cfg.money.closing_stocks == "market"


def closing_stock_kusd(inst: ModelInstance, P) -> dict[tuple[str, int], float]:
    """(stockpile, t) → P[n,c,t] × stock[p,t] at each final tree node t, k$ (an amount, not a rate):
    the public stock left at the horizon's end marked at the market price of that period. The LP
    decides with the stock worthless at the end (docs/model.md § Money, closing stocks)."""
    m, last = inst.m, final_nodes(inst)
    return {(p, t): P(inst.pi.stockpiles[p].node, inst.pi.stockpiles[p].commodity, t) * (m.stock[p, t].value or 0.0)
            for (p, t) in m.STK if t in last}


def private_closing_kusd(inst: ModelInstance, P, Pc) -> dict[tuple[str, str, int], float]:
    """(node, commodity, t) → price × pstock at each final tree node t, k$: the private holders'
    closing stock at the price of the class they hold."""
    m, last = inst.m, final_nodes(inst)
    held_clean = set(inst.ix.storage_clean)
    return {(n, c, t): (Pc(n, c, t) if (n, c) in held_clean else P(n, c, t)) * (m.pstock[n, c, t].value or 0.0)
            for (n, c, t) in m.PST if t in last}


INVESTMENT_INSTRUMENTS = ("project_grant", "project_loan", "project_equity")


def investment_subsidy_rows(inst: ModelInstance) -> list[tuple]:
    """Government cost of project finance (docs/model.md § Investment), as the investors gain from
    it: the difference in annualised capital charge on the capacity paying charges at t (× the
    period's length L_t: the period's amount): A(r_base) − A(r') for a loan or equity,
    g·A(capex, r_base) for a grant (paid up front in cash; spread here as the charge it removes,
    so that the transfer cancels in welfare inside the horizon)."""
    from reebloc.equilibrium.investment import paying, project_finance
    m, ix = inst.m, inst.ix
    pr = ix.projects
    if not pr:
        return []
    rows = []
    fin = project_finance(ix, inst.cfg)
    for j, f in fin.items():
        if not f.by_policy:
            continue
        node = pr.table.at[j, "node"]
        for t in range(len(ix.tree)):
            paid = sum(m.build[j, tp].value or 0.0 for tp in paying(ix, j, t))
            new = (m.build[j, t].value or 0.0) if (j, t) in pr.build_t_set else 0.0
            for pol, (payer, typ, annual, grant) in f.by_policy.items():
                usd = annual * paid * ix.tree.period[t].length_years + grant * new
                if usd > TOL:
                    rows.append((t, payer, f"project_{typ}", pol, usd, node))
    return rows


def capital_charge_kusd(inst: ModelInstance) -> dict[tuple[int, str], float]:
    """(t, node) → capital charge the investors pay (annuity after grants and cheap finance, plus
    fixed O&M), k$: Σ_j capital_charge_usd_per_kg[j] × Σ_{t' paying at t} build[j,t']."""
    from reebloc.equilibrium.investment import paying
    m, ix = inst.m, inst.ix
    out = defaultdict(float)
    for j in ix.projects.ramp:
        c = pyo.value(m.capital_charge_usd_per_kg[j])
        node = ix.projects.table.at[j, "node"]
        for t in range(len(ix.tree)):
            q = sum(m.build[j, tp].value or 0.0 for tp in paying(ix, j, t))
            if q > TOL:
                out[t, node] += c * q
    return out


def outlay_rows(inst: ModelInstance, loss: str = "central") -> list[tuple]:
    """(scenario, year, payer, type, policy, usd, recipient) of fixed outlays at their budget cost
    (``Outlay.budget_cost``: grants at face value, equity at expected loss, loans and guarantees at
    credit-subsidy cost), in real dollars of ``money.price_year``, reported under every scenario.

    Horizon rule (docs/model.md § Money): an outlay is booked once, in its ``year``; one dated
    outside the run's years is booked in the nearest run year at the value that leaves its
    discounted cost unchanged, x·(1 + r)^−(year − anchor), so government.csv, welfare.csv and
    summary.json hold the same flows. ``loss``: ``central``, ``low`` or ``high`` end of
    ``expected_loss_range`` (for the summary's range)."""
    ix, cfg, out = inst.ix, inst.cfg, []
    for name, p in cfg.policies.items():
        if isinstance(p, Outlay) and p.enabled and not p.projects:   # project finance: investment_subsidy_rows
            payer = payer_node(p.payer, ix.nodes, name)
            rec = p.recipient if p.recipient is not None else payer
            if rec not in ix.nodes:
                raise ReeblocError(name, "recipient", f"recipient {rec!r} is not a node ({', '.join(ix.nodes)})")
            anchor, usd = booked_budget_cost(inst, p, loss)
            # one row per scenario (booked in the year's first period when the year is split)
            out += [(s, anchor, p.payer, p.type, name, usd, rec) for s in sorted(cfg.scenarios) if usd]
    return out


def booked_budget_cost(inst: ModelInstance, p: Outlay, loss: str = "central") -> tuple[int, float]:
    """(year booked, usd): ``Outlay.budget_cost`` in real dollars of ``money.price_year`` (deflated
    from ``year`` when nominal), booked in the run year nearest ``year`` at the value that leaves
    its discounted cost unchanged (the horizon rule of ``outlay_rows``)."""
    cfg, years = inst.cfg, inst.ix.years
    rate = None
    if loss != "central" and p.expected_loss_range is not None:
        rate = p.expected_loss_range[0 if loss == "low" else 1]
    usd = p.budget_cost(cfg.money.credit_discount_rate, rate)
    if p.price_basis == "nominal":
        usd *= cfg.money.deflator(p.year)
    anchor = min(max(p.year, years[0]), years[-1])
    return anchor, usd * (1 + cfg.discount_rate) ** -(p.year - anchor)


def project_budget_rows(inst: ModelInstance, loss: str = "central") -> list[tuple]:
    """(t, payer, type, policy, usd) the budget office's cost of project finance on what is built,
    booked at the tree node t where a build is decided: the dollars the policy puts in (a grant's
    share of capex; a loan's or equity's share of the capex after grants) × its budget cost per
    dollar announced (``Outlay.budget_cost`` / amount: 1 for a grant, the FCRA credit-subsidy rate
    of a loan, the expected loss rate of equity; 0 for equity without one). Nothing is booked for a
    project not built; a build in one branch is booked in that branch. ``loss``: as for
    :func:`outlay_rows`."""
    from reebloc.equilibrium.investment import project_finance
    m, ix, cfg = inst.m, inst.ix, inst.cfg
    pr = ix.projects
    if not pr:
        return []
    rows = []
    for j, f in project_finance(ix, cfg).items():
        for pol, usd_per_t in f.financed_usd_per_t.items():
            p = cfg.policies[pol]
            rate = None
            if loss != "central" and p.expected_loss_range is not None:
                rate = p.expected_loss_range[0 if loss == "low" else 1]
            per_usd = p.budget_cost(cfg.money.credit_discount_rate, rate) / p.amount_usd if p.amount_usd > 0 else 0.0
            for t in range(len(ix.tree)):
                if (j, t) in pr.build_t_set:
                    usd = per_usd * usd_per_t * (m.build[j, t].value or 0.0)
                    if abs(usd) > TOL:
                        rows.append((t, p.payer, p.type, pol, usd))
    return rows


def project_finance_budget_costs(inst: ModelInstance, loss: str = "central") -> dict[str, float]:
    """{policy: usd} the budget office's cost of each project-finance outlay on what is built
    (:func:`project_budget_rows`), expected over scenarios and discounted to the run's first year;
    0 where nothing it finances is built. For comparison: government.csv carries the capital-charge
    subsidy on what is built inside the horizon, the transfer that moves the market and enters
    welfare (docs/model.md § Investment)."""
    cfg, tree = inst.cfg, inst.ix.tree
    y0 = inst.ix.years[0]
    out = {name: 0.0 for name, p in sorted(cfg.policies.items())
           if isinstance(p, Outlay) and p.enabled and p.projects}
    for (t, payer, typ, pol, usd) in project_budget_rows(inst, loss):
        out[pol] += tree.prob[t] * usd * (1 + cfg.discount_rate) ** -(tree.year[t] - y0)
    return out


def government_table(inst: ModelInstance, prices: dict) -> pd.DataFrame:
    """government.csv; ``recipient`` is the node where a payment lands (empty for revenue and for
    market purchases)."""
    out = []
    for (t, payer, ins, pol, usd, rec) in government_rows(inst, prices):
        out += [(s, y, pl, payer, ins, pol, usd, rec or "") for s, y, pl in _expand(inst, t)]
    tree = inst.ix.tree
    for (s, y, payer, ins, pol, usd, rec) in outlay_rows(inst):    # booked in the year's first period
        out.append((s, y, tree.period[tree.of[s, y]].label, payer, ins, pol, usd, rec))
    return _frame(inst, "government", out, ["payer", "instrument", "policy", "usd", "recipient"])


def welfare_table(inst: ModelInstance, prices: dict, clean: dict | None = None) -> pd.DataFrame:
    """Each origin class is valued at its own price: China-touched material at ``prices``,
    clean material at ``clean`` (its balance's dual; = the market price where clean material is
    also used as touched), so the clean premium is a transfer from rule-bound buyers to clean
    producers and traders and cancels in the total."""
    m, ix = inst.m, inst.ix
    clean = clean or {}
    P = lambda n, c, t: prices.get((n, c, t), 0.0)  # noqa: E731
    Pc = lambda n, c, t: clean.get((n, c, t), P(n, c, t))  # noqa: E731
    clean_rows = set(inst.pi.clean_demand)
    acc = defaultdict(lambda: defaultdict(float))   # (t, node) -> column -> k$ (then usd)
    for (t, n), v in willingness_to_pay_kusd(inst).items():
        acc[t, n]["cs"] += v
    for (n, s, c, t) in m.DT:
        price = Pc(n, c, t) if (n, s, c, t) in clean_rows else P(n, c, t)
        acc[t, n]["cs"] -= price * pyo.value(own_use(m, n, s, c, t))
    for (n, s, c, x, t) in m.SUBT:
        acc[t, n]["cs"] -= P(n, x, t) * pyo.value(m.sub_ratio[n, s, c, x]) * (m.sub_use[n, s, c, x, t].value or 0.0)
    fac = ix.facilities
    for (f, t) in m.FT:
        a = m.act[f, t].value or 0.0
        if a <= TOL:
            continue
        n, proc = fac.at[f, "node"], fac.at[f, "process"]
        a_clean = a if ix.makes_clean_only(f) else ((m.act_clean[f, t].value or 0.0) if (f, t) in m.FT_clean else 0.0)
        sales = sum(k * ((a - a_clean) * P(n, c, t) + a_clean * Pc(n, c, t)) for c, k in ix.by_process[proc])
        acc[t, n]["ps"] += sales - facility_cost_kusd(inst, f, t)
    for (t, n), v in capital_charge_kusd(inst).items():
        acc[t, n]["ps"] -= v
    for (n, c, t), v in private_storage_margin_kusd(inst, P, Pc).items():
        acc[t, n]["ps"] += v        # private stockholders are producers of their node
    for (n, c, t), v in (private_closing_kusd(inst, P, Pc) if counts_closing(inst) else {}).items():
        acc[t, n]["ps"] += v / ix.tree.length[t]     # an amount; acc holds rates
    adj = adjustment_kusd(m)        # calibrated trade costs (gradual trade): a real cost of the exporter
    for (o, d, c, t) in m.AT:
        q = m.flow[o, d, c, t].value or 0.0
        if q <= TOL:
            continue
        acc[t, o]["ps"] -= adj.get((o, d, c, t), 0.0)
        wedge = pyo.value(m.freight_usd_per_kg[o, d, c])
        for comp in ("tariff_usd_per_kg", "levy_usd_per_kg"):
            if (o, d, c, t) in m.AT_wedge:
                wedge += pyo.value(getattr(m, comp)[o, d, c, t])
        if (o, d, c, t) in m.AT_friction:
            wedge += pyo.value(m.friction_usd_per_kg[o, d, c, t])
        if (o, d, c, t) in m.AT_xtax:
            wedge += pyo.value(m.export_tax_usd_per_kg[o, d, c, t])
        qc = (m.flow_clean[o, d, c, t].value or 0.0) if (o, d, c, t) in m.ACT_clean else 0.0
        qt = max(0.0, q - qc)
        fric_t = pyo.value(m.friction_touched_usd_per_kg[o, d, c, t]) if (o, d, c, t) in m.AT_friction_touched else 0.0
        # arbitrage/quota rent to exporters, each class at its own prices
        acc[t, o]["ps"] += (P(d, c, t) - P(o, c, t) - wedge - fric_t) * qt + (Pc(d, c, t) - Pc(o, c, t) - wedge) * qc
    # acc holds per-year rates (× L_t below); payments are the period's amounts, so ÷ L_t here
    L = ix.tree.length
    for (s, y, payer, ins, pol, usd, rec) in outlay_rows(inst):
        t = ix.tree.of[s, y]   # a transfer from the payer to producers at the recipient node
        if s == ix.tree.scenarios[t][0]:
            node = payer_node(payer, ix.nodes)
            acc[t, node]["gov"] -= usd / KUSD / L[t]
            acc[t, rec]["ps"] += usd / KUSD / L[t]
    for (t, payer, ins, pol, usd, rec) in government_rows(inst, prices):
        k = usd / KUSD / L[t]
        gnode = payer_node(payer, ix.nodes)
        acc[t, gnode]["gov"] -= k
        if ins in REVENUE_INSTRUMENTS:
            acc[t, gnode]["tariff"] -= k
        elif ins in ("price_floor", "offtake", "offtake_resale", "offtake_own_use", "offtake_floor"):
            acc[t, rec]["ps"] += k      # a transfer to the producer (net of what the buyer gets back)
        # project grants and finance subsidies reach the producer as a lower capital charge (above)
        # stockpile purchases/releases are paid at P to/from the market, whose sales already count them
    out = []
    for (t, n), d in acc.items():
        cs, ps, gov, tar = d["cs"] * KUSD, d["ps"] * KUSD, d["gov"] * KUSD, d["tariff"] * KUSD
        out += [(s, y, pl, n, cs, ps, gov, tar, cs + ps + gov) for s, y, pl in _expand(inst, t)]
    return _frame(inst, "welfare", out, ["node", "consumer_surplus_usd", "producer_surplus_usd",
                                         "government_net_usd", "tariff_revenue_usd", "total_usd"])


def willingness_to_pay_kusd(inst: ModelInstance) -> dict[tuple[int, str], float]:
    """(t, node) → Σ wtp·blk + Σ (a q − ½ b q²) of served demand, k$."""
    m = inst.m
    out = defaultdict(float)
    for (n, s, c, t, k) in m.DTK:
        out[t, n] += pyo.value(m.block_wtp_usd_per_kg[n, s, c, t, k]) * (m.blk[n, s, c, t, k].value or 0.0)
    for (n, s, c, t) in m.DT_qp:
        q = m.served_qp[n, s, c, t].value or 0.0
        out[t, n] += pyo.value(m.demand_intercept[n, s, c, t]) * q - 0.5 * pyo.value(m.demand_slope[n, s, c, t]) * q * q
    return out


def true_welfare_usd(inst: ModelInstance, prices: dict, clean: dict | None = None) -> dict[int, float]:
    """Per tree node: WTP − true operating cost − capital cost (investors' charge + government
    project finance) − freight − calibrated trade costs − licence friction − holding + the value of
    closing stocks at the final nodes (USD per year of the node's period: × L_t for the period's
    amount). ``prices``, ``clean``: as for :func:`welfare_table` (they value only closing stocks)."""
    m, L = inst.m, inst.ix.tree.length
    out = defaultdict(float)
    P = lambda n, c, t: prices.get((n, c, t), 0.0)  # noqa: E731
    Pc = lambda n, c, t: (clean or {}).get((n, c, t), P(n, c, t))  # noqa: E731
    if counts_closing(inst):
        for (p, t), v in closing_stock_kusd(inst, P).items():
            out[t] += v / L[t]
        for (n, c, t), v in private_closing_kusd(inst, P, Pc).items():
            out[t] += v / L[t]
    for (t, n), v in willingness_to_pay_kusd(inst).items():
        out[t] += v
    for (f, t) in m.FT:
        out[t] -= facility_cost_kusd(inst, f, t)
    for (t, n), v in capital_charge_kusd(inst).items():
        out[t] -= v
    for (t, payer, ins, pol, usd, rec) in investment_subsidy_rows(inst):
        out[t] -= usd / KUSD / L[t]    # capital cost = investors' charge + the part the government carries
    for (o, d, c, t), v in adjustment_kusd(m).items():
        out[t] -= v             # calibrated trade costs (gradual trade)
    for (o, d, c, t) in m.AT:
        q = m.flow[o, d, c, t].value or 0.0
        out[t] -= pyo.value(m.freight_usd_per_kg[o, d, c]) * q
        if (o, d, c, t) in m.AT_friction:
            out[t] -= pyo.value(m.friction_usd_per_kg[o, d, c, t]) * q
        if (o, d, c, t) in m.AT_friction_touched:
            qc = (m.flow_clean[o, d, c, t].value or 0.0) if (o, d, c, t) in m.ACT_clean else 0.0
            out[t] -= pyo.value(m.friction_touched_usd_per_kg[o, d, c, t]) * max(0.0, q - qc)
    for (p, t) in m.STK:
        out[t] -= pyo.value(m.stock_holding_usd_per_kg[p, t]) * (m.stock[p, t].value or 0.0)
    for (n, c, t) in m.PST:
        out[t] -= pyo.value(m.pstock_holding_usd_per_kg[n, c, t]) * (m.pstock[n, c, t].value or 0.0)
    return {t: v * KUSD for t, v in out.items()}


def private_storage_margin_kusd(inst: ModelInstance, P, Pc) -> dict[tuple[str, str, int], float]:
    """(node, commodity, t) → P·(sales − purchases) − h·stock of the private holders, k$, at the
    price of the class they hold (P touched, Pc clean): summed over a scenario's years with the
    objective's weights, their arbitrage profit (zero at the margin when capacity does not bind;
    docs/model.md § Private storage)."""
    m, out = inst.m, {}
    held_clean = set(inst.ix.storage_clean)
    for (n, c, t) in m.PST:
        buy, sell, stock = (m.pbuy[n, c, t].value or 0.0, m.psell[n, c, t].value or 0.0, m.pstock[n, c, t].value or 0.0)
        price = Pc(n, c, t) if (n, c) in held_clean else P(n, c, t)
        out[n, c, t] = price * (sell - buy) - pyo.value(m.pstock_holding_usd_per_kg[n, c, t]) * stock
    return out
