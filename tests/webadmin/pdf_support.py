"""PDFs written object by object for the fax-document tests: many pages (a large upload), or a page
whose drawing never ends (forms that each draw the next one twice: 2**depth drawings)."""
from __future__ import annotations

from pathlib import Path


def _pdf(objs: list[bytes], catalog: int) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


def _stream(head: bytes, ops: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (head, len(ops)) + ops + b"\nendstream"


def many_pages(path: Path, pages: int, filler: int = 0) -> Path:
    """``pages`` A4 pages saying "Page N", each with ``filler`` more drawing operations (~16 bytes each)."""
    objs: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for i in range(pages):
        ops = b"BT /F1 24 Tf 72 720 Td (Page %d) Tj ET\n" % (i + 1) + b"0 0 m 1 1 l S\n" * filler
        objs.append(_stream(b"", ops))
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objs))
        kids.append(len(objs))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % k for k in kids))
    path.write_bytes(_pdf(objs, 1))
    return path


def endless_page(path: Path, depth: int = 40) -> Path:
    """One page whose form XObjects nest ``depth`` deep, each drawing the next twice."""
    objs: list[bytes] = [b"", b"", _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842]", b"0 0 m 10 10 l S")]
    for _ in range(depth):
        objs.append(_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >>"
                            % len(objs), b"q /X Do Q q 1 0 0 1 0.01 0 cm /X Do Q"))
    form = len(objs)
    objs.append(_stream(b"", b"/X Do"))
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                b"/Resources << /XObject << /X %d 0 R >> >> >>" % (len(objs), form))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Count 1 /Kids [%d 0 R] >>" % len(objs)
    path.write_bytes(_pdf(objs, 1))
    return path
