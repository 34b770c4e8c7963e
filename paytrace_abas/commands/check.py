"""``check-config``: every step a nightly run needs, each tried for real, one result line each.

The steps are named functions in :data:`STEPS`, run in order; each returns one or more
results and never raises for a failure it checks for, so one broken system does not hide
the next. A source that is configured as an API brings its own steps (PayTrace's ping and
token; abas' login, tables and a page of open items — :func:`abas_steps`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from paytrace_abas.abas.check import check_abas
from paytrace_abas.alerts import check_smtp, check_webhook
from paytrace_abas.commands.inputs import load_open_items, open_ledger
from paytrace_abas.config import Settings, missing_secrets
from paytrace_abas.errors import LockedError, PaytraceAbasError
from paytrace_abas.ledger import RunLock
from paytrace_abas.models import CheckStep as Result
from paytrace_abas.paytrace.client import check_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOptions:
    """How far the checks go: ``send_test`` sends a real test mail and webhook POST."""

    send_test: bool = False


Step = Callable[[Settings, CheckOptions], Iterable[Result]]


def check_everything(settings: Settings, options: CheckOptions) -> list[Result]:
    """Run every step in order; a step that raises unexpectedly is a failed line, too."""
    results: list[Result] = []
    for name, step in STEPS:
        try:
            results.extend(step(settings, options))
        except (PaytraceAbasError, OSError) as exc:
            results.append(Result(name, False, str(exc)))
    return results


def config_step(settings: Settings, _: CheckOptions) -> list[Result]:
    return [Result("config", True, f"{settings.config_path} read, every key known")]


def secrets_step(settings: Settings, _: CheckOptions) -> list[Result]:
    """Every secret the configuration needs for a posting run with alerts is there."""
    missing = missing_secrets(settings, posting=True, alerting=True)
    if missing:
        return [Result("secrets", False, "; ".join(missing))]
    origins = settings.secrets.origins
    found = ", ".join(f"{name} from {origin}" for name, origin in origins.items())
    return [Result("secrets", True, found or "none needed")]


def paytrace_step(settings: Settings, _: CheckOptions) -> list[Result]:
    """The API: ping and a token. A file source: the export file or folder is readable."""
    paytrace = settings.paytrace
    if paytrace.source == "api":
        return list(check_connection(paytrace, settings.secrets))
    return [_readable("PayTrace source", paytrace.file, "[paytrace] file")]


def abas_steps(settings: Settings, _: CheckOptions) -> list[Result]:
    """The open items a run reads: the export file reads as open items; with the REST API
    (source or sink), abas itself: secret, login, tables, a page of open items and customers."""
    abas = settings.abas
    results: list[Result] = []
    if abas.source == "file":
        items = load_open_items(settings)
        results.append(
            Result("abas source", True, f"{abas.open_items_file}: {len(items)} open items")
        )
    if abas.uses_api:
        results += check_abas(abas, settings.secrets)
    return results


def abas_sink_step(settings: Settings, _: CheckOptions) -> list[Result]:
    """Where receipts go: the import file can be written (the REST sink logs in with abas)."""
    abas = settings.abas
    if abas.sink != "file":
        return [Result("abas sink", True, f"REST editor {abas.editor_table} at {abas.base_url}")]
    if abas.import_file is None:
        return [Result("abas sink", False, '[abas] import_file is required when sink = "file"')]
    target = _nearest_existing(abas.import_file)
    if target != abas.import_file and not target.is_dir():
        return [Result("abas sink", False, f"{target} is a file, so {abas.import_file} cannot be")]
    if not os.access(target, os.W_OK):
        return [Result("abas sink", False, f"{target} is not writable by uid {os.getuid()}")]
    return [Result("abas sink", True, f"import file {abas.import_file} writable")]


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest existing folder: where a file would be created (with parents)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def ledger_step(settings: Settings, _: CheckOptions) -> list[Result]:
    """The ledger opens, is migrated to this program's schema and takes a write; the lock too."""
    path = settings.ledger.path
    with open_ledger(settings, locked=False) as ledger:
        ledger.probe_write()
        version = ledger.schema_version()
    lock = RunLock.beside(path)
    try:
        with lock:
            held = "lock free"
    except LockedError as exc:
        held = str(exc)
    return [Result("ledger", True, f"{path} writable, schema version {version}, {held}")]


def out_dir_step(settings: Settings, _: CheckOptions) -> list[Result]:
    """Workbooks and plans can be written into [report] out_dir (created if missing)."""
    out_dir = settings.report.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".check-"):
        pass
    return [Result("out_dir", True, f"{out_dir} writable")]


def smtp_step(settings: Settings, options: CheckOptions) -> list[Result]:
    alerts = settings.alerts
    if not alerts.wants_email:
        return [Result("alert e-mail", True, "not configured")]
    ok, detail = check_smtp(alerts, settings.secrets.smtp_password, options.send_test)
    return [Result("alert e-mail", ok, detail)]


def webhook_step(settings: Settings, options: CheckOptions) -> list[Result]:
    if not settings.alerts.webhook_url:
        return [Result("alert webhook", True, "not configured")]
    ok, detail = check_webhook(settings.alerts, options.send_test)
    return [Result("alert webhook", ok, detail)]


def _readable(name: str, path: Path | None, key: str) -> Result:
    if path is None:
        return Result(name, False, f"{key} is not set")
    if not os.access(path, os.R_OK):
        return Result(name, False, f"{key} {path} is not readable by uid {os.getuid()}")
    return Result(name, True, f"{path} readable")


#: The steps in the order a nightly run needs them.
STEPS: list[tuple[str, Step]] = [
    ("config", config_step),
    ("secrets", secrets_step),
    ("PayTrace", paytrace_step),
    ("abas source", abas_steps),
    ("abas sink", abas_sink_step),
    ("ledger", ledger_step),
    ("out_dir", out_dir_step),
    ("alert e-mail", smtp_step),
    ("alert webhook", webhook_step),
]
