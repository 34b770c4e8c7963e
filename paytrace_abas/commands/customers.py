"""The customers command: PayTrace vault profiles compared with the abas customer master,
missing customers created exactly once, learned links listed or removed, token references
written into abas (docs/customers.md)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from paytrace_abas.abas.customers import (
    CustomerImportFile,
    RestCustomers,
    new_customer_fields,
    read_customer_master,
)
from paytrace_abas.commands._run import recorded_run
from paytrace_abas.commands.inputs import open_ledger, utc_now
from paytrace_abas.config import Settings
from paytrace_abas.config.failpoints import reached
from paytrace_abas.config.settings import TOKEN_FIELDS
from paytrace_abas.errors import EXIT_FAILED, EXIT_OK, ConfigError, PaytraceAbasError, UsageError
from paytrace_abas.frames import records
from paytrace_abas.ledger import Ledger
from paytrace_abas.ledger.customers import CREATED, SENDING_CREATION
from paytrace_abas.ledger.records import CustomerCreation
from paytrace_abas.matching.profiles import PROFILE_COLUMNS, Pairing, pair_profiles
from paytrace_abas.models import CustomerLink
from paytrace_abas.paytrace.client import fetch_profiles
from paytrace_abas.paytrace.files import read_customers_file
from paytrace_abas.paytrace.records import Customer
from paytrace_abas.report.customers import CREATED_COLUMNS, write_customers_workbook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomersOutcome:
    """What ``customers`` found (and, with ``--create-missing``, created)."""

    pairing: Pairing
    #: abas customers no profile pairs with that had card payments (a receipt in the ledger)
    abas_only: pd.DataFrame
    #: the vault profiles compared (PROFILE_COLUMNS)
    profiles: pd.DataFrame
    created: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CREATED_COLUMNS))
    workbook: Path | None = None
    #: every link learned from a clerk's decision (shown beside the pairs)
    links: tuple[CustomerLink, ...] = ()
    run_id: str = ""
    exit_code: int = EXIT_OK


@dataclass(frozen=True)
class TokenSync:
    """What ``--sync-tokens`` wrote into one abas customer (no card number, ever)."""

    customer_no: str
    paytrace_customer_id: str
    fields: dict[str, str]
    error: str = ""


def compare_customers(settings: Settings, out: Path | None = None) -> CustomersOutcome:
    """Profiles vs customers: pairs, each side's loners, the differences; ``out`` a workbook."""
    with open_ledger(settings, locked=False) as ledger:
        outcome = _compare(settings, ledger)
    return _with_workbook(settings, outcome, out)


def create_missing(
    settings: Settings, apply: bool, out: Path | None = None, now: dt.datetime | None = None
) -> CustomersOutcome:
    """An abas customer for each PayTrace-only profile; without ``apply`` only what would be.

    Each creation is recorded in the ledger as ``sending`` before it is sent; one found so
    recorded (a run killed mid-way) is looked up in abas (or the import file) first, and sent
    again only when abas does not hold it.
    """
    if not apply:
        outcome = compare_customers(settings)
        planned = [
            _created_row(p, "would_create", "") for p in records(outcome.pairing.paytrace_only)
        ]
        return _with_workbook(settings, _replace_created(outcome, planned), out)
    with _customers_run(settings, now, "create-missing") as (ledger, run_id):
        outcome = _compare(settings, ledger)
        rows, failed = _create(settings, ledger, run_id, outcome.pairing.paytrace_only)
        exit_code = EXIT_FAILED if failed else EXIT_OK
        ledger.finish_run(run_id, exit_code, {"created": len(rows) - failed, "failed": failed})
    done = replace(_replace_created(outcome, rows), run_id=run_id, exit_code=exit_code)
    return _with_workbook(settings, done, out)


def list_links(settings: Settings) -> list[CustomerLink]:
    """Every link learned from a clerk's decision."""
    with open_ledger(settings, locked=False) as ledger:
        return ledger.all_links()


def unlink(settings: Settings, paytrace_customer_id: str) -> None:
    """Forget the learned link of one PayTrace customer; UsageError when there is none."""
    with open_ledger(settings) as ledger:
        if not ledger.remove_link(paytrace_customer_id):
            raise UsageError(
                f"--unlink {paytrace_customer_id}: no link learned for this PayTrace customer "
                "(see customers --links)"
            )


def sync_tokens(settings: Settings, now: dt.datetime | None = None) -> list[TokenSync]:
    """Write PayTrace id, last four and expiry into every linked abas customer's fields.

    Only the fields ``[abas.customer_fields]`` names are written; with none named, nothing.
    """
    configured = settings.abas.customer_fields
    names = {key: configured[key] for key in TOKEN_FIELDS if configured.get(key)}
    if not names:
        return []
    if not settings.abas.base_url:
        raise ConfigError(
            "customers --sync-tokens writes through the abas REST API: set [abas] base_url "
            "and client"
        )
    with _customers_run(settings, now, "sync-tokens") as (ledger, run_id):
        outcome = _compare(settings, ledger)
        by_id = {str(p["paytrace_customer_id"]): p for p in records(outcome.profiles)}
        writes = _token_writes(outcome.pairing.linked, by_id, names)
        done = _write_tokens(settings, writes)
        failed = sum(1 for sync in done if sync.error)
        ledger.finish_run(run_id, EXIT_FAILED if failed else EXIT_OK, {"synced": len(done)})
    return done


def _compare(settings: Settings, ledger: Ledger) -> CustomersOutcome:
    profiles = _profiles_frame(settings)
    customers = read_customer_master(settings.abas, settings.secrets)
    ids = profiles["paytrace_customer_id"].tolist()
    links = {pid: link.customer_no for pid, link in ledger.links_of(ids).items()}
    pairing = pair_profiles(
        profiles,
        customers,
        settings.matching.customer_map,
        links,
        settings.matching.name_match_threshold,
    )
    unpaired = pairing.abas_unpaired
    paid = ledger.customers_with_postings(unpaired["customer_no"].astype(str))
    abas_only = unpaired[unpaired["customer_no"].isin(list(paid))].reset_index(drop=True)
    return CustomersOutcome(pairing, abas_only, profiles, links=tuple(ledger.all_links()))


def _profiles_frame(settings: Settings) -> pd.DataFrame:
    """The vault profiles (API, or ``[paytrace] customers_file``) as a frame, each id once."""
    paytrace = settings.paytrace
    if paytrace.source == "api":
        profiles = fetch_profiles(paytrace, settings.secrets)
    elif paytrace.customers_file is not None:
        profiles = read_customers_file(paytrace.customers_file)
    else:
        raise ConfigError(
            '[paytrace] customers_file must name the customer export when source = "file" '
            "(the body of /v1/customer/export)"
        )
    frame = pd.DataFrame([_profile_row(p) for p in profiles], columns=PROFILE_COLUMNS)
    frame = frame[frame["paytrace_customer_id"] != ""]
    return frame.drop_duplicates("paytrace_customer_id").reset_index(drop=True)


def _profile_row(profile: Customer) -> dict[str, str]:
    return {
        "paytrace_customer_id": profile.customer_id,
        "name": profile.name,
        "street": profile.street,
        "zip": profile.zip,
        "city": profile.city,
        "state": profile.state,
        "country": profile.country,
        "email": profile.email,
        "card_last4": profile.card_last4,
        "card_expiry": profile.card_expires,
    }


def _create(
    settings: Settings, ledger: Ledger, run_id: str, profiles: pd.DataFrame
) -> tuple[list[dict[str, str]], int]:
    """Create each profile's customer once; (created rows, how many failed)."""
    wanted = records(profiles)
    known = ledger.creations_of(str(p["paytrace_customer_id"]) for p in wanted)
    writer = _customer_writer(settings)
    rows, failed = [], 0
    try:
        for profile in wanted:
            reference = str(profile["paytrace_customer_id"])
            try:
                state, number = _create_once(settings, ledger, run_id, writer, profile, known)
            except PaytraceAbasError as exc:
                log.warning("PayTrace customer %s: not created: %s", reference, exc)
                state, number, failed = "failed", "", failed + 1
            rows.append(_created_row(profile, state, number))
    finally:
        writer.close()
    return rows, failed


def _create_once(
    settings: Settings,
    ledger: Ledger,
    run_id: str,
    writer: RestCustomers | CustomerImportFile,
    profile: dict[str, str],
    known: Mapping[str, CustomerCreation],
) -> tuple[str, str]:
    reference = str(profile["paytrace_customer_id"])
    earlier = known.get(reference)
    if earlier is not None and earlier.state == CREATED:
        # Written before, not yet in abas' customer table (an import file not imported yet).
        return "created", earlier.customer_no
    if earlier is not None:
        # Recorded before: a run ended (or was killed) after it was marked; abas answers.
        found = writer.find(reference)
        if found is not None:
            ledger.mark_creation(reference, CREATED, run_id, found)
            return "found", found
    ledger.mark_creation(reference, SENDING_CREATION, run_id)
    reached("customers.before_send")
    number = writer.create(reference, new_customer_fields(settings.abas, profile))
    reached("customers.after_send")
    ledger.mark_creation(reference, CREATED, run_id, number)
    return "created", number


def _customer_writer(settings: Settings) -> RestCustomers | CustomerImportFile:
    abas = settings.abas
    if abas.sink == "api":
        return RestCustomers(abas, settings.secrets)
    path = abas.customers_import_file or settings.report.out_dir / "abas-customers.edp"
    return CustomerImportFile(path, abas)


def _created_row(profile: dict[str, object], state: str, number: str) -> dict[str, str]:
    return {
        "paytrace_customer_id": str(profile["paytrace_customer_id"]),
        "name": str(profile["name"]),
        "state": state,
        "customer_no": number,
    }


def _replace_created(outcome: CustomersOutcome, rows: list[dict[str, str]]) -> CustomersOutcome:
    return replace(outcome, created=pd.DataFrame(rows, columns=CREATED_COLUMNS))


def _token_writes(
    linked: pd.DataFrame, profiles: dict[str, dict[str, object]], names: dict[str, str]
) -> list[TokenSync]:
    writes = []
    for pair in records(linked):
        profile = profiles[str(pair["paytrace_customer_id"])]
        values = {
            "paytrace_id": str(profile["paytrace_customer_id"]),
            "card_last4": str(profile["card_last4"])[-4:],
            "card_expiry": str(profile["card_expiry"]),
        }
        fields = {names[key]: values[key] for key in names if values[key]}
        writes.append(TokenSync(str(pair["customer_no"]), values["paytrace_id"], fields))
    return writes


def _write_tokens(settings: Settings, writes: list[TokenSync]) -> list[TokenSync]:
    client = RestCustomers(settings.abas, settings.secrets)
    done = []
    try:
        for sync in writes:
            try:
                client.update(sync.customer_no, sync.fields)
                done.append(sync)
            except PaytraceAbasError as exc:
                log.warning("abas customer %s: token fields not written: %s", sync.customer_no, exc)
                done.append(TokenSync(sync.customer_no, sync.paytrace_customer_id, {}, str(exc)))
    finally:
        client.close()
    return done


@contextmanager
def _customers_run(
    settings: Settings, now: dt.datetime | None, what: str
) -> Iterator[tuple[Ledger, str]]:
    """A ``customers`` run under the run lock, recorded in the ledger like any other."""
    started = now or utc_now()
    with (
        open_ledger(settings) as ledger,
        recorded_run(
            ledger, settings, started, "customers", None, False, {"action": what}
        ) as run_id,
    ):
        yield ledger, run_id


def _with_workbook(
    settings: Settings, outcome: CustomersOutcome, out: Path | None
) -> CustomersOutcome:
    if out is None:
        return outcome
    path = out if out.suffix == ".xlsx" else out / "customers.xlsx"
    report = settings.report
    write_customers_workbook(
        path,
        outcome.pairing,
        outcome.abas_only,
        outcome.created,
        report.workbook_language,
        report.locale,
        settings.paytrace.currency,
    )
    return replace(outcome, workbook=path)
