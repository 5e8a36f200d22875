"""Where browser tests save their screenshots: a temporary folder, so a test run never modifies
tracked files. `HOTLINE_SCREENSHOTS=docs/screenshots python -m pytest -m browser` refreshes the
committed ones (README, "Screenshots")."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SHOTS = Path(os.environ.get("HOTLINE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "hotline-screenshots")
SHOTS.mkdir(parents=True, exist_ok=True)
