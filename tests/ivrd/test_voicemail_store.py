"""The voicemail store on a real SQLite file: placing audio across file systems, lockout expiry, purge."""
from __future__ import annotations

import os
import tempfile
from datetime import timedelta

import pytest

from telephonist.config.model import VoicemailConfig
from telephonist.ivrd.voicemail.store import VoicemailStore, utcnow
from telephonist.storage import make_engine, migrate
from tests.support.ivrd_harness import make_prompt


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    s = VoicemailStore(engine, VoicemailConfig(dir=str(tmp_path / "vm"), pin_max_failures=2, pin_lockout_s=60),
                       str(tmp_path / "recordings"))
    s.create_box("100", "1000")
    yield s
    engine.dispose()


def deposit(store, src: str, ms: int = 1500):
    make_prompt(src, ms=ms)
    return store.finish_deposit(store.begin_deposit("100", caller="139"), src)


@pytest.mark.skipif(not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tempfile.gettempdir()).st_dev,
                    reason="needs /dev/shm on another file system")
def test_a_recording_on_another_file_system_is_copied_whole(store):
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        src = os.path.join(shm, "rec.wav")
        msg = deposit(store, src)
        assert os.stat(msg.path).st_dev != os.stat(src).st_dev and os.path.exists(src)
        with open(src, "rb") as a, open(msg.path, "rb") as b:
            assert a.read() == b.read()
        assert msg.duration_ms == 1500 and not os.listdir(os.path.join(store.dir, ".pending"))


def test_same_file_system_links_and_chands_file_stays(store, tmp_path):
    src = str(tmp_path / "recordings" / "2026" / "rec.wav")
    msg = deposit(store, src)
    assert os.path.samefile(src, msg.path)
    assert deposit(store, str(tmp_path / "recordings" / "short.wav"), ms=400) is None     # under min_message_ms
    assert [m.id for m in store.messages("100")] == [msg.id]


def test_lockout_ends_and_a_good_pin_resets_the_count(store):
    now = utcnow()
    assert store.check_pin("100", "1", now).result == "bad_pin"
    locked = store.check_pin("100", "2", now)
    assert locked.result == "locked" and locked.locked_until == now + timedelta(seconds=60)
    assert store.check_pin("100", "1000", now + timedelta(seconds=59)).result == "locked"
    assert store.check_pin("100", "1000", now + timedelta(seconds=61)).ok
    assert store.check_pin("100", "1", now + timedelta(seconds=62)).attempts_left == 1
    assert store.check_pin("999", "1000").result == "no_box"


def test_purge_removes_deleted_messages_and_their_files(store, tmp_path):
    keep = deposit(store, str(tmp_path / "recordings" / "a.wav"))
    gone = deposit(store, str(tmp_path / "recordings" / "b.wav"))
    store.set_state(gone.id, "deleted")
    assert store.purge(timedelta(days=1)) == 0                  # deleted today: kept a while
    assert store.purge(timedelta(seconds=-1)) == 1
    assert store.message(gone.id) is None and not os.path.exists(gone.path)
    assert os.path.exists(keep.path) and store.counts("100") == {"new": 1, "saved": 0, "deleted": 0}
