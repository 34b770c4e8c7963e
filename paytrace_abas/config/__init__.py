"""Settings: frozen dataclasses (``settings.py``) read from TOML and the environment
(``loading.py``, over the TOML reader in ``reader.py``), secrets from the environment, files
and systemd credentials (``secrets.py``)."""

from paytrace_abas.config.loading import (
    find_config_path,
    load_settings,
    missing_secrets,
    no_config_found,
)
from paytrace_abas.config.settings import (
    ACCOUNT_RULE_TEXT,
    SECRET_ENV_VARS,
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
    "SECRET_ENV_VARS",
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
    "missing_secrets",
    "no_config_found",
]
