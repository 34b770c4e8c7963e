"""Running the CLI in-process, as cron or ``make demo`` would."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from paytrace_abas.cli import cli
from tests.fake_paytrace import sample_day_config
from tests.support.paths import SAMPLE_DATA


def reconcile_sample_day(out_dir: Path, *extra: str) -> Result:
    """What ``make demo`` runs: the sample day, dry run, with its chargeback file — with its
    ledger in ``out_dir`` rather than the repository's out/."""
    out_dir.mkdir(parents=True, exist_ok=True)
    config = sample_day_config(out_dir)
    args = ["--config", str(config), "reconcile", "--date", "2026-11-25", "--dry-run"]
    args += ["--chargebacks", str(SAMPLE_DATA / "chargebacks" / "disputes-2026-11-25.csv")]
    return CliRunner().invoke(cli, [*args, "--out", str(out_dir), *extra])


def run_cli(config: Path, *args: str) -> Result:
    """Invoke the CLI in-process with ``--config``; never raises, read ``exit_code``."""
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
