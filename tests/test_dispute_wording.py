"""A dispute's alert line and reason start in the clerk's language (report/disputes.py)."""

from __future__ import annotations

from paytrace_abas.report.disputes import Dispute, dispute_line, with_dispute_status


def test_a_dispute_line_in_english_and_german() -> None:
    known = Dispute("2026-0142", "open", "512330107", "70001", ("400101",))
    assert dispute_line(known, 124_850, "USD", "en", "en_US") == (
        "chargeback 2026-0142 (open) disputes payment 512330107 of customer 70001, "
        "invoice 400101, amount 1,248.50 USD"
    )
    assert dispute_line(known, 124_850, "USD", "de", "de_DE") == (
        "Rückbuchung 2026-0142 (offen) bestreitet Zahlung 512330107 von Debitor 70001, "
        "Rechnung 400101, Betrag 1.248,50 USD"
    )
    lost = Dispute("2026-0143", "lost", None, "", ())
    assert dispute_line(lost, 21_200, "USD", "de", "de_DE") == (
        "Rückbuchung 2026-0143 (verloren) bestreitet Zahlung unbekannt von Debitor unbekannt, "
        "Rechnung unbekannt, Betrag 212,00 USD"
    )


def test_a_disputed_reason_starts_with_the_disputes_state() -> None:
    assert with_dispute_status("Undoes payment 1.", "won", "en") == (
        "Dispute won: the money comes back. Undoes payment 1."
    )
    assert with_dispute_status("Undoes payment 1.", "", "de") == "Undoes payment 1."
