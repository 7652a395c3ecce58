"""`telephonist bench sip --sipp-rate R --sipp-seconds S`: SIPp (a SIP client that is not ours) calls one sip
span at R calls a second for S seconds, and we count what was lost.

One engine, one sip span on 127.0.0.1 (a trunk with enough lines for R calls held `--sipp-hold-ms` each, and
some more); this process answers each SETUP at once (ALERTING, CONNECT: 180 and 200 with our SDP, RTP starts)
and frees the line when SIPp's BYE comes. SIPp's scenario is INVITE, (100), (180), 200, ACK, the hold, BYE, 200;
it paces the calls (-r), retransmits what is not answered in time (its T1, 500 ms) and counts every call that
ends otherwise as failed. The JSON gives SIPp's counts (calls attempted, completed, failed, retransmissions)
from its statistics file, the set-up times (INVITE sent to 200 received) from its response-time file, what the
engine saw (SETUPs, lines short), the host's load averages before and after, and the CPU.
"""
from __future__ import annotations

import json
import math
import os
import select
import shutil
import subprocess
import tempfile
import time

from telephonist.bench.engine_bench import _cpu

FRAME_MS = 20
SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="telephonist bench">
  <send retrans="500" start_rtd="1">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:5551234@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:5551234@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="1"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:5551234@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:5551234@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
  <ResponseTimeRepartition value="10, 20, 50, 100, 200, 500, 1000"/>
</scenario>
"""


def _last_stats(path: str) -> dict[str, str]:
    """The last row of SIPp's statistics file (-trace_stat), by column name."""
    with open(path, encoding="utf-8", errors="replace") as f:
        rows = [line.rstrip("\n").split(";") for line in f if line.strip()]
    head, last = rows[0], rows[-1]
    return dict(zip(head, last))


def _setup_times(directory: str) -> list[float]:
    """Every call's INVITE-to-200 time in ms, from SIPp's response-time file (-trace_rtt)."""
    times: list[float] = []
    for name in os.listdir(directory):
        if name.endswith("_rtt.csv"):
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    parts = line.strip().split(";")
                    if len(parts) >= 2:
                        try:
                            times.append(float(parts[1]))
                        except ValueError:
                            pass        # the header
    return sorted(times)


def _pct(values: list[float], q: float) -> float:
    return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else 0.0


def run(rate: float, seconds: float, hold_ms: int = 1000, ports_from: int = 20000, lines: int | None = None) -> dict:
    from telephonist.bench.sip_bench import _free_port_base
    from telephonist.engine import Clock, Codec, Engine, SigMsg, SipParams
    sipp = shutil.which("sipp")
    if not sipp:
        raise RuntimeError("SIPp is not installed (Debian: sip-tester)")
    total = max(1, round(rate * seconds))
    nlines = lines or min(1024, max(10, math.ceil(rate * (hold_ms / 1000 + 2)) + 10))
    load_before = os.getloadavg()
    e = Engine(frame_ms=FRAME_MS, max_channels=nlines + 8)
    sip_port = _free_port_base(2, ports_from) + 1
    rtp = _free_port_base(2 * nlines + 2, sip_port + 1 + (sip_port + 1) % 2)
    sipp_port = _free_port_base(2, rtp + 2 * nlines + 2) + 1
    media = _free_port_base(2, sipp_port + 1 + (sipp_port + 1) % 2)
    chans = e.add_sip_span(SipParams(bind=f"127.0.0.1:{sip_port}", rtp_host="127.0.0.1", rtp_port=rtp), nlines,
                           Codec.ALAW)
    mine = set(chans)
    busy: set[int] = set()
    seen = {"setups": 0, "disconnects": 0, "most_at_once": 0}
    work = tempfile.mkdtemp(prefix="telephonist-sipp-")
    try:
        with open(os.path.join(work, "bench.xml"), "w", encoding="utf-8") as f:
            f.write(SCENARIO)
        e.start(Clock.REALTIME, 0.0)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [sipp, f"127.0.0.1:{sip_port}", "-sf", "bench.xml", "-s", "800", "-i", "127.0.0.1", "-mi", "127.0.0.1",
             "-p", str(sipp_port), "-mp", str(media), "-r", f"{rate:g}", "-rp", "1000", "-m", str(total),
             "-l", str(nlines), "-d", str(hold_ms), "-nostdin", "-trace_stat", "-stf", "stats.csv",
             "-fd", "1", "-trace_rtt", "-rtt_freq", "1", "-trace_err", "-recv_timeout", "32000",
             "-timeout", f"{int(seconds + hold_ms / 1000 + 90)}s", "-timeout_error"],
            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None:
            select.select([e.fileno()], [], [], 0.05)
            for ev in e.read_events():
                if not isinstance(ev, SigMsg) or ev.chan not in mine:
                    continue
                if ev.kind == "SETUP":
                    seen["setups"] += 1
                    busy.add(ev.chan)
                    seen["most_at_once"] = max(seen["most_at_once"], len(busy))
                    e.sigmsg(ev.chan, "ALERTING")
                    e.sigmsg(ev.chan, "CONNECT")
                elif ev.kind == "DISCONNECT":
                    seen["disconnects"] += 1
                    busy.discard(ev.chan)
                    e.sigmsg(ev.chan, "RELEASE")
        wall = time.monotonic() - t0
        err = proc.stderr.read() if proc.stderr else ""
        stats = _last_stats(os.path.join(work, "stats.csv"))
        setup = _setup_times(work)
        st = e.stats()
    finally:
        e.close()
        shutil.rmtree(work, ignore_errors=True)

    def count(name: str) -> int:
        try:
            return int(stats.get(name, "0") or 0)
        except ValueError:
            return 0

    attempted, completed, failed = count("TotalCallCreated"), count("SuccessfulCall(C)"), count("FailedCall(C)")
    return {
        "sipp_rate": rate, "sipp_seconds": seconds, "hold_ms": hold_ms, "lines": nlines,
        "calls_attempted": attempted, "calls_completed": completed, "calls_failed": failed,
        "calls_lost": total - completed,
        "retransmissions": count("Retransmissions(C)"),
        "p99_setup_ms": _pct(setup, 0.99), "median_setup_ms": _pct(setup, 0.5),
        "max_setup_ms": round(setup[-1], 1) if setup else 0.0, "setup_samples": len(setup),
        "engine_setups": seen["setups"], "engine_disconnects": seen["disconnects"],
        "most_calls_at_once": seen["most_at_once"],
        "late_ticks": st.late_ticks, "deadline_misses": st.deadline_misses,
        "sipp_exit": proc.returncode, "sipp_said": err[-500:],
        "wall_s": round(wall, 1), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()], "cpu": _cpu(),
    }


def main(rate: float, seconds: float, hold_ms: int, ports_from: int, as_json: bool) -> int:
    res = run(rate, seconds, hold_ms, ports_from)
    if as_json:
        print(json.dumps(res))
    else:
        print(f"SIPp at {rate:g} calls/s for {seconds:g} s: {res['calls_completed']} of {res['calls_attempted']} "
              f"completed, {res['calls_failed']} failed, {res['retransmissions']} retransmissions, p99 set-up "
              f"{res['p99_setup_ms']} ms")
    return 0 if res["calls_lost"] == 0 and res["calls_failed"] == 0 else 1
