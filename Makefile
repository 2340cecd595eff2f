# The two commands: `make demo` runs the portal with demo data; `make test` runs every test.
# Both set up what they need first (a virtualenv in .venv from pyproject.toml).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Two workers: the machines here have two cores, and most tests wait on the database.
PYTEST_ARGS ?= -n 2

.PHONY: demo test install sysdeps lint check pytest clean

# pip's own messages go to a log; the terminal gets one line per step.
INSTALL_LOG := $(VENV)/install.log
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { printf 'Creating the virtualenv in $(VENV)… '; $(PYTHON) -m venv $(VENV) && echo done; }
	@printf 'Installing dependencies… '; \
	if $(PY) -m pip install -q --upgrade pip >$(INSTALL_LOG) 2>&1 \
	  && $(PY) -m pip install -q -e '.[test]' >>$(INSTALL_LOG) 2>&1; \
	then echo "done (log: $(INSTALL_LOG))"; \
	else echo "failed; the end of $(INSTALL_LOG):"; tail -n 20 $(INSTALL_LOG); exit 1; fi
	@touch $@

install: $(VENV)/.installed

# System packages the tests use: Chromium for browser tests, poppler for reading PDFs back,
# and WeasyPrint's libraries. Installed with apt-get when missing and we are root.
sysdeps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	ldconfig -p | grep -q libpangoft2 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing fonts-dejavu-core; \
	  else \
	    echo "Missing system packages:$$missing. Install them: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# The demo: development settings, the portal's own error pages, and e-mail links to where it listens.
DEMO_ENV := DEBUG=true DEMO=true SITE_URL=http://$(HOST):$(PORT)
DEMO_LOG := $(VENV)/demo-setup.log

demo: install
	@printf 'Preparing the database… '; \
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v0 >$(DEMO_LOG) 2>&1 && echo done || { echo "failed (log: $(DEMO_LOG))"; exit 1; }
	@printf 'Loading the TOM framework… '; \
	$(DEMO_ENV) $(PY) manage.py load_framework >>$(DEMO_LOG) 2>&1 && echo done || { echo "failed (log: $(DEMO_LOG))"; exit 1; }
	@echo 'Loading the demo data…'
	@$(DEMO_ENV) $(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	@echo "Starting the portal at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

check: install
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: install sysdeps lint check pytest

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
