# Vigil: `make run` and `make test` each do all the set-up they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/demo-instance
# The demonstration instance holds only public demonstration data; its passphrase is no secret.
DEMO_PASSPHRASE ?= demonstration only

.PHONY: run test lint bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@if [ ! -f "$(DEMO_HOME)/vigil.db" ]; then \
		echo "Creating a demonstration instance in $(DEMO_HOME)"; \
		VIGIL_HOME="$(DEMO_HOME)" VIGIL_PASSPHRASE="$(DEMO_PASSPHRASE)" $(BIN)/vigil demo; \
	fi
	@VIGIL_HOME="$(DEMO_HOME)" VIGIL_PASSPHRASE="$(DEMO_PASSPHRASE)" $(BIN)/vigil overview

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.security
	$(BIN)/python -m benchmarks.web

# Gather the interface's strings and bring the Russian catalogue up to date with them.
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -k _ -k gettext -o src/vigil/web/locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --omit-header -i src/vigil/web/locale/messages.pot -d src/vigil/web/locale -l ru

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
