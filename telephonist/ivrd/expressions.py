"""Conditions and values in flows: `${var}` in strings, and small expressions for branch and set.

Expressions are Python syntax, restricted to what a flow needs: literals,
call variables by name, arithmetic, comparisons, and/or/not, `x in [...]`,
subscripts (a lookup row's column) and a few functions. They are parsed when
the flow is loaded (a syntax error is reported with file:line) and evaluated
by walking the tree: nothing reaches eval(), attributes are refused.
"""
from __future__ import annotations

import ast
import operator
import re
from datetime import datetime
from typing import Any

VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


class ExpressionError(Exception):
    pass


def _lookup(name: str, variables: dict[str, Any]) -> Any:
    """`a.b` reads key b of variable a (a lookup row)."""
    head, *rest = name.split(".")
    value = variables.get(head)
    for part in rest:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def interpolate(text: str, variables: dict[str, Any]) -> str:
    """'Policy ${policy_no}' with the call's variables; an unset variable becomes ''."""
    def sub(m: re.Match) -> str:
        v = _lookup(m.group(1), variables)
        return "" if v is None else str(v)
    return VAR_REF.sub(sub, text)


def references(text: str) -> list[str]:
    return VAR_REF.findall(text)


_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
        ast.NotIn: lambda a, b: a not in b}


def _num(v: Any) -> Any:
    """Digits the caller typed are strings; compare and compute with them as numbers."""
    if isinstance(v, str):
        try:
            return int(v) if re.fullmatch(r"-?\d+", v) else float(v) if re.fullmatch(r"-?\d+\.\d*", v) else v
        except ValueError:
            return v
    return v


FUNCTIONS: dict[str, Any] = {
    "len": lambda v: len(v) if v is not None else 0,
    "int": lambda v: int(float(v)),
    "float": float,
    "str": lambda v: "" if v is None else str(v),
    "round": round,
    "abs": abs,
    "min": min,
    "max": max,
    "hour": lambda: datetime.now().hour,
    "startswith": lambda s, p: str(s or "").startswith(str(p)),
    "empty": lambda v: v is None or v == "" or v == [] or v == {},
}


def compile_expression(text: str) -> ast.Expression:
    """Parse and vet an expression; ExpressionError says what is wrong."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"bad expression {text!r}: {exc.msg}") from None
    for n in ast.walk(tree):
        if isinstance(n, (ast.Attribute, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                          ast.Starred, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            raise ExpressionError(f"bad expression {text!r}: {type(n).__name__.lower()} is not allowed")
        if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in FUNCTIONS):
            raise ExpressionError(f"bad expression {text!r}: only {', '.join(sorted(FUNCTIONS))} may be called")
        if isinstance(n, ast.BinOp) and type(n.op) not in _BIN:
            raise ExpressionError(f"bad expression {text!r}: operator {type(n.op).__name__} is not allowed")
    return tree


def evaluate(tree: ast.Expression | str, variables: dict[str, Any]) -> Any:
    if isinstance(tree, str):
        tree = compile_expression(tree)
    try:
        return _eval(tree.body, variables)
    except ExpressionError:
        raise
    except Exception as exc:       # a type mismatch, a division by zero ... in the caller's data
        raise ExpressionError(f"{ast.unparse(tree)}: {type(exc).__name__}: {exc}") from None


def _eval(n: ast.AST, v: dict[str, Any]) -> Any:
    match n:
        case ast.Constant(value=value):
            return value
        case ast.Name(id="true"):
            return True
        case ast.Name(id="false"):
            return False
        case ast.Name(id="null"):
            return None
        case ast.Name(id=name):
            return v.get(name)
        case ast.List(elts=elts) | ast.Tuple(elts=elts):
            return [_eval(e, v) for e in elts]
        case ast.Dict(keys=keys, values=values):
            return {_eval(k, v): _eval(x, v) for k, x in zip(keys, values)}
        case ast.BoolOp(op=ast.And(), values=values):
            result: Any = True
            for x in values:
                result = _eval(x, v)
                if not result:
                    return result
            return result
        case ast.BoolOp(op=ast.Or(), values=values):
            result = False
            for x in values:
                result = _eval(x, v)
                if result:
                    return result
            return result
        case ast.UnaryOp(op=ast.Not(), operand=x):
            return not _eval(x, v)
        case ast.UnaryOp(op=ast.USub(), operand=x):
            return -_num(_eval(x, v))
        case ast.UnaryOp(op=ast.UAdd(), operand=x):
            return _num(_eval(x, v))
        case ast.BinOp(left=a, op=op, right=b):
            left, right = _eval(a, v), _eval(b, v)
            if isinstance(op, ast.Add) and isinstance(left, str) and isinstance(right, str):
                return left + right
            return _BIN[type(op)](_num(left), _num(right))
        case ast.Compare(left=a, ops=ops, comparators=comps):
            left = _eval(a, v)
            for op, c in zip(ops, comps):
                right = _eval(c, v)
                if isinstance(op, (ast.In, ast.NotIn)):
                    ok = _CMP[type(op)](left, right) or (_CMP[type(op)](_num(left), [_num(x) for x in right])
                                                         if isinstance(right, list) else False)
                    if isinstance(op, ast.NotIn):
                        ok = left not in right and (not isinstance(right, list) or _num(left) not in
                                                    [_num(x) for x in right])
                else:
                    l2, r2 = _num(left), _num(right)
                    if isinstance(op, (ast.Eq, ast.NotEq)) and type(l2) is not type(r2) and \
                            not (isinstance(l2, (int, float)) and isinstance(r2, (int, float))):
                        l2, r2 = left, right
                    ok = _CMP[type(op)](l2, r2)
                if not ok:
                    return False
                left = right
            return True
        case ast.IfExp(test=t, body=b, orelse=o):
            return _eval(b, v) if _eval(t, v) else _eval(o, v)
        case ast.Subscript(value=value, slice=index):
            container = _eval(value, v)
            key = _eval(index, v)
            if container is None:
                return None
            if isinstance(container, dict):
                return container.get(key)
            return container[int(key)]
        case ast.Call(func=ast.Name(id=fname), args=args):
            return FUNCTIONS[fname](*[_eval(a, v) for a in args])
        case ast.JoinedStr():
            raise ExpressionError("f-strings are not allowed; use ${var} in text")
    raise ExpressionError(f"{type(n).__name__} is not allowed in an expression")
