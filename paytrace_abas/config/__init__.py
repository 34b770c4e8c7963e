"""Settings: frozen dataclasses (``settings.py``) read from TOML and the environment
(``loading.py``, over the TOML reader in ``reader.py``)."""

from paytrace_abas.config.loading import find_config_path, load_settings
from paytrace_abas.config.settings import (
    AbasSettings,
    AccountRule,
    AccountSettings,
    AlertSettings,
    Backoff,
    LedgerSettings,
    MatchingSettings,
    PaytraceSettings,
    PostingSettings,
    ReportSettings,
    Secrets,
    Settings,
)

__all__ = [
    "AbasSettings",
    "AccountRule",
    "AccountSettings",
    "AlertSettings",
    "Backoff",
    "LedgerSettings",
    "MatchingSettings",
    "PaytraceSettings",
    "PostingSettings",
    "ReportSettings",
    "Secrets",
    "Settings",
    "find_config_path",
    "load_settings",
]
