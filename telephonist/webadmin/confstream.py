"""The Conferences page's event stream (``GET /conferences/events``): every change of a conference room, as
chand tells the console's feed (livefeed.py), held on the console server's event loop like the live board's."""
from __future__ import annotations

from typing import Any

from telephonist.webadmin.livefeed import ChandFeed
from telephonist.webadmin.livestream import EventStreams


class ConferenceStreams(EventStreams):
    def __init__(self, feed: ChandFeed) -> None:
        super().__init__()
        self.feed = feed

    def attach(self) -> None:
        self.feed.add_room_listener(self.hand_over)

    def detach(self) -> None:
        self.feed.remove_room_listener(self.hand_over)

    def first(self, viewer: Any) -> dict[str, Any]:
        return {"type": "rooms", "rooms": self.feed.conference_rooms(), "connected": self.feed.connected}
