"""A small reception application on the control API: menu, opening hours, leave a message.

It is what `make run` answers calls with until ivrd runs the configured
flows; it is also a compact example of an application: answer, play,
collect, record, hang up, all driven by events.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass

from telephonist.client import ApiCallError, Client

log = logging.getLogger("telephonist.demo.reception")


@dataclass
class CallState:
    chan: str
    tries: int = 0
    step: str = "menu"


class Reception:
    def __init__(self, client: Client, lang: str = "en") -> None:
        self.c = client
        self.lang = lang
        self.calls: dict[str, CallState] = {}
        client.on("offer", self.offer)
        client.on("answered", self.answered)
        client.on("collect_done", self.collected)
        client.on("play_done", self.played)
        client.on("record_done", self.recorded)
        client.on("ended", lambda ev: self.calls.pop(ev["chan"], None))

    def p(self, name: str) -> str:
        return f"{self.lang}/{name}.wav"

    async def _safe(self, cmd: str, **args) -> dict | None:
        try:
            return await self.c.call(cmd, **args)
        except ApiCallError as exc:
            log.info("event=command_refused cmd=%s chan=%s error=%s", cmd, args.get("chan"), exc)
            return None

    async def offer(self, ev: dict) -> None:
        self.calls[ev["chan"]] = CallState(ev["chan"])
        await self._safe("answer", chan=ev["chan"])

    async def answered(self, ev: dict) -> None:
        if ev["chan"] in self.calls:
            await self.menu(self.calls[ev["chan"]])

    async def menu(self, st: CallState) -> None:
        st.step = "menu"
        await self._safe("collect", chan=st.chan, min=1, max=1, first_timeout_ms=6000,
                         prompt=[self.p("welcome")])

    async def collected(self, ev: dict) -> None:
        st = self.calls.get(ev["chan"])
        if not st:
            return
        digit = ev["digits"]
        if digit == "1":
            st.step = "bye"
            await self._safe("play", chan=st.chan, items=[self.p("hours"), self.p("thanks")])
        elif digit == "2":
            st.step = "beep"
            await self._safe("play", chan=st.chan, items=[self.p("leave-message"), {"tone": "callwaiting", "ms": 400}])
        else:
            st.tries += 1
            if st.tries >= 3:
                st.step = "bye"
                await self._safe("play", chan=st.chan, items=[self.p("thanks")])
            else:
                if digit != "9":
                    await self._safe("play", chan=st.chan, items=[self.p("invalid")])
                await self.menu(st)

    async def played(self, ev: dict) -> None:
        st = self.calls.get(ev["chan"])
        if not st:
            return
        if st.step == "bye":
            await self._safe("hangup", chan=st.chan)
        elif st.step == "beep":
            st.step = "recording"
            await self._safe("record", chan=st.chan, mode="rx", max_ms=60000, silence_ms=5000, stop_digits="#")

    async def recorded(self, ev: dict) -> None:
        st = self.calls.get(ev["chan"])
        if st and st.step == "recording":
            log.info("event=message_recorded chan=%s path=%s ms=%s", st.chan, ev.get("path"), ev.get("duration_ms"))
            st.step = "bye"
            await self._safe("play", chan=st.chan, items=[self.p("thanks")])


async def run(socket: str, app: str = "reception") -> None:
    while True:
        try:
            client = await Client.connect_unix(socket, app=app)
        except (ConnectionError, FileNotFoundError):
            await asyncio.sleep(0.5)
            continue
        Reception(client)
        log.info("event=reception_ready socket=%s", socket)
        await client.closed.wait()
        log.warning("event=reception_lost_chand; reconnecting")
        await asyncio.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Telephonist demo reception application")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--app", default="reception")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(run(args.socket, args.app))


if __name__ == "__main__":
    main()
