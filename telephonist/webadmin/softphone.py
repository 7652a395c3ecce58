"""The agent desktop's softphone: the SIP account an agent's browser registers with (``GET /agent/softphone``).

The browser is the agent's phone: it registers, over ``[webadmin] softphone_ws`` (Kamailio's WebSocket, which
relays to the span of phones; docs/webrtc.md), as the extension the agent is configured with (``[[agents]]
extension``), and the ACD rings that extension as it rings any desk phone. The password is the extension's own
(``[spans.sip.passwords]``): it is given to the agent the extension belongs to and to nobody else, only to a
logged-in user with the desk right, never cached (``no-store``) and never logged. A console without
``softphone_ws``, an agent without an extension, or an extension that is not a sip phone's: no softphone (404).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, jsonify

from telephonist.config.model import Config
from telephonist.webadmin.deskqueues import current_config
from telephonist.webadmin.security import requires

bp = Blueprint("softphone", __name__, url_prefix="/agent/softphone")


@dataclass(frozen=True)
class SoftphoneAccount:
    ws: str             # the WebSocket the browser connects to
    uri: str            # sip:EXTENSION@HOST (HOST: the WebSocket's host)
    extension: str
    password: str
    realm: str

    def as_json(self) -> dict[str, Any]:
        return {"ws": self.ws, "uri": self.uri, "extension": self.extension, "password": self.password,
                "realm": self.realm}


def account_of(cfg: Config, ws: str, agent: str) -> SoftphoneAccount | None:
    """The account of the agent's configured extension on a sip span of phones, or None."""
    if not ws:
        return None
    ext = next((a.extension for a in cfg.agents if a.number == agent), "")
    if not ext:
        return None
    for span in cfg.spans:
        sip = span.sip
        if span.driver == "sip" and sip is not None and ext in span.extensions and sip.passwords.get(ext):
            host = urlsplit(ws).hostname or ""
            return SoftphoneAccount(ws=ws, uri=f"sip:{ext}@{host}", extension=ext, password=sip.passwords[ext],
                                    realm=sip.realm)
    return None


@bp.route("")
@requires("desk.use")
def account():
    agent = g.user.agent_id
    if not agent:
        abort(403, description="this user has no agent ID")
    found = account_of(current_config(), current_app.config["WEB"].softphone_ws, agent)
    if found is None:
        abort(404, description="no softphone for this agent")
    resp = jsonify(found.as_json())
    resp.headers["Cache-Control"] = "no-store"
    return resp
