"""Fax documents for tests: multi-page TIFF-F made with Pillow, and page-by-page comparison."""
from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw, ImageSequence

A4_WIDTH = 1728
FINE_LINES = 2287        # A4 at 196 lines per inch


def make_fax_tiff(path, pages: int = 3, fine: bool = True, compression: str = "group4", lines: int | None = None) -> str:
    """A document of `pages` A4 pages, each drawn differently; `lines`: a shorter page (rows), for tests on the
    wall clock (a real-time fax spends most of its time sending rows)."""
    lines = lines or (FINE_LINES if fine else FINE_LINES // 2)
    images = []
    for p in range(pages):
        img = Image.new("1", (A4_WIDTH, lines), 1)
        d = ImageDraw.Draw(img)
        d.rectangle([40, 40, A4_WIDTH - 40, lines - 40], outline=0, width=6)
        for k in range(12 + 7 * p):                       # a different pattern on every page
            y = 120 + k * 60
            d.line([100 + 20 * p, y, A4_WIDTH - 100 - 30 * k, y + 30 * p], fill=0, width=3 + p)
        d.ellipse([500 + 100 * p, 900, 900 + 100 * p, 1300 - 50 * p], outline=0, width=8)
        d.text((200, max(lines - 300, 60)), f"Telephonist fax test page {p + 1} of {pages}", fill=0)
        images.append(img)
    images[0].save(path, save_all=True, append_images=images[1:], compression=compression,
                   dpi=(204, 196 if fine else 98))
    return str(path)


def pages_of(path) -> list[Image.Image]:
    with Image.open(path) as im:
        return [frame.convert("1").copy() for frame in ImageSequence.Iterator(im)]


def differing_pixels(a: Image.Image, b: Image.Image) -> int:
    if a.size != b.size:
        return a.size[0] * a.size[1]
    return ImageChops.logical_xor(a, b).histogram()[255]
