"""The Debian package installed into a clean bookworm root (debootstrap's minbase) with apt, its
Depends only: every command runs, every module and library of /opt/telephonist loads, and the user,
folders, modes and conffiles are what docs/admin.md says."""
from __future__ import annotations

import json

import pytest

from tests.packaging.debian_root import OPT_IN, RootCopy, cached_root, require_tools
from tests.packaging.test_wheel import DAEMONS, IMPORT_ALL

pytestmark = [OPT_IN, pytest.mark.slow, pytest.mark.timeout(900)]

VENV = "/opt/telephonist"

# owner, group, mode of what the package makes (postinst), as docs/admin.md ("Install") lists them
MODES = {
    "/etc/telephonist": ("root", "telephonist", "750"),
    "/etc/telephonist/telephonist.toml": ("root", "telephonist", "640"),
    "/etc/telephonist/conf.d": ("root", "telephonist", "2770"),
    "/etc/telephonist/flows": ("telephonist", "telephonist", "750"),
    "/var/lib/telephonist": ("telephonist", "telephonist", "750"),
    "/var/backups/telephonist": ("telephonist", "telephonist", "750"),
    f"{VENV}/bin/telephonist": ("root", "root", "755"),
}


@pytest.fixture(scope="module")
def root(builds, tmp_path_factory):
    require_tools("apt-get")
    deb = builds.deb()
    with RootCopy(cached_root("minbase"), tmp_path_factory.mktemp("minbase")) as copy:
        copy.install(deb)
        with copy.chroot_mounts():
            yield copy


@pytest.mark.parametrize("daemon", DAEMONS)
def test_each_daemon_of_the_package_answers_help(root, daemon):
    r = root.run("telephonist", daemon, "--help")        # /usr/bin/telephonist -> /opt/telephonist/bin
    assert "--config" in r.stdout and "not available in this build" not in r.stdout + r.stderr


def test_every_module_and_every_library_of_the_package_loads(root):
    result = json.loads(root.run(f"{VENV}/bin/python", "-I", "-c", IMPORT_ALL).stdout)
    assert result["package"] == f"{VENV}/lib/python3.11/site-packages/telephonist"
    assert result["failed"] == {}
    # the engine and every compiled module find their libraries in the root (Depends is complete)
    libs = root.run("sh", "-c", f"find {VENV} -name '*.so*' -type f -exec ldd {{}} +").stdout
    assert "not found" not in libs, [line for line in libs.splitlines() if "not found" in line]


def test_the_user_the_folders_and_their_modes(root):
    name, _, uid, gid, _, home, shell = root.run("getent", "passwd", "telephonist").stdout.strip().split(":")
    assert int(uid) < 1000 and (home, shell) == ("/var/lib/telephonist", "/usr/sbin/nologin")
    assert root.run("getent", "group", "telephonist").stdout.split(":")[2] == gid
    stats = root.run("stat", "-c", "%n %U %G %a", *MODES).stdout.splitlines()
    assert {s.split()[0]: tuple(s.split()[1:]) for s in stats} == MODES


def test_the_configuration_is_a_conffile_and_the_units_are_installed(root, tree_units):
    conffiles = root.run("dpkg-query", "-W", "-f=${Conffiles}", "telephonist").stdout.split()
    assert "/etc/telephonist/telephonist.toml" in conffiles
    units = root.run("sh", "-c", "cd /lib/systemd/system && ls -d telephonist*").stdout.split()
    assert sorted(units) == tree_units
    # the shipped configuration is valid as it is
    root.run(f"{VENV}/bin/python", "-I", "-c",
             "from telephonist.config import load_config; load_config('/etc/telephonist/telephonist.toml')")
