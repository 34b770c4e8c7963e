"""The check-config command: the settings are valid; PayTrace and abas answer when they are APIs."""

from __future__ import annotations

from paytrace_abas.abas.check import check_abas
from paytrace_abas.config import Settings
from paytrace_abas.models import CheckStep
from paytrace_abas.paytrace.client import check_connection


def check_config(settings: Settings) -> list[CheckStep]:
    """The steps tried against the systems configured as APIs (none for files)."""
    steps: list[CheckStep] = []
    if settings.paytrace.source == "api":
        steps += check_connection(settings.paytrace, settings.secrets)
    if settings.abas.uses_api:
        steps += check_abas(settings.abas, settings.secrets)
    return steps
