"""Put rows ivrd's flows need into its tables from a plain description: the [setup] of a flow test
script, and the demo's sample accounts. Rows that exist already are left as they are."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from telephonist.ivrd.schema import accounts, blacklist, holidays, vip, voicemail_boxes


def seed(engine: sa.Engine, setup: dict[str, list[dict[str, Any]]]) -> int:
    """Returns the number of rows added."""
    now = datetime.now(timezone.utc)
    added = 0

    def add(conn, table, exists, values) -> None:
        nonlocal added
        if conn.execute(sa.select(sa.func.count()).select_from(table).where(exists)).scalar():
            return
        conn.execute(table.insert().values(**values))
        added += 1

    with engine.begin() as conn:
        for row in setup.get("accounts", []):
            realm, account = str(row["realm"]), str(row["account"])
            add(conn, accounts, sa.and_(accounts.c.realm == realm, accounts.c.account == account),
                dict(realm=realm, account=account, password_hash=generate_password_hash(str(row["password"])),
                     failures=0))
        for row in setup.get("blacklist", []):
            minutes = row.get("minutes")
            add(conn, blacklist, blacklist.c.number == str(row["number"]),
                dict(number=str(row["number"]), reason=row.get("reason", ""), created_by="setup", created_at=now,
                     expires_at=now + timedelta(minutes=minutes) if minutes else None))
        for row in setup.get("vip", []):
            number = row.get("number")
            add(conn, vip, vip.c.number == number if number else vip.c.customer_class == row.get("customer_class"),
                dict(number=number, customer_class=row.get("customer_class"), name=row.get("name", ""),
                     target=row.get("target", ""), created_at=now))
        for row in setup.get("mailboxes", []):
            add(conn, voicemail_boxes, voicemail_boxes.c.mailbox == str(row["mailbox"]),
                dict(mailbox=str(row["mailbox"]), name=row.get("name", ""), email=row.get("email", ""),
                     pin_hash=generate_password_hash(str(row["pin"])), sms_number=row.get("sms_number", ""),
                     created_at=now))
        for row in setup.get("holidays", []):
            day = datetime.fromisoformat(str(row["day"])).date()
            schedule = row.get("schedule", "")
            add(conn, holidays, sa.and_(holidays.c.day == day, holidays.c.schedule == schedule),
                dict(day=day, kind=row.get("kind", "holiday"), name=row.get("name", ""), schedule=schedule))
    return added
