# Two commands on a fresh machine: `make demo` and `make test` (each creates .venv).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)  ## Score the shipped quarter of sample activity with the default rules.
	$(VENV)/bin/engagement validate engagement/rules/default.yaml
	$(VENV)/bin/engagement simulate samples/actions.jsonl --members samples/members.jsonl

test: $(STAMP)  ## The whole test suite, SQLite and PostgreSQL.
	$(PY) -m pytest -q

lint: $(STAMP)  ## ruff and mypy --strict.
	$(VENV)/bin/ruff check engagement tests bench samples demo_app
	$(VENV)/bin/ruff format --check engagement tests bench samples demo_app
	$(VENV)/bin/mypy

bench: $(STAMP)  ## Benchmarks beside their naive baselines; writes docs/performance.md.
	$(PY) -m bench.run
	$(PY) -m bench.engine_v2 --write
	$(PY) -m bench.api --write

load: $(STAMP)  ## The demo under gunicorn (2, then 4 workers) on PostgreSQL, 60 s each, checked.
	$(PY) -m bench.load --workers 2 4 --seconds 60 --profile --write

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
