"""Nodes that decide: branch on conditions over the call's variables, set variables."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from telephonist.ivrd.expressions import ExpressionError, compile_expression, evaluate
from telephonist.ivrd.nodes.registry import CheckContext, Field, NodeType, register

if TYPE_CHECKING:
    from telephonist.ivrd.call import Call
    from telephonist.ivrd.flow_model import Node

VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@register
class Branch(NodeType):
    """The first condition that holds picks the next node:
        cases = [ { if = "balance < 0", next = "arrears" }, { if = "vip", next = "vip_menu" } ]
        else = "normal"
    """
    name = "branch"
    fields = (Field("cases", "any", required=True), Field("else", "node", required=True))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        cases = node.get("cases")
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            ctx.problem("cases", 'cases must be a list of { if = "condition", next = "node" }')
            return
        compiled = []
        for i, case in enumerate(cases):
            if set(case) != {"if", "next"} or not all(isinstance(v, str) for v in case.values()):
                ctx.problem("cases", f'case {i + 1} must be {{ if = "condition", next = "node" }}')
                continue
            try:
                compiled.append((compile_expression(case["if"]), case["next"], case["if"]))
            except ExpressionError as exc:
                ctx.problem("cases", f"case {i + 1}: {exc}")
        node.compiled["cases"] = compiled

    def extra_exits(self, node: "Node") -> list[tuple[str, str]]:
        cases = node.get("cases")
        if not isinstance(cases, list):
            return []
        return [("cases", c["next"]) for c in cases if isinstance(c, dict) and isinstance(c.get("next"), str)]

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        for tree, target, text in node.compiled["cases"]:
            try:
                if evaluate(tree, call.vars):
                    call.step("ok", detail={"if": text})
                    return target
            except ExpressionError as exc:
                raise FlowRuntimeError(f"node {node.name!r}: {exc}") from None
        call.step("else")
        return node.get("else")


@register
class Set(NodeType):
    """Variables from expressions: vars = { fee = "amount * 0.05", greeting = "'vip'" }."""
    name = "set"
    fields = (Field("vars", "str_map", required=True), Field("next", "node"))

    def check(self, node: "Node", ctx: CheckContext) -> None:
        compiled: list[tuple[str, Any]] = []
        for name, expr in node.get("vars").items():
            if not VAR_NAME.match(name):
                ctx.problem("vars", f"{name!r} is not a variable name")
            try:
                compiled.append((name, compile_expression(expr)))
            except ExpressionError as exc:
                ctx.problem("vars", f"{name}: {exc}")
        node.compiled["vars"] = compiled

    async def run(self, node: "Node", call: "Call") -> str | None:
        from telephonist.ivrd.call import FlowRuntimeError
        changed = {}
        for name, tree in node.compiled["vars"]:
            try:
                call.vars[name] = changed[name] = evaluate(tree, call.vars)
            except ExpressionError as exc:
                raise FlowRuntimeError(f"node {node.name!r}: {exc}") from None
        call.step("ok", detail=changed)
        return node.get("next")
