"""A private OpenSSH server on 127.0.0.1 for tests (Debian's openssh-server, from scripts/bootstrap.sh):
its own host key, one client key allowed in, started on a free port and stopped at the end.

    with ssh_server(tmp_path) as ssh:
        subprocess.run([*ssh.command, ssh.login, "true"])      # ssh -i KEY -p PORT ... root@127.0.0.1
"""
from __future__ import annotations

import getpass
import os
import shlex
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tests.support.smtp_inbox import free_port

SSHD = "/usr/sbin/sshd"


@dataclass(frozen=True)
class SshServer:
    port: int
    key: str
    known_hosts: str

    @property
    def login(self) -> str:
        return f"{getpass.getuser()}@127.0.0.1"

    @property
    def command(self) -> list[str]:
        return ["ssh", "-i", self.key, "-p", str(self.port), "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "StrictHostKeyChecking=accept-new", "-o", "IdentitiesOnly=yes"]

    @property
    def command_line(self) -> str:
        return " ".join(shlex.quote(a) for a in self.command)


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, capture_output=True)


@contextmanager
def ssh_server(root: Path) -> Iterator[SshServer]:
    assert os.path.exists(SSHD), "openssh-server is part of the set-up (scripts/bootstrap.sh)"
    d = root / "sshd"
    d.mkdir()
    _keygen(d / "host_key")
    _keygen(d / "client_key")
    (d / "authorized_keys").write_text((d / "client_key.pub").read_text())
    port = free_port()
    (d / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {d / 'host_key'}
PidFile {d / 'sshd.pid'}
AuthorizedKeysFile {d / 'authorized_keys'}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
""")
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)          # its privilege separation folder
    subprocess.run([SSHD, "-t", "-f", str(d / "sshd_config")], check=True, capture_output=True)
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stderr=open(d / "sshd.log", "wb"))
    try:
        deadline = time.monotonic() + 20
        while True:                                  # until it listens (or has died)
            assert proc.poll() is None, (d / "sshd.log").read_text()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "sshd did not listen within 20 s"
            time.sleep(0.02)
        yield SshServer(port, str(d / "client_key"), str(d / "known_hosts"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
