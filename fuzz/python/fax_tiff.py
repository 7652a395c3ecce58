"""Fuzz target: a received fax's TIFF becoming PDF in faxd (documents.tiff_to_pdf). Any bytes give a
PDF or a DocumentError; never another exception, a hang or a memory blow-up (run.sh bounds both)."""
from __future__ import annotations

import os
import tempfile

from telephonist.faxd.documents import DocumentError, tiff_to_pdf

_DIR = tempfile.mkdtemp(prefix="fuzz-fax-")
SRC = os.path.join(_DIR, "in.tif")
OUT = os.path.join(_DIR, "in.pdf")


def check(data: bytes) -> None:
    with open(SRC, "wb") as f:
        f.write(data)
    if os.path.exists(OUT):
        os.unlink(OUT)
    try:
        tiff_to_pdf(SRC, OUT)
    except DocumentError as exc:
        assert str(exc), "a DocumentError without a reason"
        return
    with open(OUT, "rb") as f:
        assert f.read(5) == b"%PDF-", "tiff_to_pdf wrote something that is not a PDF"
