# tiersim — every target sets up what it needs (uv, Python 3.12, the locked environment).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY312 := $(shell bash .ci/find-python 2>/dev/null)
VENV := .venv
export UV_PYTHON := $(PY312)
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: help setup run test check test-all slow lint bench clean-outputs viz sensitivity

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' Makefile | sed 's/:.*##/\t/'

# --compile-bytecode: imports stay fast where PYTHONDONTWRITEBYTECODE is set
$(VENV)/.synced: pyproject.toml uv.lock
	@bash .ci/ensure-uv
	uv sync --frozen --compile-bytecode --python "$(PY312)"
	@touch $@

setup: $(VENV)/.synced  ## install the locked environment into .venv, and the page's front-end assets
	@$(VENV)/bin/python -m experiments.tools.assets

# options and Hydra overrides for make run, e.g. make run ARGS="--seeds 10 org.handoff.context_loss_p=0.6"
ARGS ?=

run: setup  ## the main job: tiered vs generalist on paired seeds, with a verdict -> outputs/compare/ (ARGS="--seeds 10 key=value ...")
	$(VENV)/bin/python -m experiments.compare $(ARGS)

sensitivity: setup  ## what would you have to believe? sensitivity of the verdict (ARGS="--quick" first)
	$(VENV)/bin/python -m experiments.sensitivity $(ARGS)

test: setup  ## the default test suite (fast; slow validation excluded)
	$(VENV)/bin/python -m pytest -q

# tiers (tests/conftest.py): unit + model, slow tests excluded; under 2 minutes on 2 cores
check: setup  ## quick check while working: the unit and model test tiers (not slow)
	$(VENV)/bin/python -m pytest -q -m "(unit or model) and not slow"

slow: setup  ## the slow statistical validation suite
	$(VENV)/bin/python -m pytest -q -m slow

test-all: setup  ## every test, slow ones included
	$(VENV)/bin/python -m pytest -q -m "slow or not slow"

# the layering rule is a test (tests/test_layering.py, in make test and make check)
lint: setup  ## ruff lint of model, agents, experiments and tests
	$(VENV)/bin/ruff check model agents experiments tests

bench: setup  ## throughput and memory benchmarks -> outputs/bench/
	$(VENV)/bin/python -m experiments.tools.bench

viz: setup  ## the browser page (tiersim-viz): prints its address
	$(VENV)/bin/tiersim-viz

clean-outputs:  ## delete everything under outputs/ except its README
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
