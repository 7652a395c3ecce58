"""A GSM modem on a pseudo-terminal: enough of the AT command set to take SMS in PDU mode.

The product opens the slave side (`modem.device`) with pyserial as it would
/dev/ttyUSB2; this thread answers on the master side. It keeps echo on until
ATE0, asks for a SIM PIN when given one (a wrong PIN is +CME ERROR: 16, and
three lock the SIM), accepts AT+CMGS only in PDU mode (AT+CMGF=0), checks the
announced length against the PDU and decodes it (telephonist's decoder,
itself checked against known PDUs in the tests). `messages()` joins the
parts of concatenated SMS by reference.

    with GsmModem(pin="1234") as modem:
        ...SmsModemConfig(device=modem.device, pin="1234")...
        assert modem.messages() == [("+8613912345678", "您好")]
"""
from __future__ import annotations

import os
import select
import threading
import tty
from dataclasses import dataclass, field

from telephonist.ivrd.voicemail.sms_pdu import DecodedSubmit, PduError, decode_submit


@dataclass
class GsmModem:
    pin: str = ""
    fail_sends: int = 0                   # answer the next N AT+CMGS with +CMS ERROR: 331 (no network)
    silent: bool = False                  # answer nothing at all (a dead modem)
    received: list[DecodedSubmit] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    pin_attempts: int = 0

    def __post_init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.device = os.ttyname(self.slave)
        self.echo = True
        self.pdu_mode = False
        self.sim_state = "SIM PIN" if self.pin else "READY"
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gsm-modem", daemon=True)

    def __enter__(self) -> "GsmModem":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self.master)
        os.close(self.slave)

    # ---- what arrived ---------------------------------------------------------------------------
    def messages(self) -> list[tuple[str, str]]:
        """(number, text) of each complete message, parts joined in order."""
        with self.lock:
            got = list(self.received)
        out: list[tuple[str, str]] = []
        groups: dict[tuple[str, int], dict[int, DecodedSubmit]] = {}
        for d in got:
            if d.parts == 1:
                out.append((d.number, d.text))
                continue
            g = groups.setdefault((d.number, d.reference or 0), {})
            g[d.part] = d
            if len(g) == d.parts:
                out.append((d.number, "".join(g[i].text for i in range(1, d.parts + 1))))
        return out

    # ---- the modem ------------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        os.write(self.master, text.encode("ascii"))

    def _run(self) -> None:
        buf = b""
        pdu_len: int | None = None
        while not self._stop.is_set():
            r, _, _ = select.select([self.master], [], [], 0.05)
            if not r:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if self.silent:
                continue
            buf += chunk
            while True:
                if pdu_len is not None:                 # after the '>' prompt: the PDU, then Ctrl-Z or ESC
                    cut = next((i for i, b in enumerate(buf) if b in (0x1A, 0x1B)), -1)
                    if cut < 0:
                        break
                    pdu, end, buf = buf[:cut], buf[cut], buf[cut + 1:]
                    if end == 0x1A:
                        self._take_pdu(pdu.decode("ascii", "replace").strip(), pdu_len)
                    else:
                        self._write("\r\nOK\r\n")
                    pdu_len = None
                    continue
                if b"\r" not in buf:
                    break
                line, buf = buf.split(b"\r", 1)
                cmd = line.decode("ascii", "replace").strip().lstrip("\x1b")
                if self.echo:
                    os.write(self.master, line + b"\r")
                if cmd:
                    pdu_len = self._command(cmd)

    def _command(self, cmd: str) -> int | None:
        """Answer one command; returns the PDU length when AT+CMGS starts a message."""
        self.commands.append(cmd if not cmd.upper().startswith("AT+CPIN=") else "AT+CPIN=****")
        up = cmd.upper()
        ok, err = "\r\nOK\r\n", "\r\nERROR\r\n"
        if up in ("AT", "AT+CMEE=1", "ATZ"):
            self._write(ok)
        elif up in ("ATE0", "ATE1"):
            self.echo = up == "ATE1"
            self._write(ok)
        elif up == "AT+CPIN?":
            self._write(f"\r\n+CPIN: {self.sim_state}\r\n\r\nOK\r\n")
        elif up.startswith("AT+CPIN="):
            self.pin_attempts += 1
            given = cmd.split("=", 1)[1].strip().strip('"')
            if self.sim_state != "SIM PIN":
                self._write("\r\n+CME ERROR: 3\r\n")
            elif given == self.pin:
                self.sim_state = "READY"
                self._write(ok)
            else:
                if self.pin_attempts >= 3:
                    self.sim_state = "SIM PUK"
                self._write("\r\n+CME ERROR: 16\r\n")
        elif up.startswith("AT+CMGF="):
            self.pdu_mode = up.endswith("=0")
            self._write(ok)
        elif up.startswith("AT+CMGS="):
            if self.sim_state != "READY":
                self._write("\r\n+CMS ERROR: 311\r\n")
            elif not self.pdu_mode:
                self._write("\r\n+CMS ERROR: 304\r\n")
            else:
                self._write("\r\n> ")
                return int(up.split("=", 1)[1])
        else:
            self._write(err)
        return None

    def _take_pdu(self, pdu: str, announced: int) -> None:
        try:
            smsc_len = int(pdu[:2], 16)
            if len(pdu) // 2 - 1 - smsc_len != announced:
                self._write("\r\n+CMS ERROR: 304\r\n")
                return
            decoded = decode_submit(pdu)
        except (ValueError, PduError):
            self._write("\r\n+CMS ERROR: 304\r\n")
            return
        if self.fail_sends > 0:
            self.fail_sends -= 1
            self._write("\r\n+CMS ERROR: 331\r\n")
            return
        with self.lock:
            self.received.append(decoded)
            ref = len(self.received)
        self._write(f"\r\n+CMGS: {ref}\r\n\r\nOK\r\n")
