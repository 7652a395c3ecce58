"""The control API's commands, one module per area, in one table with the role each needs.

A handler reads its arguments and checks them (types, ranges, ownership,
state), then asks the switchboard to make the change; every refusal is a
typed ApiError that becomes an error reply. The table a chand serves is
built for what it has: `sim.*` exists only where there are simulated spans,
`local.*` only where the sound card is a line.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telephonist.chand.api.commands.registry import ADMIN, ANY, APP, Commands, arg, engine_safe
from telephonist.chand.api.errors import BadRequest, EngineFailure, Forbidden, UnknownCommand
from telephonist.chand.api.session import Session
from telephonist.engine import EngineError

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

__all__ = ["CommandTable", "table_for", "Commands", "arg", "engine_safe", "ANY", "APP", "ADMIN"]


class CommandTable:
    def __init__(self, *parts: Commands) -> None:
        self.entries: dict[str, tuple[Any, tuple[str, ...]]] = {}
        for part in parts:
            self.entries.update(part.entries)

    def names(self) -> list[str]:
        return sorted(self.entries)

    def dispatch(self, board: "Switchboard", sess: Session, msg: dict[str, Any]) -> dict[str, Any] | None:
        name = msg.get("cmd")
        if not isinstance(name, str):
            raise BadRequest("a command needs 'cmd'")
        if name != "hello" and sess.role is None:
            raise Forbidden("say hello first")
        entry = self.entries.get(name)
        if entry is None:
            raise UnknownCommand(f"unknown command {name!r}")
        fn, roles = entry
        if name != "hello" and sess.role not in roles:
            raise Forbidden(f"{name} needs role {' or '.join(roles)}; this session is {sess.role}")
        try:
            return fn(board, sess, msg)
        except EngineError as exc:
            raise EngineFailure(str(exc)) from exc


def table_for(board: "Switchboard") -> CommandTable:
    """The commands this chand serves."""
    from telephonist.chand.api.commands import (bridges, bus, calls, conferences, lines, local, media, session, sim,
                                               timers)
    parts = [session.COMMANDS, calls.COMMANDS, media.COMMANDS, bridges.COMMANDS, conferences.COMMANDS,
             lines.COMMANDS, bus.COMMANDS, timers.COMMANDS]
    if board.sim is not None:
        parts.append(sim.COMMANDS)
    if any(ln.local for ln in board.lines.values()):
        parts.append(local.COMMANDS)
    return CommandTable(*parts)
