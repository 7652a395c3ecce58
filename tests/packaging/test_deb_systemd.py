"""The Debian package on a booted system: a clean bookworm root with systemd, the .deb installed with
apt, booted under systemd-nspawn. The units pass `systemd-analyze verify`, every daemon starts under
its sandbox as the telephonist user, chand's media thread alone runs at the configured real-time
priority, each service writes only where it should, a sim call goes through, and removing the package
stops everything while purging it keeps the site's data."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.packaging.debian_root import OPT_IN, Booted, RootCopy, cached_root, require_tools
from tests.packaging.test_wheel import SIM_LINES

pytestmark = [OPT_IN, pytest.mark.slow, pytest.mark.timeout(900)]

SERVICES = ("chand", "ivrd", "acd", "faxd", "webadmin")
UNITS = [f"telephonist-{s}.service" for s in SERVICES]
CAP_SYS_NICE = 1 << 23


@pytest.fixture(scope="module")
def system(builds, tmp_path_factory):
    require_tools("apt-get", "systemd-nspawn", "systemd-analyze", "nsenter")
    deb = builds.deb()
    work = tmp_path_factory.mktemp("systemd")
    with RootCopy(cached_root("systemd"), work) as copy:
        copy.install(deb)
        # the site's own settings beside the shipped file, as an administrator adds them
        (copy.path / "etc/telephonist/conf.d/50-site.toml").write_text(SIM_LINES)
        (copy.path / "srv/pkgtest").mkdir(parents=True)
        shutil.copy(Path(__file__).with_name("installed_call.py"), copy.path / "srv/pkgtest/")
        with Booted(copy, work / "nspawn.log") as booted:
            yield booted


def status_of(system: Booted, pid: str) -> dict[str, str]:
    lines = system.run("cat", f"/proc/{pid}/status").stdout.splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def main_pid(system: Booted, service: str) -> str:
    return system.run("systemctl", "show", "-p", "MainPID", "--value", f"telephonist-{service}").stdout.strip()


def start_all(system: Booted) -> None:
    """The target and each daemon: systemctl returns once every one is started (READY=1)."""
    system.run("systemctl", "start", "telephonist.target", *UNITS)


def test_the_units_pass_systemd_analyze_verify(system, tree_units):
    units = [u for u in tree_units if "." in u and not u.endswith(".d")]
    r = system.run("systemd-analyze", "verify", *units, check=False)
    assert (r.returncode, r.stderr) == (0, "")


def test_every_daemon_runs_sandboxed_as_the_telephonist_user(system):
    start_all(system)
    uid = system.run("id", "-u", "telephonist").stdout.strip()
    dialout = system.run("getent", "group", "dialout").stdout.split(":")[2]
    for service in SERVICES:
        assert system.run("systemctl", "is-active", f"telephonist-{service}").stdout.strip() == "active"
        st = status_of(system, main_pid(system, service))
        assert st["Uid"].split() == [uid] * 4, service
        assert (st["NoNewPrivs"], st["Seccomp"]) == ("1", "2"), service
        caps = int(st["CapBnd"], 16)
        assert caps == (CAP_SYS_NICE if service == "chand" else 0), (service, st["CapBnd"])
        # the DAHDI devices and the GSM modem belong to dialout: chand and ivrd only
        assert (dialout in st["Groups"].split()) == (service in ("chand", "ivrd")), (service, st["Groups"])


def test_only_the_media_thread_runs_at_the_configured_real_time_priority(system):
    start_all(system)
    pid = main_pid(system, "chand")
    threads = system.run("ps", "-L", "-o", "comm=,cls=,rtprio=", "-p", pid).stdout.split("\n")
    policies = {tuple(t.split()) for t in threads if t.strip()}
    assert ("tel-media", "FF", "20") in policies, policies
    assert {p for p in policies if p[0] != "tel-media"} <= {("telephonist", "TS", "-"), ("tel-prompt", "TS", "-")}
    journal = system.run("journalctl", "-u", "telephonist-chand", "-o", "cat").stdout
    assert "realtime=fifo:20" in journal


def test_each_service_writes_only_where_it_should(system):
    """In a service's own mount namespace, as its user: the web admin writes the routing file's folder
    and the flows but not the configuration; the fax daemon writes its state only."""
    start_all(system)

    def touch(service: str, path: str) -> str:
        r = system.run("nsenter", f"--target={main_pid(system, service)}", "--mount", "--",
                       "setpriv", "--reuid=telephonist", "--regid=telephonist", "--init-groups",
                       "touch", path, check=False)
        return "ok" if r.returncode == 0 else ("read-only" if "Read-only file system" in r.stderr else r.stderr)

    assert touch("webadmin", "/etc/telephonist/conf.d/.probe") == "ok"
    assert touch("webadmin", "/etc/telephonist/flows/.probe") == "ok"
    assert touch("webadmin", "/var/lib/telephonist/.probe") == "ok"
    assert touch("webadmin", "/etc/telephonist/.probe") == "read-only"
    assert touch("faxd", "/etc/telephonist/conf.d/.probe2") == "read-only"
    assert touch("chand", "/opt/telephonist/.probe") == "read-only"
    assert touch("chand", "/tmp/.probe") == "ok"          # its own /tmp
    assert system.run("test", "-e", "/tmp/.probe", check=False).returncode != 0      # not the system's


def test_the_web_console_answers_its_first_user_is_made_and_a_reload_applies(system):
    start_all(system)
    # as docs/admin.md says to make the first administrator
    r = system.run("sh", "-c", "echo s3cret-pass-word | runuser -u telephonist -- telephonist webadmin "
                   "create-user admin --role administrator --password-stdin")
    assert "user admin (administrator) created" in r.stdout
    page = system.run("/opt/telephonist/bin/python", "-I", "-c",
                      "import urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8080/login'); "
                      "print(r.status, 'password' in r.read().decode())").stdout.split()
    assert page == ["200", "True"]
    system.run("systemctl", "reload", "telephonist-chand")
    system.run("journalctl", "-u", "telephonist-chand", "-o", "cat", "--grep", "event=reload_applied")


def test_a_sim_call_through_the_running_units(system):
    start_all(system)
    r = system.run("/opt/telephonist/bin/python", "-I", "/srv/pkgtest/installed_call.py",
                   "--config", "/etc/telephonist/telephonist.toml", "--socket", "/run/telephonist/chand.sock",
                   "--prompts-dir", "/var/lib/telephonist/prompts", user="telephonist")
    call = json.loads(r.stdout)
    assert (call["play_reason"], call["heard"], call["disposition"]) == ("done", "42", "answered")
    assert call["package"] == "/opt/telephonist/lib/python3.11/site-packages/telephonist"
    # a stop writes what the records still hold; then the installed tool reads the database
    system.run("systemctl", "stop", "telephonist.target", *UNITS)
    records = json.loads(system.run("/opt/telephonist/bin/telephonist", "calls", "--json", user="telephonist").stdout)
    assert [(r["call_id"], r["disposition"], r["application"]) for r in records
            if r["call_id"] == call["call_id"]] == [(call["call_id"], "answered", "app:pkgtest")]


def test_removing_stops_every_daemon_and_purging_keeps_the_data(system):
    start_all(system)
    system.run("apt-get", "remove", "-y", "-q", "telephonist")
    for unit in UNITS:
        assert system.run("systemctl", "is-active", unit, check=False).stdout.strip() == "inactive", unit
    assert system.run("pgrep", "-u", "telephonist", check=False).stdout == ""
    system.run("apt-get", "purge", "-y", "-q", "telephonist")
    assert system.run("test", "-e", "/etc/telephonist/telephonist.toml", check=False).returncode != 0
    assert system.run("test", "-e", "/opt/telephonist", check=False).returncode != 0
    # the call records stay, and the user who owns them
    system.run("test", "-s", "/var/lib/telephonist/telephonist.db")
    system.run("getent", "passwd", "telephonist")
