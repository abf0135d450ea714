#!/usr/bin/env bash
# Every check, in order from fastest to slowest. `make test` runs this after setup; CI runs `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
APP=.venv/bin/python
RASA=".venv-rasa/bin/python -m rasa_plugins.serve"
mkdir -p results

step() { local name=$1; shift; echo; echo "==> $name"; local t=$SECONDS; "$@"; echo "    ($name: $((SECONDS - t)) s)"; }

step "system packages for the tests (Chromium, Redis, PostgreSQL)" bash scripts/install-test-deps.sh
step "guard against committed models, results, databases and secrets" bash scripts/guard-committed-files.sh
step "content pack check" $APP -m bot.cli content check
step "ruff" $APP -m ruff check .
step "ruff format" $APP -m ruff format --check .
step "mypy" $APP -m mypy
step "import contracts (process boundaries)" env PYTHONPATH="$PWD" .venv/bin/lint-imports --no-cache
step "web widget unit tests (Node)" bash scripts/test-widget.sh
step "Rasa-side unit tests (Rasa environment)" .venv-rasa/bin/python -m unittest discover -s tests/rasa_plugins -t . -v
step "validate training data" $RASA data validate --fail-on-warnings --config config.yml --domain domain.yml --data data/nlu data/stories
step "train if the training data changed" $APP -m bot.model
MODEL=$($APP -m bot.model --print)
step "test stories" $RASA test core --model "$MODEL" --stories tests/stories --fail-on-prediction-errors --out results/core
step "NLU dev set" $RASA test nlu --model "$MODEL" --nlu tests/nlu_dev --out results/nlu
step "NLU dev set report" $APP -m tests.nlu_report results/nlu
step "pytest (app environment; starts the stack for end-to-end tests)" $APP -m pytest
