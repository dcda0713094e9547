# The single entry point. Every target creates what it needs (virtual environment, dependencies,
# generated code) by itself, so a fresh clone needs only `make run` or `make test`.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

.PHONY: venv
venv: $(STAMP) ## Create the virtual environment with every dependency

.PHONY: test
test: $(STAMP) ## Run the test suite
	$(PY) -m pytest

.PHONY: verify
verify: $(STAMP) ## Verify the kernel three ways (contracts, properties, exhaustive) plus known-bad kernels and mutation
	$(PY) -m specs.verify

.PHONY: bench-kernel
bench-kernel: $(STAMP) ## Benchmark the kernel in-process with contracts off (python -O)
	$(PY) -O -m bench.kernel_plan

.PHONY: lint
lint: $(STAMP) ## Static checks: ruff, mypy strict, import-linter
	$(BIN)/ruff check .
	$(BIN)/mypy kernel server clients tests specs
	$(BIN)/lint-imports

.PHONY: check
check: lint test verify ## Everything CI runs
