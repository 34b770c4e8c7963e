"""Every exception this package raises on purpose, and every exit code the CLI ends with.

One root, subclasses named for what the caller should do; the CLI maps them to the exit codes
below (README "Exit codes"). Every message passes the PAN masker at the root
(:meth:`PaytraceAbasError.__str__`): a card number in a bad field, a plan or a clerk's text
never reaches stderr, a log, an alert or the ledger through an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paytrace_abas.privacy import mask_pans

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_DEAD_LETTERS = 3
EXIT_LOCKED = 4


class PaytraceAbasError(Exception):
    """Root of every error this package raises on purpose."""

    #: the ledger run that recorded (and alerted) this failure, once one has
    run_id: str | None = None

    def __str__(self) -> str:
        return mask_pans(super().__str__())


class UsageError(PaytraceAbasError):
    """The user asked for something impossible (bad dates, bad options); exit code 2."""


class ConfigError(PaytraceAbasError):
    """The configuration is missing, malformed or inconsistent; exit code 2."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        if problems:
            self.problems = problems
        #: the settings read in spite of the problems (a ``Settings``), to record and alert
        self.partial: Any = None


class InputFileError(PaytraceAbasError):
    """An input file is missing or malformed; the message names file, line and field; exit 2."""


class MoneyError(PaytraceAbasError):
    """A text is not an exact amount of money in cents."""


class SourceError(PaytraceAbasError):
    """An external system (PayTrace, abas) failed or answered nonsense; exit code 1."""


class TransientSourceError(SourceError):
    """A failure worth retrying: timeout, connection reset, 5xx, 429, locked record."""


class MaybeCommittedError(TransientSourceError):
    """A send whose answer was lost (timeout, dropped connection, gateway error): abas may
    still commit it, so it is asked again only after ``[abas] commit_grace_seconds``."""


class TokenRejectedError(SourceError):
    """PayTrace answered 401 or ``invalid_token``: authenticate again, once.

    ``token`` is the rejected token, so that a session forgets only that one.
    """

    def __init__(self, message: str, token: object) -> None:
        super().__init__(message)
        self.token = token


class GaveUpError(TransientSourceError):
    """Retries are exhausted; an enclosing retry loop must not start over."""


class ThrottledError(TransientSourceError):
    """HTTP 429; ``retry_after`` is PayTrace's requested wait in seconds, if it named one."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PostingRejectedError(SourceError):
    """abas refused a posting for a reason retrying will not fix; it goes to dead letters."""


class MissingObjectError(PostingRejectedError):
    """abas does not know the record a call named (``MISSING_OBJECT``): no retry will help."""


class ReadBackMismatchError(PostingRejectedError):
    """abas committed a receipt but shows another open amount than expected afterwards."""

    def __init__(self, message: str, document: str) -> None:
        super().__init__(message)
        self.document = document


class AbasAccessError(ConfigError):
    """abas refused the credentials or the user's rights; fixed in configuration; exit code 2."""


class LedgerError(PaytraceAbasError):
    """The ledger file cannot be used (newer schema, corrupt, not writable); exit code 1."""


class StateError(PaytraceAbasError):
    """A posting was asked to make a transition the state machine does not allow (a bug)."""


class LockedError(PaytraceAbasError):
    """Another run holds the run lock; exit code 4."""

    #: the pid written into the lock file by its holder, and since when (epoch seconds) it holds it
    holder_pid: int | None = None
    held_since: float | None = None


class ResolutionError(InputFileError):
    """A clerk's decisions in a workbook do not hold; one problem per bad row; exit code 2."""

    def __init__(self, problems: list[str], parts: Sequence[tuple[Any, str, Any]] = ()) -> None:
        super().__init__("\n".join(problems))
        self.problems = [mask_pans(problem) for problem in problems]
        #: each problem as (location values, English template, values), for wording it in
        #: the clerk's language (commands/resolve.py)
        self.parts = tuple(parts)
