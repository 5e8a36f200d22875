"""Throwaway PostgreSQL servers and a tiny filesystem that fault tests may break at will.

Never the machine's PostgreSQL (5432) or Redis (6379): six engineers and CI share those. A private
server is `initdb` + `pg_ctl` on a free port in a temporary directory, run as the `postgres` user
when the tests run as root (initdb refuses root), stopped with `-m immediate` to look like a crash.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import free_port, service_missing


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or (
        [shutil.which(name)] if shutil.which(name) else []
    )
    if not found:
        service_missing("PostgreSQL server binaries", FileNotFoundError(name))
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL server of our own on a free port; `crash()` and `start()` at will."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run(_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _run(self, *argv: str) -> None:
        done = subprocess.run([*self._as, *argv], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "120",
                  "start")  # fmt: skip

    def crash(self) -> None:
        """Stop at once, as a power cut or `kill -9` would: no checkpoint, clients cut off."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        self.crash()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class TinyFilesystem:
    """A 2 MB tmpfs mounted on a temporary directory (root only), to fill up on purpose."""

    def __init__(self, size: str = "2m") -> None:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            service_missing("a mountable tmpfs (needs root)", PermissionError("not root"))
        self.path = Path(tempfile.mkdtemp(prefix="hotline-full-"))
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        if done.returncode != 0:
            service_missing("a mountable tmpfs", OSError(done.stderr.strip()))

    def destroy(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True, timeout=60)
        shutil.rmtree(self.path, ignore_errors=True)
