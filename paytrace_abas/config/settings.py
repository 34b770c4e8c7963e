"""The frozen settings: one dataclass per TOML section, plus the secrets from the environment.

Read by ``loading.py``; the public names are re-exported by ``paytrace_abas.config``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from paytrace_abas.config.secrets import SECRET_FIELDS
from paytrace_abas.config.secrets import Secrets as Secrets
from paytrace_abas.config.settlement import SettlementSettings

#: an abas account number as this tool writes it: letters, digits, '.', '_' or '-', at most 20,
#: starting with a letter or digit (no ';', '=', '|', space: they would break a file or a sheet)
ACCOUNT_SYNTAX = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}")
ACCOUNT_RULE_TEXT = "letters, digits, '.', '_' or '-', at most 20, starting with a letter or digit"


def is_account(text: str) -> bool:
    """Whether ``text`` is a well-formed account number (docs/posting.md, counter accounts)."""
    return ACCOUNT_SYNTAX.fullmatch(text) is not None


CONFIG_ENV_VAR = "PAYTRACE_ABAS_CONFIG"
DEFAULT_CONFIG_NAME = "paytrace-abas.toml"
SECRET_ENV_VARS = tuple(SECRET_FIELDS)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with equal jitter, for PayTrace calls and abas postings alike.

    Retry n waits a random time in [d/2, d], d = base·2ⁿ⁻¹ capped at ``max_seconds``: half of
    it fixed, half random, so that workers retrying together spread out.
    """

    base_seconds: float
    max_seconds: float

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (retry - 1))
        return rng.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class PaytraceSettings:
    source: str = "file"
    file: Path | None = None
    #: file mode: the /v1/batches/export body, each batch with its transaction_list answer
    batches_file: Path | None = None
    base_url: str = "https://api.paytrace.com"
    timezone: str = "America/Los_Angeles"
    currency: str = "USD"
    overlap_days: int = 2
    #: alert when a weekday of the window is pulled over the API and answered empty
    empty_day_alert: bool = False
    #: where the processor's dispute files land; each is read once (docs/money-trail.md)
    chargebacks_dir: Path | None = None
    timeout_seconds: float = 30.0
    max_attempts: int = 4
    #: first retry wait; doubles per attempt (with jitter), capped at 30 s
    backoff_seconds: float = 1.0
    #: total time one API call may spend, retries and waits included
    retry_budget_seconds: float = 120.0
    #: day-sized export requests in flight at once
    parallel_requests: int = 4
    #: file mode: vault profiles as the body of /v1/customer/export (``customers`` command)
    customers_file: Path | None = None
    #: check recurring schedules: pulled over the API (source "api") ...
    recurring: bool = False
    #: ... or read from this file, the API's answer body (docs/customers.md#recurring-billing)
    recurring_file: Path | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


#: Logical receipt field -> abas field of the OP-processing editor
#: (docs/abas.md#op-processing-fields).
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
    "open_after": "ofbetr",
    # head field abas answers a committed receipt's number in (shown as its abas document)
    "document_number": "nummer",
}

#: logical receipt fields in the order of the import file's columns
#: (docs/posting.md#the-edp-import-file)
IMPORT_FILE_COLUMNS = (
    "reference",
    "document_date",
    "posting_date",
    "counter_account",
    "currency",
    "invoice",
    "load_item",
    "amount",
    "discount",
)
#: Canonical open-item column -> abas field of the open-items table (docs/abas.md).
DEFAULT_OPEN_ITEM_FIELDS: Mapping[str, str] = {
    "invoice_no": "nummer",
    "customer_no": "kunde^nummer",
    "customer_name": "kunde^namebspr",
    "invoice_date": "vom",
    "due_date": "faelldat",
    "currency": "waehr",
    "gross_amount": "rebetr",
    "open_amount": "ofbetr",
    "discount_percent": "sksatz",
    "discount_until": "skdat",
}
#: Canonical customer column -> abas field of the customers table (0:1).
DEFAULT_CUSTOMER_FIELDS: Mapping[str, str] = {
    "customer_no": "nummer",
    "name": "namebspr",
    "street": "str",
    "zip": "plz",
    "city": "nort",
    "country": "staat",
    "email": "email",
}
#: Optional customer fields the ``customers`` command writes (docs/customers.md), never read
#: as customer master columns: the vault token reference, the masked card and its expiry.
TOKEN_FIELDS = ("paytrace_id", "card_last4", "card_expiry")
#: abas' language-independent name of the open-items table, looked up via ``/obj/meta``.
OPEN_ITEMS_TABLE_NAME = "(OutstandingItems):(OutstandingItem)"


@dataclass(frozen=True)
class AbasSettings:
    source: str = "file"
    open_items_file: Path | None = None
    #: customer master as a ';' CSV (file mode); empty: none
    customers_file: Path | None = None
    #: REST source: tables, extra selection, page size and field maps
    open_items_table: str = ""
    open_items_criteria: str = ""
    customers_table: str = "0:1"
    page_size: int = 500
    open_item_fields: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_OPEN_ITEM_FIELDS)
    )
    customer_fields: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_CUSTOMER_FIELDS)
    )
    #: abas field -> fixed value for customers ``customers --create-missing`` creates
    new_customer_values: Mapping[str, str] = field(default_factory=dict)
    #: file sink: the EDP import file new customers are appended to (docs/customers.md)
    customers_import_file: Path | None = None
    #: dry runs open the editor per receipt, read what abas computes, and cancel
    preview: bool = False
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
    #: import-file header lines (docs/abas.md#edp-import-file)
    import_database: str = "102"
    import_group: str = "4"
    import_action: str = "NEW"
    #: further header lines of abas' EDP dialect (docs/posting.md#the-edp-import-file)
    import_charset: str = "UTF-8"
    import_recordidfld: str = "beleg"
    import_firsttabfld: str = "tbeleg"
    #: "" for none; "offene Posten ausbuchen" with import_action = "PAYMENT" (older releases)
    import_menuchoice: str = ""
    #: decimal separator of amounts in the import file
    import_decimal: str = "."
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
    #: tries per abas read (and preview), the first included; commits are never retried blind
    max_attempts: int = 4
    backoff_seconds: float = 1.0

    @property
    def uses_api(self) -> bool:
        """True when anything talks to the abas REST API."""
        return self.source == "api" or self.sink == "api"


@dataclass(frozen=True)
class LedgerSettings:
    path: Path = Path("paytrace-abas.sqlite3")
    #: a run that finds the lock held this long by a live process alerts (once per holder)
    lock_alert_minutes: float = 120.0


#: Payment fields searched for invoice numbers, in this order (docs/contract.md#payments).
REFERENCE_FIELDS = ("invoice_ref", "description", "purchase_order")
#: earlier names of those fields, still accepted in ``[matching] reference_fields``
REFERENCE_FIELD_ALIASES = {"customer_reference_id": "purchase_order"}


@dataclass(frozen=True)
class PostingSettings:
    #: parallel abas calls; every REST session holds an abas licence seat, so keep it modest
    workers: int = 4
    #: tries per receipt (first send included) before it becomes a dead letter
    attempts: int = 5
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.backoff_seconds, self.backoff_max_seconds)


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
    #: settlement bookings (docs/settlement.md): the bank account deposits arrive on
    bank: str = ""
    #: settlement bookings: the account the processor's fees are booked to
    fee: str = ""

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
    #: cents; a payment or open item above this amount is refused as bad input (10,000,000.00)
    max_amount: int = 1_000_000_000
    #: a payer without a known customer id is found by name when one abas customer's name is
    #: at least this similar (token-set similarity, 0..1) and no other is as similar
    name_match_threshold: float = 0.9
    #: a refund or void is tied to a sale of its payer made at most this many days before it
    refund_lookback_days: int = 90

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
    #: matched rows the run workbook holds; the rest go to a CSV beside it
    matched_rows_limit: int = 100_000

    @property
    def workbook_language(self) -> str:
        return self.language or self.locale.split("_")[0]


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
    settlement: SettlementSettings = field(default_factory=SettlementSettings)
    secrets: Secrets = field(default_factory=Secrets)
