"""Checks of a resolved config against its data set, before anything is built or solved.

Everything that can be known without a solve is checked here, so ``reebloc validate`` catches it
and ``reebloc run`` never solves a model whose results would be refused afterwards:

- every node, commodity, facility and process a policy, scenario or strategy names exists in the
  data set ("did you mean" for a misspelling);
- a policy's and an export control's years lie inside the data set's horizon (the demand years);
- ``china_node``, when set, is a node (else China content would be 0 everywhere);
- a price floor's ``reference_node`` can have a market for its commodity (a demand row, a facility
  or a route of it): elsewhere there is never a price to reference;
- every payer (``payer`` of price floors, stockpiles and outlays, ``buyer`` of offtakes) is a node
  or one of the config's declared ``payers`` (NODE_AGENCY, the node a node of the data set):
  ``US_Dod`` for ``US_DoD`` is refused with "did you mean", not taken as a new agency;
- ``money.home``, when set, and an outlay's ``recipient`` are nodes (an unknown home node would
  zero the home welfare and budget figures; an unknown recipient fails only after the solve);
- an outlay's ``year`` is a plausible year (OUTLAY_YEARS): a year outside the run is booked in
  the nearest run year on purpose (docs/model.md § Money, "Horizon rule"), 1025 for 2025 is a typo;
- an offtake's ``input_price_usd_per_kg`` names inputs of the facility's process (any other key
  would be silently ignored);
- a tariff gives a rate (``ad_valorem`` or ``specific_usd_per_kg``; 0 given is fine): without one
  it is a 0% tariff, a forgotten field;
- a ``licence`` export control has a friction ``cost_usd_per_kg`` or a cap (``cap_t``, or an
  ``approval_rate``): with none it does nothing;
- a stockpile cover target (``target_days``/365 × the node's reference demand in demand.csv) fits
  in ``capacity_t`` in every year it applies (the policy active, from ``target_from``, unless every
  scenario has an export control in force then, where the target is relaxed): above it the model
  used to cut the target to capacity silently.

Not checked: a ``reference_scenario`` with export controls. docs/config.md calls it "the
no-disruption scenario" and defaults to one without controls, but the library's own
``runs/scenarios/brief_regimes.yaml`` names ``no_controls``, which carries the shared 2025-26
history's licences: controls in force do not make a scenario a wrong reference.

A cover target under capacity that the market cannot fill is known only to the solver
(infeasible); then ``reebloc.app.run.diagnose_infeasible`` names the policy, the file and the first year.

Each error names the file that set the key (the config that wrote it, not the base it inherits).
"""

from __future__ import annotations

import warnings

import difflib
from pathlib import Path

import pandas as pd

from reebloc.errors import ReeblocError


def did_you_mean(value: str, known) -> str:
    known = sorted(str(k) for k in known)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    if not close:       # case slips (US_Dod / US_DoD) score low on length-3 differences
        close = [k for k in known if k.lower() == value.lower()][:1]
    return f"; did you mean '{close[0]}'?" if close else ""


# An outlay's year: outside the run it is booked in the nearest run year (docs/model.md § Money,
# "Horizon rule"), so only a year no programme can have is refused, as a typo.
OUTLAY_YEARS = (1990, 2100)


def supply_chain(coef: dict, commodity: str) -> set[str]:
    """``commodity`` and every commodity upstream of it: the inputs (coefficient < 0) of each
    process that makes it (coefficient > 0), recursively. ``coef``: (process, commodity) -> t."""
    out, todo = {commodity}, [commodity]
    while todo:
        c = todo.pop()
        for proc in {pr for (pr, k), v in coef.items() if k == c and v > 0}:
            for (pr, k), v in coef.items():
                if pr == proc and v < 0 and k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def reaches(c, node: str, chain: set[str], nodes: set[str], cfg) -> bool:
    """Export control ``c`` restricts supply to ``node`` of a commodity in ``chain``: a destination
    of it, supplied by an exporter other than itself (the model's own rule, on its arcs:
    ``policyindex`` ``controlled``; routes are not consulted here)."""
    if not set(c.commodities) & chain:
        return False
    return (node in c.destination_nodes(nodes, cfg.policies)
            and any(e != node for e in c.exporter_nodes(nodes, cfg.china_node)))


def cover_target_problem(cfg, data, p) -> str | None:
    """Why stockpile policy ``p``'s cover target cannot be held, or None: in a year it applies (the
    policy active, from ``target_from``, unless every scenario has an export control in force then
    that reaches the stockpile's node with its commodity or an input of it, where the target is
    relaxed) target_days/365 × the node's reference demand (demand.csv) is above
    ``capacity_t`` (docs/model.md: stock ≥ target_days/365 × reference demand, ≤ capacity)."""
    if not p.target_days:
        return None
    dem = data["demand"]
    dem = dem[(dem["node"] == p.node) & (dem["commodity"] == p.commodity)].groupby("year")["quantity_t"].sum()
    if not (dem > 0).any():
        return (f"{p.node} has no demand for {p.commodity} in demand.csv, so a cover of {p.target_days:g} days "
                "of it is 0 t and the target would do nothing; set capacity and purchases another way, or "
                "drop target_days")
    coef = {(r.process, r.commodity): float(r.coefficient_t) for r in data["processes"].itertuples()}
    chain = supply_chain(coef, p.commodity)
    nodes = set(data["nodes"]["node"])
    for per in cfg.period_list:
        y = per.year
        if not p.active(per) or (p.target_from is not None and y < p.target_from):
            continue
        if all(any(c.years.covers(per) and reaches(c, p.node, chain, nodes, cfg) for c in sc.export_controls.values())
               for sc in cfg.scenarios.values()):
            continue        # every scenario is disrupted for this stockpile then: the target is relaxed
        need_t = p.target_days / 365.0 * float(dem.get(y, 0.0))
        if need_t > p.capacity_t * (1 + 1e-9):
            return (f"a cover of {p.target_days:g} days of {p.node}'s {p.commodity} demand is {need_t:,.1f} t "
                    f"in {y}, more than capacity_t ({p.capacity_t:,.1f} t); lower target_days or raise capacity_t")
    return None


def stacked_floors(cfg, path) -> None:
    """Warn where two enabled price floors cover one plant's commodity in a common year: both pay
    in full on the same tonnes (contracts can stack; usually one is meant to replace the other)."""
    from reebloc.inputs.policies import PriceFloor
    floors = [(n, p) for n, p in sorted(cfg.policies.items()) if isinstance(p, PriceFloor) and p.enabled]
    years = set(cfg.year_list)
    for i, (a, pa) in enumerate(floors):
        for b, pb in floors[i + 1:]:
            both = sorted(set(pa.facilities) & set(pb.facilities))
            ya = {y for y in years if pa.years is None or pa.years.start <= y <= pa.years.end}
            yb = {y for y in years if pb.years is None or pb.years.start <= y <= pb.years.end}
            if both and pa.commodity == pb.commodity and ya & yb:
                warnings.warn(f"{path}: policies.{a} and policies.{b} are both price floors on {', '.join(both)} "
                              f"({pa.commodity}) in {min(ya & yb)}-{max(ya & yb)}: both pay in full on the same "
                              "tonnes", UserWarning, stacklevel=3)


def check_against_data(resolved, data) -> None:
    """Raise ReeblocError at the first reference the data set does not have."""
    from reebloc.inputs.config import _origin_of
    from reebloc.inputs.policies import Bloc, ContentRule, Offtake, Outlay, PriceFloor, Stockpile, Tariff

    cfg = resolved.config
    origins = getattr(resolved, "origins", {}) or {}
    files = getattr(resolved, "files", []) or []
    nodes = set(data["nodes"]["node"])
    comms = set(data["commodities"]["commodity"])
    facs = data["facilities"].set_index("facility")[["node", "process"]]
    if data.has("projects"):       # a project (build option, projects.csv) is a facility too
        pj = data["projects"].rename(columns={"project": "facility"}).set_index("facility")[["node", "process"]]
        facs = pd.concat([facs, pj])
    procs = set(data["processes"]["process"])
    coef = {(p, c): v for p, c, v in data["processes"][["process", "commodity", "coefficient_t"]].itertuples(index=False)}

    def fail(key: str, msg: str):
        raise ReeblocError(_origin_of(key, origins, files) or resolved.path, key, msg)

    def need(value: str, known, key: str, what: str, table: str):
        if value not in known:
            fail(key, f"unknown {what} {value!r} (not in {table}){did_you_mean(value, known)}")

    raw = getattr(resolved, "raw", None) or {}
    if "china_node" in raw:     # the default CN may be absent (textbook data)
        need(cfg.china_node, nodes, "china_node", "node", "nodes.csv")
    if isinstance(raw.get("money"), dict) and "home" in raw["money"]:   # likewise the default US
        need(cfg.money.home, nodes, "money.home", "node", "nodes.csv")
    elif cfg.money.home not in nodes:
        warnings.warn(f"{resolved.path}: money.home is {cfg.money.home} by default and the data set has no node "
                      f"{cfg.money.home}: us_welfare_usd and us_budget_cost_usd will read 0; set money.home to one "
                      f"of {', '.join(sorted(nodes))}", UserWarning, stacklevel=2)
    for p in cfg.payers:
        need(p.split("_", 1)[0], nodes, "payers", "node", f"nodes.csv; payer {p!r} is NODE_AGENCY")
    payers = nodes | set(cfg.payers)

    def payer(value: str, key: str):
        if value not in payers:
            declared = ", ".join(sorted(payers))
            fail(key, f"unknown payer {value!r}{did_you_mean(value, payers)} (payers are nodes or "
                 f"declared in the config's 'payers' list: {declared})")

    def stock_target_fits(p, f: str):
        problem = cover_target_problem(cfg, data, p)
        if problem:
            fail(f"{f}.target_days", problem)

    markets = possible_markets(data, facs, cfg)
    lo, hi = data.horizon

    def in_horizon(span, key: str, what: str):
        # outside the data's horizon is a typo (2053 for 2035); outside a shorter run's years
        # is fine: a library variant run on 2025-2027 keeps its later policies, out of force
        if span is not None and not (lo <= span.start and span.end <= hi):
            fail(key, f"{what} years {span.start}-{span.end} are outside the data set's "
                 f"horizon {lo}-{hi} (demand years of {resolved.data_dir.name})")

    routes = set(zip(data["routes"]["origin"], data["routes"]["destination"], data["routes"]["commodity"]))
    stacked_floors(cfg, resolved.path)
    for name in sorted(cfg.policies):
        p = cfg.policies[name]
        f = f"policies.{name}"
        in_horizon(p.years, f"{f}.years", "policy")
        if isinstance(p, (Tariff, Bloc)):
            for attr in (("origins", "destinations") if isinstance(p, Tariff) else ("members",)):
                sel = getattr(p, attr)
                for n in ([] if sel == "*" else sel):
                    need(n, nodes, f"{f}.{attr}", "node", "nodes.csv")
            for c in ([] if p.commodities == "*" else p.commodities):
                need(c, comms, f"{f}.commodities", "commodity", "commodities.csv")
            for c in p.reference_price_usd_per_kg:
                need(c, comms, f"{f}.reference_price_usd_per_kg", "commodity", "commodities.csv")
        if isinstance(p, Tariff) and not any(
                (p.origins == "*" or o in p.origins) and (p.destinations == "*" or d in p.destinations)
                and (p.commodities == "*" or c in p.commodities) and o != d for o, d, c in routes):
            fail(f, "matches no route of routes.csv (origins × destinations × commodities, an origin never "
                 "its own destination): it would tax nothing")
        if isinstance(p, Tariff) and not {"ad_valorem", "specific_usd_per_kg"} & p.model_fields_set:
            fail(f, "a tariff with no rate: give ad_valorem (a share, 0.25 = 25%) or specific_usd_per_kg "
                 "($/kg); 0 given explicitly is accepted")
        if isinstance(p, PriceFloor):
            for fa in p.facilities:
                need(fa, facs.index, f"{f}.facilities", "facility", "facilities.csv or projects.csv")
            need(p.commodity, comms, f"{f}.commodity", "commodity", "commodities.csv")
            need(p.reference_node, nodes, f"{f}.reference_node", "node", "nodes.csv")
            if (p.reference_node, p.commodity) not in markets:
                fail(f"{f}.reference_node", f"{p.reference_node} has no market for {p.commodity} (no demand, "
                     f"facility or route of it in the data set), so it has no price to reference")
            for fa in p.facilities:
                if coef.get((facs.at[fa, "process"], p.commodity), 0) <= 0:
                    fail(f"{f}.facilities", f"facility {fa!r} does not produce {p.commodity!r}")
            payer(p.payer, f"{f}.payer")
        if isinstance(p, Offtake):
            need(p.facility, facs.index, f"{f}.facility", "facility", "facilities.csv or projects.csv")
            need(p.commodity, comms, f"{f}.commodity", "commodity", "commodities.csv")
            if coef.get((facs.at[p.facility, "process"], p.commodity), 0) <= 0:
                fail(f"{f}.commodity", f"facility {p.facility!r} does not produce {p.commodity!r}")
            proc = facs.at[p.facility, "process"]
            inputs = sorted(c for (pr, c), v in coef.items() if pr == proc and v < 0)
            for c in p.input_price_usd_per_kg:
                if c not in inputs:
                    fail(f"{f}.input_price_usd_per_kg", f"{c!r} is not an input of facility {p.facility!r} "
                         f"(process {proc} uses {', '.join(inputs) or 'no input'}){did_you_mean(c, inputs)}")
            payer(p.buyer, f"{f}.buyer")
        if isinstance(p, Stockpile):
            need(p.node, nodes, f"{f}.node", "node", "nodes.csv")
            need(p.commodity, comms, f"{f}.commodity", "commodity", "commodities.csv")
            payer(p.payer, f"{f}.payer")
            if p.target_days:
                stock_target_fits(p, f)
        if isinstance(p, Outlay):
            if not OUTLAY_YEARS[0] <= p.year <= OUTLAY_YEARS[1]:
                fail(f"{f}.year", f"{p.year} is not a plausible year (expected {OUTLAY_YEARS[0]}-{OUTLAY_YEARS[1]}; "
                     f"an outlay outside the run's years is booked in the nearest run year, docs/model.md § Money)")
            payer(p.payer, f"{f}.payer")
            if p.recipient is not None:     # where the transfer lands: a node (default the payer's)
                need(p.recipient, nodes, f"{f}.recipient", "node", "nodes.csv")
        if isinstance(p, ContentRule):
            need(p.node, nodes, f"{f}.node", "node", "nodes.csv")
            dem = data["demand"]
            segs = set(dem.loc[dem.node == p.node, "segment"])
            for sg in p.segments:
                need(sg, segs, f"{f}.segments", f"demand segment at {p.node}", "demand.csv")
            if p.commodities != "*":
                for k in p.commodities:
                    need(k, comms, f"{f}.commodities", "commodity", "commodities.csv")
                    if not ((dem.node == p.node) & dem.segment.isin(p.segments) & (dem.commodity == k)).any():
                        fail(f"{f}.commodities", f"{', '.join(p.segments)} at {p.node} demand no {k} "
                             "(demand.csv): the rule would cover nothing")

    if cfg.trade.gradual and data.has("trade_reference"):      # gradual trade reads three assumptions
        from reebloc.inputs.config import TRADE_ASSUMPTIONS as ASSUMPTIONS
        asm = set(data["assumptions"]["assumption_id"]) if data.has("assumptions") else set()
        for k, a in ASSUMPTIONS.items():
            if getattr(cfg.trade, k) is None and a not in asm:
                fail(f"trade.{k}", f"no value and no assumption {a!r} in assumptions.csv (trade_reference.csv "
                     "needs it; set trade.{k} or add the assumption)")
        ref = data["trade_reference"]
        arcs = set(zip(data["routes"]["origin"], data["routes"]["destination"], data["routes"]["commodity"]))
        for r in ref.itertuples():
            if (r.origin, r.destination, r.commodity) not in arcs:
                fail("trade_reference.csv", f"reference flow {r.origin}->{r.destination} {r.commodity} has no "
                     "route in routes.csv")

    for s in sorted(cfg.scenarios):
        for cname, c in sorted(cfg.scenarios[s].export_controls.items()):
            f = f"scenarios.{s}.export_controls.{cname}"
            in_horizon(c.years, f"{f}.years", "control")
            if c.exporter != "third_countries":      # a node, a list of nodes, or every node but China
                for n in ([c.exporter] if isinstance(c.exporter, str) else c.exporter):
                    need(n, nodes, f"{f}.exporter", "node", "nodes.csv (or third_countries)")
            for k in c.commodities:
                need(k, comms, f"{f}.commodities", "commodity", "commodities.csv")
            if (c.kind == "licence" and "cost_usd_per_kg" not in c.model_fields_set
                    and c.cap_t is None and c.approval_rate is None):
                fail(f, "kind licence needs cost_usd_per_kg ($/kg on each kg exported), cap_t or approval_rate "
                     "(with reference_t); with none it does nothing")
            if isinstance(c.destinations, list):
                for n in c.destinations:
                    need(n, nodes, f"{f}.destinations", "node", "nodes.csv")
            elif c.destinations != "all":
                bloc = c.destinations.outside_bloc
                if not isinstance(cfg.policies.get(bloc), Bloc):
                    blocs = [k for k, v in cfg.policies.items() if isinstance(v, Bloc)]
                    fail(f"{f}.destinations.outside_bloc", f"no bloc policy named {bloc!r}{did_you_mean(bloc, blocs)}")
            src = set(c.exporter_nodes(sorted(nodes), cfg.china_node))
            dst = c.destination_nodes(sorted(nodes), cfg.policies)
            if not any(o in src and d in dst and k in c.commodities and o != d for o, d, k in routes):
                fail(f, "matches no route of routes.csv (exporter × destinations × commodities): it would "
                     "control nothing")

    st = getattr(cfg, "strategy", None)
    if st is not None:
        if st.player is not None:
            need(st.player, nodes, "strategy.player", "node", "nodes.csv")
        for iname, ins in sorted(st.instruments.items()):
            f = f"strategy.instruments.{iname}"
            need(ins.commodity, comms, f"{f}.commodity", "commodity", "commodities.csv")
            if isinstance(ins.destinations, list):
                for n in ins.destinations:
                    need(n, nodes, f"{f}.destinations", "node", "nodes.csv")
        if st.deterrence is not None:
            for pr in st.deterrence.processes:
                need(pr, procs, "strategy.deterrence.processes", "process", "processes.csv")


def possible_markets(data, facs: pd.DataFrame, cfg) -> set[tuple[str, str]]:
    """(node, commodity) pairs that can have a market, hence a price: a demand row, a facility or
    project whose process makes or uses the commodity, a route from or to the node, or a
    stockpile. Anywhere else no price is ever defined (docs/model.md § Reported prices)."""
    from reebloc.inputs.policies import Stockpile
    out = set(zip(data["demand"]["node"], data["demand"]["commodity"]))
    by_proc: dict[str, list[str]] = {}
    for pr, c in data["processes"][["process", "commodity"]].itertuples(index=False):
        by_proc.setdefault(pr, []).append(c)
    for n, pr in facs[["node", "process"]].itertuples(index=False):
        out.update((n, c) for c in by_proc.get(pr, []))
    for o, d, c in data["routes"][["origin", "destination", "commodity"]].itertuples(index=False):
        out.update({(o, c), (d, c)})
    out.update((p.node, p.commodity) for p in cfg.policies.values() if isinstance(p, Stockpile))
    return out


def config_file_of(resolved, key: str) -> Path:
    from reebloc.inputs.config import _origin_of
    return _origin_of(key, resolved.origins, resolved.files) or resolved.path
