"""Where the repository keeps what tests read: demo config, sample day, fixtures, goldens."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
SAMPLE_DATA = ROOT / "sample_data"
DEMO_CONFIG = ROOT / "config" / "demo.toml"
