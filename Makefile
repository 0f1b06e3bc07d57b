# Tiến độ — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-8)
# Empty: the owner's URL with the password `make up` generated (data/pg-passwords.env).
PG_URL ?=

export KAFKA_BOOTSTRAP_SERVERS ?= 127.0.0.1:9092
# The local broker's super user (infra/kafka.sh writes one 0600 file per principal).
export TIENDO_KAFKA_CREDENTIALS ?= $(CURDIR)/.local/kafka/credentials/admin.env

.PHONY: install deps up down demo test test-unit bench chaos clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)  ## virtualenv with the project and its test tools

deps:  ## Debian packages: PostgreSQL, kcat, poppler-utils, a Vietnamese font
	infra/debian-packages.sh

up: install deps  ## start the local Kafka broker and PostgreSQL
	infra/kafka.sh up
	$(BIN)/tiendo kafka acl apply >/dev/null
	infra/postgres.sh up

down:  ## stop them
	infra/kafka.sh down
	infra/postgres.sh down

demo: install deps  ## the main job on sample events: SQLite ledger, local broker
	infra/kafka.sh up
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/demo.sh

test: install deps  ## the whole suite against the real broker, SQLite and PostgreSQL
	$(if $(PG_URL),TIENDO_TEST_PG_URL=$(PG_URL)) infra/with-services.sh $(BIN)/python -m pytest -q

test-unit: install
	$(BIN)/python -m pytest -q tests/unit

N ?= 1000000
bench: install deps  ## speed against the Kafka client's limits, SQLite and PostgreSQL (N events; docs/benchmarks.md)
	infra/with-services.sh $(BIN)/python -m bench.run --n $(N)

chaos: install deps  ## faults, bad input, tampering and access against the real services (docs/reliability.md)
	infra/with-services.sh $(BIN)/python -m chaos.run $(if $(PG_URL),--pg-url $(PG_URL)) --out docs/reliability.md

clean: down
	rm -rf .local data reports
