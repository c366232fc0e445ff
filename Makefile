# Vigil: `make run` and `make test` each do all the set-up they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/demo-instance
PORT ?= 8000
# htmx comes from its npm package at build time, pinned and checked; Vigil serves its own copy.
HTMX_VERSION := 2.0.11
HTMX_SHA256 := d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
HTMX := src/vigil/web/static/htmx.min.js

.PHONY: run test lint bench messages clean

$(STAMP): pyproject.toml | $(HTMX)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(HTMX):
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && \
		tar xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js); \
	echo "$(HTMX_SHA256)  $$tmp/package/dist/htmx.min.js" | sha256sum --check --quiet; \
	cp "$$tmp/package/dist/htmx.min.js" $@

# Serve the demonstration home; the first time, the server prints a one-time set-up link.
run: $(STAMP)
	VIGIL_HOME="$(DEMO_HOME)" $(BIN)/vigil serve --port $(PORT) --offer-demo

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
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -k _ -k gettext:2 -k N_ -o src/vigil/web/locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --omit-header -i src/vigil/web/locale/messages.pot -d src/vigil/web/locale -l ru

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
