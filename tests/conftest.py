"""Shared fixtures: the bundled sample day and small hand-made frames."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_DATA = ROOT / "sample_data"
DEMO_CONFIG = ROOT / "config" / "demo.toml"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of config/demo.toml and sample_data/, so tests may break or extend them."""
    shutil.copytree(SAMPLE_DATA, tmp_path / "sample_data", ignore=shutil.ignore_patterns("*.py"))
    (tmp_path / "config").mkdir()
    shutil.copy(DEMO_CONFIG, tmp_path / "config" / "demo.toml")
    return tmp_path / "config" / "demo.toml"
