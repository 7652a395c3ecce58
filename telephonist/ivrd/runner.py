"""Runs one call through its flow, node by node, and makes sure every call ends somewhere.

A node returns the next node's name, or None when the call has left the flow.
Whatever goes wrong at run time (a missing prompt, a failed lookup, a loop,
a bug in a node) is logged with the node's file:line and the caller gets the
fallback: a "please try again later" prompt, then a hand-off or a hang-up.
The other calls and the daemon go on.
"""
from __future__ import annotations

import logging

from telephonist.ivrd.call import Call, CallerHungUp, FlowRuntimeError
from telephonist.ivrd.nodes.registry import REGISTRY

log = logging.getLogger("telephonist.ivrd")


async def run_call(call: Call, start: str | None = None) -> None:
    settings = call.services.settings
    node_name = start or call.flow.start
    try:
        while node_name is not None:
            if call.steps >= settings.max_steps:
                raise FlowRuntimeError(f"{call.steps} steps without leaving the flow: it loops")
            node = call.flow.nodes.get(node_name)
            if node is None:
                raise FlowRuntimeError(f"flow {call.flow.name!r} has no node {node_name!r}")
            call.current = node
            call._step_logged = False
            call.steps += 1
            node_name = await REGISTRY[node.type].run(node, call)
            if not call._step_logged:
                call.step("ok")
            await call.services.steps.flush()
        if call.outcome is None and call.returns_to is not None:    # an agent's IVR step: back to the agent
            await call.give_back()
        elif call.outcome is None:              # the flow ran out of nodes: goodbye
            call.end("hangup")
            await call.hangup()
    except CallerHungUp:
        if call.current is not None:
            call.step("hangup")
        if call.outcome is None:
            call.end("abandoned", call.current.name if call.current else "")
    except FlowRuntimeError as exc:
        _failed(call, str(exc))
        await fallback_or_back(call, str(exc))
    except Exception as exc:                    # a bug in a node type: this call only
        log.exception("event=ivr_node_crashed call=%s node=%s", call.call_id, call.current and call.current.name)
        _failed(call, f"{type(exc).__name__}: {exc}")
        await fallback_or_back(call, f"{type(exc).__name__}")
    finally:
        # not idle yet: the flow counts as done once its session's end is written and published too (service.py)
        await call.services.steps.flush()


def _failed(call: Call, why: str) -> None:
    node = call.current
    where = f"{node.file}:{node.line}" if node else call.flow.file
    log.error("event=ivr_flow_error call=%s chan=%s flow=%s node=%s at=%s error=%s", call.call_id, call.chan,
              call.flow.name, node.name if node else "", where, why)
    if node is not None:
        call.step("error", detail={"error": why, "at": where})


async def fallback_or_back(call: Call, why: str) -> None:
    """A flow that failed: an agent's IVR step gives the caller back to the agent (with the error), any other
    call gets the fallback."""
    if call.returns_to is not None:
        try:
            await call.give_back(error=why)
            return
        except (CallerHungUp, FlowRuntimeError) as exc:
            log.error("event=ivr_step_give_back_failed call=%s error=%s", call.call_id, exc)
    await fallback(call)


async def fallback(call: Call) -> None:
    """The caller hears the fallback prompt and is handed on or hung up (never left in silence)."""
    settings = call.services.settings
    prompt = call.flow.fallback_prompt or settings.fallback_prompt
    then = call.flow.fallback or settings.fallback
    call.end("fallback", then)
    try:
        try:
            await call.play([prompt] if prompt else [{"tone": "congestion", "ms": 3000}])
        except FlowRuntimeError:                # the fallback prompt itself is missing
            await call.play([{"tone": "congestion", "ms": 3000}])
        if then and then != "hangup":
            try:
                await call.handoff(then, reason="ivr_fallback")
                return
            except FlowRuntimeError as exc:
                log.error("event=ivr_fallback_handoff_failed call=%s to=%s error=%s", call.call_id, then, exc)
        await call.hangup()
    except (CallerHungUp, FlowRuntimeError):
        pass
