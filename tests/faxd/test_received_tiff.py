"""A received fax's TIFF is outside bytes: one that cannot be read gives a clear DocumentError and
faxd keeps the fax without a PDF, rather than dying before the fax's row is written."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from telephonist.faxd.documents import DocumentError, tiff_to_pdf
from telephonist.faxd.service import _pdf_of

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "fax_tiff"
UNREADABLE = {
    "regress-empty": "not a readable fax TIFF",
    "regress-png.tif": "must be a TIFF, not PNG",
    "regress-300-pages.tif": "more than 250 pages",
    "regress-huge-page.tif": "not a readable fax TIFF",
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_an_unreadable_fax_tiff_is_a_document_error(tmp_path, name):
    with pytest.raises(DocumentError, match=UNREADABLE[name]):
        tiff_to_pdf(str(CORPUS / name), str(tmp_path / "out.pdf"))


def test_faxd_keeps_a_fax_whose_tiff_it_cannot_convert(tmp_path, caplog):
    assert asyncio.run(_pdf_of(str(CORPUS / "regress-empty"), str(tmp_path / "out.pdf"))) is False
    assert "event=fax_pdf_failed" in caplog.text
    assert asyncio.run(_pdf_of(str(CORPUS / "g4-one-page.tif"), str(tmp_path / "ok.pdf"))) is True
    assert (tmp_path / "ok.pdf").read_bytes().startswith(b"%PDF-")
