"""Pure matching of PayTrace payments with abas open items.

See docs/contract.md#categories and docs/matching.md.
"""

from paytrace_abas.matching.engine import invoice_numbers_in_play, match_payments
from paytrace_abas.matching.references import find_reference_tokens
from paytrace_abas.matching.summary import category_totals, hit_rate, payment_hit_rate

__all__ = [
    "category_totals",
    "find_reference_tokens",
    "hit_rate",
    "invoice_numbers_in_play",
    "match_payments",
    "payment_hit_rate",
]
