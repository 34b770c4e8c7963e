"""Pure matching of PayTrace payments with abas open items (DESIGN §5, docs/matching.md)."""

from paytrace_abas.matching.engine import match_payments
from paytrace_abas.matching.references import find_reference_tokens
from paytrace_abas.matching.summary import category_totals, hit_rate

__all__ = ["category_totals", "find_reference_tokens", "hit_rate", "match_payments"]
