# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of extras: serving needs only the app (and semantic search),
# the tests add their tools, the documentation its own.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
DOCS_STAMP := $(VENV)/.installed-docs
NODE_STAMP := node_modules/.installed-stamp
MO := kb/translations/id/LC_MESSAGES/messages.mo
PO := kb/translations/id/LC_MESSAGES/messages.po
OPENAPI := build/openapi.json
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs on every core, each test file whole on one worker (its module
# fixtures, a browser or an app, are made once); PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: run test lint lint-api docs docs-serve format translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[semantic]'
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,semantic]'
	touch $@ $(RUN_STAMP)

$(DOCS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

# @redocly/cli, pinned in package.json/package-lock.json, into ./node_modules.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MO): $(PO) $(RUN_STAMP)
	$(BIN)/pybabel compile --use-fuzzy --statistics -d kb/translations

translations: $(MO)

run: $(RUN_STAMP) $(MO)
	$(BIN)/kb db upgrade
	$(BIN)/kb index
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(TEST_STAMP) $(MO)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The OpenAPI document of /api/v1 against Redocly's recommended rules.
lint-api: $(RUN_STAMP) $(NODE_STAMP)
	mkdir -p build
	$(BIN)/python -c "from kb.views.api.schemas import document_json; print(document_json())" > $(OPENAPI)
	node_modules/.bin/redocly lint --extends=recommended $(OPENAPI)

# The documentation site in site/ (reference pages generated from the code).
docs: $(DOCS_STAMP) $(RUN_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: $(DOCS_STAMP) $(RUN_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the message catalogue after changing user-visible text.
extract-messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o kb/translations/messages.pot .
	$(BIN)/pybabel update -i kb/translations/messages.pot -d kb/translations

clean:
	rm -rf $(VENV) search_index instance site build node_modules .pytest_cache .ruff_cache .hypothesis
