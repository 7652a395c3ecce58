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
    done = json.loads(capsys.readouterr().out)
    assert {k: done[k] for k in ("reminded", "escalated", "sms_sent", "sms_failed")} == \
        {"reminded": [late], "escalated": [], "sms_sent": 0, "sms_failed": 0}


def _mail(subject: str, body: str, attachment: tuple[str, bytes] | None = None) -> bytes:
    from email.message import EmailMessage
    m = EmailMessage()
    m["From"] = "王先生 <wang@example.com>"
    m["To"] = "repair@gas.example.com"
    m["Subject"] = subject
    m.set_content(body)
    if attachment:
        m.add_attachment(attachment[1], maintype="image", subtype="png", filename=attachment[0])
    return m.as_bytes()


def _stdin(monkeypatch, raw: bytes) -> None:
    import io
    import sys
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))


def test_an_email_becomes_an_order_with_its_photo(tmp_path, capsys, monkeypatch):
    import sqlalchemy as sa
    path, url = _site(tmp_path, GAS
                      + '\n[[types]]\nid = "mailed"\nname = "邮件报修"\ndepartment = "repair"\n'
                        'deadline_h = { low = 72, normal = 24, high = 4, urgent = 1 }\n')
    migrate(url)
    png = b"\x89PNG\r\n\x1a\n" + b"\1" * 32
    _stdin(monkeypatch, _mail("燃气表漏气 电话 139-0000-1111", "东区幸福路1号，请尽快处理。", ("meter.png", png)))
    assert main(["workorders", "--config", path, "mail", "--type", "mailed"]) == 0
    assert capsys.readouterr().out.strip() == "work order 1"
    engine = make_engine(url)
    with engine.connect() as conn:
        o = conn.execute(sa.text("SELECT source, title, description, caller_number, caller_name, created_by "
                                 "FROM wo_orders")).one()
        a = conn.execute(sa.text("SELECT kind, name, path FROM wo_attachments")).one()
    engine.dispose()
    assert tuple(o) == ("email", "燃气表漏气 电话 139-0000-1111", "东区幸福路1号，请尽快处理。", "13900001111",
                        "王先生", "mail:wang@example.com")
    assert (a.kind, a.name) == ("photo", "meter.png")
    assert (tmp_path / "attachments" / a.path).read_bytes() == png

    # a type whose required field a mail cannot give, or an attachment of a refused kind: bounced, nothing kept
    _stdin(monkeypatch, _mail("报修", "x"))
    assert main(["workorders", "--config", path, "mail", "--type", "repair"]) == 1
    assert "refused: 地址: required" in capsys.readouterr().err
    _stdin(monkeypatch, _mail("报修", "x", ("run.exe", b"MZ")))
    assert main(["workorders", "--config", path, "mail", "--type", "mailed"]) == 1
    assert "an attachment is one of" in capsys.readouterr().err
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM wo_orders")).scalar() == 1
    engine.dispose()
