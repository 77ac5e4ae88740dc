# The two commands of the README: `make demo` (ingest the sample collection, serve it) and `make test`.
# Both create the virtual environment and install everything first, system packages included.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA_DIR ?= kb-data
HOST ?= 127.0.0.1
PORT ?= 8000
# apt-get needs root: as another user the system packages are installed through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps demo test test-fast lint bench clean translations

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU build of torch, pinned: unpinned, pip would fetch a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium drives the browser tests (Playwright cannot download its own browser here);
# it and WeasyPrint (pango) typeset the layout zoo's brochures.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing chromium (Debian) for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	fi
	@if ! ldconfig -p | grep -q libpangoft2-1.0; then \
		echo "Installing pango (Debian) for WeasyPrint"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation >/dev/null; \
	fi

demo: install
	$(VENV)/bin/kb --data-dir $(DATA_DIR) demo --host $(HOST) --port $(PORT)

test: install system-deps
	$(PY) -m pytest -p no:cacheprovider

# Everything but the tests that load a real model, drive a browser or take long (see README, "Tests").
test-fast: install
	$(PY) -m pytest -p no:cacheprovider -m "not model and not browser and not slow"

lint: install
	$(VENV)/bin/ruff check cli kb ingest index webui tests bench samples
	$(VENV)/bin/ruff format --check cli kb ingest index webui tests bench samples

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/search.py

# Interface translations: collect the strings marked with _() into the template, carry them into
# the four catalogs (new strings arrive untranslated; tests/test_i18n.py names them), compile the
# .mo files. The app also compiles a stale catalog at start, so this is only needed after editing.
TRANSLATIONS := webui/translations
LANGUAGES := en tr ar uk
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext --no-location --sort-output --no-wrap \
		--project Praxisfinder -o $(TRANSLATIONS)/messages.pot webui
	for lang in $(LANGUAGES); do \
		if [ -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete \
				-i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang; \
		else \
			$(VENV)/bin/pybabel init --no-wrap -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang; \
		fi; \
	done
	$(VENV)/bin/pybabel compile --statistics -d $(TRANSLATIONS)

clean:
	rm -rf $(VENV) $(DATA_DIR) samples/build
