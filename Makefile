# Two entry points a fresh machine needs: `make demo` and `make test`.
# Each creates .venv and installs what it needs; a stamp keyed on pyproject.toml keeps re-runs fast.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: demo test lint typecheck unit bench golden config-docs clean

# uv installs the same packages from the same index as pip, several times faster (pip spends
# most of a fresh clone's minute resolving and unpacking one wheel at a time). Unlike pip, uv
# compiles the installed modules only when asked ("By default, uv does not compile Python (.py)
# files to bytecode": uv's --compile-bytecode). Where PYTHONDONTWRITEBYTECODE is set, as on the
# project's machines, every process of the suite would otherwise compile moto, botocore and
# the rest from source again: 1.5 s more CPU for each that imports the emulator.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

# checkov pins many libraries of its own, so it lives in a venv of its own.
$(CHECKOV_STAMP): $(STAMP)
	$(UV) venv --quiet --python $(PYTHON) $(CHECKOV_VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(CHECKOV_VENV)/bin/python 'checkov>=3.2'
	touch $(CHECKOV_STAMP)

demo: $(STAMP)
	$(BIN)/ecs-scheduler demo

# The checkov venv downloads while ruff and mypy use the CPU; the suite runs once all three are done.
test: $(STAMP)
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target lint typecheck $(CHECKOV_STAMP)
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -m 'not slow'

bench: $(STAMP)
	$(BIN)/python benchmarks/expressions.py
	$(BIN)/python benchmarks/plan_apply.py --schedules 1000

golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/pytest tests/engines -k golden

# The field reference in docs/config.md is generated from the config models.
config-docs: $(STAMP)
	$(BIN)/python -m ecs_scheduler.config_reference docs/config.md

clean:
	rm -rf $(VENV) $(CHECKOV_VENV)
