"""Fax documents: anything a user hands in becomes TIFF-F; what arrives becomes PDF.

PDF is rendered by Ghostscript's G4 fax device at 204 x 196 dpi; a TIFF or
image is scaled to the fax width (1728 pixels) and dithered by Pillow; text
is typeset by Pillow. Received TIFF-F becomes PDF with img2pdf, which keeps
the G4 data as it is (no re-encoding).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from PIL import Image, ImageDraw, ImageFont, ImageSequence, UnidentifiedImageError

A4_WIDTH = 1728
FINE_LINES = 2287
MAX_PAGES = 100                    # a fax document longer than this is refused (each page is ~0.5 MB here)
GS_TIMEOUT_S = 120.0               # Ghostscript is stopped after this long (a PDF can be made to render for ever)
GS_MEMORY_KB = 512 * 1024          # and may hold this much (gs -K)
LINES_PER_PAGE = 60                # a text document's lines on a page


class DocumentError(Exception):
    """The document cannot be faxed; the message says why."""


def _save_tiff_f(pages: list[Image.Image], out: str) -> int:
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(204, 196))
    return len(pages)


def _fit(img: Image.Image) -> Image.Image:
    img = img.convert("L")
    if img.width != A4_WIDTH:
        img = img.resize((A4_WIDTH, max(1, round(img.height * A4_WIDTH / img.width))))
    return img.convert("1")        # Floyd-Steinberg dithering


def render_to_tiff(src: str, out: str, max_pages: int = MAX_PAGES, timeout_s: float = GS_TIMEOUT_S) -> int:
    """Make src (PDF, TIFF/PNG/JPEG or text) a TIFF-F at out; returns the page count. A document of more
    than ``max_pages`` pages (counted before any page is rendered or kept), or a PDF Ghostscript cannot
    render within ``timeout_s``, is a DocumentError."""
    if not os.path.isfile(src):
        raise DocumentError(f"{src}: no such file")
    with open(src, "rb") as f:
        head = f.read(5)
    if head == b"%PDF-":
        return _pdf_to_tiff(src, out, max_pages, timeout_s)
    try:
        with Image.open(src) as im:
            _check_pages(src, getattr(im, "n_frames", 1), max_pages)
            pages = [_fit(frame.copy()) for frame in ImageSequence.Iterator(im)]
        return _save_tiff_f(pages, out)
    except UnidentifiedImageError:
        pass
    try:
        with open(src, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise DocumentError(f"{src}: not a PDF, an image or UTF-8 text") from None
    lines = _text_lines(text)
    _check_pages(src, -(-len(lines) // LINES_PER_PAGE), max_pages)
    return _lines_to_tiff(lines, out)


def _check_pages(src: str, pages: int, max_pages: int) -> None:
    if pages > max_pages:
        raise DocumentError(f"{src}: more than {max_pages} pages; a fax document may have at most {max_pages}")


def _pdf_to_tiff(src: str, out: str, max_pages: int, timeout_s: float) -> int:
    """Ghostscript renders at most one page past the cap (so a PDF of thousands of pages costs no more
    than a long one), with a memory limit and a time limit; the pages are counted before any is read."""
    gs = shutil.which("gs")
    if not gs:
        raise DocumentError("Ghostscript (gs) is needed to fax PDF files")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "g4.tif")
        try:
            r = subprocess.run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", f"-K{GS_MEMORY_KB}", "-sDEVICE=tiffg4",
                                "-r204x196", "-sPAPERSIZE=a4", "-dFIXEDMEDIA", "-dPDFFitPage", "-dFirstPage=1",
                                f"-dLastPage={max_pages + 1}", f"-sOutputFile={raw}", src],
                               capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:                # run() has killed gs
            raise DocumentError(f"{src}: Ghostscript could not render it within {timeout_s:g} s") from None
        if r.returncode != 0 or not os.path.exists(raw):
            detail = (r.stderr or r.stdout).strip().splitlines()
            raise DocumentError(f"{src}: not a readable PDF ({detail[-1] if detail else 'gs failed'})")
        with Image.open(raw) as im:
            _check_pages(src, im.n_frames, max_pages)
            pages = [_fit(frame.copy()) for frame in ImageSequence.Iterator(im)]
    return _save_tiff_f(pages, out)


def _text_lines(text: str) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > 90:
            lines.append(paragraph[:90])
            paragraph = paragraph[90:]
        lines.append(paragraph)
    return lines


def _text_to_tiff(text: str, out: str) -> int:
    return _lines_to_tiff(_text_lines(text), out)


def _lines_to_tiff(lines: list[str], out: str) -> int:
    font = _font(28)
    pages = []
    for start in range(0, max(1, len(lines)), LINES_PER_PAGE):
        img = Image.new("1", (A4_WIDTH, FINE_LINES), 1)
        d = ImageDraw.Draw(img)
        for i, line in enumerate(lines[start:start + LINES_PER_PAGE]):
            d.text((100, 120 + i * 35), line, fill=0, font=font)
        pages.append(img)
    return _save_tiff_f(pages, out)


def _font(size: int):
    for path in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def add_cover(tiff: str, text: str) -> int:
    """Put a cover page (text) in front of a TIFF-F; returns the new page count."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        cover = os.path.join(tmp, "cover.tif")
        _text_to_tiff(text, cover)
        with Image.open(cover) as c, Image.open(tiff) as d:
            pages = [c.convert("1").copy()] + [f.convert("1").copy() for f in ImageSequence.Iterator(d)]
    return _save_tiff_f(pages, tiff)


# A received fax is outside bytes: its pages are checked against what a fax can be before anything
# is decoded, so that a crafted TIFF costs neither the memory nor the time of a huge image.
MAX_FAX_PAGES = 250
MAX_FAX_WIDTH = 4864            # T.4's widest line: 303 mm at 16 pels/mm
MAX_FAX_LINES = 16384           # a page over two metres long at fine resolution


def tiff_to_pdf(src: str, out: str) -> None:
    """A received TIFF-F as PDF at out; DocumentError (with why) when src is not a fax TIFF we can read."""
    import img2pdf
    try:
        _check_fax_pages(src)
        try:
            data = img2pdf.convert(src)
        except Exception:
            data = None         # img2pdf refuses some TIFF layouts; Pillow re-encodes instead
        if data is not None:
            with open(out, "wb") as f:
                f.write(data)
            return
        with Image.open(src) as im:
            pages = [frame.convert("1").copy() for frame in ImageSequence.Iterator(im)]
        pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=204.0)
    except DocumentError:
        raise
    except Exception as exc:    # Pillow reports a corrupt file with any of a dozen exception types
        raise DocumentError(f"{src}: not a readable fax TIFF ({type(exc).__name__}: {exc})") from None


def _check_fax_pages(src: str) -> None:
    with Image.open(src) as im:
        if im.format != "TIFF":
            raise DocumentError(f"{src}: a received fax must be a TIFF, not {im.format or 'unknown data'}")
        for n, frame in enumerate(ImageSequence.Iterator(im), start=1):
            if n > MAX_FAX_PAGES:
                raise DocumentError(f"{src}: more than {MAX_FAX_PAGES} pages")
            width, lines = frame.size
            if not (1 <= width <= MAX_FAX_WIDTH and 1 <= lines <= MAX_FAX_LINES):
                raise DocumentError(f"{src}: page {n} is {width} x {lines} pixels; a fax page is at most "
                                    f"{MAX_FAX_WIDTH} x {MAX_FAX_LINES}")


def page_count(path: str) -> int:
    with Image.open(path) as im:
        return sum(1 for _ in ImageSequence.Iterator(im))
