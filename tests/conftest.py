"""Shared fixtures: where the shared corpora and the bundled examples live."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

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


def benchmark_module(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module, for tests that reuse its corpus generators."""
    module_name = f"bench_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses in the module look themselves up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS}")
    return SEEDS
