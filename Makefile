# One virtual environment under .venv, made on first use; every target depends on it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DATE := 2026-11-25
# The day before, posted to the demo's file sink first: the sample day refunds a payment of it.
DEMO_EARLIER := 2026-11-24

.PHONY: demo test quick test-stress lint typecheck deadcode unit bench clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Twice in a row posts nothing twice: the ledger knows the earlier day's receipts.
demo: $(STAMP)
	$(BIN)/paytrace-abas --config config/demo.toml -q reconcile --date $(DEMO_EARLIER) --out out/
	$(BIN)/paytrace-abas --config config/demo.toml reconcile --date $(DEMO_DATE) --dry-run --out out/
	@# the same day as --format json (batches, deposits: docs/settlement.md), for scripts
	$(BIN)/paytrace-abas --config config/demo.toml reconcile --date $(DEMO_DATE) --dry-run --out out/ \
		--format json > out/demo-$(DEMO_DATE).json
	@echo "JSON: out/demo-$(DEMO_DATE).json"
	$(BIN)/python sample_data/clerk_decision.py out/
	$(BIN)/paytrace-abas --config config/demo.toml customers

# Message catalogs (docs/i18n.md): extract the marked texts, merge them into every language's
# .po (new ones untranslated, gone ones dropped), compile the .mo files the package ships.
LOCALE := paytrace_abas/locale
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header \
		--add-comments=TRANSLATORS: --no-default-keywords \
		-k N_ -k NC_:1c,2 -k NP_:1,2 -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages \
		--no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel compile -d $(LOCALE) -D messages

lint: $(STAMP)
	$(BIN)/ruff check paytrace_abas tests bench
	$(BIN)/ruff format --check paytrace_abas tests bench

typecheck: $(STAMP)
	$(BIN)/mypy paytrace_abas tests

# Code nothing uses; paths and the names frameworks call are in pyproject.toml [tool.vulture].
deadcode: $(STAMP)
	$(BIN)/vulture

unit: $(STAMP)
	$(BIN)/pytest -n auto

test: lint typecheck deadcode unit

# The same checks without the long trials (crash trials, property runs, LibreOffice rendering):
# for the edit-test loop; `make test` still runs everything before a commit lands.
quick: lint typecheck deadcode
	$(BIN)/pytest -n auto -m "not slow"

# The suite three times in a row on a busy machine: two CPU-bound processes compete for the
# cores the whole time. A test that passes only on an idle machine fails here. The trap stops
# both processes however the runs end (a failure, Ctrl-C).
STRESS_RUNS := 3
test-stress: $(STAMP)
	@$(PYTHON) -c 'while True: pass' & first=$$!; \
	$(PYTHON) -c 'while True: pass' & second=$$!; \
	trap 'kill $$first $$second 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	echo "test-stress: load processes $$first and $$second started"; \
	for run in $$(seq $(STRESS_RUNS)); do \
		echo "test-stress: run $$run of $(STRESS_RUNS) under load"; \
		$(BIN)/pytest -n auto || { echo "test-stress: run $$run FAILED"; exit 1; }; \
	done; \
	echo "test-stress: all $(STRESS_RUNS) runs passed under load"

# The benchmarks' reference implementations (DuckDB) are a bench-only dependency.
$(VENV)/.bench-stamp: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@

bench: $(VENV)/.bench-stamp
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
