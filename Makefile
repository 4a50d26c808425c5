# Two entry points for a fresh machine: `make demo` runs the whole workflow on the
# embedded demo, `make test` runs the test suite. Both create .venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: demo test install lint clean

$(BIN)/wenyan-mtl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/wenyan-mtl

demo: install
	$(BIN)/snakemake --cores $(CORES)

test: install
	$(BIN)/python -m pytest -q -rfEs

lint: install
	$(BIN)/snakemake --lint

clean:
	rm -rf results .snakemake
