"""Settings: frozen dataclasses (``settings.py``) read from TOML and the environment
(``loading.py``, over the TOML reader in ``reader.py``)."""

from paytrace_abas.config.loading import find_config_path, load_settings
from paytrace_abas.config.settings import (
    ACCOUNT_RULE_TEXT,
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
    is_account,
)

__all__ = [
    "ACCOUNT_RULE_TEXT",
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
    "is_account",
    "load_settings",
]
