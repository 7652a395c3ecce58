"""A GSM modem on a serial port sending SMS in PDU mode (AT commands, pyserial), off the event loop.

`SmsModem.send(number, text)` is a coroutine; the serial work runs in one
dedicated worker thread that owns the port, one message at a time. The port
is opened and the modem set up on first use and after any failure: echo off,
numeric errors, the SIM PIN when the SIM asks for it, PDU mode. A PIN the SIM
rejects is never tried again (three wrong ones would PUK-lock the SIM) until
the configuration changes. Every failure is an SmsError saying what the modem
answered; the caller decides whether to retry.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from telephonist.config.model import SmsModemConfig
from telephonist.ivrd.voicemail.sms_pdu import PduError, encode_submit

log = logging.getLogger("telephonist.ivrd.sms")

CTRL_Z, ESC = b"\x1a", b"\x1b"
FINAL_OK = "OK"
ERROR_RE = re.compile(r"^(ERROR|\+CM[ES] ERROR:.*|NO CARRIER)$")
CMS_ERRORS = {
    38: "network out of order", 41: "temporary failure", 42: "congestion", 50: "requested facility not subscribed",
    69: "requested facility not implemented", 304: "invalid PDU mode parameter", 310: "SIM not inserted",
    311: "SIM PIN required", 313: "SIM failure", 330: "SMSC address unknown", 331: "no network service",
    332: "network timeout", 500: "unknown error", 515: "modem busy",
}
CME_ERRORS = {10: "SIM not inserted", 11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure",
              14: "SIM busy", 15: "SIM wrong", 16: "incorrect PIN", 30: "no network service"}


class SmsError(Exception):
    """The modem could not send (no port, no SIM, no network, an error answer, no answer in time)."""


def explain(line: str) -> str:
    m = re.match(r"\+CM([ES]) ERROR:\s*(\d+)", line)
    if m:
        table = CMS_ERRORS if m.group(1) == "S" else CME_ERRORS
        return f"{line} ({table.get(int(m.group(2)), 'see the modem manual')})"
    return line


@dataclass
class _Job:
    number: str
    text: str
    future: Future


class ModemSession:
    """Blocking AT dialogue on an open port (a pyserial Serial or anything with read/write/in_waiting)."""

    def __init__(self, port: Any, cfg: SmsModemConfig) -> None:
        self.port = port
        self.cfg = cfg
        self.buf = b""

    # ---- lines ----------------------------------------------------------------------------------
    def _fill(self, deadline: float) -> bool:
        if time.monotonic() >= deadline:
            return False
        chunk = self.port.read(max(1, getattr(self.port, "in_waiting", 0) or 1))
        self.buf += chunk
        return True

    def _line(self, deadline: float) -> str | None:
        """The next non-empty line the modem sent, or None at the deadline."""
        while True:
            while b"\n" in self.buf or b"\r" in self.buf:
                cut = min(i for i in (self.buf.find(b"\r"), self.buf.find(b"\n")) if i >= 0)
                line, self.buf = self.buf[:cut], self.buf[cut + 1:]
                text = line.decode("ascii", "replace").strip()
                if text:
                    return text
            if not self._fill(deadline):
                return None

    def command(self, cmd: str, timeout_s: float | None = None) -> list[str]:
        """Send one AT command; the lines it answered before OK. SmsError on an error or no answer."""
        deadline = time.monotonic() + (timeout_s or self.cfg.timeout_s)
        self.port.write(cmd.encode("ascii") + b"\r")
        lines: list[str] = []
        while True:
            line = self._line(deadline)
            if line is None:
                raise SmsError(f"{_shown(cmd)}: no answer within {timeout_s or self.cfg.timeout_s:g} s")
            if line == cmd:                     # the echo, before ATE0 took effect
                continue
            if line == FINAL_OK:
                return lines
            if ERROR_RE.match(line):
                raise SmsError(f"{_shown(cmd)}: {explain(line)}")
            lines.append(line)

    # ---- set-up -----------------------------------------------------------------------------------
    def setup(self, pin_refused: Callable[[], bool], refuse_pin: Callable[[], None]) -> None:
        self.port.write(ESC)                    # leave a half-typed message from before, if any
        self._sync()
        self.command("ATE0")
        self.command("AT+CMEE=1")
        self._sim_ready(pin_refused, refuse_pin)
        self.command("AT+CMGF=0")

    def _sync(self) -> None:
        last: Exception | None = None
        for _ in range(3):
            try:
                self.buf = b""
                self.command("AT", timeout_s=min(2.0, self.cfg.timeout_s))
                return
            except SmsError as exc:
                last = exc
        raise SmsError(f"the modem does not answer AT on {self.cfg.device}: {last}")

    def _cpin(self) -> str:
        for line in self.command("AT+CPIN?"):
            if line.startswith("+CPIN:"):
                return line.split(":", 1)[1].strip()
        raise SmsError("AT+CPIN?: no +CPIN line in the answer")

    def _sim_ready(self, pin_refused: Callable[[], bool], refuse_pin: Callable[[], None]) -> None:
        state = self._cpin()
        if state == "READY":
            return
        if state != "SIM PIN":
            raise SmsError(f"the SIM is not ready: {state} (a SIM PUK needs the PUK, entered by hand)")
        if not self.cfg.pin:
            raise SmsError("the SIM asks for a PIN and [ivrd.voicemail.sms] pin is not set")
        if pin_refused():
            raise SmsError("the SIM refused the configured PIN before; not trying it again (fix the pin setting)")
        try:
            self.command(f'AT+CPIN="{self.cfg.pin}"')
        except SmsError as exc:
            refuse_pin()
            raise SmsError(f"the SIM refused the PIN: {str(exc).split(': ', 1)[-1]}") from exc
        deadline = time.monotonic() + self.cfg.timeout_s
        while time.monotonic() < deadline:        # some SIMs take a moment to come up after the PIN
            if self._cpin() == "READY":
                log.info("event=sms_sim_unlocked device=%s", self.cfg.device)
                return
            time.sleep(0.2)
        raise SmsError("the SIM did not become ready after the PIN")

    # ---- sending ----------------------------------------------------------------------------------
    def send_pdu(self, pdu_hex: str, tpdu_length: int) -> int:
        """One SMS-SUBMIT; returns the message reference the network gave it."""
        deadline = time.monotonic() + self.cfg.timeout_s
        self.port.write(f"AT+CMGS={tpdu_length}\r".encode("ascii"))
        while b">" not in self.buf:
            for raw in self.buf.replace(b"\r", b"\n").split(b"\n")[:-1]:
                text = raw.decode("ascii", "replace").strip()
                if ERROR_RE.match(text):
                    self.buf = b""
                    raise SmsError(f"AT+CMGS: {explain(text)}")
            if not self._fill(deadline):
                self.port.write(ESC)
                raise SmsError(f"AT+CMGS: no '>' prompt within {self.cfg.timeout_s:g} s")
        self.buf = self.buf[self.buf.index(b">") + 1:]
        self.port.write(pdu_hex.encode("ascii") + CTRL_Z)
        ref = -1
        while True:
            line = self._line(deadline)
            if line is None:
                raise SmsError(f"AT+CMGS: no answer within {self.cfg.timeout_s:g} s after the PDU")
            if line.startswith("+CMGS:"):
                ref = int(line.split(":", 1)[1].strip().split(",")[0] or -1)
            elif line == FINAL_OK:
                return ref
            elif ERROR_RE.match(line):
                raise SmsError(f"AT+CMGS: {explain(line)}")


def _shown(cmd: str) -> str:
    return re.sub(r'(\+CPIN=")[^"]*', r"\1****", cmd)


def open_serial(cfg: SmsModemConfig) -> Any:
    import serial                                   # pyserial
    try:
        return serial.serial_for_url(cfg.device, baudrate=cfg.baud, timeout=0.1, write_timeout=cfg.timeout_s)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise SmsError(f"cannot open {cfg.device}: {exc}") from exc


class SmsModem:
    """The async face: `await modem.send(number, text)`; a worker thread owns the port."""

    def __init__(self, cfg: SmsModemConfig, opener: Callable[[SmsModemConfig], Any] = open_serial) -> None:
        self.cfg = cfg
        self.opener = opener
        self.jobs: queue.Queue[_Job | None] = queue.Queue()
        self.session: ModemSession | None = None
        self._pin_refused = False
        self._refs = itertools.cycle(range(1, 256))
        self.thread = threading.Thread(target=self._work, name="sms-modem", daemon=True)
        self.thread.start()

    async def send(self, number: str, text: str) -> list[int]:
        """Send `text` to `number` (as many parts as it needs); the network's reference of each part."""
        fut: Future = Future()
        self.jobs.put(_Job(number, text, fut))
        return await asyncio.wrap_future(fut)

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=self.cfg.timeout_s + 5)

    # ---- the worker thread --------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                break
            if job.future.set_running_or_notify_cancel():
                try:
                    job.future.set_result(self._send(job.number, job.text))
                except BaseException as exc:          # the coroutine gets it, the thread goes on
                    job.future.set_exception(exc)
        self._drop()

    def _send(self, number: str, text: str) -> list[int]:
        try:
            pdus = encode_submit(number, text, reference=next(self._refs), smsc=self.cfg.smsc)
        except PduError as exc:
            raise SmsError(str(exc)) from exc
        try:
            session = self._ready()
            refs = [session.send_pdu(p.hex, p.tpdu_length) for p in pdus]
        except SmsError:
            self._drop()                    # start afresh next time: reopen, set up again
            raise
        except Exception as exc:            # serial errors: the port went away
            self._drop()
            raise SmsError(f"{self.cfg.device}: {exc}") from exc
        log.info("event=sms_sent device=%s to=%s parts=%d", self.cfg.device, number, len(refs))
        return refs

    def _ready(self) -> ModemSession:
        if self.session is None:
            port = self.opener(self.cfg)
            session = ModemSession(port, self.cfg)
            try:
                session.setup(lambda: self._pin_refused, self._refuse_pin)
            except Exception:
                _close(port)
                raise
            self.session = session
            log.info("event=sms_modem_ready device=%s", self.cfg.device)
        return self.session

    def _refuse_pin(self) -> None:
        self._pin_refused = True
        log.error("event=sms_pin_refused device=%s", self.cfg.device)

    def _drop(self) -> None:
        if self.session is not None:
            _close(self.session.port)
            self.session = None


def _close(port: Any) -> None:
    try:
        port.close()
    except Exception:
        pass
