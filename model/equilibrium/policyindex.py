"""Which policy rows apply where: the structural part of the instruments (docs/model.md § Equations)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reebloc.equilibrium.index import TRUNK, Index
from reebloc.inputs.checks import supply_chain
from reebloc.inputs.config import RunConfig
from reebloc.errors import ReeblocError
from reebloc.inputs.policies import Bloc, ContentRule, Offtake, Outlay, PriceFloor, Stockpile, Tariff


def _match(sel, value) -> bool:
    return sel == "*" or value in sel


@dataclass
class PolicyIndex:
    tariffs: dict[str, Tariff] = field(default_factory=dict)
    blocs: dict[str, Bloc] = field(default_factory=dict)
    floors: dict[str, PriceFloor] = field(default_factory=dict)
    offtakes: dict[str, Offtake] = field(default_factory=dict)
    stockpiles: dict[str, Stockpile] = field(default_factory=dict)
    wedge_arcs: list[tuple] = field(default_factory=list)        # (o, d, c, t) with a tariff or levy
    floor_rows: list[tuple] = field(default_factory=list)        # (policy, facility, t)
    floor_years: list[tuple] = field(default_factory=list)       # (policy, t)
    offtake_rows: list[tuple] = field(default_factory=list)      # (policy, t)
    stock_rows: list[tuple] = field(default_factory=list)        # (policy, t)
    release_ok: dict[tuple, bool] = field(default_factory=dict)  # (policy, t) -> may release
    target_rows: list[tuple] = field(default_factory=list)       # (policy, t)
    controls: list[tuple] = field(default_factory=list)          # (control id, t, [arcs])
    friction_arcs: list[tuple] = field(default_factory=list)     # (o, d, c, t)
    disrupted: set[int] = field(default_factory=set)             # tree nodes with a control in force
    controlled: dict = field(default_factory=dict)               # t -> {(destination, commodity)} a control reaches
    friction_set: set = field(default_factory=set)
    friction: dict = field(default_factory=dict)                 # (o, d, c, t) -> licence cost $/kg
    control_caps: dict = field(default_factory=dict)             # (control id, t) -> cap t
    xtax_arcs: list[tuple] = field(default_factory=list)         # (o, d, c, t) a strategic export tax may hit
    xtax_of: dict = field(default_factory=dict)                  # (o, d, c, t) -> [instrument names]
    quotas: list[tuple] = field(default_factory=list)            # (instrument, t, [arcs]) strategic quotas
    touched_controls: set = field(default_factory=set)           # control ids on China-touched flows only
    friction_touched_arcs: list[tuple] = field(default_factory=list)   # (o, d, c, t), touched flows only
    friction_touched: dict = field(default_factory=dict)         # (o, d, c, t) -> $/kg on touched flows
    content_rules: dict = field(default_factory=dict)            # name -> ContentRule
    clean_demand: list[tuple] = field(default_factory=list)      # (node, segment, commodity, t) served clean

    def key(self) -> tuple:
        return (tuple(self.wedge_arcs), tuple(self.floor_rows), tuple(self.floor_years),
                tuple(self.offtake_rows), tuple(self.stock_rows), tuple(sorted(self.release_ok.items())),
                tuple(self.target_rows), tuple((c, t, tuple(a)) for c, t, a in self.controls),
                tuple(self.friction_arcs), tuple(sorted(self.touched_controls)),
                tuple(self.friction_touched_arcs), tuple(self.clean_demand), tuple(self.xtax_arcs),
                tuple((q, t, tuple(a)) for q, t, a in self.quotas),
                tuple((k, p.volume_cap_t is None) for k, p in self.floors.items()))


def tariff_applies(p: Tariff, o: str, d: str, c: str) -> bool:
    return _match(p.origins, o) and _match(p.destinations, d) and _match(p.commodities, c)


def bloc_side(p: Bloc, o: str, d: str, c: str) -> str | None:
    """'internal' for member→member arcs, 'external' for outsider→member, else None."""
    if not _match(p.commodities, c) or d not in p.members:
        return None
    return "internal" if o in p.members else "external"


def control_exporters(c, ix: Index) -> list[str]:
    """The exporting nodes of a control: a node, a list, or third_countries (all but China)."""
    return c.exporter_nodes(ix.nodes, ix.china)


def controls_at(cfg: RunConfig, tree, t: int) -> list[tuple[str, object]]:
    """Export controls in force at tree node t: its scenario's (on a branch), or the controls
    that every scenario on the trunk shares (validated identical in the config)."""
    per, b = tree.period[t], tree.branch[t]
    s = b if b != TRUNK else tree.scenarios[t][0]
    prefix = b if b != TRUNK else TRUNK
    controls = cfg.scenarios[s].export_controls
    return [(f"{prefix}.{name}", controls[name]) for name in sorted(controls) if controls[name].years.covers(per)]


def build_policy_index(ix: Index, cfg: RunConfig, where) -> PolicyIndex:
    """``where`` is the config file, named in errors about unknown references."""
    pi = PolicyIndex()
    fac = ix.facilities
    nodes, comms = set(ix.nodes), set(ix.commodities)

    def need(ok: bool, field_: str, msg: str):
        if not ok:
            raise ReeblocError(where, field_, msg)

    # a data set without the default China node (a textbook case) has only clean material
    if "china_node" in cfg.model_fields_set:
        need(ix.china in nodes, "china_node", f"unknown node {ix.china!r}; expected one of {', '.join(ix.nodes)}")
    if "tie_break_nodes" in cfg.origin.model_fields_set:
        for n in cfg.origin.tie_break_nodes:
            need(n in nodes, "origin.tie_break_nodes", f"unknown node {n!r}")
    for name in sorted(cfg.policies):       # canonical order: the LP does not depend on YAML order
        p = cfg.policies[name]
        f = f"policies.{name}"
        if isinstance(p, (Tariff, Bloc)):
            for attr in (("origins", "destinations") if isinstance(p, Tariff) else ("members",)):
                sel = getattr(p, attr)
                for n in ([] if sel == "*" else sel):
                    need(n in nodes, f"{f}.{attr}", f"unknown node {n!r}")
            if p.commodities != "*":
                for c in p.commodities:
                    need(c in comms, f"{f}.commodities", f"unknown commodity {c!r}")
        if isinstance(p, PriceFloor):
            for fa in p.facilities:
                need(fa in fac.index, f"{f}.facilities", f"unknown facility {fa!r}")
            need(p.commodity in comms, f"{f}.commodity", f"unknown commodity {p.commodity!r}")
            need(p.reference_node in nodes, f"{f}.reference_node", f"unknown node {p.reference_node!r}")
            for fa in p.facilities:
                need(ix.coef.get((fac.at[fa, "process"], p.commodity), 0) > 0, f"{f}.facilities",
                     f"facility {fa!r} does not produce {p.commodity!r}")
        if isinstance(p, Offtake):
            need(p.facility in fac.index, f"{f}.facility", f"unknown facility {p.facility!r}")
            need(ix.coef.get((fac.at[p.facility, "process"], p.commodity), 0) > 0, f"{f}.commodity",
                 f"facility {p.facility!r} does not produce {p.commodity!r}")
        if isinstance(p, ContentRule):
            need(p.node in nodes, f"{f}.node", f"unknown node {p.node!r}")
            segs = sorted({s for (n, s, c) in ix.demand_keys if n == p.node})
            for sg in p.segments:
                need(sg in segs, f"{f}.segments",
                     f"no demand segment {sg!r} at node {p.node}; expected one of {', '.join(segs)}")
            if p.commodities != "*":
                for c in p.commodities:
                    need(c in comms, f"{f}.commodities", f"unknown commodity {c!r}")
        if isinstance(p, Outlay) and ix.projects:
            for j in p.projects:
                need(j in ix.projects.ramp, f"{f}.projects", f"unknown project {j!r} (not in projects.csv)")
        if isinstance(p, Stockpile):
            need(p.node in nodes, f"{f}.node", f"unknown node {p.node!r}")
            need(p.commodity in comms, f"{f}.commodity", f"unknown commodity {p.commodity!r}")
        if not p.enabled:
            continue
        {Tariff: pi.tariffs, Bloc: pi.blocs, PriceFloor: pi.floors, Offtake: pi.offtakes,
         Stockpile: pi.stockpiles, ContentRule: pi.content_rules}.get(type(p), {})[name] = p

    tree = ix.tree
    for t in range(len(tree)):
        for cid, c in controls_at(cfg, tree, t):
            f = f"scenarios.{cid.split('.')[0]}.export_controls.{cid.split('.', 1)[1]}"
            exporters = control_exporters(c, ix)
            for n in exporters:
                need(n in nodes, f + ".exporter", f"unknown node {n!r}; expected a node, a list of nodes or third_countries")
            for k in c.commodities:
                need(k in comms, f + ".commodities", f"unknown commodity {k!r}")
            dest = c.destinations
            if isinstance(dest, list):
                for n in dest:
                    need(n in nodes, f + ".destinations", f"unknown node {n!r}")
            elif dest != "all":
                need(isinstance(cfg.policies.get(dest.outside_bloc), Bloc), f + ".destinations.outside_bloc",
                     f"no bloc policy named {dest.outside_bloc!r}")
            targets = c.destination_nodes(nodes, cfg.policies)
            arcs = [a for a in ix.arcs if a[0] in exporters and a[1] in targets and a[2] in c.commodities]
            touched = c.origin_class == "china_touched"
            if touched:   # China's own exports are all China-touched: only third countries' clean flows differ
                arcs_ok = [a for a in arcs if a[0] != ix.china]
                need(bool(arcs_ok) or not arcs, f + ".origin_class",
                     "china_touched applies to third-country exporters; China's own exports are all China-touched")
            pi.disrupted.add(t)
            pi.controlled.setdefault(t, set()).update((a[1], a[2]) for a in arcs)
            if c.kind == "licence" and c.cost_usd_per_kg > 0:
                fr, fa = (pi.friction_touched, pi.friction_touched_arcs) if touched else (pi.friction, pi.friction_arcs)
                fa += [a + (t,) for a in arcs]
                for a in arcs:
                    fr[a + (t,)] = fr.get(a + (t,), 0.0) + c.cost_usd_per_kg
            if isinstance(c.reference_t, dict):
                for d in c.reference_t:
                    need(d == "others" or d in targets, f + ".reference_t",
                         f"destination {d!r} is not one of the control's destinations "
                         f"({', '.join(sorted(targets))}) nor 'others'")
                if c.rate() is not None and "others" not in c.reference_t:
                    loose = sorted({a[1] for a in arcs} - set(c.reference_t))
                    need(not loose, f + ".reference_t",
                         f"no reference volume for {', '.join(loose)}, which the control reaches; without "
                         "'others' their flows would be uncapped: name them, add others: <t>, or narrow "
                         "destinations")
            for label, dests, cap in c.caps(sorted(targets)):
                row = f"{cid}[{label}]" if label else cid
                sub = [a for a in arcs if a[1] in dests]
                pi.controls.append((row, t, sub))
                pi.control_caps[row, t] = cap
                if touched:
                    pi.touched_controls.add(row)
    strategy_rows(ix, cfg, pi, need)
    pi.friction_arcs = sorted(set(pi.friction_arcs))
    pi.friction_set = set(pi.friction_arcs)
    pi.friction_touched_arcs = sorted(set(pi.friction_touched_arcs))

    fac_t = set(ix.fac_t)
    chains = {name: {(p.node, k) for k in supply_chain(ix.coef, p.commodity)} for name, p in pi.stockpiles.items()}
    for t in range(len(tree)):
        y, per = tree.year[t], tree.period[t]
        for a in ix.arcs:
            hit = any(p.active(per) and tariff_applies(p, *a) for p in pi.tariffs.values()) or \
                any(p.active(per) and bloc_side(p, *a) for p in pi.blocs.values())
            if hit:
                pi.wedge_arcs.append(a + (t,))
        for name, p in pi.floors.items():
            if p.active(per):
                rows = [(name, fa, t) for fa in p.facilities if (fa, t) in fac_t]
                pi.floor_rows += rows
                if rows:
                    pi.floor_years.append((name, t))
        for name, p in pi.offtakes.items():
            if p.active(per) and (p.facility, t) in fac_t:
                pi.offtake_rows.append((name, t))
        for name, p in pi.stockpiles.items():
            pi.stock_rows.append((name, t))
            # a disruption for this stockpile: a control in force that reaches its node with its
            # commodity or an input upstream of it (any other control leaves its supply as it was)
            drawable = bool(pi.controlled.get(t, set()) & chains[name])
            pi.release_ok[name, t] = p.active(per) and (p.release == "any" or drawable)
            # the cover target holds in normal times; in a disruption the stock may be drawn below it,
            # whatever the release rule (``any`` allows releases in more years, never fewer)
            if p.active(per) and p.target_days and (p.target_from is None or y >= p.target_from) and not drawable:
                pi.target_rows.append((name, t))
        for name, p in pi.content_rules.items():
            if p.active(per):
                pi.clean_demand += [(n, sg, c, t) for (n, sg, c) in ix.demand_keys
                                    if n == p.node and sg in p.segments and (p.commodities == "*" or c in p.commodities)]
    pi.clean_demand = sorted(set(pi.clean_demand))
    return pi


def strategy_rows(ix: Index, cfg: RunConfig, pi: PolicyIndex, need) -> None:
    """Arcs and years of the leader's instruments (``cfg.strategy``, reebloc.inputs.strategy)."""
    st = cfg.strategy
    if st is None:
        return
    nodes, comms = set(ix.nodes), set(ix.commodities)
    player = st.player or cfg.china_node
    need(player in nodes, "strategy.player" if st.player else "china_node", f"unknown node {player!r}")
    tree = ix.tree
    for name in sorted(st.instruments):
        ins = st.instruments[name]
        f = f"strategy.instruments.{name}"
        need(ins.commodity in comms, f + ".commodity", f"unknown commodity {ins.commodity!r}")
        if ins.destinations != "all":
            for n in ins.destinations:
                need(n in nodes, f + ".destinations", f"unknown node {n!r}")
        targets = nodes if ins.destinations == "all" else set(ins.destinations)
        arcs = [a for a in ix.arcs if a[0] == player and a[1] in targets and a[2] == ins.commodity]
        need(bool(arcs), f + ".commodity", f"no route from {player} carries {ins.commodity!r} to "
             f"{'any node' if ins.destinations == 'all' else ', '.join(ins.destinations)} (routes.csv)")
        for t in range(len(tree)):
            if ins.years is not None and not ins.years.covers(tree.period[t]):
                continue
            if ins.kind == "export_tax":
                for a in arcs:
                    pi.xtax_of.setdefault(a + (t,), []).append(name)
            else:
                pi.quotas.append((name, t, arcs))
    pi.xtax_arcs = sorted(pi.xtax_of)
