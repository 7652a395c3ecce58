"""[[conferences]] and conf:NAME routes: loaded with their defaults, and every mistake reported at its file:line."""
from __future__ import annotations

from telephonist.config import load_config
from tests.config.test_config import MINIMAL, problems, write


def test_rooms_load_with_their_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL + """
[[conferences]]
name = "board"
pin = "2468"

[[routes]]
application = "conf:board"
dialled = "4009001"
"""))
    room, = cfg.conferences
    assert (room.name, room.pin, room.leader_pin, room.max_parties, room.record, room.entry_tone, room.exit_tone,
            room.locked) == ("board", "2468", "", 30, True, True, True, False)
    assert cfg.routes[0].application == "conf:board"


def test_room_mistakes_are_reported_at_their_lines(tmp_path):
    path = write(tmp_path, MINIMAL + """
[[conferences]]
name = "board"
pin = "12"
max_parties = 31

[[conferences]]
name = "board"
leader_pin = "abc"

[[conferences]]
name = "other"
locked = true

[[routes]]
application = "conf:nowhere"
""")
    got = problems(path)
    start = MINIMAL.count("\n")
    assert sorted(line - start for _, line, _ in got) == [4, 5, 8, 9, 13, 16], got
    text = " | ".join(m for _, _, m in got)
    for words in ("pin must be 3-12 digits", "max_parties must be from 1 to 30", "conference 'board' is defined twice",
                  "leader_pin must be 3-12 digits", "needs a leader_pin", "names no [[conferences]] room"):
        assert words in text, text
