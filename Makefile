# Two commands matter: `make run` and `make test`. Both set up whatever is missing first.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
APP := .venv/bin/python
RASA := .venv-rasa/bin/rasa

.PHONY: help setup train run chat studio test test-fast test-app test-rasa-plugins test-widget validate test-stories test-nlu lint content-check guard lock clean

help:
	@echo "make run    set up, train if the training data changed, start everything"
	@echo "make test   set up, train if needed, run every check"
	@echo "make test-fast   the quick tier: no stack, browser, soak or benchmark"
	@echo "make chat   a terminal chat with the running assistant"
	@echo "make content-check   validate and lint the content pack"
	@echo "make test-widget     the web widget's unit tests (Node, seconds)"
	@echo "make studio  the content studio for charity staff (docs/studio.md), on 127.0.0.1:8100"

setup:
	@bash scripts/setup.sh

train: setup
	@$(APP) -m bot.model

run: setup
	@$(APP) -m bot.supervisor

chat: setup
	@$(APP) -m bot.chat

# The content studio: its own process and port, never part of the gateway (docs/studio.md).
studio: setup
	@$(APP) -m bot.studio

content-check: setup
	@$(APP) -m bot.cli content check

test: setup
	@bash scripts/test.sh

# The edit-test loop: content check, lint, the widget's Node tests, and every pytest test that
# starts no stack, browser, soak or benchmark (a few minutes). `make test` still runs everything.
test-fast: setup
	@$(APP) -m bot.cli content check
	@$(APP) -m ruff check .
	@$(APP) -m mypy
	@bash scripts/test-widget.sh
	@PYTHONPATH=$(CURDIR) $(APP) -m pytest -q -m "not stack and not browser and not soak and not bench"

# The widget's parts that need no browser, under Node's own test runner (Node 20+, no npm packages).
test-widget:
	@bash scripts/test-widget.sh

lint: setup
	@$(APP) -m ruff check .
	@$(APP) -m ruff format --check .
	@$(APP) -m mypy

guard:
	@bash scripts/guard-committed-files.sh

lock:
	@bash scripts/lock.sh

clean:
	rm -rf models results .pytest_cache .mypy_cache .ruff_cache
