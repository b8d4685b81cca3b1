# The two entry points of the README: `make bench` (the main job) and `make test`.
# Both build a virtualenv in .venv from scratch on a machine with Python 3.11 or newer.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test bench site clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[bench,test]"
	touch $(STAMP)

venv: $(STAMP)

# Unit tests, the CUDA kernels under numba-cuda's simulator, asv check, and every benchmark run once.
test: venv
	$(BIN)/python -m pytest

# Run the suite on this machine (installed Numba, all benchmarks), then build the site into html/.
bench: venv
	$(BIN)/kbench run

site: venv
	$(BIN)/kbench site

clean-venv:
	rm -rf $(VENV)
