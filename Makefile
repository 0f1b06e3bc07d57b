# Tiến độ — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The virtualenv is made again when the project or its pinned dependencies change.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.lock | md5sum | cut -c1-8)
# Empty: the owner's URL with the password `make up` generated (data/pg-passwords.env).
PG_URL ?=

export KAFKA_BOOTSTRAP_SERVERS ?= 127.0.0.1:9092
# The local broker's super user (infra/kafka.sh writes one 0600 file per principal).
export TIENDO_KAFKA_CREDENTIALS ?= $(CURDIR)/.local/kafka/credentials/admin.env

.PHONY: install lock deps up down demo test test-unit containers bench chaos clean

# Exactly the versions of requirements-dev.lock, each checked against its hashes (the image
# installs requirements.lock, the same versions without the test tools: the same PDF
# bytes), then the project itself without resolving anything again; pip check fails when
# pyproject.toml asks for something the lock does not pin (then `make lock`).
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check || { echo "requirements-dev.lock does not cover pyproject.toml: run make lock" >&2; exit 1; }
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)  ## virtualenv with the project and its test tools

# After a change to pyproject.toml's dependencies. uv keeps every pin the lock already has
# that still fits (add --upgrade-package NAME to move one); requirements.lock is resolved
# within requirements-dev.lock's pins, so the image and the virtualenv agree.
UV_COMPILE = uv pip compile -q pyproject.toml --universal --python-version 3.11 --generate-hashes
lock:  ## pin the dependencies again, with hashes: requirements-dev.lock (make install), requirements.lock (the image)
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q 'uv>=0.9'; }
	$(BIN)/$(UV_COMPILE) --extra dev -o requirements-dev.lock
	$(BIN)/$(UV_COMPILE) -c requirements-dev.lock -o requirements.lock

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

containers: install deps  ## the Docker stack under podman, images from Debian's packages, the demo's events through it (tests/containers)
	infra/containers/packages.sh
	$(BIN)/python -m pytest -q tests/containers

N ?= 1000000
bench: install deps  ## speed against the Kafka client's limits, SQLite and PostgreSQL (N events; docs/benchmarks.md)
	infra/with-services.sh $(BIN)/python -m bench.run --n $(N)

chaos: install deps  ## faults, bad input, tampering and access against the real services (docs/reliability.md)
	infra/with-services.sh $(BIN)/python -m chaos.run $(if $(PG_URL),--pg-url $(PG_URL)) --out docs/reliability.md

clean: down
	rm -rf .local data reports
