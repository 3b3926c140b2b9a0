# Convener: `make run` serves it on SQLite at http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint lock fakeproviders bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

run: $(VENV)/.installed
	$(BIN)/convener migrate --verbosity 0
	$(BIN)/convener createadmin --if-none
	$(BIN)/convener serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy convener fakeproviders bench tests
	$(BIN)/python -m django makemigrations --check --dry-run --settings convener.settings >/dev/null

# Every benchmark in bench/README.md, one after the other, each printing its figures against
# its target; one alone: `make bench BENCH=fanout`. They take minutes, not seconds.
BENCH ?= timeplan plan_command time_to_invitation bulk_memory csv_import fanout contact_list segments preview
bench: $(VENV)/.installed
	for name in $(BENCH); do $(BIN)/python bench/bench_$$name.py || exit 1; done

# The fake Google, Microsoft and Zoom (development tooling, not in the wheel): prints the
# exports that point `make run` at them. Other ports: `make fakeproviders FAKES_PORT=9101`.
FAKES_PORT ?= 8101
fakeproviders: $(VENV)/.installed
	$(BIN)/python -m fakeproviders --base-port $(FAKES_PORT)

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	( echo '# Every package, pinned: runtime and test. Regenerate with `make lock` after changing pyproject.toml.'; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^convener' ) > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
