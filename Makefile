# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MO := kb/translations/id/LC_MESSAGES/messages.mo
PO := kb/translations/id/LC_MESSAGES/messages.po
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format translations extract-messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,semantic]'
	touch $(STAMP)

$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy --statistics -d kb/translations

translations: $(MO)

run: $(STAMP) $(MO)
	$(BIN)/kb db upgrade
	$(BIN)/kb index
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(MO)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the message catalogue after changing user-visible text.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o kb/translations/messages.pot .
	$(BIN)/pybabel update -i kb/translations/messages.pot -d kb/translations

clean:
	rm -rf $(VENV) search_index instance .pytest_cache .ruff_cache .hypothesis
