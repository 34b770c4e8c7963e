"""The ``customers`` command line: PayTrace vault profiles vs abas customers (docs/customers.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from paytrace_abas.cli.support import echo_error, fail, format_option, quiet, settings_for
from paytrace_abas.commands.customers import (
    compare_customers,
    create_missing,
    list_links,
    sync_tokens,
    unlink,
)
from paytrace_abas.config import Settings
from paytrace_abas.errors import EXIT_FAILED, PaytraceAbasError, UsageError
from paytrace_abas.report.customers import (
    customer_lists,
    customers_json,
    describe_customers,
    links_json,
    links_table,
)

EPILOG = """Examples:

\b
  paytrace-abas customers --format json
  paytrace-abas customers --out out/customers.xlsx
  paytrace-abas customers --create-missing            # dry run: what would be created
  paytrace-abas customers --create-missing --apply
  paytrace-abas customers --links
  paytrace-abas customers --unlink CUST-1042
  paytrace-abas customers --sync-tokens

Matching order and settings: docs/customers.md"""


@click.command("customers", epilog=EPILOG)
@click.option(
    "--create-missing",
    is_flag=True,
    help="Create abas customers for PayTrace-only profiles (a dry run unless --apply).",
)
@click.option("--apply", "really", is_flag=True, help="With --create-missing: create them.")
@click.option("--links", "show_links", is_flag=True, help="List links learned from clerks.")
@click.option("--unlink", "unlink_id", metavar="ID", help="Forget the learned link of one ID.")
@click.option(
    "--sync-tokens",
    is_flag=True,
    help="Write PayTrace id, card last 4 and expiry into each linked abas customer.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=True),
    help="Workbook with a sheet per list (a .xlsx file, or a folder for customers.xlsx).",
)
@format_option
@click.pass_context
def customers_command(
    ctx: click.Context,
    create_missing: bool,
    really: bool,
    show_links: bool,
    unlink_id: str | None,
    sync_tokens: bool,
    out_path: str | None,
    output_format: str,
) -> None:
    """Compare PayTrace vault profiles with abas customers: linked pairs, each side's
    loners, field differences; create what is missing, manage learned links, write tokens.
    """
    settings = settings_for(ctx)
    try:
        actions = sum(bool(x) for x in (create_missing, show_links, unlink_id, sync_tokens))
        if actions > 1:
            raise UsageError(
                "give at most one of --create-missing, --links, --unlink ID, --sync-tokens"
            )
        if really and not create_missing:
            raise UsageError("--apply goes with --create-missing")
        action = chosen_action(create_missing, really, show_links, unlink_id, sync_tokens)
        _run(ctx, settings, action, out_path, output_format)
    except PaytraceAbasError as exc:
        fail(exc)


def chosen_action(
    create: bool, really: bool, show_links: bool, unlink_id: str | None, sync: bool
) -> tuple[str, str]:
    """(action, argument) of the options given."""
    if show_links:
        return "links", ""
    if unlink_id:
        return "unlink", unlink_id
    if sync:
        return "sync", ""
    if create:
        return ("create_apply" if really else "create_dry"), ""
    return "compare", ""


def _run(
    ctx: click.Context,
    settings: Settings,
    action: tuple[str, str],
    out_path: str | None,
    fmt: str,
) -> None:
    name, argument = action
    if name == "links":
        links = list_links(settings)
        click.echo(json.dumps(links_json(links), indent=2) if fmt == "json" else links_table(links))
    elif name == "unlink":
        unlink(settings, argument)
        if not quiet(ctx):
            click.echo(f"link of PayTrace customer {argument} removed")
    elif name == "sync":
        _sync(ctx, settings)
    else:
        _compare(ctx, settings, name, Path(out_path) if out_path else None, fmt)


def _sync(ctx: click.Context, settings: Settings) -> None:
    done = sync_tokens(settings)
    if not done and not quiet(ctx):
        click.echo(
            "nothing written: [abas.customer_fields] names none of paytrace_id, "
            "card_last4, card_expiry (or no pair is linked)"
        )
    for sync in done:
        if sync.error:
            echo_error(f"abas customer {sync.customer_no}: {sync.error}")
        elif not quiet(ctx):
            click.echo(f"abas customer {sync.customer_no}: {', '.join(sorted(sync.fields))}")
    if any(sync.error for sync in done):
        sys.exit(EXIT_FAILED)


def _compare(ctx: click.Context, settings: Settings, name: str, out: Path | None, fmt: str) -> None:
    if name == "compare":
        outcome = compare_customers(settings, out)
    else:
        outcome = create_missing(settings, name == "create_apply", out)
    lists = customer_lists(outcome.pairing, outcome.abas_only, outcome.created)
    if fmt == "json":
        click.echo(json.dumps(customers_json(lists), indent=2))
    elif not quiet(ctx):
        click.echo(describe_customers(lists, outcome.links, outcome.workbook))
    sys.exit(outcome.exit_code)
