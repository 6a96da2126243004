# The two commands a newcomer needs: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: screenshots run test install migrate test-live test-postgres chromium clean

run: install .env migrate
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/honcho start

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Generated once per checkout: a secret key and the Fernet key that encrypts provider tokens.
# Keep .env safe (and backed up): without its key, stored tokens cannot be read back.
.env:
	$(BIN)/python -c "import secrets; from cryptography.fernet import Fernet; \
	print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50)); \
	print('CONSOLE_ENCRYPTION_KEY=' + Fernet.generate_key().decode()); \
	print('CONSOLE_SANDBOX=true'); print('DJANGO_DEBUG=false')" > .env
	@echo "Wrote .env with fresh keys."

migrate: install .env
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0

# Debian's Chromium drives the browser tests; Playwright's own browser download cannot work here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Import layering first (pyproject.toml, docs/architecture.md): seconds, and it names the offending import.
# Then the tests in three passes; the first that fails stops `make test` with its exit code:
# - the fast tests on PYTEST_WORKERS pytest-xdist workers, each with its own test database, Redis database,
#   cache directory and sandboxes (tests/fixtures/parallel.py);
# - the `slow` tests and the `browser` tests as two pytest processes side by side, each one test at a time: they
#   start their own processes and mostly wait on them (among them axe-core on every page at desktop and phone
#   size, tests/browser/test_accessibility.py). The slow ones' log is printed when both are done;
# - test-postgres, below.
# The browser tests collect static files themselves, with the test settings pytest provides.
PYTEST_WORKERS ?= 2
SERIAL_TESTS := slow or browser
FAST_TESTS := not ($(SERIAL_TESTS))

test: install chromium
	$(BIN)/lint-imports --no-cache
	@echo "== fast tests on SQLite, $(PYTEST_WORKERS) workers"
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "$(FAST_TESTS)"
	@$(MAKE) --no-print-directory test-live
	@$(MAKE) --no-print-directory test-postgres

test-live: install chromium
	@echo "== browser tests, and beside them the slow tests (their log follows)"
	@mkdir -p var; $(BIN)/pytest -m slow -p no:cacheprovider > var/slow-tests.log 2>&1 & slow=$$!; \
	$(BIN)/pytest -m browser; browser=$$?; \
	wait $$slow; slow_status=$$?; \
	echo "== slow tests (run beside the browser tests)"; cat var/slow-tests.log; \
	test $$browser -eq 0 -a $$slow_status -eq 0

# The same database-touching tests again on PostgreSQL + Redis (the scaled-out configuration). Browser
# tests run their own SQLite console, the slow multi-worker run is on PostgreSQL + Redis already, and the
# sandbox and client tests never touch the console's database.
test-postgres: install
	@if $(BIN)/python -m netmind_console.core.reachable postgresql://127.0.0.1:5432/postgres redis://127.0.0.1:6379/0; then \
	  echo "== fast tests on PostgreSQL + Redis, $(PYTEST_WORKERS) workers"; \
	  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
	    $(BIN)/pytest -n $(PYTEST_WORKERS) -m "$(FAST_TESTS)" --ignore=tests/browser --ignore=tests/sandbox \
	      --ignore=tests/clients -p no:cacheprovider -q; \
	else echo "PostgreSQL or Redis not reachable at 127.0.0.1: skipping the scaled-out run."; fi

clean:
	rm -rf $(VENV) staticfiles

# Refresh the README's pictures from the browser journeys.
screenshots: install chromium
	REFRESH_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q
