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
	@echo "make test-nlu        the NLU dev set report; test-stories, validate, test-rasa-plugins: single steps"
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
	@PYTHONPATH=$(CURDIR) .venv/bin/lint-imports --no-cache
	@bash scripts/test-widget.sh
	@PYTHONPATH=$(CURDIR) $(APP) -m pytest -q -m "not stack and not browser and not soak and not bench"

# Single steps of `make test`, for working on one part.
RASA_SERVE := PYTHONPATH=$(CURDIR) .venv-rasa/bin/python -m rasa_plugins.serve

test-rasa-plugins: setup
	@PYTHONPATH=$(CURDIR) .venv-rasa/bin/python -m unittest discover -s tests/rasa_plugins -t .

validate: setup
	@$(RASA_SERVE) data validate --fail-on-warnings --config config.yml --domain domain.yml --data data/nlu data/stories

test-stories: train
	@$(RASA_SERVE) test core --model "$$($(APP) -m bot.model --print)" --stories tests/stories --fail-on-prediction-errors --out results/core

# The NLU dev set: intent accuracy, macro F1, weak intents, and every crisis example recognised.
test-nlu: train
	@$(RASA_SERVE) test nlu --model "$$($(APP) -m bot.model --print)" --nlu tests/nlu_dev --out results/nlu
	@PYTHONPATH=$(CURDIR) $(APP) -m tests.nlu_report results/nlu

# The widget's parts that need no browser, under Node's own test runner (Node 20+, no npm packages).
test-widget:
	@bash scripts/test-widget.sh

lint: setup
	@$(APP) -m ruff check .
	@$(APP) -m ruff format --check .
	@$(APP) -m mypy
	@PYTHONPATH=$(CURDIR) .venv/bin/lint-imports --no-cache

guard:
	@bash scripts/guard-committed-files.sh

lock:
	@bash scripts/lock.sh

clean:
	rm -rf models results .pytest_cache .mypy_cache .ruff_cache
