"""Fax-on-demand documents: files named by their number in [faxd] documents_dir (101.pdf, 102.tif,
103.txt), which faxd renders to TIFF-F when a caller asks for one. An upload is rendered the same way
(telephonist.faxd.documents) before it is put in place, so a document callers can choose always faxes."""
from __future__ import annotations

import glob
import os
import re
import tempfile
from datetime import datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from telephonist.faxd.documents import DocumentError, render_to_tiff
from telephonist.webadmin import forms, security
from telephonist.webadmin.files import write_atomic
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires
from telephonist.webadmin.site import site

bp = Blueprint("faxdocs", __name__, url_prefix="/config/fax-documents", template_folder="templates")
NUMBER = re.compile(r"^[0-9]{1,6}$")          # what a caller keys in: 0-9 only
DOC_FILE = re.compile(r"^([0-9]{1,6})\.(pdf|tif|txt)$")
MIMETYPES = {"pdf": "application/pdf", "tif": "image/tiff", "txt": "text/plain; charset=utf-8"}


def kind_of(data: bytes) -> str:
    """pdf, tif or txt by the content (not the name); DocumentError for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tif"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentError("not a PDF, a TIFF or UTF-8 text") from None
    if b"\x00" in data:
        raise DocumentError("not a PDF, a TIFF or UTF-8 text")
    return "txt"


def documents(folder: str) -> list[dict]:
    out = []
    if folder and os.path.isdir(folder):
        for name in sorted(os.listdir(folder), key=lambda n: (len(n.split(".")[0]), n)):
            m = DOC_FILE.match(name)
            if m:
                st = os.stat(os.path.join(folder, name))
                out.append({"number": m.group(1), "kind": m.group(2), "file": name, "size": st.st_size,
                            "modified": datetime.fromtimestamp(st.st_mtime, timezone.utc)})
    return out


def store(folder: str, number: str, data: bytes) -> tuple[str, int]:
    """Check and render ``data``, then make it document ``number``; returns (file name, pages)."""
    if not NUMBER.match(number):
        raise DocumentError("a document's number is 1 to 6 digits (what the caller keys in)")
    kind = kind_of(data)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, f"{number}.{kind}")
        with open(src, "wb") as f:
            f.write(data)
        pages = render_to_tiff(src, os.path.join(tmp, "check.tif"))
    name = f"{number}.{kind}"
    write_atomic(os.path.join(folder, name), data)
    for other in glob.glob(os.path.join(folder, number + ".*")):   # one file a number: faxd takes the first
        if os.path.basename(other) != name:
            os.unlink(other)
    return name, pages


@bp.route("/")
@requires("config.view")
def index():
    folder = site().documents_dir
    return render_template("config/faxdocs.html", docs=documents(folder), folder=folder)


@bp.route("/", methods=["POST"])
@requires("config.view", "config.fax")
def upload():
    folder = site().documents_dir
    f = request.files.get("file")
    number = request.form.get("number", "").strip()
    if not folder:
        return forms.refused("faxdocs.index", _("[faxd] documents_dir is not set in telephonist.toml."))
    if f is None or not f.filename:
        return forms.refused("faxdocs.index", _("Choose a file."))
    try:
        name, pages = store(folder, number, f.read())
    except DocumentError as exc:
        return forms.refused("faxdocs.index", f"{_('Not saved')}: {exc}")
    security.audit("fax_document_upload", name, source=f.filename, pages=pages)
    flash(f"{_('Saved as')} {name} ({pages} {_('pages')}).", "ok")
    return redirect(url_for("faxdocs.index"))


def _file(name: str) -> tuple[str, str]:
    m = DOC_FILE.match(name)
    path = os.path.join(site().documents_dir, name)
    if not m or not site().documents_dir or not os.path.isfile(path):
        abort(404)
    return path, m.group(2)


@bp.route("/view/<name>")
@requires("config.view")
def view(name: str):
    path, kind = _file(name)
    return send_file(path, mimetype=MIMETYPES[kind], as_attachment=kind == "tif", download_name=name)


@bp.route("/delete", methods=["POST"])
@requires("config.view", "config.fax")
def delete():
    name = request.form.get("name", "")
    path, _kind = _file(name)
    os.unlink(path)
    security.audit("fax_document_delete", name)
    flash(_("Deleted."), "ok")
    return redirect(url_for("faxdocs.index"))
