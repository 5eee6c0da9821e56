"""Shared fixtures: where the shared corpora and the bundled examples live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONRECORD_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "corpora" / "seeds"
POLNEAR = SHARED / "corpora" / "polnear"
EXAMPLES = ROOT / "examples" / "corpus"


def seed(prefix: str) -> Path:
    """The seed article whose file name starts with ``prefix`` (e.g. "001")."""
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS}")
    return SEEDS
