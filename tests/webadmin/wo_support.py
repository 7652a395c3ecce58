"""Work orders in the web console tests: the gas utility's workorders.toml and a field crew user."""
from __future__ import annotations

from pathlib import Path

from telephonist.webadmin import accounts, db
from telephonist.workorders.config import ConfigFile
from tests.webadmin.support import password
from tests.workorders.support import GAS


def use_workorders(app, folder: Path, text: str = GAS) -> None:
    """workorders.toml in `folder` for this app, and crew1 (an agent-role user, member of east-crew)."""
    (folder / "workorders.toml").write_text(text, encoding="utf-8")
    app.extensions["workorders_config"] = ConfigFile(str(folder / "workorders.toml"))
    with db.writing(app) as conn:
        accounts.create_user(conn, "crew1", password("crew1"), "agent", method=app.config["WEB"].password_method)
