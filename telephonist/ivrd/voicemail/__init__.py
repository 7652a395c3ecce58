"""Voicemail for ivrd: mailboxes and messages (store), owners told by e-mail and SMS (notifier),
phones showing waiting messages (message_waiting).

The node types live in telephonist/ivrd/nodes/voicemail.py; they reach the
per-daemon helpers through `store_of(services)` and `notifier_of(services)`.
`start(services)` runs when ivrd starts: it finishes deposits a crash cut
short and starts the notifier, which then also retries what failed before.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telephonist.ivrd.services import IvrServices
    from telephonist.ivrd.voicemail.message_waiting import MessageWaiting
    from telephonist.ivrd.voicemail.notifier import Notifier
    from telephonist.ivrd.voicemail.store import VoicemailStore


def store_of(services: "IvrServices") -> "VoicemailStore":
    from telephonist.ivrd.voicemail.store import VoicemailStore
    return services.shared("voicemail.store", lambda: VoicemailStore(
        services.engine, services.settings.voicemail, services.recordings_dir))


def notifier_of(services: "IvrServices") -> "Notifier":
    """The daemon's notifier, started on first use (inside the event loop)."""
    from telephonist.ivrd.voicemail.notifier import Notifier
    from telephonist.ivrd.voicemail.sms_modem import SmsModem

    def make() -> Notifier:
        vm = services.settings.voicemail
        sms = SmsModem(vm.sms) if vm.sms.device else None
        n = Notifier(store_of(services), vm, services.time_zone, sms)
        n.start()
        return n
    return services.shared("voicemail.notifier", make, close=lambda n: n.close())


def message_waiting_of(services: "IvrServices") -> "MessageWaiting":
    """The daemon's message-waiting publisher (phones' lamps and stutter tone), made inside the event loop."""
    from telephonist.ivrd.voicemail.message_waiting import MessageWaiting
    return services.shared("voicemail.message_waiting", lambda: MessageWaiting(store_of(services)),
                           close=lambda m: m.close())


async def start(services: "IvrServices") -> int:
    """At ivrd's start: recover interrupted deposits, then notify what is due. Returns messages recovered."""
    recovered = await asyncio.to_thread(store_of(services).recover)
    notifier_of(services)
    return recovered
