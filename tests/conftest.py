"""Top-level pytest configuration: kept deliberately light.

Every test runs the numeric core on the CPU unless the caller set ``KEXUE_VIZ_DEVICE``
explicitly (e.g. ``KEXUE_VIZ_DEVICE=cuda pytest tests/unit`` on a GPU machine).
Markers (``browser``, ``notebook``) are registered in ``pyproject.toml``.
"""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("KEXUE_VIZ_DEVICE", "cpu")

REPO_ROOT = Path(__file__).resolve().parent.parent
