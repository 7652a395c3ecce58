"""Audio through the engine between two DAHDI channels wired back to back, both ways, bit-exact.

Each side plays 3 s of pseudo-random A-law bytes while the other side records what it
hears (raw A-law, no decoding): what was sent must appear in what was heard unchanged and
unbroken, with no byte of silence inside it, the first time. The channels were idle (not
ticked) before the recordings start, so this also shows that a channel starting to send
gets its slack in the kernel's queue back (csrc/drv_dahdi.c): without it the card sent
silence wherever a tick woke a few milliseconds late.
"""
from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from telephonist.engine import Codec, EndReason, PlayDone, RecDone, RecMode

ALAW_SILENCE = {0xD5, 0x55}     # +0 and -0: what DAHDI and the engine fill gaps with
SECONDS = 3


def alaw_wav(path: Path, data: bytes) -> None:
    fmt = struct.pack("<HHIIHH", 6, 1, 8000, 8000, 1, 8)      # WAVE_FORMAT_ALAW, mono, 8 kHz
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def wav_data(path: Path) -> bytes:
    raw = path.read_bytes()
    pos = 12
    while pos + 8 <= len(raw):
        tag, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        if tag == b"data":
            return raw[pos + 8:pos + 8 + size] if size else raw[pos + 8:]
        pos += 8 + size + (size & 1)
    raise AssertionError(f"{path}: no data chunk")


def pattern(seed: int) -> bytes:
    rng = random.Random(seed)
    alphabet = [b for b in range(256) if b not in ALAW_SILENCE]
    return bytes(rng.choice(alphabet) for _ in range(8000 * SECONDS))


def gaps_in(heard: bytes) -> int:
    """Runs of silence bytes between the first and the last non-silent byte."""
    core = bytes(heard).strip(bytes(ALAW_SILENCE))
    runs, inside = 0, False
    for b in core:
        if b in ALAW_SILENCE and not inside:
            runs, inside = runs + 1, True
        elif b not in ALAW_SILENCE:
            inside = False
    return runs


@pytest.mark.parametrize("pair", [(3, 27), (2, 26)], ids=["e&m", "fxoks-fxsks"])
def test_audio_both_ways_bit_exact(rig_factory, tmp_path, pair):
    a, b = pair
    rig = rig_factory([a, b])
    eng = rig.engine
    sent = {a: pattern(a), b: pattern(b)}
    for ch in (a, b):
        alaw_wav(tmp_path / f"send-{ch}.wav", sent[ch])
    recs = {ch: eng.record(rig.chan[ch], str(tmp_path / f"heard-{ch}.wav"), RecMode.RX, Codec.ALAW)
            for ch in (a, b)}
    rig.pump(0.5)
    plays = {ch: eng.play(rig.chan[ch], [str(tmp_path / f"send-{ch}.wav")]) for ch in (a, b)}
    for ch in (a, b):
        done = rig.event_on(ch, PlayDone, timeout=SECONDS + 15)
        assert done.playback == plays[ch] and done.reason == EndReason.DONE, done
    rig.pump(1.5)           # what is still in the kernel's buffers and the line
    for ch in (a, b):
        eng.record_stop(rig.chan[ch], recs[ch])
        rig.event_on(ch, RecDone)

    reports = []
    for src, dst in ((a, b), (b, a)):
        heard = wav_data(tmp_path / f"heard-{dst}.wav")
        info, sender = eng.dahdi_chan_info(rig.chan[dst]), eng.dahdi_chan_info(rig.chan[src])
        reports.append((sent[src] in heard,
                        f"channel {src} -> {dst}: heard {len(heard)} bytes, {gaps_in(heard)} silence gap(s) inside "
                        f"the audio, {info.rx_underruns} underrun(s), {info.rx_dropped_bytes} bytes dropped; sender "
                        f"dropped {sender.tx_dropped_bytes} bytes"))
    print("\n".join(r for _, r in reports))
    assert all(ok for ok, _ in reports), "audio changed on the way:\n" + "\n".join(r for _, r in reports)
