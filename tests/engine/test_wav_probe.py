"""A prompt's WAV header is outside bytes: a crafted one ends its playback with a clear reason, at once."""
from __future__ import annotations

import struct
import subprocess
import sys
import textwrap
from pathlib import Path

from telephonist.engine import EndReason, Hook, PlayDone
from tests.support import signals as S

ROOT = Path(__file__).resolve().parents[2]
FMT_ALAW = struct.pack("<HHIIHH", 6, 1, 8000, 8000, 1, 8)


def chunk(cid: bytes, body: bytes, length: int | None = None) -> bytes:
    return cid + struct.pack("<I", len(body) if length is None else length) + body


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def play_once(harness, path) -> tuple[int, str]:
    (near, _), = harness.sim()
    harness.engine.hook(near, Hook.OFF)
    pid = harness.engine.play(near, [str(path)])
    done = harness.run_until(lambda e: isinstance(e, PlayDone) and e.playback == pid, limit_ms=5000)
    return done.reason, done.error


def test_a_chunk_length_that_wrapped_the_walk_to_its_start_is_refused(tmp_path):
    """8 + 0xFFFFFFF8 was 0 in 32 bits: the walk read the same chunk for ever (in the caller's thread,
    so chand's event loop hung). Run apart, so that a hang fails this test and not the whole run."""
    path = tmp_path / "loop.wav"
    path.write_bytes(riff(chunk(b"fmt ", FMT_ALAW), chunk(b"LIST", b"", 0xFFFFFFF8), chunk(b"data", b"\xd5" * 800)))
    script = textwrap.dedent(f"""
        from telephonist.engine import Engine, Hook, Kind, PlayDone
        e = Engine()
        near = e.add_sim_span(Kind.FXO, 1)[0]
        e.hook(near, Hook.OFF)
        e.play(near, [{str(path)!r}])
        e.run_ticks(5)
        print([ev.error for ev in e.read_events() if isinstance(ev, PlayDone)])
    """)
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "chunk 'LIST' of 4294967288 bytes runs past the end" in r.stdout, r.stdout


def test_a_wav_of_endless_small_chunks_is_refused(harness, tmp_path):
    path = tmp_path / "chunks.wav"
    path.write_bytes(riff(chunk(b"fmt ", FMT_ALAW), *[chunk(b"junk", b"") for _ in range(100)],
                          chunk(b"data", b"\xd5" * 800)))
    reason, text = play_once(harness, path)
    assert reason == EndReason.ERROR and "more than 64 chunks" in text, text


def test_a_chunk_name_that_is_not_text_is_shown_printable(harness, tmp_path):
    path = tmp_path / "binary.wav"
    path.write_bytes(riff(chunk(b"fmt ", FMT_ALAW), chunk(b"\x00\x01\nX", b"", 0x7FFFFFFF)))
    reason, text = play_once(harness, path)
    assert reason == EndReason.ERROR and "chunk '???X'" in text, text


def test_a_wav_with_extra_chunks_before_its_data_still_plays(harness, tmp_path):
    tone = S.tone([(1000, -10)], 300)
    path = tmp_path / "list.wav"
    path.write_bytes(riff(chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)),
                          chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00sox!\x00\x00"), chunk(b"fact", b"\x00" * 4),
                          chunk(b"data", tone.tobytes())))
    reason, text = play_once(harness, path)
    assert reason == EndReason.DONE and text == "", text
