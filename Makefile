# Two commands set everything up on a fresh machine with Python 3.11+ and make:
#   make demo   creates .venv, installs cxtui, opens the app on the demo book
#   make test   creates .venv, installs cxtui with its test tools, runs every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cxtui --demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/load.py --size M

clean:
	rm -rf $(VENV) .pytest_cache
