# fablab — two commands: `make run` (the demo lab on SQLite) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# Links in mails and feeds point at the port served (set FABLAB_BASE_URL for a public address).
FABLAB_BASE_URL ?= http://127.0.0.1:$(PORT)
export FABLAB_BASE_URL
export FLASK_APP := wsgi

.PHONY: run test lint audit format install install-dev translations assets bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Runtime packages come from the lock file: exact versions, each checked against its hash.
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime translations
install-dev: $(VENV)/.dev translations

translations: | $(BIN)/python
	@PYBABEL=$(BIN)/pybabel scripts/i18n.sh compile >/dev/null

# ical.js (Thunderbird's parser) checks our feeds and axe-core our pages in the tests; assets are committed.
node_modules/.installed: package.json
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the ical.js and axe-core checks will skip (they are mandatory in CI)"; fi

assets: node_modules/.installed
	cp node_modules/@picocss/pico/css/pico.jade.min.css fablab/static/vendor/pico/pico.min.css

# A random SECRET_KEY, written once and kept across restarts: the app refuses a
# default or short key outside debug (whoever knows the key can forge sessions).
instance/secret_key:
	@mkdir -p instance
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	@echo "  A new SECRET_KEY was written to $@ (keep it; it signs sessions)."

# SECRET_KEY from the environment when set, else the one in instance/.
WITH_KEY = SECRET_KEY="$${SECRET_KEY:-$$(cat instance/secret_key)}"

run: install instance/secret_key
	@mkdir -p instance
	$(WITH_KEY) $(BIN)/flask db upgrade
	$(WITH_KEY) $(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  fablab is running at http://127.0.0.1:$(PORT)"
	@echo "  Demo logins (password demo-password): manager@example.org, member@example.org,"
	@echo "  employee@example.org (Demo Industries). Stop with Ctrl-C."
	@echo ""
	@export $(WITH_KEY); $(BIN)/flask scheduler & SCHED=$$!; \
	trap 'kill $$SCHED 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:$(PORT) \
		--control-socket "$(CURDIR)/instance/gunicorn-$(PORT).ctl" \
		--access-logfile - --error-logfile - wsgi:app

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r fablab config.py wsgi.py --severity-level high

# Known vulnerabilities in the locked packages (pip-audit asks its online vulnerability
# database: run it where the machine can reach it; not part of `make test`).
audit: $(VENV)/.dev
	$(BIN)/pip install -q pip-audit
	$(BIN)/pip-audit --require-hashes -r requirements.lock

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Tests run in parallel (pytest-xdist): one process per CPU, at most 4; each has its
# own SQLite file or PostgreSQL cluster; a test file stays on one process (its tests may
# share a module-scoped world, in order). PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile

test: install-dev node_modules/.installed lint
	$(BIN)/pytest -q $(PYTEST_PARALLEL) --db sqlite
	$(BIN)/pytest -q $(PYTEST_PARALLEL) --db postgresql -m "not browser"

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules instance/fablab.sqlite
