"""A preview campaign's assignments in the console (Campaigns › a campaign › Assign records): records given to
agents in batch, one by one or reassigned, and taken back; and the campaign's call script. Each change is
audited (rights campaigns.view + campaigns.manage); the agents' desks list what they are given (deskpreview.py)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, render_template, request

from telephonist.dialer import preview, scripts
from telephonist.dialer.preview import PreviewError
from telephonist.webadmin import db, forms, security
from telephonist.webadmin.i18n import gettext as _
from telephonist.webadmin.security import requires

bp = Blueprint("campaign_preview", __name__, url_prefix="/campaigns", template_folder="templates")
AGENT = r"^[0-9A-Za-z_.-]{1,32}$"


def _campaign(campaign_id: int) -> dict:
    from telephonist.dialer.schema import campaigns
    with db.reading() as conn:
        row = conn.execute(campaigns.select().where(campaigns.c.id == campaign_id)).first()
    if row is None:
        abort(404)
    return dict(row._mapping)


@bp.route("/<int:campaign_id>/preview")
@requires("campaigns.view")
def page(campaign_id: int):
    c = _campaign(campaign_id)
    if c["mode"] != preview.MODE:
        abort(404)
    return render_template("campaigns/preview.html", c=c, a=preview.assignments(db.engine(), campaign_id),
                           scripts=scripts.search(db.engine(), limit=500))


def _agent(value: str) -> str:
    import re
    value = value.strip()
    if not re.match(AGENT, value):
        raise PreviewError(_("an agent number is 1-32 letters, digits, '.', '_' or '-'"))
    return value


def _ids() -> list[int]:
    try:
        return [int(x) for x in request.form.getlist("record")]
    except ValueError:
        raise PreviewError(_("choose records")) from None


def _refused(campaign_id: int, exc: Exception):
    flash(f"{_('Not saved')}: {exc}", "error")
    return page(campaign_id), 400


@bp.route("/<int:campaign_id>/preview/assign", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def assign(campaign_id: int):
    """The chosen records to one agent (new or reassigned), or back to nobody (`take_back`)."""
    back = request.form.get("do") == "take_back"
    try:
        ids = _ids()
        if not ids:
            raise PreviewError(_("choose records"))
        agent = None if back else _agent(request.form.get("agent", ""))
        n = preview.assign(db.engine(), campaign_id, ids, agent, datetime.now(UTC))
    except PreviewError as exc:
        return _refused(campaign_id, exc)
    security.audit("campaign_take_back" if back else "campaign_assign", str(campaign_id), agent=agent,
                   records=ids, moved=n)
    return forms.done("campaign_preview.page", _("{n} records moved.").format(n=n), campaign_id=str(campaign_id))


@bp.route("/<int:campaign_id>/preview/batch", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def batch(campaign_id: int):
    """Unassigned records shared out among agents, up to N more each."""
    try:
        agents = [_agent(a) for a in request.form.get("agents", "").replace(",", " ").split()]
        per = int(request.form.get("per_agent") or 0)
        given = preview.assign_batch(db.engine(), campaign_id, agents, per, datetime.now(UTC))
    except ValueError as exc:
        return _refused(campaign_id, exc)
    security.audit("campaign_assign_batch", str(campaign_id), given=given)
    return forms.done("campaign_preview.page", _("{n} records moved.").format(n=sum(given.values())),
                      campaign_id=str(campaign_id))


@bp.route("/<int:campaign_id>/script", methods=["POST"])
@requires("campaigns.view", "campaigns.manage")
def use_script(campaign_id: int):
    """The campaign's call script (none: empty); its agents get it on their next record."""
    raw = request.form.get("script_id", "").strip()
    try:
        script_id = int(raw) if raw else None
        scripts.use_in_campaign(db.engine(), campaign_id, script_id)
    except ValueError as exc:
        flash(f"{_('Not saved')}: {exc}", "error")
        return forms.done("campaigns.show", _("Not saved"), campaign_id=str(campaign_id))
    security.audit("campaign_script", str(campaign_id), script_id=script_id)
    return forms.done("campaigns.show", _("Saved."), campaign_id=str(campaign_id))
