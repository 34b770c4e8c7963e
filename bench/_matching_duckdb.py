"""The matching passes in DuckDB SQL: the bench's yardstick for the pandas engine.

Same passes, same inputs, same outputs (one row per payment with category, rule, invoices,
applied amounts, discount, difference and a reason), written the way one would in SQL: tokens
by regular expression, hash joins, window functions for "first payer wins". Global assignment
is resolved with window functions instead of rounds (the earliest fitting payment of an invoice
takes it), which gives the same outcome unless one payment's claim changes what a later
payment of the same invoices fits; the bench prints how many outcomes agree.
"""

from __future__ import annotations

import logging
import time

import duckdb
import pandas as pd

from paytrace_abas.config import MatchingSettings

log = logging.getLogger(__name__)

CARD_STATE = """
    CASE
      WHEN status = 'declined' THEN 'declined'
      WHEN status = 'auto_voided' OR status = 'voided' OR kind = 'void' THEN 'void'
      WHEN status = 'pending' OR kind = 'authorization' THEN 'pending'
      WHEN kind = 'refund' THEN 'refund'
      WHEN kind = 'chargeback' THEN 'chargeback'
    END
"""


def match_with_duckdb(
    payments: pd.DataFrame, open_items: pd.DataFrame, settings: MatchingSettings, threads: int = 2
) -> pd.DataFrame:
    """One result row per payment, in the payments' order."""
    con = duckdb.connect(config={"threads": threads})
    con.register("payments_in", payments)
    con.register("items_in", open_items)
    under, over = settings.under_tolerance_cents, settings.over_tolerance_cents
    prefixes = "|".join(settings.reference_prefixes)
    steps = [
        """CREATE TEMP TABLE pay AS
            SELECT row_number() OVER (ORDER BY created_at, transaction_id) - 1 AS pay,
                   row_number() OVER () - 1 AS input_row,
                   transaction_id, kind, status, amount_cents::BIGINT AS amount, currency,
                   paid_on::DATE AS paid_on, coalesce(paytrace_customer_id, '') AS payer,
                   invoice_ref, description, purchase_order
            FROM payments_in""",
        """CREATE TEMP TABLE item AS
            SELECT row_number() OVER () - 1 AS item, invoice_no, customer_no, currency,
                   open_cents::BIGINT AS open_cents, gross_cents::BIGINT AS gross_cents,
                   discount_bp::BIGINT AS discount_bp, discount_until::DATE AS discount_until,
                   invoice_date::DATE AS invoice_date
            FROM items_in""",
        f"""CREATE TEMP TABLE decided AS
            SELECT pay, {CARD_STATE} AS category, 'card_state' AS rule,
                   'Not money received: ' || {CARD_STATE} || '.' AS reason,
                   0::BIGINT AS difference
            FROM pay WHERE {CARD_STATE} IS NOT NULL""",
        # tokens: whole alphanumeric words, amounts and dates removed, optional glued prefix
        """CREATE TEMP TABLE word AS
            SELECT pay, field, unnest(regexp_extract_all(
                       regexp_replace(upper(text), '[0-9]+([.,][0-9]+)+', ' ', 'g'),
                       '[0-9A-Z]+')) AS word
            FROM (
              SELECT pay, 1 AS field, invoice_ref AS text FROM pay
              UNION ALL SELECT pay, 2, description FROM pay
              UNION ALL SELECT pay, 3, purchase_order FROM pay
            ) t
            WHERE text <> '' AND pay NOT IN (SELECT pay FROM decided)""",
        f"""CREATE TEMP TABLE token AS
            SELECT pay, token, min(field) AS field FROM (
              SELECT pay, field, regexp_extract(word, '([0-9]+)$', 1) AS token FROM word
              WHERE regexp_full_match(word, '({prefixes})?[0-9]{{{settings.min_reference_length},}}')
            ) GROUP BY pay, token""",
        f"""CREATE TEMP TABLE named AS
            SELECT t.pay, t.token, i.item, i.open_cents > 0 AS is_open,
                   i.item IS NULL AND regexp_full_match(t.token, '{settings.invoice_pattern or "^$"}')
                     AS looks_like_invoice
            FROM token t LEFT JOIN item i ON i.invoice_no = t.token""",
        # reference: open named invoices per payment, compared with the amount
        """CREATE TEMP TABLE ref_cand AS
            SELECT n.pay, n.item, i.customer_no, i.currency AS item_currency, p.currency,
                   i.open_cents,
                   CASE WHEN i.discount_bp > 0 AND p.paid_on <= i.discount_until
                        THEN least((2 * i.gross_cents * i.discount_bp + 10000) // 20000, i.open_cents)
                        ELSE 0 END AS discount,
                   p.amount, p.payer, p.payer IN (SELECT customer_no FROM item) AS payer_known
            FROM named n JOIN item i USING (item) JOIN pay p USING (pay)
            WHERE n.is_open""",
        """CREATE TEMP TABLE ref_pay AS
            SELECT pay, any_value(amount) AS amount, count(*) AS n,
                   sum(open_cents) AS open_total, sum(discount) AS discount_total,
                   bool_or(payer_known AND customer_no <> payer) AS mismatch,
                   bool_or(item_currency <> currency) AS no_rate,
                   string_agg(item_currency, ', ') AS currencies
            FROM ref_cand GROUP BY pay""",
        f"""CREATE TEMP TABLE ref_judged AS
            SELECT *,
              CASE WHEN mismatch THEN 'customer_mismatch'
                   WHEN no_rate THEN 'currency_mismatch'
                   WHEN amount - open_total BETWEEN -{under} AND {over} THEN 'matched'
                   WHEN discount_total > 0
                        AND amount - (open_total - discount_total) BETWEEN -{under} AND {over}
                     THEN 'matched_discount'
                   WHEN amount < open_total THEN 'partial_payment'
                   ELSE 'overpayment' END AS verdict
            FROM ref_pay""",
        # first payer wins: a fitting payment takes its invoices unless an earlier one did
        """CREATE TEMP TABLE ref_claim AS
            SELECT c.pay, c.item, min(c.pay) OVER (PARTITION BY c.item) AS first_payer
            FROM ref_cand c JOIN ref_judged j USING (pay)
            WHERE j.verdict LIKE 'matched%'""",
        """CREATE TEMP TABLE ref_taken AS
            SELECT c.pay, bool_or(t.first_payer < c.pay) AS taken, string_agg(DISTINCT
                   (SELECT transaction_id FROM pay WHERE pay.pay = t.first_payer), ', ') AS by
            FROM ref_cand c JOIN (SELECT DISTINCT item, first_payer FROM ref_claim) t USING (item)
            GROUP BY c.pay""",
        """INSERT INTO decided
            SELECT j.pay,
              CASE WHEN coalesce(t.taken, false) AND j.verdict NOT IN ('customer_mismatch', 'currency_mismatch')
                     THEN 'duplicate'
                   WHEN j.verdict LIKE 'matched%' THEN 'matched' ELSE j.verdict END,
              CASE WHEN j.n > 1 THEN 'reference_multi' ELSE 'reference' END,
              CASE WHEN coalesce(t.taken, false) AND j.verdict NOT IN ('customer_mismatch', 'currency_mismatch')
                     THEN 'Invoice already paid by transaction ' || t.by || '.'
                   WHEN j.verdict = 'matched' THEN 'Names the invoice and pays its open amount.'
                   WHEN j.verdict = 'matched_discount' THEN 'Names the invoice and pays it less '
                        || printf('%.2f', j.discount_total / 100) || ' cash discount.'
                   WHEN j.verdict = 'partial_payment' THEN 'Pays ' || printf('%.2f', j.amount / 100)
                        || ' of ' || printf('%.2f', j.open_total / 100) || ' open.'
                   WHEN j.verdict = 'overpayment' THEN 'Pays ' || printf('%.2f', j.amount / 100)
                        || ' for ' || printf('%.2f', j.open_total / 100) || ' open.'
                   WHEN j.verdict = 'customer_mismatch' THEN 'Names an invoice of another customer.'
                   ELSE 'Paid in another currency than ' || j.currencies || '.' END,
              CASE WHEN j.verdict = 'matched_discount' THEN j.amount - j.open_total + j.discount_total
                   ELSE j.amount - j.open_total END
            FROM ref_judged j LEFT JOIN ref_taken t USING (pay)""",
        """CREATE TEMP TABLE links AS
            SELECT c.pay, c.item,
                   CASE WHEN d.category = 'matched' THEN c.open_cents -
                        CASE WHEN j.verdict = 'matched_discount' THEN c.discount ELSE 0 END
                   ELSE 0 END AS applied,
                   CASE WHEN d.category = 'matched' AND j.verdict = 'matched_discount'
                        THEN c.discount ELSE 0 END AS discount
            FROM ref_cand c JOIN decided d USING (pay) JOIN ref_judged j USING (pay)""",
        """INSERT INTO decided
            SELECT pay, 'invoice_not_open', 'reference',
                   'The payment names an invoice that is not open: ' || string_agg(token, ', ') || '.', 0
            FROM named
            WHERE pay NOT IN (SELECT pay FROM decided) AND (item IS NOT NULL OR looks_like_invoice)
            GROUP BY pay""",
        """INSERT INTO links
            SELECT pay, item, 0, 0 FROM named
            WHERE item IS NOT NULL AND NOT is_open
              AND pay IN (SELECT pay FROM decided WHERE category = 'invoice_not_open')""",
        # customer + amount: the payer's unclaimed open items that fit the amount
        """CREATE TEMP TABLE cust_cand AS
            SELECT p.pay, i.item, p.amount, i.open_cents, i.invoice_date, i.invoice_no,
                   i.open_cents - CASE WHEN i.discount_bp > 0 AND p.paid_on <= i.discount_until
                        THEN least((2 * i.gross_cents * i.discount_bp + 10000) // 20000, i.open_cents)
                        ELSE 0 END AS after,
                   i.item IN (SELECT item FROM links JOIN decided USING (pay)
                              WHERE category = 'matched') AS claimed
            FROM pay p JOIN item i ON i.customer_no = p.payer
            WHERE p.pay NOT IN (SELECT pay FROM decided) AND i.open_cents > 0
              AND i.currency = p.currency""",
        f"""CREATE TEMP TABLE cust_fit AS
            SELECT *, CASE WHEN amount - open_cents BETWEEN -{under} AND {over}
                             THEN abs(amount - open_cents)
                           WHEN after < open_cents AND amount - after BETWEEN -{under} AND {over}
                             THEN abs(amount - after) END AS gap
            FROM cust_cand""",
        """CREATE TEMP TABLE cust_best AS
            SELECT pay, item, gap, open_cents, after, amount, invoice_no,
                   count(*) OVER (PARTITION BY pay, gap) AS ties,
                   rank() OVER (PARTITION BY pay ORDER BY gap) AS place
            FROM cust_fit WHERE gap IS NOT NULL AND NOT claimed""",
        """CREATE TEMP TABLE cust_single AS
            SELECT *, min(pay) OVER (PARTITION BY item) AS first_payer
            FROM cust_best WHERE place = 1 AND ties = 1""",
        """INSERT INTO decided
            SELECT pay, CASE WHEN first_payer = pay THEN 'matched' ELSE 'duplicate' END,
                   'customer_amount',
                   CASE WHEN first_payer = pay
                        THEN 'No invoice named; pays the open amount of invoice ' || invoice_no || '.'
                        ELSE 'No invoice named; invoice ' || invoice_no || ' was already paid.' END,
                   amount - CASE WHEN abs(amount - open_cents) = gap THEN open_cents ELSE after END
            FROM cust_single""",
        """INSERT INTO links
            SELECT pay, item,
                   CASE WHEN first_payer = pay THEN
                        CASE WHEN abs(amount - open_cents) = gap THEN open_cents ELSE after END
                   ELSE 0 END,
                   CASE WHEN first_payer = pay AND abs(amount - open_cents) <> gap
                        THEN open_cents - after ELSE 0 END
            FROM cust_single""",
        """INSERT INTO decided
            SELECT pay, 'ambiguous', 'customer_amount',
                   'No invoice named; open items ' || string_agg(invoice_no, ', ' ORDER BY invoice_no)
                   || ' fit the amount equally well.', 0
            FROM cust_best WHERE place = 1 AND ties > 1 GROUP BY pay""",
        """INSERT INTO links SELECT pay, item, 0, 0 FROM cust_best WHERE place = 1 AND ties > 1""",
        """INSERT INTO decided
            SELECT pay, 'duplicate', 'customer_amount',
                   'No invoice named; the fitting invoice ' || min(invoice_no) || ' was already paid.', 0
            FROM cust_fit WHERE gap IS NOT NULL AND claimed AND pay NOT IN (SELECT pay FROM decided)
            GROUP BY pay""",
        """INSERT INTO links
            SELECT pay, min(item), 0, 0 FROM cust_fit
            WHERE gap IS NOT NULL AND claimed AND pay NOT IN (SELECT pay FROM links)
              AND pay IN (SELECT pay FROM decided WHERE category = 'duplicate') GROUP BY pay""",
    ]
    for step in steps:
        started = time.perf_counter()
        con.execute(step)
        log.debug("%.3fs %s", time.perf_counter() - started, " ".join(step.split())[:70])
    _exact_sum_sets(con, settings)
    con.execute(
        """INSERT INTO decided
           SELECT pay, 'unmatched', 'none', 'No invoice named and no open item fits the amount.', 0
           FROM pay WHERE pay NOT IN (SELECT pay FROM decided)"""
    )
    return con.execute(
        """SELECT p.transaction_id, d.category, d.rule,
                  coalesce(l.invoice_nos, []) AS invoice_nos,
                  coalesce(l.applied_cents, []) AS applied_cents,
                  p.amount AS amount_cents, coalesce(l.discount_cents, 0) AS discount_cents,
                  d.difference AS difference_cents, d.reason
           FROM pay p JOIN decided d USING (pay)
           LEFT JOIN (
             SELECT pay, list(invoice_no ORDER BY invoice_date, invoice_no) AS invoice_nos,
                    list(applied ORDER BY invoice_date, invoice_no) AS applied_cents,
                    sum(discount)::BIGINT AS discount_cents
             FROM links JOIN item USING (item) GROUP BY pay
           ) l USING (pay)
           ORDER BY p.input_row"""
    ).df()


def _exact_sum_sets(con: duckdb.DuckDBPyConnection, settings: MatchingSettings) -> None:
    """Smallest sets of 2..N unclaimed items of the payer adding up to the amount."""
    under, over = settings.under_tolerance_cents, settings.over_tolerance_cents
    con.execute(
        f"""CREATE TEMP TABLE set_pool AS
            SELECT pay, item, amount, open_cents, after, invoice_date, invoice_no,
                   row_number() OVER (PARTITION BY pay ORDER BY invoice_date, invoice_no) AS r
            FROM cust_fit
            WHERE pay NOT IN (SELECT pay FROM decided) AND NOT claimed AND after <= amount + {over}
              AND pay IN (SELECT pay FROM cust_fit WHERE NOT claimed GROUP BY pay
                          HAVING count(*) BETWEEN 2 AND {settings.max_items_for_set_search})"""
    )
    con.execute(
        """CREATE TEMP TABLE level AS
           SELECT pay, amount, r AS last, open_cents AS total, after, [item] AS members,
                  [invoice_date] AS days FROM set_pool"""
    )
    for _ in range(2, settings.max_invoices_per_payment + 1):
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE level AS
                SELECT l.pay, l.amount, s.r AS last, l.total + s.open_cents AS total,
                       l.after + s.after AS after, list_append(l.members, s.item) AS members,
                       list_append(l.days, s.invoice_date) AS days
                FROM level l JOIN set_pool s ON s.pay = l.pay AND s.r > l.last
                WHERE l.after + s.after <= l.amount + {over}"""
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fitting AS
                SELECT *, CASE WHEN amount - total BETWEEN -{under} AND {over} THEN abs(amount - total)
                               ELSE abs(amount - after) END AS gap,
                          NOT (amount - total BETWEEN -{under} AND {over}) AS uses_discount
                FROM level
                WHERE amount - total BETWEEN -{under} AND {over}
                   OR (after < total AND amount - after BETWEEN -{under} AND {over})"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ranked AS
               SELECT *, row_number() OVER (PARTITION BY pay ORDER BY gap, days) AS place,
                      count(*) OVER (PARTITION BY pay, gap, days) AS ties
               FROM fitting"""
        )
        con.execute(
            """INSERT INTO decided
               SELECT pay, CASE WHEN ties = 1 THEN 'matched' ELSE 'ambiguous' END,
                      'customer_amount_set',
                      CASE WHEN ties = 1 THEN 'No invoice named; pays a set of the customer''s open items.'
                           ELSE 'No invoice named; several sets fit equally well.' END,
                      CASE WHEN ties = 1 THEN amount - CASE WHEN uses_discount THEN after ELSE total END
                           ELSE 0 END
               FROM ranked WHERE place = 1"""
        )
        con.execute(
            """INSERT INTO links
               SELECT r.pay, s.item,
                      CASE WHEN r.ties = 1 THEN CASE WHEN r.uses_discount THEN s.after ELSE s.open_cents END
                           ELSE 0 END,
                      CASE WHEN r.ties = 1 AND r.uses_discount THEN s.open_cents - s.after ELSE 0 END
               FROM (SELECT pay, unnest(members) AS item, ties, uses_discount FROM ranked
                     WHERE place = 1) r
               JOIN set_pool s ON s.pay = r.pay AND s.item = r.item"""
        )
        con.execute("DELETE FROM level WHERE pay IN (SELECT pay FROM fitting)")
