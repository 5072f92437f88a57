"""Compile Pyomo expressions to param polynomials without recursion.

A *polynomial* is a list of terms ``(coef, factors)``: value = Σ coef · Π factors, where a
factor is a mutable ``ParamData`` or, for a sub-expression that is not a polynomial in params
(``max``, a power, ...), that Pyomo sub-expression itself (evaluated with ``value``).

``terms(e)`` compiles a variable-free expression; ``linear(e)`` a linear one into
(constant polynomial, {id(var): (var, coefficient polynomial)}). Both walk the expression tree
with an explicit stack, so expressions thousands of levels deep (the objective's constant of a
200-scenario extensive form) compile without ``RecursionError``.
"""

from __future__ import annotations

from pyomo.core.base.param import ParamData
from pyomo.core.base.var import VarData
from pyomo.core.expr.numvalue import value

MAX_TERMS = 64          # a product of two sums with more terms stays one opaque factor


class NotLinear(ValueError):
    """The expression is not linear in the variables (or uses a node this compiler does not know)."""


_PRODUCT = {"NPV_ProductExpression", "ProductExpression", "MonomialTermExpression"}
_NEGATION = {"NPV_NegationExpression", "NegationExpression"}
_SUM = {"NPV_SumExpression", "SumExpression", "LinearExpression"}
_DIVISION = {"NPV_DivisionExpression", "DivisionExpression"}
_KNOWN = _PRODUCT | _NEGATION | _SUM | _DIVISION
_NODE = object()


def _leaf(e, with_vars: bool):
    """A leaf's result, or ``_NODE`` when ``e`` is an operator node to descend into.

    A result is (constant polynomial, linear dict or None)."""
    if e.__class__ in (int, float):
        return [(float(e), ())], None
    if isinstance(e, ParamData):
        return ([(float(e.value), ())] if e.is_constant() else [(1.0, (e,))]), None
    if isinstance(e, VarData):
        if e.fixed:
            return [(float(e.value), ())], None
        if not with_vars:
            raise NotLinear(f"variable {e.name} in a constant expression")
        return [], {id(e): (e, [(1.0, ())])}
    if not getattr(e, "is_expression_type", lambda: False)():
        if getattr(e, "is_constant", lambda: False)() or not e.is_potentially_variable():
            return [(float(value(e)), ())], None
        raise NotLinear(f"unsupported leaf {type(e).__name__}")
    if e.is_named_expression_type():
        return _NODE
    if type(e).__name__ in _KNOWN:
        return _NODE
    if not e.is_potentially_variable():          # max, power, abs ... of params: one opaque factor
        return [(1.0, (e,))], None
    raise NotLinear(f"{type(e).__name__} is not linear")


def _scale(poly, by):
    """poly × by (both polynomials)."""
    if len(by) == 1:
        cb, pb = by[0]
        return [(ca * cb, pa + pb) for ca, pa in poly]
    return [(ca * cb, pa + pb) for ca, pa in poly for cb, pb in by]


def _combine(node, args):
    name = type(node).__name__
    if node.is_named_expression_type():
        return args[0]
    if name in _SUM:
        # merge into the largest child (children's results are owned by this node)
        big = max(range(len(args)), key=lambda i: len(args[i][1] or ()))
        const, lin = args[big]
        const = list(const)
        for i, (c, l) in enumerate(args):
            if i == big:
                continue
            const.extend(c)
            if l:
                if lin is None:
                    lin = l
                    continue
                for k, (v, p) in l.items():
                    old = lin.get(k)
                    lin[k] = (v, p) if old is None else (v, old[1] + p)
        if len(const) > MAX_TERMS:
            const = _collapse(const, node if lin is None else None)
        return const, lin
    if name in _NEGATION:
        c, l = args[0]
        return ([(-a, p) for a, p in c],
                None if l is None else {k: (v, [(-a, p) for a, p in q]) for k, (v, q) in l.items()})
    if name in _PRODUCT:
        (ca, la), (cb, lb) = args
        if la is not None and lb is not None:
            raise NotLinear("product of two variable expressions")
        if la is not None:
            ca, la, cb, lb = cb, lb, ca, la    # the variable side second
        if len(ca) * max(1, len(cb)) > MAX_TERMS:
            if lb is None:
                return [(1.0, (node,))], None
            ca = _collapse(ca, None)
        const = _scale(cb, ca) if cb else []
        lin = None if lb is None else {k: (v, _scale(q, ca)) for k, (v, q) in lb.items()}
        return const, lin
    if name in _DIVISION:
        (ca, la), (cb, lb) = args
        if lb is not None:
            raise NotLinear("division by a variable expression")
        if len(cb) != 1 or cb[0][1]:
            if la is None:
                return [(1.0, (node,))], None
            raise NotLinear("division of a variable expression by a param expression")
        d = cb[0][0]
        if d == 0:
            raise NotLinear("division by zero")
        return ([(a / d, p) for a, p in ca],
                None if la is None else {k: (v, [(a / d, p) for a, p in q]) for k, (v, q) in la.items()})
    raise NotLinear(f"{name} is not linear")


def _collapse(poly, node):
    """Too many terms: sum the constant ones, keep the rest (``node``: unused marker)."""
    const = sum(a for a, p in poly if not p)
    rest = [(a, p) for a, p in poly if p]
    return ([(const, ())] if const else []) + rest


def _walk(e, with_vars: bool):
    stack = [(e, False)]
    out = []
    push, pop = stack.append, stack.pop
    while stack:
        node, done = pop()
        if done:
            k = node.nargs()
            args = out[len(out) - k:]
            del out[len(out) - k:]
            out.append(_combine(node, args))
            continue
        r = _leaf(node, with_vars)
        if r is not _NODE:
            out.append(r)
            continue
        push((node, True))
        args = node.args
        for i in range(len(args) - 1, -1, -1):
            push((args[i], False))
    return out[0]


def terms(e) -> list | None:
    """Polynomial of a variable-free expression (``None``: it contains a free variable)."""
    if e is None:
        return None
    try:
        const, lin = _walk(e, with_vars=False)
    except NotLinear:
        return None
    return const


def linear(e) -> tuple[list, dict]:
    """(constant polynomial, {id(var): (var, coefficient polynomial)}); raises ``NotLinear``."""
    const, lin = _walk(e, with_vars=True)
    return const, (lin or {})


def has_params(poly) -> bool:
    return any(p for _, p in poly)


def evaluate(poly) -> float:
    total = 0.0
    for coef, fs in poly:
        for f in fs:
            coef *= f._value if isinstance(f, ParamData) else value(f)
        total += coef
    return total
