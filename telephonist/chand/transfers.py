"""Blind transfer: chand takes a caller from its application, dials a number for it and bridges the two.

From the `transfer` command on, chand itself looks after both legs (their
calls have no owner and share one `Transfer`): the caller hears ringback, the
new leg is bridged when answered, and when either side fails or hangs up the
other is hung up too.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from telephonist.chand.call import Transfer
from telephonist.chand.line import Line, LineState, Signal

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard


class Transfers:
    def __init__(self, board: "Switchboard") -> None:
        self.board = board

    def start(self, line: Line, out: Line, group: str, number: str, caller_id: str, timeout_ms: int,
              ringback: bool, by: str | None = None, redirecting_reason: str = "deflection") -> None:
        board = self.board
        call = line.call
        assert call is not None
        prev = call.owner
        board.tell_owner(line, "transferred", number=number, chan_out=out.name)
        board.leave_bridge(line)
        board.engine.play_stop(line.chan, 0)
        call.owner = None
        board.record_event(line, "transfer", to=number, trunk_group=group, by=by or prev)
        tg = board.trunk_groups.get(group)
        out_call = out.new_call("outbound", board.now(), caller=caller_id, dialled=number, trunk_group=group,
                                application="transfer", call_id=call.call_id, no_answer_ms=timeout_ms,
                                record_whole=bool(tg and tg.record))
        if call.direction == "inbound" and call.dialled:
            # the call chand forwards was for this number: a PRI trunk says so (redirecting number) on its SETUP
            out_call.vars.update(redirecting=call.dialled, redirecting_reason=redirecting_reason)
        call.transfer = out_call.transfer = Transfer(caller=line, callee=out)
        if ringback:
            board.engine.play(line.chan, [("tone", "ringback", 0)])
        out.sig.dial(number, caller_id)

    def early_media(self, line: Line) -> None:
        """The dialled leg's far end sends its tones or announcement before answering (PRI's progress indicator 8):
        the caller hears them instead of chand's ringback, through the bridge the answer would make."""
        transfer = line.call.transfer if line.call else None
        if transfer is None or line is not transfer.callee:
            return
        other = transfer.other(line)
        if other.call is not None and other.call.transfer is transfer and other.busy and other.state != LineState.CLEARING:
            self.board.engine.play_stop(other.chan, 0)
            self.board.bridges.bridge([other, line])

    def line_changed(self, line: Line, sig: Signal, info: dict | None = None) -> None:
        """What happens to a transferred pair: bridged on answer, torn down together."""
        transfer = line.call.transfer if line.call else None
        if transfer is None:
            return
        other = transfer.other(line)
        if transfer.referrer is not None:
            self.board.sip_transfers.target_changed(transfer, line, sig, info or {})
        if sig == Signal.REMOTE_ANSWER and line is transfer.callee:
            self.board.engine.play_stop(other.chan, 0)
            if line.bridge is None or line.bridge is not other.bridge:     # (bridged already for early media)
                self.board.bridges.bridge([other, line])
        elif sig in (Signal.REMOTE_FAIL, Signal.REMOTE_HANGUP):
            if other.call and other.call.transfer is transfer and other.busy and other.state != LineState.CLEARING:
                other.sig.hangup("normal")
