# Build, run and test fourreau.
#
#   make run        install missing packages, start the local PostgreSQL cluster, build,
#                   migrate, load the data, then serve
#   make test       gofmt check, go vet, the same bootstrap, a fresh test database, a
#                   private Redis server (scripts/redis.sh), go test
#   make build      build bin/fourreau
#   make fmt-check  fail when gofmt would change a file
#   make vet        go vet ./...
#
# When FOURREAU_DATABASE_URL or DATABASE_URL is set, that database is used and the local
# cluster (scripts/pg-cluster.sh) is neither started nor changed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
# The steps of `run` and `test` are listed as prerequisites and must run in order.
.NOTPARALLEL:

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BIN := bin/fourreau
TEST_DB := fourreau_test
GO_MIN_MINOR := 25

# Real data deliveries: the folder beside the checkout, when present. An explicit
# FOURREAU_DATA_DIR in the environment takes precedence.
SHARED_DATA_DIR := $(wildcard $(abspath $(ROOT)/../shared/data))

# Go installs from the official archive live in /usr/local/go, which a
# non-login shell may not have on PATH.
ifeq ($(shell command -v go 2>/dev/null),)
ifneq ($(wildcard /usr/local/go/bin/go),)
export PATH := /usr/local/go/bin:$(PATH)
endif
endif

# Shell snippet that exports FOURREAU_DATABASE_URL: the one from the environment,
# else DATABASE_URL, else the URL of the local cluster. The configuration reads
# FOURREAU_DATABASE_URL before the configuration file, so this choice always wins.
RESOLVE_DB = \
	if [[ -n "$${FOURREAU_DATABASE_URL:-}" ]]; then db_source=environment; \
	elif [[ -n "$${DATABASE_URL:-}" ]]; then db_source=environment; export FOURREAU_DATABASE_URL="$$DATABASE_URL"; \
	else db_source=cluster; export FOURREAU_DATABASE_URL="$$(scripts/pg-cluster.sh url)"; fi

# Shell function that prints a URL with its password masked.
REDACT = redact() { sed -E 's|(://[^:/@]*):[^@]*@|\1:***@|' <<<"$$1"; }

.PHONY: build run test fmt-check vet go-check deps deps-test db clean

go-check:
	@if ! command -v go >/dev/null 2>&1; then \
		echo "error: go not found: install Go 1.$(GO_MIN_MINOR) or newer and put it on PATH" >&2; exit 1; \
	fi; \
	version=$$(cd / && GOTOOLCHAIN=local go env GOVERSION); \
	if [[ ! $$version =~ go([0-9]+)\.([0-9]+) ]] || \
		(( BASH_REMATCH[1] == 1 && BASH_REMATCH[2] < $(GO_MIN_MINOR) )); then \
		echo "error: Go 1.$(GO_MIN_MINOR) or newer is required, found '$$version' at $$(command -v go)" >&2; exit 1; \
	fi

deps:
	@echo "==> scripts/install-deps.sh"
	@scripts/install-deps.sh

deps-test:
	@echo "==> scripts/install-deps.sh --test"
	@scripts/install-deps.sh --test

db:
	@if [[ -n "$${FOURREAU_DATABASE_URL:-}$${DATABASE_URL:-}" ]]; then \
		echo "==> using the database from FOURREAU_DATABASE_URL or DATABASE_URL; local cluster left alone"; \
	else \
		echo "==> scripts/pg-cluster.sh start"; \
		scripts/pg-cluster.sh start; \
	fi

build: go-check
	@echo "==> go build -o $(BIN) ./cmd/fourreau"
	@go build -o $(BIN) ./cmd/fourreau

fmt-check: go-check
	@echo "==> gofmt -l ."
	@unformatted=$$(gofmt -l .); \
	if [[ -n $$unformatted ]]; then \
		echo "error: these files are not gofmt-formatted (run gofmt -w on them):" >&2; \
		echo "$$unformatted" >&2; exit 1; \
	fi

vet: go-check
	@echo "==> go vet ./..."
	@go vet ./...

run: go-check deps db build
	@$(RESOLVE_DB); $(REDACT); \
	echo "==> $(BIN) migrate (database $$(redact "$$FOURREAU_DATABASE_URL"))"; \
	$(BIN) migrate; \
	echo "==> $(BIN) load"; \
	$(BIN) load; \
	echo "==> exec $(BIN) serve"; \
	exec $(BIN) serve

# The test database is dropped and created again at each run, so no state leaks
# from one run to the next. Packages run one at a time (-p 1) because they share
# that database: tests that compare the server's answer with SQL would otherwise see
# another package's writes between the two. With a database from the environment, the test
# database is created on the same server, next to it.
test: go-check fmt-check vet deps-test db build
	@$(RESOLVE_DB); $(REDACT); \
	if [[ $$db_source == cluster ]]; then \
		echo "==> scripts/pg-cluster.sh createdb $(TEST_DB)"; \
		test_url=$$(scripts/pg-cluster.sh createdb $(TEST_DB)); \
	else \
		test_url=$$(sed -E 's|^([a-z]+://[^/?]*)(/[^?]*)?|\1/$(TEST_DB)|' <<<"$$FOURREAU_DATABASE_URL"); \
		echo "==> recreating database $(TEST_DB) at $$(redact "$$test_url")"; \
		psql "$$FOURREAU_DATABASE_URL" -qX -v ON_ERROR_STOP=1 \
			-c 'DROP DATABASE IF EXISTS $(TEST_DB) WITH (FORCE)' -c 'CREATE DATABASE $(TEST_DB)'; \
		psql "$$test_url" -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS postgis'; \
	fi; \
	export FOURREAU_DATABASE_URL="$$test_url" FOURREAU_TEST_DATABASE_URL="$$test_url" FOURREAU_REQUIRE_DB=1; \
	if [[ -z "$${FOURREAU_TEST_REDIS_URL:-}" ]]; then \
		echo "==> scripts/redis.sh start"; \
		scripts/redis.sh start; \
		export FOURREAU_TEST_REDIS_URL="$$(scripts/redis.sh url)"; \
	fi; \
	if [[ -z "$${FOURREAU_DATA_DIR:-}" && -n "$(SHARED_DATA_DIR)" ]]; then \
		export FOURREAU_DATA_DIR="$(SHARED_DATA_DIR)"; \
	fi; \
	echo "==> FOURREAU_DATA_DIR=$${FOURREAU_DATA_DIR:-(not set)}"; \
	echo "==> $(BIN) migrate (database $$(redact "$$test_url"))"; \
	$(BIN) migrate; \
	echo "==> $(BIN) load"; \
	$(BIN) load; \
	echo "==> go test -count=1 -p 1 ./..."; \
	go test -count=1 -p 1 ./...

clean:
	rm -rf bin
