"""How the configuration forms answer: a change that was made goes back to its page (302, so a reload
does not send it twice); a refused one shows the page again with the reason, answered 400, so that a
browser, a script or a proxy log tells a refused form from a saved one."""
from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue


def done(endpoint: str, message: str, **url_args: str) -> ResponseReturnValue:
    flash(message, "ok")
    return redirect(url_for(endpoint, **url_args))


def refused(endpoint: str, message: str) -> ResponseReturnValue:
    """The page of ``endpoint`` (a view without arguments) with ``message`` as its error, status 400."""
    flash(message, "error")
    return current_app.view_functions[endpoint](), 400
