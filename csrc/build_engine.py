"""cffi (API mode) build of the media engine into telephonist._engine.

The cdef is engine.h itself, less its preprocessor lines: one place defines
the interface, so Python cannot drift from the C side.
"""
from __future__ import annotations

import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = [
    "engine.c", "commands.c", "codec.c", "channel.c", "files.c", "play.c", "prompt.c", "wav.c", "record.c", "conf.c",
    "dsp.c", "dtmf_q24.c", "callerid.c", "cid_parse.c", "progress.c", "amd.c", "fax.c", "fax_worker.c", "drv_sim.c", "drv_local.c", "drv_dahdi.c", "pri.c", "r2.c", "drv_sip.c", "sip_ua.c", "sip_sdp.c", "rtp.c",
    "bench.c", "bench_paths.c",
    "sip_phones.c",     # the sip driver's span of phones: registrar, digest server, bans
    "sip_transfer.c",   # the sip driver's transfers: REFER both ways, INVITE with Replaces
    "rtp_crypto.c",     # SRTP (libsrtp2) keyed by SDES for the sip driver's RTP
    "sip_info.c",       # the sip driver's DTMF by SIP INFO
    "udptl.c",          # UDPTL framing of T.38 fax on sip lines
    "sip_t38.c",        # the sip driver's T.38: SDP for m=image, the re-INVITEs to and from it
    "t38_gw.c",         # a bridge's T.38 gateway: a sip line on T.38 and a card's audio line, spandsp's t38_gateway
]


def _cdef_from_header() -> str:
    with open(os.path.join(HERE, "engine.h"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    text = "\n".join(lines)
    # cffi wants integer macros as "#define NAME ..." or const; ENG_TEXT_MAX is the one we use.
    return text + "\n#define ENG_TEXT_MAX 240\n"


# libpri (Debian's libpri-dev) for ISDN PRI on DAHDI E1 spans: pri.c builds a stub without it.
HAVE_LIBPRI = any(os.path.exists(os.path.join(d, "libpri.h")) for d in ("/usr/include", "/usr/local/include"))
# openr2 (Debian's libopenr2-dev) for MFC-R2 on DAHDI E1 CAS spans: r2.c builds a stub without it.
HAVE_OPENR2 = any(os.path.exists(os.path.join(d, "openr2.h")) for d in ("/usr/include", "/usr/local/include"))

ffibuilder = FFI()
ffibuilder.cdef(_cdef_from_header())
ffibuilder.set_source(
    "telephonist._engine",
    '#include "engine.h"\n',
    sources=[os.path.relpath(os.path.join(HERE, s)) for s in SOURCES],
    include_dirs=[HERE, "/usr/include/x86_64-linux-gnu", "/usr/include/sofia-sip-1.12"],
    libraries=["spandsp", "tiff", "portaudio", "sofia-sip-ua", "srtp2", "m", "pthread"] + (["pri"] if HAVE_LIBPRI else [])
    + (["openr2"] if HAVE_OPENR2 else []),
    extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wno-unused-function"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
