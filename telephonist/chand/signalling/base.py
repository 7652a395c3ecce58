"""What every signalling shares: its context, its per-line options, its actions."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from telephonist.engine import Dsp, Engine, Event

if TYPE_CHECKING:
    from telephonist.chand.engine_clock import EngineTimers
    from telephonist.chand.line import Line


@dataclass(frozen=True)
class SigContext:
    engine: Engine
    timers: "EngineTimers"
    now_ms: Callable[[], int]


@dataclass(frozen=True)
class LineOptions:
    """Per-line signalling settings (from the span's config)."""
    cid: str = "bell202"                 # bell202 | v23 | dtmf | none
    busy_tone_disconnect: bool = True    # Chinese exchanges often signal hang-up only with busy tone
    open_loop_disconnect: bool = True    # kewl start: a loop-current break means the far end hung up
    polarity_disconnect: bool = False
    answer_on_polarity: bool = False     # outbound: a polarity reversal means answered
    answer_on_voice: bool = True         # outbound on analog lines without answer supervision
    ring_timeout_ms: int = 8000          # no ring for this long: the caller gave up
    dialtone_wait_ms: int = 3000         # outbound: dial blind after this if no dial tone is heard
    no_answer_ms: int = 45000
    guard_ms: int = 300                  # after hang-up, before the line may be seized again
    first_digit_ms: int = 10000          # FXS: dial tone until the first digit
    interdigit_ms: int = 4000            # FXS: end of dialling
    max_digits: int = 20
    ring_on_ms: int = 1000               # FXS ring cadence (China: 1 s on, 4 s off)
    ring_off_ms: int = 4000
    extension: str = ""                  # FXS: the phone's extension number
    send_open_loop: bool = False         # FXS kewl start: our hang-up opens the loop for a moment (DAHDI's kewl)
    mwi: str = "fsk"                     # FXS: how waiting messages show: fsk, neon, reversal, '+' of them, none
    stutter_dial_tone: bool = True       # FXS: stutter dial tone while messages wait
    restart_on_up: bool = False          # PRI: RESTART the idle B-channel whenever the D-channel comes up
    overlap: bool = False                # PRI: overlap receiving (digits after the SETUP until routing can decide)
    overlap_timeout_ms: int = 15000      # PRI overlap: no digit for this long ends the number (Q.931's T302)
    overlap_setup_digits: int = 0        # PRI overlap sending: our SETUP carries this many digits, the rest go by
                                         # INFORMATION once the far end acknowledges (0: en bloc)
    inband_disconnect: bool = False      # PRI: a refusal told with in-band information (an announcement) is heard
    inband_disconnect_ms: int = 10000    # ... this long before chand clears the call
    restart_interval_ms: int = 0         # PRI: RESTART the span's idle B-channels this often (0: never)


class Signalling:
    """Base of the signalling of one line."""

    def __init__(self, ctx: SigContext, options: LineOptions) -> None:
        self.ctx = ctx
        self.opt = options
        self.line: "Line" = None  # type: ignore[assignment]  (set by attach)
        self._timer: int | None = None

    def attach(self, line: "Line") -> None:
        self.line = line

    # helpers
    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    def now(self) -> int:
        return self.ctx.now_ms()

    def set_timer(self, ms: int, callback: Callable[[], None]) -> None:
        self.cancel_timer()
        self._timer = self.ctx.timers.call_later(ms, callback)

    def cancel_timer(self) -> None:
        self.ctx.timers.cancel(self._timer)
        self._timer = None

    def describe(self) -> dict[str, object]:
        """What `status` shows of this signalling beyond the line's state (nothing by default)."""
        return {}

    def media_dsp(self) -> Dsp:
        """Detection a connected call needs: digits, plus tones for disconnect supervision."""
        return Dsp.DTMF

    # what the line asks of its signalling
    def on_event(self, ev: Event) -> None:
        raise NotImplementedError

    def answer(self) -> None:
        raise NotImplementedError

    def hangup(self, cause: str = "normal") -> None:
        raise NotImplementedError

    def dial(self, number: str, caller_id: str = "") -> None:
        raise NotImplementedError

    def flash(self) -> None:
        raise NotImplementedError(f"hook flash is not possible on {self.line.kind} lines")

    def reset(self) -> None:
        """The line is new (or back from an alarm): put the channel's detectors as an idle line wants them."""

    # ---- what only some signallings can do (each says so here, and does it where it can) -------------
    has_messages = False        # a phone port shows waiting messages
    has_bits = False            # a raw E1 CAS line sends ABCD bits as told
    has_blocking = False        # the line's signalling can tell the far end it is blocked (MFC-R2)
    has_restart = False         # the channel can be restarted towards the far end (ISDN PRI's RESTART)

    def set_messages(self, messages: int) -> None:
        raise NotImplementedError(f"{self.line.name} is not a phone port: it cannot show waiting messages")

    def set_blocked(self, blocked: bool) -> None:
        raise NotImplementedError(f"{self.line.name} cannot be blocked towards the far end (span signalling = \"r2\" "
                                  f"can)")

    def restart(self) -> None:
        raise NotImplementedError(f"{self.line.name} cannot be restarted (span signalling = \"pri\" can)")

    def took_call(self, other: Signalling) -> None:
        """This line carries on the call `other`'s line placed (a PRI call moved to the far end's channel): whatever
        of its dialling state the signalling keeps comes here. Nothing by default."""

    def link_up(self) -> None:
        """The span's signalling link came up (a PRI's D-channel): nothing to do for most signallings."""

    def before_answer_audio(self) -> None:
        """chand is about to play to a call it has not answered: a signalling that must open the far end's audio path
        for it (PRI's progress indicator 8) does so here. Nothing by default."""

    def blocked_by_signalling(self) -> bool:
        """The line is out of service by its signalling (blocked by either end), not only by a span alarm."""
        return False

    def set_bits(self, bits: int) -> None:
        raise NotImplementedError(f"{self.line.name} is not a CAS line (span signalling = \"cas\" on a dahdi E1 span)")

    # ---- settings of the line that a call may override ---------------------------------------------------
    def no_answer_ms(self) -> int:
        """How long an outbound call rings before it counts as not answered: the call's own limit, else the line's."""
        call = self.line.call
        return call.no_answer_ms if call is not None and call.no_answer_ms else self.opt.no_answer_ms
