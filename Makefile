# Every target builds .venv on first use from requirements.lock (exact pins), then runs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Three pytest workers on the two cores of these machines (and CI): the chaos soak and the browser
# test spend most of their time waiting on their own subprocesses; each worker runs its own sandboxes.
PYTEST_WORKERS ?= 3
# `make chaos`: minutes of injected faults (the suite runs a 2-minute soak of its own).
CHAOS_MINUTES ?= 10

.PHONY: venv test lint typecheck unit demo dev sandbox clean chaos chromium screenshots bench

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check visma_airbase_pipeline tests benchmarks
	$(VENV)/bin/ruff format --check visma_airbase_pipeline tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml $(STAMP)
	$(VENV)/bin/vab instance init

# -rs prints why a test was skipped (the browser test says so when Chromium is missing);
# loadfile keeps each test module on one worker, so a module fixture (one webserver, one soak) is
# set up once (loadgroup, with pytest 9.2 and xdist 3.8, spread xdist_group tests over workers).
unit: $(STAMP) $(DAGSTER_HOME)/dagster.yaml chromium
	$(VENV)/bin/pytest -q -rs -n $(PYTEST_WORKERS) --dist loadfile --durations=15

# The browser test (tests/ui) drives Debian's Chromium: installed with apt when missing (sessions
# and CI are root and reach the Debian registry). If it cannot be, `make test` goes on and the
# test is skipped with the reason printed.
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser test..."; \
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends chromium; }; } >/tmp/vab-chromium-install.log 2>&1; } \
		|| echo "Chromium could not be installed (see /tmp/vab-chromium-install.log): the browser test will be skipped"

# Re-take the screenshots README and docs/ embed (docs/images/*.png) from the browser test.
screenshots: $(STAMP) $(DAGSTER_HOME)/dagster.yaml chromium
	VAB_UPDATE_SCREENSHOTS=1 $(VENV)/bin/pytest -q -rs tests/ui

test: lint typecheck unit

demo: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/vab demo

chaos: $(STAMP)
	$(VENV)/bin/vab chaos --minutes $(CHAOS_MINUTES)

# `make bench` (BENCH_QUICK=1 for small volumes): figures printed and written to
# benchmarks/results/latest.json. The dlt peer gets its own venv from benchmarks/requirements-dlt.lock
# on first use; if that cannot be built, its row says skipped.
DLT_VENV := .venv-bench-dlt
DLT_STAMP := $(DLT_VENV)/.installed-stamp
bench: $(STAMP)
	@test -f $(DLT_STAMP) || { $(PYTHON) -m venv $(DLT_VENV) \
		&& $(DLT_VENV)/bin/pip install --quiet --disable-pip-version-check -r benchmarks/requirements-dlt.lock \
		&& touch $(DLT_STAMP); } || { echo "dlt peer venv not built: its row will be skipped"; rm -rf $(DLT_VENV); }
	$(PY) -m benchmarks.run

dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/vab dev

sandbox: $(STAMP)
	$(VENV)/bin/vab sandbox serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
