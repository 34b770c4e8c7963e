"""Frozen Settings from TOML plus environment secrets; every problem is reported at once."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from paytrace_abas.config.reader import TomlDocument, TomlSection
from paytrace_abas.errors import ConfigError

#: an abas account number as this tool writes it: letters, digits, '.', '_' or '-', at most 20,
#: starting with a letter or digit (no ';', '=', '|', space: they would break a file or a sheet)
ACCOUNT_SYNTAX = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}")
ACCOUNT_RULE_TEXT = "letters, digits, '.', '_' or '-', at most 20, starting with a letter or digit"


def is_account(text: str) -> bool:
    """Whether ``text`` is a well-formed account number (docs/posting.md, counter accounts)."""
    return ACCOUNT_SYNTAX.fullmatch(text) is not None


CONFIG_ENV_VAR = "PAYTRACE_ABAS_CONFIG"
DEFAULT_CONFIG_NAME = "paytrace-abas.toml"
SECRET_ENV_VARS = (
    "PAYTRACE_USERNAME",
    "PAYTRACE_PASSWORD",
    "PAYTRACE_INTEGRATOR_ID",
    "ABAS_PASSWORD",
    "ABAS_TOKEN",
    "SMTP_PASSWORD",
)


@dataclass(frozen=True)
class PaytraceSettings:
    source: str = "file"
    file: Path | None = None
    base_url: str = "https://api.paytrace.com"
    timezone: str = "America/Los_Angeles"
    currency: str = "USD"
    overlap_days: int = 2
    timeout_seconds: float = 30.0
    max_attempts: int = 4
    #: first retry wait; doubles per attempt (with jitter), capped at 30 s
    backoff_seconds: float = 1.0
    #: total time one API call may spend, retries and waits included
    retry_budget_seconds: float = 120.0
    #: day-sized export requests in flight at once
    parallel_requests: int = 4

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


#: Logical receipt field -> abas field of the OP-processing editor (reference §5.4, §6).
DEFAULT_RECEIPT_FIELDS: Mapping[str, str] = {
    "counter_account": "gkonto",
    "reference": "beleg",
    "document_date": "beldat",
    "posting_date": "kbudat",
    "currency": "kwaehr",
    "invoice": "tbeleg",
    "load_item": "topladen",
    "amount": "opzabetr",
    "discount": "skbetr",
}


@dataclass(frozen=True)
class AbasSettings:
    source: str = "file"
    open_items_file: Path | None = None
    import_file: Path | None = None
    base_url: str = ""
    client: str = ""
    #: canonical column name -> header used by this installation's export
    columns: Mapping[str, str] = field(default_factory=dict)
    #: where receipts go: "file" (EDP import file) or "api" (REST editor)
    sink: str = "file"
    #: OP-processing editor that posts a receipt, and the table asked whether one exists
    editor_table: str = "102:4"
    lookup_table: str = "102:4"
    #: import-file header lines (reference §3.3)
    import_database: str = "102"
    import_group: str = "4"
    import_action: str = "NEW"
    receipt_fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_RECEIPT_FIELDS))
    #: dialog id -> answer given when abas asks while committing (588 "Sind Sie sicher?")
    dialog_answers: Mapping[str, str] = field(default_factory=lambda: {"588": "ja"})
    language: str = "de"
    user: str = ""
    timeout_seconds: float = 30.0
    max_wait_on_lock_seconds: int = 10
    #: where the edpimport job moves imported files; the file sink asks them too
    import_archive_dir: Path | None = None
    #: after a REST call that may have been committed unseen, wait this long before asking again
    commit_grace_seconds: float = 60.0
    #: an .xlsx open-items export unpacking to more bytes than this is refused unopened
    max_xlsx_bytes: int = 200 * 1000 * 1000


@dataclass(frozen=True)
class LedgerSettings:
    path: Path = Path("paytrace-abas.sqlite3")


#: Payment fields searched for invoice numbers, in this order (DESIGN §4).
REFERENCE_FIELDS = ("invoice_ref", "description", "customer_reference_id")


@dataclass(frozen=True)
class PostingSettings:
    #: parallel abas calls; every REST session holds an abas licence seat, so keep it modest
    workers: int = 4
    #: tries per receipt (first send included) before it becomes a dead letter
    attempts: int = 5
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0


@dataclass(frozen=True)
class AccountRule:
    """Counter (GL) account for receipts whose card type, merchant and currency all fit."""

    account: str
    card_type: str = ""
    merchant: str = ""
    currency: str = ""

    def fits(self, card_type: str, merchant: str, currency: str) -> bool:
        """An empty condition fits anything; card type and merchant compare case-insensitively."""
        return (
            (not self.card_type or self.card_type.upper() == card_type.upper())
            and (not self.merchant or self.merchant.lower() == merchant.lower())
            and (not self.currency or self.currency == currency)
        )


@dataclass(frozen=True)
class AccountSettings:
    #: the PayTrace merchant account this configuration pulls from (rules may match on it)
    merchant: str = ""
    #: account when no rule fits; required before anything is posted
    default: str = ""
    rules: tuple[AccountRule, ...] = ()

    def account_for(self, card_type: str, currency: str) -> str:
        """The first fitting rule's account, else the default."""
        for rule in self.rules:
            if rule.fits(card_type, self.merchant, currency):
                return rule.account
        return self.default


@dataclass(frozen=True)
class AlertSettings:
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    #: extra CA bundle for a mail relay with a private certificate (verification stays on)
    smtp_ca_file: Path | None = None
    webhook_url: str = ""
    timeout_seconds: float = 10.0

    @property
    def wants_email(self) -> bool:
        return bool(self.smtp_host and self.smtp_to)


@dataclass(frozen=True)
class MatchingSettings:
    """Tolerances, reference hygiene and exchange rates of matching (docs/matching.md)."""

    #: a payment may fall short of / exceed what the invoices ask by at most this many cents ...
    under_tolerance_cents: int = 1
    over_tolerance_cents: int = 1
    #: ... and, when set, by at most this percentage of it (the smaller limit wins)
    under_tolerance_percent: Decimal | None = None
    over_tolerance_percent: Decimal | None = None
    min_reference_length: int = 4
    #: what an invoice number looks like in payment text; found only as a whole token
    reference_pattern: str = r"\d+"
    #: words that may stick to the number without a space (``RE400123``, ``INV400123``)
    reference_prefixes: tuple[str, ...] = ("RE", "INV", "INVOICE", "RECHNUNG", "RG", "NR", "NO")
    reference_fields: tuple[str, ...] = REFERENCE_FIELDS
    #: a reference token that fully matches this but is no known invoice counts as "unknown invoice"
    invoice_pattern: str = ""
    max_invoices_per_payment: int = 5
    #: customers with more open items than this are not searched for exact-sum sets
    max_items_for_set_search: int = 20
    #: "EUR/USD" -> how many USD one EUR is worth; the reverse direction is derived
    exchange_rates: Mapping[str, Decimal] = field(default_factory=dict)
    #: PayTrace customer_id -> abas customer number, where the two differ
    customer_map: Mapping[str, str] = field(default_factory=dict)
    #: processes that match a big day (150,000+ payments) in parallel; at most one per core
    workers: int = 2
    #: cents; a payment or open item above this amount is refused as bad input (10,000,000.00)
    max_amount: int = 1_000_000_000

    @property
    def under_tolerance_bp(self) -> int | None:
        """The underpayment percentage in basis points (at most two decimals are allowed)."""
        return _basis_points(self.under_tolerance_percent)

    @property
    def over_tolerance_bp(self) -> int | None:
        """The overpayment percentage in basis points."""
        return _basis_points(self.over_tolerance_percent)

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        """Units of ``to_currency`` per unit of ``from_currency``; None when no rate is known."""
        if from_currency == to_currency:
            return Decimal(1)
        direct = self.exchange_rates.get(f"{from_currency}/{to_currency}")
        if direct is not None:
            return direct
        reverse = self.exchange_rates.get(f"{to_currency}/{from_currency}")
        return None if reverse is None else Decimal(1) / reverse


def _basis_points(percent: Decimal | None) -> int | None:
    return None if percent is None else int(percent * 100)


@dataclass(frozen=True)
class ReportSettings:
    locale: str = "en_US"
    #: workbook headers and sheet names; empty means the locale's language
    language: str = ""
    out_dir: Path = Path("out")
    #: permissions of every file the tool writes (workbooks, plans, the import file): they hold
    #: customer names, so only the owner may read them unless this says otherwise
    file_mode: int = 0o600

    @property
    def workbook_language(self) -> str:
        return self.language or self.locale.split("_")[0]


@dataclass(frozen=True)
class Secrets:
    """Credentials from the environment; never printed (repr hides every value)."""

    paytrace_username: str = field(default="", repr=False)
    paytrace_password: str = field(default="", repr=False)
    paytrace_integrator_id: str = field(default="", repr=False)
    abas_password: str = field(default="", repr=False)
    abas_token: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)

    def values(self) -> list[str]:
        """Every non-empty secret, so that log filters can redact them."""
        return [value for value in vars(self).values() if value]


@dataclass(frozen=True)
class Settings:
    config_path: Path | None = None
    paytrace: PaytraceSettings = field(default_factory=PaytraceSettings)
    abas: AbasSettings = field(default_factory=AbasSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    posting: PostingSettings = field(default_factory=PostingSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    secrets: Secrets = field(default_factory=Secrets)


def find_config_path(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    """--config, then $PAYTRACE_ABAS_CONFIG, then ./paytrace-abas.toml; None if none is there."""
    if explicit:
        return Path(explicit)
    if environ.get(CONFIG_ENV_VAR):
        return Path(environ[CONFIG_ENV_VAR])
    candidate = cwd / DEFAULT_CONFIG_NAME
    return candidate if candidate.exists() else None


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """Read and validate the TOML file at ``path`` (defaults alone when None)."""
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
        secrets=_read_secrets(environ),
    )
    reader.reject_unknown_sections()
    problems.extend(_missing_paytrace_secrets(settings))
    if problems:
        where = f"{path}" if path else "the configuration"
        raise ConfigError(f"{where} has {len(problems)} problem(s): " + "; ".join(problems))
    return settings


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
        base_url=section.url("base_url", defaults.base_url),
        timezone=section.timezone("timezone", defaults.timezone),
        currency=section.currency("currency", defaults.currency),
        overlap_days=section.integer("overlap_days", defaults.overlap_days, minimum=0),
        timeout_seconds=section.number("timeout_seconds", defaults.timeout_seconds),
        max_attempts=section.integer("max_attempts", defaults.max_attempts, minimum=1),
        backoff_seconds=section.number("backoff_seconds", defaults.backoff_seconds),
        retry_budget_seconds=section.number("retry_budget_seconds", defaults.retry_budget_seconds),
        parallel_requests=section.integer(
            "parallel_requests", defaults.parallel_requests, minimum=1
        ),
    )
    section.reject_unknown_keys()
    return settings


def _read_abas(section: TomlSection) -> AbasSettings:
    defaults = AbasSettings()
    settings = AbasSettings(
        source=section.choice("source", "file", ("file", "api")),
        open_items_file=section.path("open_items_file", must_exist=section.peek("source") != "api"),
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
    )
    if settings.sink == "api" and not (settings.base_url and settings.client):
        section.problem("sink", 'is "api", so [abas] base_url and client are required')
    section.reject_unknown_keys()
    return settings


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
    )
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
    path = section.path("path", must_exist=False) or LedgerSettings().path
    settings = LedgerSettings(path=path)
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
        reference_fields=section.string_tuple(
            "reference_fields", defaults.reference_fields, allowed=REFERENCE_FIELDS
        ),
        invoice_pattern=section.regex("invoice_pattern", defaults.invoice_pattern),
        max_invoices_per_payment=section.integer(
            "max_invoices_per_payment", defaults.max_invoices_per_payment, minimum=1
        ),
        max_items_for_set_search=section.integer(
            "max_items_for_set_search", defaults.max_items_for_set_search, minimum=2
        ),
        exchange_rates=section.rate_table("exchange_rates"),
        customer_map=section.string_table("customer_map"),
        workers=section.integer("workers", defaults.workers, minimum=1),
        max_amount=section.amount("max_amount", defaults.max_amount),
    )
    section.reject_unknown_keys()
    return settings


def _read_report(section: TomlSection) -> ReportSettings:
    defaults = ReportSettings()
    settings = ReportSettings(
        locale=section.choice("locale", defaults.locale, ("en_US", "de_DE")),
        language=section.choice("language", defaults.language, ("", "en", "de")),
        out_dir=section.path("out_dir", must_exist=False) or defaults.out_dir,
        file_mode=section.file_mode("file_mode", defaults.file_mode),
    )
    section.reject_unknown_keys()
    return settings


def _read_secrets(environ: Mapping[str, str]) -> Secrets:
    return Secrets(
        paytrace_username=environ.get("PAYTRACE_USERNAME", ""),
        paytrace_password=environ.get("PAYTRACE_PASSWORD", ""),
        paytrace_integrator_id=environ.get("PAYTRACE_INTEGRATOR_ID", ""),
        abas_password=environ.get("ABAS_PASSWORD", ""),
        abas_token=environ.get("ABAS_TOKEN", ""),
        smtp_password=environ.get("SMTP_PASSWORD", ""),
    )


def _missing_paytrace_secrets(settings: Settings) -> list[str]:
    """The PayTrace API source cannot authenticate without a user name and password."""
    if settings.paytrace.source != "api":
        return []
    required = {
        "PAYTRACE_USERNAME": settings.secrets.paytrace_username,
        "PAYTRACE_PASSWORD": settings.secrets.paytrace_password,
    }
    return [
        f'environment variable {name} is not set ([paytrace] source = "api" needs it)'
        for name, value in required.items()
        if not value
    ]
