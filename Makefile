# connector_openproject — the commands of README.rst.
#   make test   static checks, tests outside Odoo (Python 2.7 and 3), Odoo tests
#   make demo   simulator + Odoo + "OpenProject Sync" + summary (DATASET, PROFILE, DB, SERVE)
#   make bench  throughput benchmark (SIZE=L adds the large dataset)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PY3_VENV := .venv/py3
PY2_VENV := .venv/py2
PYTHON27 ?= $(shell test -x /usr/bin/python2.7 && echo /usr/bin/python2.7 || command -v python2.7)
PY3 := $(PY3_VENV)/bin/python
PY2 := $(PY2_VENV)/bin/python
ADDON := connector_openproject

.PHONY: test test-static test-unit test-odoo demo bench venvs clean

test: test-static test-unit test-odoo

venvs: $(PY3_VENV)/.done $(PY2_VENV)/.done

# Python 3: simulator, its tests, the client's tests, pylint-odoo.
$(PY3_VENV)/.done: requirements.txt requirements-test.txt
	python3 -m venv $(PY3_VENV)
	$(PY3) -m pip install -qq -r requirements.txt -r requirements-test.txt
	touch $@

# Python 2.7 (Odoo 10's interpreter): the addon's pure-Python parts are tested on it too.
$(PY2_VENV)/.done: requirements.txt requirements-py27.txt $(PY3_VENV)/.done
	@test -n "$(PYTHON27)" || { echo "python2.7 is missing: see README.rst (Development)"; exit 1; }
	$(PY3) -m virtualenv -q -p $(PYTHON27) $(PY2_VENV)
	$(PY2) -m pip install -qq -r requirements.txt -r requirements-py27.txt
	touch $@

test-static: venvs
	@echo "== (a) static checks"
	$(PY2) -m compileall -q $(ADDON) >/dev/null
	find $(ADDON) -name '*.pyc' -delete
	$(PY3) scripts/check_xml.py $(ADDON)
	$(PY3) -m pylint --rcfile=.pylintrc --load-plugins=pylint_odoo $(ADDON)

test-unit: venvs
	@echo "== (b) tests outside Odoo, Python 3"
	$(PY3) -m pytest -q tests
	@echo "== (b) tests outside Odoo, Python 2.7"
	$(PY2) -m pytest -q -p no:cacheprovider tests

test-odoo: venvs
	@echo "== (c) Odoo tests"
	scripts/odoo-tests.sh

demo: $(PY3_VENV)/.done
	PYTHON3=$(abspath $(PY3)) scripts/demo.sh

bench: $(PY3_VENV)/.done
	PYTHON3=$(abspath $(PY3)) scripts/bench.sh

clean:
	rm -rf .venv var .pytest_cache
	find . -name '*.pyc' -delete
