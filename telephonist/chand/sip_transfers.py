"""Transfers on SIP lines: the far end's REFER (RFC 3515) handled like chand's own transfer, and chand's
`transfer` going out as REFER on a trunk that takes them ([spans.sip] transfer = "refer").

The far end's REFER on line L (a phone or a PBX hands over the call it has with us) moves *our side* of L:
the one call L is bridged with (the party). Blind (Refer-To: a number): the number is an extension of a
phone in a trunk group (its phone rings), else a number a [[routes]] entry names (the party is handed to that
application), else it is dialled on the span's `refer_trunk_group`; a dialled target is chand's own blind
transfer (transfers.py: ringback, bridged on answer, torn down together). Attended (Refer-To with Replaces
naming another call R of the same span): the party of L is bridged with the party of R, and R is cleared.
The far end hears how it went as NOTIFY sipfrag (100 at once, then 200, or the failure's status); it clears
L itself. The party's record has a "transfer" event (by="refer:<L>"), L's a "refer" event.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telephonist.chand.call import Transfer
from telephonist.chand.line import Line, LineState, Signal
from telephonist.chand.routing import split_application

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)

# a failed target's Q.850 cause -> the SIP status the referrer is told (RFC 3398's way back)
FAIL_STATUS = {1: 404, 17: 486, 18: 480, 19: 480, 20: 480, 21: 603, 34: 503, 38: 503, 41: 503}
RING_MS = 45000


def cause_number(cause: object) -> int:
    text = str(cause or "").split(" ", 1)[0]
    return int(text) if text.isdigit() else 0


class SipTransfers:
    def __init__(self, board: "Switchboard") -> None:
        self.board = board

    # ---- the far end's REFER ---------------------------------------------------------------------
    def referred(self, line: Line, target: str, replaces: Line | None) -> None:
        board = self.board
        board.record_event(line, "refer", to=target, **({"replaces": replaces.name} if replaces else {}))
        log.info("event=sip_refer line=%s to=%s replaces=%s", line.name, target, replaces.name if replaces else "")
        party = self._party(line)
        if party is None:
            self._answer(line, 603, "no party: the call is not bridged with one other call")
            return
        if replaces is not None:
            self._attended(line, party, replaces, target)
            return
        phone = self._phone(target)
        if phone is not None:
            group, out = phone
            if out.state != LineState.IDLE or out.owner:
                self._answer(line, 486, f"extension {target} is busy")
                return
            self._dial(line, party, group, out, target)
            return
        route = next((r for r in board.router.routes if r.matches(party.name, target, party.call.caller)), None)
        if route is not None and not board.sessions_of(split_application(route.application)[0]):
            self._answer(line, 503, f"application {route.application} is not connected")
            return
        if route is not None:
            board.leave_bridge(party)
            board.engine.play_stop(party.chan, 0)
            board.record_event(party, "transfer", to=target, application=route.application, by=f"refer:{line.name}")
            ok = board.hand_to(party, route.application, reason="refer")
            self._answer(line, 200 if ok else 503, "" if ok else f"application {route.application} is not connected")
            return
        config = getattr(line.sig, "config", None)
        group = board.trunk_groups.get(config.refer_trunk_group) if config and config.refer_trunk_group else None
        out = group.pick() if group else None
        if out is None:
            self._answer(line, 404 if group is None else 503,
                         "no extension, route or refer_trunk_group for it" if group is None
                         else f"every line of {group.name} is busy")
            return
        self._dial(line, party, group, out, target)

    def _party(self, line: Line) -> Line | None:
        bridge = line.bridge
        if bridge is None or bridge.named:
            return None
        others = bridge.others(line)
        if len(others) != 1 or others[0].state != LineState.UP or others[0].call is None:
            return None
        return others[0]

    def _phone(self, number: str):
        for group in self.board.trunk_groups.values():
            phone = group.extension(number)
            if phone is not None:
                return group, phone
        return None

    def _dial(self, line: Line, party: Line, group, out: Line, target: str) -> None:
        assert party.call is not None
        self.board.transfers.start(party, out, group.name, target, party.call.caller, RING_MS, True,
                                   by=f"refer:{line.name}")
        assert party.call.transfer is not None
        party.call.transfer.referrer = line

    def _attended(self, line: Line, party: Line, replaces: Line, target: str) -> None:
        """Both calls the far end has with us: their parties are bridged, and the replaced call is cleared."""
        board = self.board
        other = self._party(replaces)
        if other is None or other is party:
            self._answer(line, 603, f"{replaces.name} is not bridged with one other call")
            return
        for p, q in ((party, other), (other, party)):
            board.tell_owner(p, "transferred", number=target, chan_out=q.name)
            board.leave_bridge(p)
            board.engine.play_stop(p.chan, 0)
            board.record_event(p, "transfer", to=target, joined=q.name, by=f"refer:{line.name}",
                               replaces=replaces.name)
            p.call.owner = None
        party.call.transfer = other.call.transfer = Transfer(caller=party, callee=other)
        board.bridges.bridge([party, other])
        self._answer(line, 200)
        if replaces.busy and replaces.state != LineState.CLEARING:
            replaces.sig.hangup("normal")

    def _answer(self, line: Line, status: int, why: str = "") -> None:
        """NOTIFY the referrer how its REFER went (a final status ends its subscription)."""
        if status >= 300:
            log.warning("event=sip_refer_failed line=%s status=%s why=%s", line.name, status, why)
        if line.call is not None:
            board = self.board
            board.record_event(line, "refer_progress", status=status, **({"why": why} if why else {}))
        if line.busy and line.state == LineState.UP:
            line.sig.refer_progress(status)

    def target_changed(self, transfer: Transfer, line: Line, sig: Signal, info: dict) -> None:
        """The dialled target of a REFER answered or failed: the referrer hears it (once)."""
        referrer = transfer.referrer
        if referrer is None or line is not transfer.callee:
            return
        if sig == Signal.REMOTE_ANSWER:
            transfer.referrer = None
            self._answer(referrer, 200)
        elif sig in (Signal.REMOTE_FAIL, Signal.REMOTE_HANGUP):
            transfer.referrer = None
            self._answer(referrer, FAIL_STATUS.get(cause_number(info.get("cause")), 503), str(info.get("cause", "")))

    # ---- chand's transfer as REFER ---------------------------------------------------------------
    def refer_out(self, line: Line, number: str, by: str | None) -> None:
        """The far end is asked to transfer the call (REFER); the call stays ours until it says it did."""
        board = self.board
        assert line.call is not None
        line.call.vars["refer_to"] = number
        board.record_event(line, "transfer", to=number, how="refer", by=by)
        line.sig.refer(number)

    def refer_done(self, line: Line, status: int) -> None:
        board = self.board
        if line.call is None:
            return
        if 200 <= status < 300:
            board.record_event(line, "transfer_done", status=status)
            board.tell_owner(line, "transferred", number=line.call.vars.get("refer_to", ""), how="refer")
            if line.busy and line.state != LineState.CLEARING:
                line.sig.hangup("normal")
        else:
            board.record_event(line, "transfer_failed", status=status)
            board.tell_owner(line, "transfer_failed", status=status)
