"""Build Settings from a TOML file and the environment; every problem is reported at once."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paytrace_abas.config.reader import TomlDocument, TomlSection
from paytrace_abas.config.secrets import read_secrets
from paytrace_abas.config.settings import (
    ACCOUNT_RULE_TEXT,
    CONFIG_ENV_VAR,
    DEFAULT_CONFIG_NAME,
    DEFAULT_CUSTOMER_FIELDS,
    DEFAULT_OPEN_ITEM_FIELDS,
    DEFAULT_RECEIPT_FIELDS,
    IMPORT_FILE_COLUMNS,
    REFERENCE_FIELD_ALIASES,
    REFERENCE_FIELDS,
    TOKEN_FIELDS,
    AbasSettings,
    AccountRule,
    AccountSettings,
    AlertSettings,
    LedgerSettings,
    MatchingSettings,
    PaytraceSettings,
    PostingSettings,
    ReportSettings,
    Settings,
    is_account,
)
from paytrace_abas.config.settlement import read_settlement
from paytrace_abas.errors import ConfigError


def find_config_path(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    """--config, then $PAYTRACE_ABAS_CONFIG, then ./paytrace-abas.toml; None if none is there."""
    if explicit:
        return Path(explicit)
    if environ.get(CONFIG_ENV_VAR):
        return Path(environ[CONFIG_ENV_VAR])
    candidate = cwd / DEFAULT_CONFIG_NAME
    return candidate if candidate.exists() else None


def no_config_found(cwd: Path) -> ConfigError:
    """The error when no config file was found: a run never falls back to defaults silently."""
    return ConfigError(
        f"no config file: --config was not given, ${CONFIG_ENV_VAR} is not set and "
        f"{cwd / DEFAULT_CONFIG_NAME} does not exist"
    )


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """Read and validate the TOML file at ``path`` (defaults alone when None).

    A ConfigError lists every problem in ``problems`` and carries in ``partial`` the settings
    read despite them, so that the failure can still be recorded and alerted.
    """
    document = _read_toml(path) if path else {}
    base_dir = path.parent if path else Path.cwd()
    problems: list[str] = []
    reader = TomlDocument(document, base_dir, problems)
    settings = Settings(
        config_path=path,
        paytrace=_read_paytrace(reader.section("paytrace")),
        abas=_read_abas(reader.section("abas")),
        ledger=_read_ledger(reader.section("ledger")),
        matching=_read_matching(reader.section("matching")),
        report=_read_report(reader.section("report")),
        posting=_read_posting(reader.section("posting")),
        accounts=_read_accounts(reader.section("accounts")),
        alerts=_read_alerts(reader.section("alerts")),
        settlement=read_settlement(reader.section("settlement")),
        secrets=read_secrets(environ),
    )
    reader.reject_unknown_sections()
    if problems:
        where = f"{path}" if path else "the configuration"
        error = ConfigError(
            f"{where} has {len(problems)} problem(s): " + "; ".join(problems),
            problems=[f"{where}: {problem}" for problem in problems],
        )
        error.partial = settings
        raise error
    return settings


def missing_secrets(settings: Settings, posting: bool, alerting: bool = False) -> list[str]:
    """Why a run cannot authenticate: one sentence per secret it needs but lacks.

    Every run reads PayTrace and abas; ``posting`` adds the abas sink, ``alerting`` the SMTP
    login. A secret named in a ``*_FILE`` variable that cannot be used is always a problem.
    """
    secrets = settings.secrets
    needs: list[tuple[str, tuple[str, ...]]] = []
    if settings.paytrace.source == "api":
        needs += [('[paytrace] source = "api"', ("PAYTRACE_USERNAME",))]
        needs += [('[paytrace] source = "api"', ("PAYTRACE_PASSWORD",))]
    if settings.abas.source == "api":
        needs += [('[abas] source = "api"', ("ABAS_PASSWORD", "ABAS_TOKEN"))]
    if posting and settings.abas.sink == "api":
        needs += [('[abas] sink = "api"', ("ABAS_PASSWORD", "ABAS_TOKEN"))]
    if alerting and settings.alerts.wants_email and settings.alerts.smtp_user:
        needs += [("[alerts] smtp_user", ("SMTP_PASSWORD",))]
    missing = [
        f"{reason} needs {' or '.join(names)}: "
        + "; ".join(secrets.why_missing(name) for name in names)
        for reason, names in needs
        if not any(secrets.has(name) for name in names)
    ]
    needed = {name for _, names in needs for name in names}
    unusable = [problem for name, problem in secrets.problems.items() if name not in needed]
    return missing + unusable


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a folder, not a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text (TOML is UTF-8)") from None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _read_paytrace(section: TomlSection) -> PaytraceSettings:
    defaults = PaytraceSettings()
    settings = PaytraceSettings(
        source=section.choice("source", defaults.source, ("file", "api")),
        file=section.path("file", must_exist=section.peek("source") != "api"),
        batches_file=section.path("batches_file", must_exist=True),
        base_url=section.url("base_url", defaults.base_url),
        timezone=section.timezone("timezone", defaults.timezone),
        currency=section.currency("currency", defaults.currency),
        overlap_days=section.integer("overlap_days", defaults.overlap_days, minimum=0),
        empty_day_alert=section.boolean("empty_day_alert", defaults.empty_day_alert),
        chargebacks_dir=section.path("chargebacks_dir", must_exist=True),
        timeout_seconds=section.number("timeout_seconds", defaults.timeout_seconds),
        max_attempts=section.integer("max_attempts", defaults.max_attempts, minimum=1),
        backoff_seconds=section.number("backoff_seconds", defaults.backoff_seconds),
        retry_budget_seconds=section.number("retry_budget_seconds", defaults.retry_budget_seconds),
        parallel_requests=section.integer(
            "parallel_requests", defaults.parallel_requests, minimum=1
        ),
        customers_file=section.path("customers_file", must_exist=True),
        recurring=section.boolean("recurring", defaults.recurring),
        recurring_file=section.path("recurring_file", must_exist=True),
    )
    if settings.recurring and settings.source == "file" and settings.recurring_file is None:
        section.problem("recurring", 'needs recurring_file when source = "file"')
    section.reject_unknown_keys()
    return settings


def _read_abas(section: TomlSection) -> AbasSettings:
    defaults = AbasSettings()
    settings = AbasSettings(
        source=section.choice("source", "file", ("file", "api")),
        open_items_file=section.path("open_items_file", must_exist=section.peek("source") != "api"),
        customers_file=section.path("customers_file", must_exist=True),
        open_items_table=section.text("open_items_table", defaults.open_items_table),
        open_items_criteria=section.text("open_items_criteria", defaults.open_items_criteria),
        customers_table=section.text("customers_table", defaults.customers_table),
        page_size=section.integer("page_size", defaults.page_size, minimum=2),
        open_item_fields=_field_map(section, "open_item_fields", DEFAULT_OPEN_ITEM_FIELDS),
        customer_fields=_field_map(section, "customer_fields", DEFAULT_CUSTOMER_FIELDS),
        new_customer_values=section.string_table("new_customer_values"),
        customers_import_file=section.path("customers_import_file", must_exist=False),
        preview=section.boolean("preview", defaults.preview),
        import_file=section.path("import_file", must_exist=False),
        base_url=section.url("base_url", ""),
        client=section.text("client", ""),
        columns=section.string_table("columns"),
        sink=section.choice("sink", defaults.sink, ("file", "api")),
        editor_table=section.text("editor_table", defaults.editor_table),
        lookup_table=section.text("lookup_table", defaults.lookup_table),
        import_database=section.text("import_database", defaults.import_database),
        import_group=section.text("import_group", defaults.import_group),
        import_action=section.text("import_action", defaults.import_action),
        import_charset=section.text("import_charset", defaults.import_charset),
        import_recordidfld=section.text("import_recordidfld", defaults.import_recordidfld),
        import_firsttabfld=section.text("import_firsttabfld", defaults.import_firsttabfld),
        import_menuchoice=section.text("import_menuchoice", defaults.import_menuchoice),
        import_decimal=section.choice("import_decimal", defaults.import_decimal, (".", ",")),
        receipt_fields=_receipt_fields(section),
        dialog_answers=section.string_table("dialog_answers") or dict(defaults.dialog_answers),
        language=section.choice("language", defaults.language, ("de", "en")),
        user=section.text("user", defaults.user),
        timeout_seconds=section.number("timeout_seconds", defaults.timeout_seconds),
        max_wait_on_lock_seconds=section.integer(
            "max_wait_on_lock_seconds", defaults.max_wait_on_lock_seconds, minimum=0
        ),
        import_archive_dir=section.path("import_archive_dir", must_exist=False),
        commit_grace_seconds=section.number("commit_grace_seconds", defaults.commit_grace_seconds),
        max_xlsx_bytes=section.integer("max_xlsx_bytes", defaults.max_xlsx_bytes, minimum=1),
        max_attempts=section.integer("max_attempts", defaults.max_attempts, minimum=1),
        backoff_seconds=section.number("backoff_seconds", defaults.backoff_seconds),
    )
    for key in ("sink", "source"):
        if getattr(settings, key) == "api" and not (settings.base_url and settings.client):
            section.problem(key, 'is "api", so [abas] base_url and client are required')
    if settings.preview and settings.sink != "api":
        section.problem("preview", 'needs sink = "api": only the REST editor can preview')
    _check_import_fields(section, settings)
    section.reject_unknown_keys()
    return settings


def _check_import_fields(section: TomlSection, settings: AbasSettings) -> None:
    """The record-id and first-table fields must be columns the import file has."""
    columns = [settings.receipt_fields[name] for name in IMPORT_FILE_COLUMNS]
    for key in ("import_recordidfld", "import_firsttabfld"):
        if getattr(settings, key) not in columns:
            section.problem(key, f"must be one of the import file's fields ({';'.join(columns)})")


def _field_map(section: TomlSection, key: str, defaults: Mapping[str, str]) -> dict[str, str]:
    """Defaults overlaid with ``[abas.<key>]``; unknown canonical names are problems."""
    given = section.string_table(key)
    known = set(defaults) | (set(TOKEN_FIELDS) if key == "customer_fields" else set())
    for name in sorted(set(given) - known):
        section.problem(f"{key}.{name}", "is not a known canonical column")
    return {**defaults, **given}


def _receipt_fields(section: TomlSection) -> dict[str, str]:
    """Defaults overlaid with [abas.receipt_fields]; unknown logical names are problems."""
    given = section.string_table("receipt_fields")
    for name in sorted(set(given) - set(DEFAULT_RECEIPT_FIELDS)):
        section.problem(f"receipt_fields.{name}", "is not a known receipt field")
    return {**DEFAULT_RECEIPT_FIELDS, **given}


def _read_posting(section: TomlSection) -> PostingSettings:
    defaults = PostingSettings()
    settings = PostingSettings(
        workers=section.integer("workers", defaults.workers, minimum=1),
        attempts=section.integer("attempts", defaults.attempts, minimum=1),
        backoff_seconds=section.number("backoff_seconds", defaults.backoff_seconds),
        backoff_max_seconds=section.number("backoff_max_seconds", defaults.backoff_max_seconds),
    )
    section.reject_unknown_keys()
    return settings


def _read_accounts(section: TomlSection) -> AccountSettings:
    rules = []
    for number, table in enumerate(section.table_list("rules"), start=1):
        rule = _account_rule(section, number, table)
        if rule is not None:
            rules.append(rule)
    settings = AccountSettings(
        merchant=section.text("merchant", ""),
        default=section.text("default", ""),
        rules=tuple(rules),
        bank=section.text("bank", ""),
        fee=section.text("fee", ""),
    )
    for key in ("bank", "fee"):
        value = getattr(settings, key)
        if value and not is_account(value):
            section.problem(key, f"{value!r} is not an account ({ACCOUNT_RULE_TEXT})")
    if section.present and not settings.default:
        section.problem("default", "is required: the account used when no rule fits")
    elif settings.default and not is_account(settings.default):
        section.problem("default", f"{settings.default!r} is not an account ({ACCOUNT_RULE_TEXT})")
    section.reject_unknown_keys()
    return settings


def _account_rule(section: TomlSection, number: int, table: dict[str, Any]) -> AccountRule | None:
    where = f"rules[{number}]"
    allowed = {"account", "card_type", "merchant", "currency"}
    for key in sorted(set(table) - allowed):
        section.problem(f"{where}.{key}", "is not a known key")
    values = {key: table.get(key, "") for key in allowed}
    bad = sorted(key for key, value in values.items() if not isinstance(value, str))
    for key in bad:
        section.problem(f"{where}.{key}", "must be a string")
    if bad:
        return None
    if not values["account"]:
        section.problem(f"{where}.account", "is required")
        return None
    if not is_account(values["account"]):
        account = values["account"]
        section.problem(f"{where}.account", f"{account!r} is not an account ({ACCOUNT_RULE_TEXT})")
        return None
    if not (values["card_type"] or values["merchant"] or values["currency"]):
        section.problem(where, "needs at least one of card_type, merchant, currency")
        return None
    return AccountRule(**values)


def _read_alerts(section: TomlSection) -> AlertSettings:
    defaults = AlertSettings()
    settings = AlertSettings(
        smtp_host=section.text("smtp_host", ""),
        smtp_port=section.integer("smtp_port", defaults.smtp_port, minimum=1),
        smtp_starttls=section.boolean("smtp_starttls", defaults.smtp_starttls),
        smtp_user=section.text("smtp_user", ""),
        smtp_from=section.text("smtp_from", ""),
        smtp_to=tuple(section.string_list("smtp_to")),
        smtp_ca_file=section.path("smtp_ca_file", must_exist=True),
        webhook_url=section.url("webhook_url", ""),
        timeout_seconds=section.number("timeout_seconds", defaults.timeout_seconds),
    )
    if settings.smtp_host and not (settings.smtp_from and settings.smtp_to):
        section.problem("smtp_host", "is set, so smtp_from and smtp_to are required")
    section.reject_unknown_keys()
    return settings


def _read_ledger(section: TomlSection) -> LedgerSettings:
    defaults = LedgerSettings()
    settings = LedgerSettings(
        path=section.path("path", must_exist=False) or defaults.path,
        lock_alert_minutes=section.number("lock_alert_minutes", defaults.lock_alert_minutes),
    )
    section.reject_unknown_keys()
    return settings


def _read_matching(section: TomlSection) -> MatchingSettings:
    defaults = MatchingSettings()
    # ``tolerance_cents`` sets both directions; the directional keys override it.
    both = section.integer("tolerance_cents", defaults.under_tolerance_cents, minimum=0)
    settings = MatchingSettings(
        under_tolerance_cents=section.integer("under_tolerance_cents", both, minimum=0),
        over_tolerance_cents=section.integer("over_tolerance_cents", both, minimum=0),
        under_tolerance_percent=section.percent("under_tolerance_percent"),
        over_tolerance_percent=section.percent("over_tolerance_percent"),
        min_reference_length=section.integer(
            "min_reference_length", defaults.min_reference_length, minimum=1
        ),
        reference_pattern=section.regex("reference_pattern", defaults.reference_pattern),
        reference_prefixes=section.string_tuple("reference_prefixes", defaults.reference_prefixes),
        reference_fields=_reference_fields(section, defaults.reference_fields),
        invoice_pattern=section.regex("invoice_pattern", defaults.invoice_pattern),
        max_invoices_per_payment=section.integer(
            "max_invoices_per_payment", defaults.max_invoices_per_payment, minimum=1
        ),
        max_items_for_set_search=section.integer(
            "max_items_for_set_search", defaults.max_items_for_set_search, minimum=2
        ),
        exchange_rates=section.rate_table("exchange_rates"),
        customer_map=section.string_table("customer_map"),
        max_amount=section.amount("max_amount", defaults.max_amount),
        name_match_threshold=_threshold(section, defaults.name_match_threshold),
        refund_lookback_days=section.integer(
            "refund_lookback_days", defaults.refund_lookback_days, minimum=1
        ),
    )
    # A second matching process saved far less than 10 % of a whole run at 300,000 payments
    # (bench/README.md): removed, and old files that still set it keep loading.
    section.retired("workers", "matching always runs in one process (docs/matching.md)")
    section.reject_unknown_keys()
    return settings


def _threshold(section: TomlSection, default: float) -> float:
    """``name_match_threshold``: a similarity above 0, at most 1."""
    value = section.number("name_match_threshold", default)
    if value > 1:
        section.problem("name_match_threshold", f"must be at most 1 (a similarity), not {value}")
        return default
    return value


def _reference_fields(section: TomlSection, default: tuple[str, ...]) -> tuple[str, ...]:
    """The payment fields to search, an old field name read as the field it was renamed to."""
    allowed = (*REFERENCE_FIELDS, *REFERENCE_FIELD_ALIASES)
    names = section.string_tuple("reference_fields", default, allowed=allowed)
    return tuple(REFERENCE_FIELD_ALIASES.get(name, name) for name in names)


def _read_report(section: TomlSection) -> ReportSettings:
    defaults = ReportSettings()
    settings = ReportSettings(
        locale=section.choice("locale", defaults.locale, ("en_US", "de_DE")),
        language=section.choice("language", defaults.language, ("", "en", "de")),
        out_dir=section.path("out_dir", must_exist=False) or defaults.out_dir,
        file_mode=section.file_mode("file_mode", defaults.file_mode),
        matched_rows_limit=section.integer(
            "matched_rows_limit", defaults.matched_rows_limit, minimum=1
        ),
    )
    section.reject_unknown_keys()
    return settings
