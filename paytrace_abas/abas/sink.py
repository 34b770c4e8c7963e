"""Where receipts go in abas: the port every sink implements (``rest.py``, ``import_file.py``).

A sink posts one receipt (one abas document per PayTrace payment) and can say whether a document
with a given reference already exists. Delivery asks it about every receipt before the receipt's
first send (``find_many``, a page of references at a time), so neither a crashed run's
``sending`` receipts nor a lost or restored ledger's ``planned`` ones are posted twice
(docs/posting.md#state-machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import ConfigError
from paytrace_abas.models import Receipt


@dataclass(frozen=True)
class Found:
    """An existing abas document for a receipt, and which of its invoices it covers."""

    document: str
    invoice_nos: frozenset[str]


class ReceiptSink(Protocol):
    """Posts receipts; raises TransientSourceError (retry) or PostingRejectedError (do not)."""

    def find(self, receipt: Receipt) -> Found | None:
        """The document already holding this receipt's reference, or None."""

    def find_many(self, receipts: Sequence[Receipt]) -> dict[str, Found]:
        """Transaction id -> existing document, for those of ``receipts`` abas already holds."""

    def post(self, receipt: Receipt) -> str:
        """Post the receipt; returns the abas document (number or location)."""

    def close(self) -> None:
        """Release connections or files."""


def check_sink(settings: AbasSettings, secrets: Secrets) -> None:
    """Raise ConfigError when the configured sink cannot post (checked before a run starts)."""
    if settings.sink == "api" and not (secrets.abas_password or secrets.abas_token):
        raise ConfigError(
            '[abas] sink = "api" needs ABAS_PASSWORD or ABAS_TOKEN (environment, *_FILE or systemd '
            "credential; docs/operations.md#secrets)"
        )
    if settings.sink == "file" and settings.import_file is None:
        raise ConfigError(
            '[abas] import_file must name the EDP import file to post to when sink = "file"'
        )
    archive = settings.import_archive_dir
    if settings.sink == "file" and archive is not None and not archive.is_dir():
        raise ConfigError(
            f"[abas] import_archive_dir {archive} is not a folder; the file sink must read the "
            "imported files there before it posts anything"
        )
