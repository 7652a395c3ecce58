"""`telephonist backup` and `telephonist restore` as an operator runs them: to another disk or another host,
keeping the newest; refusing to restore under running daemons or from a damaged archive."""
from __future__ import annotations

import gzip
import io
import os
import tarfile

import pytest

from telephonist.backup.manifest import MANIFEST
from telephonist.storage import migrate
from tests.backup.site import running_site, sha256_of, site_config, telephonist
from tests.support.sshd import ssh_server


def quiet_site(root) -> str:
    """A stopped site with a database and a few files of each kind; returns its configuration."""
    conf = site_config(root)
    migrate(f"sqlite:///{root / 'telephonist.db'}")
    for rel, data in (("recordings/2026/12/06/a-1.wav", b"RIFF" + bytes(4000)), ("voicemail/100/m1.wav", b"RIFF1"),
                      ("fax/in/sales/x.tif", b"II*\x00" + bytes(900)), ("prompts/zh/hello.wav", b"RIFF2"),
                      ("webadmin.secret", b"s3cret")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return conf


def archives_in(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tar.gz")) if os.path.isdir(folder) else []


@pytest.mark.long
@pytest.mark.parametrize("where", ["another disk", "another host"])
def test_backups_go_to_their_destination_which_keeps_the_newest(tmp_path, where):
    site = tmp_path / "site"
    site.mkdir()
    conf = quiet_site(site)
    dest = tmp_path / "elsewhere"
    if where == "another disk":
        made = [telephonist("backup", "--config", conf, "--to", str(dest), "--keep", "2") for _ in range(3)]
        assert all(r.returncode == 0 for r in made), [r.stderr for r in made]
        archive = str(dest / archives_in(dest)[-1])
    else:
        with ssh_server(tmp_path) as ssh:
            with open(conf, "a") as f:
                f.write(f"ssh_command = '{ssh.command_line}'\nwork_dir = \"../../work\"\n")
            target = f"{ssh.login}:{dest}"
            made = [telephonist("backup", "--config", conf, "--to", target, "--keep", "2") for _ in range(3)]
            assert all(r.returncode == 0 for r in made), [r.stderr for r in made]
            remote = f"{target}/{archives_in(dest)[-1]}"
            r = telephonist("restore", "--config", conf, "--check", remote)      # read back over ssh too
            assert r.returncode == 0 and "intact" in r.stdout, r.stderr
            archive = str(dest / archives_in(dest)[-1])
        assert archives_in(tmp_path / "work") == [] and not os.listdir(tmp_path / "work")
    names = archives_in(dest)
    assert len(names) == 2 and "removed (keeping the newest): " in made[2].stdout
    assert names[-1] + ": " in made[2].stdout.splitlines()[0]
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"         # it holds the site's secrets
    with tarfile.open(archive) as tar:
        listed = tar.getnames()
    assert listed[0] == "database/telephonist.db" and listed[-1] == MANIFEST
    assert {"recordings/2026/12/06/a-1.wav", "voicemail/100/m1.wav", "fax/in/sales/x.tif", "prompts/zh/hello.wav",
            "state/webadmin.secret", "config/telephonist.toml", "config/conf.d/50-local.toml"} <= set(listed)
    assert not [n for n in listed if "telephonist.db-" in n or n.startswith("state/recordings")]


def damaged_copy(archive: str, out: str, member: str) -> None:
    """The archive with one byte of `member` changed and its manifest as it was."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for info in src:
            data = src.extractfile(info).read()
            if info.name == member:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.long
async def test_restore_refuses_running_daemons_and_damaged_archives_and_changes_nothing(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    conf = site_config(site)
    async with running_site(site) as (ivr, traffic, tester):
        r = telephonist("backup", "--config", conf)
        assert r.returncode == 0, r.stderr
        archive = str(tmp_path / "backups" / archives_in(tmp_path / "backups")[0])
        db = str(site / "telephonist.db")
        before = sha256_of(db)
        r = telephonist("restore", "--config", conf, archive)
        assert r.returncode == 1 and "running" in r.stderr and "chand.sock answers" in r.stderr, r.stderr
        assert sha256_of(db) == before

    bad = str(tmp_path / "bad.tar.gz")
    damaged_copy(archive, bad, "prompts/zh/vm/leave-message.wav")
    r = telephonist("restore", "--config", conf, "--check", bad)
    assert r.returncode == 1 and "prompts/zh/vm/leave-message.wav: size or sha256 differs" in r.stderr
    fresh = tmp_path / "fresh"
    r = telephonist("restore", "--config", str(fresh / "etc" / "telephonist.toml"), bad)
    assert r.returncode == 1 and "nothing was changed" in r.stderr and not fresh.exists()

    cut = str(tmp_path / "cut.tar.gz")
    with open(archive, "rb") as f:
        whole = gzip.decompress(f.read())
    with open(cut, "wb") as f:
        f.write(gzip.compress(whole[:len(whole) // 2]))
    r = telephonist("restore", "--config", str(fresh / "etc" / "telephonist.toml"), cut)
    assert r.returncode == 1 and "not restored" in r.stderr and not fresh.exists()

    r = telephonist("restore", "--config", conf, "--check", archive)
    assert r.returncode == 0 and "intact" in r.stdout


def test_a_backup_that_cannot_read_the_database_says_why_and_leaves_no_archive(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    conf = site_config(site, "postgresql+psycopg://nobody:pw@127.0.0.1:1/nothing")
    r = telephonist("backup", "--config", conf)
    assert r.returncode == 1 and "no archive made" in r.stderr and "cannot read the database" in r.stderr
    assert "Traceback" not in r.stderr and archives_in(tmp_path / "backups") == []
    assert not [n for n in os.listdir(tmp_path / "backups") if not n.startswith(".")]


def test_restore_into_another_layout_follows_no_link_out_of_its_folders(tmp_path):
    """--keep-config: the files go where the kept configuration says; a link inside a folder that points out
    of it is not followed (the file is reported, not written elsewhere)."""
    site, fresh, outside = tmp_path / "site", tmp_path / "fresh", tmp_path / "outside"
    site.mkdir()
    conf = quiet_site(site)
    r = telephonist("backup", "--config", conf)
    assert r.returncode == 0, r.stderr
    archive = str(tmp_path / "backups" / archives_in(tmp_path / "backups")[0])
    fresh.mkdir()
    fresh_conf = site_config(fresh)
    (fresh / "recordings").mkdir()
    outside.mkdir()
    os.symlink(outside, fresh / "recordings" / "2026")
    r = telephonist("restore", "--config", fresh_conf, "--keep-config", archive)
    assert r.returncode == 0, r.stderr
    assert "recordings/2026/12/06/a-1.wav: would land outside" in r.stdout and not os.listdir(outside)
    assert (fresh / "voicemail" / "100" / "m1.wav").read_bytes() == b"RIFF1"
    assert (fresh / "webadmin.secret").read_bytes() == b"s3cret"
    assert "configuration: kept" in r.stdout
