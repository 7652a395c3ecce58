"""Fax-on-demand documents uploaded in the console are rendered with limits: a 16 MiB PDF of thousands
of pages is refused after Ghostscript renders one page past the cap (not thousands kept in memory), a
text of too many pages likewise, and a PDF that would render for ever is stopped."""
from __future__ import annotations

import io
import os
import subprocess

import pytest

from telephonist.faxd.documents import MAX_PAGES, DocumentError, render_to_tiff
from tests.webadmin.pdf_support import endless_page, many_pages
from tests.webadmin.support import login, page_csrf


def _upload(client, number: str, data: bytes, name: str):
    token = page_csrf(client, "/config/fax-documents/")
    return client.post("/config/fax-documents/", data={"number": number, "file": (io.BytesIO(data), name),
                                                       "csrf_token": token}, content_type="multipart/form-data")


@pytest.mark.long
def test_a_16_mib_pdf_of_thousands_of_pages_is_refused(site_client, site, tmp_path):
    login(site_client, "admin")
    big = many_pages(tmp_path / "big.pdf", 5000, filler=210).read_bytes()
    assert 15 << 20 < len(big) < 16 << 20
    r = _upload(site_client, "101", big, "catalogue.pdf")
    assert r.status_code == 400
    assert f"more than {MAX_PAGES} pages; a fax document may have at most {MAX_PAGES}" in r.get_data(as_text=True)
    assert os.listdir(site / "faxdocs") == []

    r = _upload(site_client, "102", b"a line\n" * (60 * MAX_PAGES + 1), "price-list.txt")
    assert r.status_code == 400 and f"more than {MAX_PAGES} pages" in r.get_data(as_text=True)

    r = _upload(site_client, "103", many_pages(tmp_path / "ok.pdf", MAX_PAGES).read_bytes(), "manual.pdf")
    assert r.status_code == 302                                    # exactly the cap is fine
    assert f"Saved as 103.pdf ({MAX_PAGES} pages)" in site_client.get("/config/fax-documents/").get_data(as_text=True)
    assert os.listdir(site / "faxdocs") == ["103.pdf"]


def _ghostscripts_on(path) -> list[str]:
    out = subprocess.run(["pgrep", "-af", "gs "], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if str(path) in line]


def test_a_pdf_that_renders_for_ever_is_stopped(tmp_path):
    pdf = endless_page(tmp_path / "endless.pdf")                  # 2**40 drawings on one page
    with pytest.raises(DocumentError) as err:
        render_to_tiff(str(pdf), str(tmp_path / "out.tif"), timeout_s=2)
    assert str(err.value) == f"{pdf}: Ghostscript could not render it within 2 s"
    assert _ghostscripts_on(pdf) == [] and not (tmp_path / "out.tif").exists()
