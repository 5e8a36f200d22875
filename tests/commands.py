"""The project's command lines run as an operator runs them: a fresh interpreter, a bare environment."""

from __future__ import annotations

import subprocess
import sys

from dashboard.settings import REPO_ROOT


def run_data_loader(args: list[str], database_url: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m data_loader ARGS` against `database_url`, with nothing else of this process's environment."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "data_loader", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip
