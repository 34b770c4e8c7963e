"""The retry-dead-letters command: post the dead letters (and a crashed run's leftovers) again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from paytrace_abas.abas.sink import check_sink
from paytrace_abas.commands._run import deliver_unfinished, finish_and_alert, recorded_run
from paytrace_abas.commands.inputs import open_ledger, utc_now
from paytrace_abas.config import Settings
from paytrace_abas.errors import EXIT_DEAD_LETTERS, EXIT_OK
from paytrace_abas.models import DeliveryReport, Outcome


@dataclass(frozen=True)
class RetryOutcome:
    """What ``retry-dead-letters`` did."""

    run_id: str
    delivery: DeliveryReport
    dead_letters: int
    exit_code: int


def retry_dead_letters(settings: Settings, now: dt.datetime | None = None) -> RetryOutcome:
    """Try every dead letter (and anything a crashed run left unfinished) once more."""
    started = now or utc_now()
    check_sink(settings.abas, settings.secrets)
    with (
        open_ledger(settings) as ledger,
        recorded_run(ledger, settings, started, "retry-dead-letters", None, False, {}) as run_id,
    ):
        delivery = deliver_unfinished(ledger, settings, run_id, include_dead_letters=True)
        dead_letters = ledger.count_in_state("dead_letter")
        exit_code = EXIT_DEAD_LETTERS if dead_letters else EXIT_OK
        counts = {
            "tried": len(delivery.outcomes),
            "posted_now": delivery.count(Outcome.POSTED),
            "found_in_abas": delivery.count(Outcome.FOUND),
            "dead_letters": dead_letters,
        }
        finish_and_alert(ledger, settings, run_id, "retry-dead-letters", exit_code, counts)
    return RetryOutcome(run_id, delivery, dead_letters, exit_code)
