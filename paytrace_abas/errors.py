"""Exception hierarchy: one root, subclasses named for what the caller should do."""

from __future__ import annotations

from typing import Any


class PaytraceAbasError(Exception):
    """Root of every error this package raises on purpose."""

    #: the ledger run that recorded (and alerted) this failure, once one has
    run_id: str | None = None


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


class PostingRejectedError(SourceError):
    """abas refused a posting for a reason retrying will not fix; it goes to dead letters."""


class LockedError(PaytraceAbasError):
    """Another run holds the run lock; exit code 4."""

    #: the pid written into the lock file by its holder, and since when (epoch seconds) it holds it
    holder_pid: int | None = None
    held_since: float | None = None


class ResolutionError(InputFileError):
    """A clerk's decisions in a workbook do not hold; one problem per bad row; exit code 2."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
