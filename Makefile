# Thin wrappers over the incluster CLI and the npm scripts; `make help` lists them.
# Every target sets itself up (Node.js and npm dependencies) through scripts/bootstrap.sh.
SHELL := /bin/bash
RUN := source $(CURDIR)/scripts/env.sh &&
INCLUSTER := $(RUN) node $(CURDIR)/src/cli/main.ts

.PHONY: help setup demo kind-up kind-down up down test test-unit test-integration test-e2e check lint typecheck traceability bench build

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

setup: ## install Node.js (when the system one is too old) and the npm dependencies
	@scripts/bootstrap.sh

demo: setup ## the main job: bring up the default cluster, deploy services, run the example suite in it, trace
	@scripts/demo.sh

kind-up: setup ## create the kind cluster and deploy the services
	@$(INCLUSTER) up --provider kind

kind-down: setup ## delete the kind cluster
	@$(INCLUSTER) down --provider kind

up: setup ## bring up the configured cluster (provider from incluster.config.yaml, else auto)
	@$(INCLUSTER) up

down: setup ## remove what up created
	@$(INCLUSTER) down

test: ## the whole test suite, as CI runs it (unit, integration and faults on a local cluster, trace gate)
	@scripts/test-all.sh

test-unit: setup ## unit tests (no cluster)
	@$(RUN) npm run --silent test:unit

test-integration: setup ## the example service's integration tests, inside the cluster through incluster run
	@cd examples/todo-service && $(INCLUSTER) run -- test/integration

test-e2e: setup ## the example service's whole suite, inside the cluster through incluster run
	@cd examples/todo-service && $(INCLUSTER) run

check: lint typecheck test ## lint, typecheck and the whole test suite

lint: setup ## eslint and prettier
	@$(RUN) npm run --silent lint

typecheck: setup ## TypeScript, strict
	@$(RUN) npm run --silent typecheck

traceability: setup ## requirement coverage gate (100% of specs/, no untagged tests)
	@$(INCLUSTER) trace

bench: setup ## benchmarks; results are recorded in bench/RESULTS.md
	@$(RUN) npm run --silent bench

build: setup ## compile to dist/
	@$(RUN) npm run --silent build
