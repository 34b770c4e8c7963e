"""The check-config command: the settings are valid; PayTrace answers when it is an API."""

from __future__ import annotations

from paytrace_abas.config import Settings
from paytrace_abas.models import CheckStep
from paytrace_abas.paytrace.client import check_connection


def check_config(settings: Settings) -> list[CheckStep]:
    """The steps tried against the systems configured as APIs (none for files)."""
    if settings.paytrace.source != "api":
        return []
    return check_connection(settings.paytrace, settings.secrets)
