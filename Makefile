# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make demo   creates .venv, installs cxtui, opens the app on the demo book
#   make test   creates .venv, installs cxtui with its test tools, runs every test
#
# Two stamps say what .venv holds: $(APP_STAMP) the app, $(TEST_STAMP) the app and
# its test tools. Each is remade when pyproject.toml changes; `make demo` after
# `make test` installs nothing (the test install includes the app), and `make test`
# after `make demo` adds the test tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench clean

$(BIN)/python:
	@echo "== creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "== upgrading pip"
	$(BIN)/pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing cxtui and what it needs (textual, polars, SQLAlchemy...): about a minute the first time"
	$(BIN)/pip install --progress-bar on -e .
	touch $(APP_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "== installing cxtui with its test tools (pytest, ruff, import-linter...)"
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $(APP_STAMP) $(TEST_STAMP)

demo: $(APP_STAMP)
	@echo "== opening cxtui on a fresh copy of the demo book"
	$(BIN)/cxtui --demo

test: $(TEST_STAMP)
	@echo "== ruff"
	$(BIN)/ruff check .
	@echo "== import contracts"
	$(BIN)/lint-imports
	@echo "== the test suite"
	$(BIN)/pytest -n auto --dist worksteal

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(APP_STAMP)
	$(BIN)/python benchmarks/load.py --size M

clean:
	rm -rf $(VENV) .pytest_cache
