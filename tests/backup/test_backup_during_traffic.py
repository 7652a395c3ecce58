"""The issue's test: a backup taken while calls are recorded, voicemail is left and faxes arrive, restored
into a fresh location: every call record, message and fax committed before the backup started is there,
its files intact (sha256), and the restored database opens and is at the schema's head."""
from __future__ import annotations

import asyncio
import glob
import os

import pytest

from telephonist.backup.take import take_backup
from telephonist.chand.line import LineState
from telephonist.config import load_config
from telephonist.storage import current_revision, head_revision
from tests.backup.site import rows, running_site, sha256_of, site_config, telephonist

PATH_COLUMNS = {"voicemail_messages": ("path",), "fax_messages": ("tiff_path", "pdf_path"),
                "call_legs": ("recording_path",)}


def committed(url: str) -> dict[str, list[dict]]:
    """What the site's database holds as finished: messages, faxes and ended call legs."""
    return {"voicemail_messages": rows(url, "SELECT * FROM voicemail_messages ORDER BY id"),
            "fax_messages": rows(url, "SELECT * FROM fax_messages ORDER BY id"),
            "call_legs": rows(url, "SELECT * FROM call_legs WHERE ended_at IS NOT NULL ORDER BY id")}


def files_of(before: dict[str, list[dict]]) -> dict[str, str]:
    """path -> sha256 of every finished file the rows name: messages, faxes, and the recordings of the
    calls that left a message (finished before the message was saved)."""
    with_message = {m["call_id"] for m in before["voicemail_messages"]}
    paths = [m["path"] for m in before["voicemail_messages"]]
    paths += [f[c] for f in before["fax_messages"] for c in ("tiff_path", "pdf_path") if f[c]]
    paths += [leg["recording_path"] for leg in before["call_legs"]
              if leg["recording_path"] and leg["call_id"] in with_message]
    return {p: sha256_of(p) for p in paths}


def moved(path: str, site, fresh) -> str:
    return os.path.join(str(fresh), os.path.relpath(path, str(site)))


@pytest.mark.long
async def test_a_backup_during_traffic_restores_everything_committed_before_it(tmp_path, backend, request):
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    site.mkdir()
    pg = request.getfixturevalue("postgres_server") if backend == "postgresql" else None
    url = pg.create_database("site") if pg else ""
    conf = site_config(site, url)
    async with running_site(site, url) as (ivr, traffic, tester):
        traffic.start(tester)
        await asyncio.wait_for(traffic.until(messages=2, faxes=1), 120)     # some of everything committed first
        before = committed(ivr.db_url)
        files = files_of(before)
        busy = [name for name, line in ivr.chand.board.lines.items() if line.state != LineState.IDLE]
        result = await asyncio.to_thread(take_backup, load_config(conf))
        during = (traffic.messages, traffic.faxes)
        await traffic.stop()
    assert busy, "the backup was to start while calls were up"
    assert before["voicemail_messages"] and before["fax_messages"] and len(files) >= 5

    # restore into a fresh location: the archive's configuration (relative paths) in fresh/etc (SQLite), or
    # a configuration of the fresh location's own with another PostgreSQL database (--keep-config)
    fresh_conf = str(fresh / "etc" / "telephonist.toml")
    if pg:
        fresh.mkdir()
        fresh_url = pg.create_database("fresh")
        site_config(fresh, fresh_url)
        r = telephonist("restore", "--config", fresh_conf, "--keep-config", result.archive)
    else:
        fresh_url = f"sqlite:///{fresh / 'telephonist.db'}"
        r = telephonist("restore", "--config", fresh_conf, result.archive)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "restored " in r.stdout and glob.glob(str(fresh / "restore-*.txt"))

    assert current_revision(fresh_url) == head_revision()
    after = committed(fresh_url)
    for table, old_rows in before.items():
        new_rows = {row["id"]: row for row in after[table]}
        for old in old_rows:
            expected = {k: (moved(v, site, fresh) if k in PATH_COLUMNS[table] and v else v) for k, v in old.items()}
            assert new_rows.get(old["id"]) == expected, (table, old["id"])
    for path, digest in files.items():
        assert sha256_of(moved(path, site, fresh)) == digest, path
    assert os.path.exists(fresh / "etc" / "conf.d" / "50-local.toml")
    assert during >= (2, 1)
