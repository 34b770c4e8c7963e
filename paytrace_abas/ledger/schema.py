"""Ledger schema migrations: (version, statements), applied in order, each in one transaction.

Never edit a released migration; append a new one. ``store.py`` runs them.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, tuple[str, ...]]] = [
    (
        1,
        (
            """CREATE TABLE runs (
                run_id TEXT PRIMARY KEY,
                command TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                window_from TEXT,
                window_to TEXT,
                dry_run INTEGER NOT NULL DEFAULT 0,
                parameters TEXT NOT NULL DEFAULT '{}',
                input_hash TEXT,
                counts TEXT NOT NULL DEFAULT '{}',
                status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
                exit_code INTEGER,
                workbook_path TEXT,
                plan_path TEXT,
                pid INTEGER
            )""",
            """CREATE TABLE postings (
                transaction_id TEXT PRIMARY KEY,
                run_id TEXT NOT NULL REFERENCES runs (run_id),
                customer_no TEXT NOT NULL,
                currency TEXT NOT NULL,
                paid_on TEXT NOT NULL,
                account TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                discount_cents INTEGER NOT NULL,
                state TEXT NOT NULL
                    CHECK (state IN ('planned', 'sending', 'posted', 'failed', 'dead_letter')),
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                document TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX postings_state ON postings (state)",
            """CREATE TABLE posting_lines (
                transaction_id TEXT NOT NULL REFERENCES postings (transaction_id),
                invoice_no TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                discount_cents INTEGER NOT NULL,
                open_cents INTEGER,
                PRIMARY KEY (transaction_id, invoice_no)
            )""",
            "CREATE INDEX posting_lines_invoice ON posting_lines (invoice_no)",
            """CREATE TABLE posting_events (
                id INTEGER PRIMARY KEY,
                transaction_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                from_state TEXT,
                to_state TEXT NOT NULL,
                at TEXT NOT NULL,
                detail TEXT
            )""",
            "CREATE INDEX posting_events_run ON posting_events (run_id)",
            """CREATE TABLE dead_letters (
                id INTEGER PRIMARY KEY,
                transaction_id TEXT NOT NULL REFERENCES postings (transaction_id),
                run_id TEXT NOT NULL,
                error TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                resolved_at TEXT,
                resolved_run_id TEXT
            )""",
            """CREATE TABLE watermarks (
                name TEXT PRIMARY KEY,
                day TEXT NOT NULL,
                run_id TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            """CREATE TABLE exceptions (
                transaction_id TEXT PRIMARY KEY,
                category TEXT NOT NULL,
                reason TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                first_run_id TEXT NOT NULL,
                last_run_id TEXT NOT NULL,
                resolved_run_id TEXT
            )""",
        ),
    ),
    (
        2,
        (
            # What each reconcile run decided per transaction: the period report's input.
            """CREATE TABLE run_items (
                run_id TEXT NOT NULL REFERENCES runs (run_id),
                transaction_id TEXT NOT NULL,
                day TEXT NOT NULL,
                category TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                card_type TEXT NOT NULL,
                batch_number INTEGER,
                invoice_nos TEXT NOT NULL DEFAULT '[]',
                reason TEXT NOT NULL,
                PRIMARY KEY (run_id, transaction_id)
            )""",
            "CREATE INDEX run_items_day ON run_items (day)",
            # A clerk's decision from the workbook, once ``apply`` accepted it.
            """CREATE TABLE decisions (
                transaction_id TEXT PRIMARY KEY,
                run_id TEXT NOT NULL REFERENCES runs (run_id),
                plan_run_id TEXT NOT NULL,
                action TEXT NOT NULL,
                resolution TEXT NOT NULL,
                note TEXT NOT NULL,
                place TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )""",
            # Write-offs no sink can post: the clerk books them by hand in abas.
            """CREATE TABLE manual_bookings (
                transaction_id TEXT PRIMARY KEY REFERENCES decisions (transaction_id),
                run_id TEXT NOT NULL REFERENCES runs (run_id),
                counter_account TEXT NOT NULL,
                gl_account TEXT NOT NULL,
                customer_no TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                currency TEXT NOT NULL,
                paid_on TEXT NOT NULL,
                note TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
        ),
    ),
    (
        3,
        (
            # A run lock held too long by a live process is alerted once per holder
            # ("pid N since T"), however many later runs find it held.
            """CREATE TABLE lock_alerts (
                holder TEXT PRIMARY KEY,
                run_id TEXT NOT NULL,
                alerted_at TEXT NOT NULL
            )""",
        ),
    ),
    (
        4,
        (
            # A run reads only its own payments and the invoices in play (docs/posting.md,
            # "What a run reads from the ledger"): every such read seeks one of these.
            "CREATE INDEX postings_run ON postings (run_id)",
            "CREATE INDEX postings_paid_on ON postings (paid_on)",
            "CREATE INDEX posting_events_transaction ON posting_events (transaction_id)",
            "CREATE INDEX runs_started ON runs (started_at)",
            "CREATE INDEX run_items_transaction ON run_items (transaction_id)",
            "CREATE INDEX run_items_category ON run_items (run_id, category)",
            "CREATE INDEX decisions_run ON decisions (run_id)",
            "CREATE INDEX manual_bookings_run ON manual_bookings (run_id)",
            "CREATE INDEX manual_bookings_paid_on ON manual_bookings (paid_on)",
            # Partial indexes: only what is still open, however long the history.
            "CREATE INDEX exceptions_open ON exceptions (first_run_id, transaction_id)"
            " WHERE resolved_run_id IS NULL",
            "CREATE INDEX dead_letters_open ON dead_letters (transaction_id)"
            " WHERE resolved_at IS NULL",
        ),
    ),
    (
        5,
        (
            # Every plan a run wrote (kind "run") and every plan resolve checked ("resolved
            # <digest>"): apply accepts only these, less removed postings.
            """CREATE TABLE recorded_plans (
                run_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                plan TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                PRIMARY KEY (run_id, kind)
            )""",
            # The card type a receipt's counter account was chosen by: a retry chooses again.
            "ALTER TABLE postings ADD COLUMN card_type TEXT NOT NULL DEFAULT ''",
        ),
    ),
    (
        6,
        (
            # Every PayTrace day a run pulled over the API and how many records it answered:
            # a day answered empty is recorded as such, not mistaken for a day never pulled.
            """CREATE TABLE pulled_days (
                run_id TEXT NOT NULL,
                day TEXT NOT NULL,
                records INTEGER NOT NULL,
                pulled_at TEXT NOT NULL,
                PRIMARY KEY (run_id, day)
            )""",
        ),
    ),
    (
        7,
        (
            # A recurring schedule's declined or missing charge is alerted once per due day,
            # however often the day is reconciled again (docs/customers.md#recurring-billing).
            """CREATE TABLE recurring_alerts (
                schedule_id TEXT NOT NULL,
                due_on TEXT NOT NULL,
                status TEXT NOT NULL,
                run_id TEXT NOT NULL,
                alerted_at TEXT NOT NULL,
                PRIMARY KEY (schedule_id, due_on)
            )""",
        ),
    ),
    (
        8,
        (
            # A clerk's decision a later one replaced (``revise``), with the write-off it had
            # listed to book by hand (JSON, or NULL): the ledger keeps both decisions.
            """CREATE TABLE superseded_decisions (
                id INTEGER PRIMARY KEY,
                transaction_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                plan_run_id TEXT NOT NULL,
                action TEXT NOT NULL,
                resolution TEXT NOT NULL,
                note TEXT NOT NULL,
                place TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                manual_booking TEXT,
                superseded_run_id TEXT NOT NULL,
                superseded_at TEXT NOT NULL
            )""",
            "CREATE INDEX superseded_decisions_transaction"
            " ON superseded_decisions (transaction_id)",
        ),
    ),
    (
        9,
        (
            # The money trail (docs/money-trail.md). Who paid what and when, per PayTrace
            # transaction a run saw: a later refund or void finds the sale it undoes here,
            # through the payer's keys and a bounded range of days.
            """CREATE TABLE payment_keys (
                transaction_id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                day TEXT NOT NULL,
                customer_ref TEXT NOT NULL,
                card_last4 TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                run_id TEXT NOT NULL
            )""",
            "CREATE INDEX payment_keys_customer ON payment_keys (customer_ref, day)",
            "CREATE INDEX payment_keys_card ON payment_keys (card_last4, day)",
            # Every processor dispute file a posting run read from [paytrace] chargebacks_dir,
            # by content: a moved or renamed copy is not read twice, an edited one is new.
            """CREATE TABLE chargeback_files (
                content_hash TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                run_id TEXT NOT NULL,
                read_at TEXT NOT NULL
            )""",
            "CREATE INDEX chargeback_files_name ON chargeback_files (name)",
            # Each dispute (processor case) and where it stands: open, won or lost.
            """CREATE TABLE disputes (
                case_number TEXT PRIMARY KEY,
                transaction_id TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                disputed_on TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'won', 'lost')),
                first_run_id TEXT NOT NULL,
                last_run_id TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
        ),
    ),
    (
        10,
        (
            # A settlement's bookings (bank deposit, processor fee) no sink can post: proposed
            # by every run that pairs a batch (``planned_run_id``), listed to book by hand
            # once, by the posting run or ``apply`` that accepts them (``run_id``).
            """CREATE TABLE settlement_bookings (
                booking_id TEXT PRIMARY KEY,
                planned_run_id TEXT NOT NULL,
                run_id TEXT REFERENCES runs (run_id),
                counter_account TEXT NOT NULL,
                gl_account TEXT NOT NULL,
                amount_cents INTEGER NOT NULL,
                currency TEXT NOT NULL,
                booked_on TEXT NOT NULL,
                note TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX settlement_bookings_planned ON settlement_bookings (planned_run_id)",
            "CREATE INDEX settlement_bookings_run ON settlement_bookings (run_id)",
            "CREATE INDEX settlement_bookings_booked_on ON settlement_bookings (booked_on)",
        ),
    ),
    (
        11,
        (
            # Links a clerk's `assign` taught: PayTrace customer -> abas customer, with where
            # the decision came from (docs/customers.md#links-learned-from-the-clerk).
            """CREATE TABLE customer_links (
                paytrace_customer_id TEXT PRIMARY KEY,
                customer_no TEXT NOT NULL,
                run_id TEXT NOT NULL,
                plan_run_id TEXT NOT NULL,
                transaction_id TEXT NOT NULL,
                place TEXT NOT NULL,
                note TEXT NOT NULL,
                linked_at TEXT NOT NULL
            )""",
            # Who paid each exception of a run (the PayTrace customer id), so that apply knows
            # whom a clerk's decision links: the plan holds abas customers only.
            """CREATE TABLE payment_payers (
                transaction_id TEXT PRIMARY KEY,
                paytrace_customer_id TEXT NOT NULL,
                run_id TEXT NOT NULL
            )""",
            # abas customers created for PayTrace profiles: "sending" is written before the
            # request, so a rerun after a crash asks abas instead of creating a second one.
            """CREATE TABLE customer_creations (
                paytrace_customer_id TEXT PRIMARY KEY,
                state TEXT NOT NULL CHECK (state IN ('sending', 'created')),
                customer_no TEXT NOT NULL DEFAULT '',
                run_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            # "abas-only customers with card payments" asks the postings by customer.
            "CREATE INDEX postings_customer ON postings (customer_no)",
        ),
    ),
]
