"""`telephonist workorders check` and `sweep` as the timer runs them: a problem of workorders.toml is
printed with file:line (exit 2); a sweep reminds an overdue order and says so in JSON."""
from __future__ import annotations

import json
from datetime import timedelta

from telephonist.cli import main
from telephonist.storage import make_engine, migrate
from telephonist.storage.database import WRITE, utcnow
from telephonist.workorders import store
from telephonist.workorders.store import NewOrder
from tests.workorders.support import GAS, write_config


def _site(tmp_path, text: str = GAS):
    url = f"sqlite:///{tmp_path / 't.db'}"
    (tmp_path / "telephonist.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    (tmp_path / "workorders.toml").write_text(text, encoding="utf-8")
    return str(tmp_path / "telephonist.toml"), url


def test_check_says_where_the_problem_is(tmp_path, capsys):
    path, _ = _site(tmp_path, GAS.replace('department = "east"', 'department = "west"'))
    assert main(["workorders", "--config", path, "check"]) == 2
    line = GAS.replace('department = "east"', 'department = "west"').split("\n").index('department = "west"') + 1
    assert f"{tmp_path / 'workorders.toml'}:{line}: department 'west' is no unit" in capsys.readouterr().err
    _site(tmp_path)
    assert main(["workorders", "--config", path, "check"]) == 0
    assert "3 order type(s), 3 unit(s)" in capsys.readouterr().out


def test_the_sweep_reminds_an_overdue_order(tmp_path, capsys):
    path, url = _site(tmp_path)
    migrate(url)
    cfg = write_config(tmp_path)
    engine = make_engine(url)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        late = store.create(conn, cfg, NewOrder("repair", "urgent", fields={"address": "x"}), "a",
                            utcnow() - timedelta(hours=1, minutes=1))
        store.create(conn, cfg, NewOrder("repair", "low", fields={"address": "y"}), "a", utcnow())
    engine.dispose()
    assert main(["workorders", "--config", path, "sweep", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"reminded": [late], "escalated": [], "sms_sent": 0,
                                                   "sms_failed": 0}
