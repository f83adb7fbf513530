# Every target creates the virtual environment it needs, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tokentrail demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

docs: $(STAMP)
	$(BIN)/python -m tokentrail.schema_doc --write README.md

bench: $(STAMP)
	$(BIN)/python bench/generic_ingest.py
	$(BIN)/python bench/claude_code.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
