# The single entry point. Every target creates what it needs (virtual environment, dependencies,
# generated code) by itself, so a fresh clone needs only `make run` or `make test`.

# Set-up: uv (pinned, from PyPI) installs exactly what uv.lock says into $(VENV). `make run` needs only
# what serving needs; every other target adds the development tools. PYTHON is a version (3.11,
# 3.12, 3.13) or an interpreter's path; .ci/find-python finds or installs it.
PYTHON ?= 3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
UV_VERSION := 0.13.9
UV_HOME := .tools/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
LOCKED := pyproject.toml clients/python/pyproject.toml uv.lock
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV):
	@echo "== installing uv $(UV_VERSION) from PyPI into $(UV_HOME)"
	python3 -m pip install --disable-pip-version-check --root-user-action=ignore \
	  --no-warn-script-location --target $(UV_HOME) uv==$(UV_VERSION)

$(RUN_STAMP): $(LOCKED) | $(UV)
	@echo "== installing what serving needs into $(VENV) (uv.lock)"
	$(UV) sync --locked --no-dev --inexact --python "$$(.ci/find-python $(PYTHON))"
	@touch $@

$(STAMP): $(LOCKED) | $(UV)
	@echo "== installing the service and the development tools into $(VENV) (uv.lock)"
	$(UV) sync --locked --python "$$(.ci/find-python $(PYTHON))"
	@touch $@ $(RUN_STAMP)

.PHONY: venv
venv: $(STAMP) ## Create the virtual environment with every dependency (PYTHON=3.13 VENV=.venv-3.13 for another)

.PHONY: lock
lock: | $(UV) ## Update uv.lock after changing a dependency in a pyproject.toml (commit it)
	$(UV) lock
	$(UV) lock --project $(HEALTHCHAIN)

# What the tests run besides Python: Debian's chromium (the timeline rendered) and the npm
# validators of tests/clients/node (Medplum for FHIR R4, ical.js for iCalendar).
VALIDATORS := tests/clients/node
VALIDATORS_STAMP := $(VALIDATORS)/node_modules/.installed
TS := clients/typescript
TS_STAMP := $(TS)/node_modules/.installed

$(VALIDATORS_STAMP): $(VALIDATORS)/package.json $(VALIDATORS)/package-lock.json
	cd $(VALIDATORS) && npm ci --no-audit --no-fund
	@touch $@

# The independent CDS Hooks client of the tests (healthchain's sandbox client) has its own
# environment and lock: it needs older httpx and fhir.resources than the project pins.
HEALTHCHAIN := tests/cds_hooks/healthchain-client
HEALTHCHAIN_ENV := .tools/healthchain-client
HEALTHCHAIN_STAMP := $(HEALTHCHAIN_ENV)/.installed

$(HEALTHCHAIN_STAMP): $(HEALTHCHAIN)/pyproject.toml $(HEALTHCHAIN)/uv.lock | $(UV)
	@echo "== installing the healthchain CDS Hooks client into $(HEALTHCHAIN_ENV) ($(HEALTHCHAIN)/uv.lock)"
	UV_PROJECT_ENVIRONMENT=$(abspath $(HEALTHCHAIN_ENV)) $(UV) sync --locked --project $(HEALTHCHAIN) \
	  --python "$$(.ci/find-python $(PYTHON))"
	@touch $@

.PHONY: test-tools
test-tools: $(VALIDATORS_STAMP) $(TS_STAMP) $(HEALTHCHAIN_STAMP) ## Install what the tests use besides Python: chromium (Debian), the npm validators, the TypeScript package, the healthchain client
	@command -v chromium >/dev/null || { echo "== installing chromium (Debian)"; apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

.PHONY: test
test: $(STAMP) test-tools ## Run the test suite
	$(PY) -m pytest -m "not slow"

.PHONY: verify
verify: $(STAMP) ## Verify the kernel three ways (contracts, properties, exhaustive enumeration) and catch every known-bad kernel
	$(PY) -m specs.verification.verify --skip mutation

.PHONY: mutation
mutation: $(STAMP) ## Mutation testing of kernel/ (mutmut), gated on the score
	$(PY) -m specs.verification.verify --only mutation

.PHONY: cards
cards: $(STAMP) ## Regenerate the rule cards (specs/rules/) and the safety case from the code and the last verify (commit them)
	$(PY) -m specs.verification.cards

.PHONY: bench-kernel
bench-kernel: $(STAMP) ## Benchmark the kernel in-process with contracts off (python -O)
	$(PY) -O -m bench.kernel_plan

# --- Service performance and robustness ---------------------------------------------------------
SOAK_SECONDS ?= 600
FUZZ_INPUTS ?= 1000000
FUZZ_SEED ?= $(shell date +%s)

.PHONY: bench-tools
bench-tools: ## Install h2load and nghttp (Debian package nghttp2-client) if missing
	@command -v h2load >/dev/null && command -v nghttp >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client; }

.PHONY: bench
BENCH_CASES := plan-standard plan-neurological plan-bariatric check-standard check-neurological \
  check-bariatric course-standard course-neurological course-bariatric batch-plan-10 batch-plan-100

bench: $(STAMP) bench-tools ## gRPC server against an echo of its proto (every operation, batches, 2 workers), then CDS Hooks; writes bench/results/ (QUICK=1: under a minute; BEFORE=REV: also revision REV)
	$(PY) -O -m bench.grpc_bench $(if $(BEFORE),--before $(BEFORE)) $(if $(QUICK),--quick,--cases $(BENCH_CASES) --concurrency 1 64 --duration 5 --out bench/results/grpc-server-vs-echo.md --jsonl bench/results/grpc-server-vs-echo.jsonl)
	$(if $(QUICK),,$(PY) -O -m bench.cds_bench --out bench/results/cds-hooks-order-sign.md)

.PHONY: soak
soak: $(STAMP) ## 64 callers at 80% of capacity for SOAK_SECONDS (default 600): no error, memory flat
	B12_SOAK_SECONDS=$(SOAK_SECONDS) $(PY) -m pytest tests/service/test_load_soak.py

.PHONY: fuzz-long
fuzz-long: $(STAMP) ## Fuzz every RPC over the wire with FUZZ_INPUTS inputs (default 1,000,000; FUZZ_SEED=...)
	B12_FUZZ_INPUTS=$(FUZZ_INPUTS) B12_FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest tests/service/test_fuzz_wire.py

.PHONY: lint
lint: $(STAMP) proto-check ## Static checks: ruff, mypy strict, import-linter, proto lint and staleness, rule cards current
	$(BIN)/ruff check .
	$(BIN)/mypy kernel server clients tests specs bench
	$(BIN)/lint-imports
	$(PY) -m specs.verification.cards --check

.PHONY: check
check: lint test verify mutation ## Everything CI runs

# --- The gRPC API -------------------------------------------------------------------------------
GENERATED := clients/python/b12/dosing/v1/dosing_pb2.py
PROTOS := $(wildcard proto/b12/dosing/v1/*.proto)

$(GENERATED): $(PROTOS) clients/generate.py $(STAMP)
	$(PY) clients/generate.py

.PHONY: proto
proto: $(STAMP) ## Regenerate the Python client code from proto/ and the server's translation (commit the result)
	$(PY) clients/generate.py
	$(PY) -m server.grpc.translation_generator

.PHONY: proto-check
proto-check: $(STAMP) ## buf lint and format, no breaking change against main, generated code current
	$(BIN)/buf lint
	$(BIN)/buf format --diff --exit-code
	@if git rev-parse --verify --quiet main >/dev/null; then $(BIN)/buf breaking --against '.git#branch=main'; fi
	$(PY) clients/generate.py --check
	$(PY) -m server.grpc.translation_generator --check

.PHONY: run
run: $(RUN_STAMP) ## Serve the API on 127.0.0.1:50051 and CDS Hooks on 127.0.0.1:8080 (CDS_PORT=...; contracts off; flags: make run ARGS="--help")
	$(PY) -O -m server.cds_hooks --port $(CDS_PORT) --insecure-no-auth $(CDS_ARGS) & cds=$$!; \
	trap 'kill $$cds 2>/dev/null' EXIT INT TERM; \
	$(PY) -O -m server $(ARGS)

# --- Integrations: TypeScript client, descriptor image, CDS Hooks --------------------------------
CDS_PORT ?= 8080

$(TS_STAMP): $(TS)/package.json $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund  # its prepare script builds dist/ (tsc)
	touch $(TS_STAMP)

.PHONY: readme
readme: $(STAMP) test-tools ## Run the README's examples against live servers and write their outputs into it (commit them)
	$(PY) clients/readme_examples.py

.PHONY: generate-ts
generate-ts: $(STAMP) $(TS_STAMP) ## Regenerate the TypeScript client code and clients/descriptor/b12-dosing-v1.binpb (commit them)
	cd $(TS) && node scripts/generate.mjs

.PHONY: test-node
test-node: $(STAMP) $(GENERATED) $(TS_STAMP) ## TypeScript client: generated code and descriptor current, then every RPC from Node against the Python server
	cd $(TS) && node scripts/generate.mjs --check && npm test

.PHONY: run-cds
run-cds: $(RUN_STAMP) ## Serve only the CDS Hooks service on 127.0.0.1:8080, authentication off for a local trial (flags: make run-cds CDS_ARGS="--help")
	$(PY) -O -m server.cds_hooks --insecure-no-auth $(CDS_ARGS)
