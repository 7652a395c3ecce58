"""SMS through the GSM modem: ivrd's SmsModem (telephonist/ivrd/voicemail/sms_modem.py), its [dialer] sms
settings (a modem of its own, or the same device when nothing else uses it at that time)."""
from __future__ import annotations

from typing import Any

from telephonist.dialer.media.template import fill


class SmsSender:
    medium = "sms"

    def __init__(self, modem: Any) -> None:
        self.modem = modem                    # an SmsModem: send(number, text) is a coroutine

    async def send(self, number: str, message: dict[str, Any], values: dict[str, Any]) -> str:
        """'' when the modem took it; raises OSError-like errors (SmsError) when it did not."""
        await self.modem.send(number, fill(message["body"], values))
        return ""

    def close(self) -> None:
        self.modem.close()
