# Telephonist: every target sets the machine up first (scripts/bootstrap.sh is
# idempotent and takes about a second when nothing changed).

SHELL       := /bin/bash
VENV        := .venv
PY          := $(VENV)/bin/python
TELEPHONIST := $(VENV)/bin/telephonist
CONFIG      ?= etc/telephonist/telephonist.toml
PYTEST_ARGS ?=
FUZZ_SECONDS ?= 300

.PHONY: all setup run test test-fast test-dahdi test-packaging fuzz bench sdist wheel deb clean distclean

all: setup

setup:
	bash scripts/bootstrap.sh

# The whole system on simulated spans, with the demo config and simulated callers.
run: setup
	$(TELEPHONIST) run --config $(CONFIG) --demo

# pytest exits 5 when it collects nothing; that is only accepted while the
# tree has no test files at all (so a filter matching nothing still fails).
# The whole suite in three passes: what test-fast runs and the `long` tests, on both cores (pytest-xdist); then the
# browser and the slow tests, on both cores again (so they share the machine with each other only); then the DAHDI
# guest alone (the emulated cards want the host to themselves).
# A pass that collects nothing (pytest's exit 5) is not a failure; any other failure fails the run.
test: setup
	@rc=0; \
	$(PY) -m pytest -q -n 2 -m "not dahdi and not browser and not slow" --durations=30 tests $(PYTEST_ARGS) || rc=$$?; \
	[ $$rc -eq 5 ] && rc=0; \
	rc2=0; $(PY) -m pytest -q -n 2 -m "(browser or slow) and not dahdi" --durations=30 tests $(PYTEST_ARGS) || rc2=$$?; \
	[ $$rc2 -eq 5 ] && rc2=0; \
	rc3=0; $(PY) -m pytest -q -m dahdi --durations=5 tests $(PYTEST_ARGS) || rc3=$$?; \
	[ $$rc3 -eq 5 ] && rc3=0; \
	[ $$rc -ne 0 ] && exit $$rc; [ $$rc2 -ne 0 ] && exit $$rc2; exit $$rc3
	@# then every fuzzer for 10 s over its corpus, two at a time (under a minute in all); fails on a crash
	bash fuzz/run.sh --seconds 10 --jobs 2

# For developing: everything but the DAHDI guest, the browser and the tests marked slow or long, on both cores
# (a few minutes; `make test` is what CI runs).
test-fast: setup
	$(PY) -m pytest -q -n 2 -m "not dahdi and not browser and not slow and not long" tests $(PYTEST_ARGS)

# Longer fuzzing (FUZZ_SECONDS each); what adds coverage is merged into fuzz/corpus/ to be committed.
fuzz: setup
	bash fuzz/run.sh --seconds $(FUZZ_SECONDS) --keep

test-dahdi: setup
	TELEPHONIST_DAHDI_ALL=1 $(PY) -m pytest -q tests/dahdi $(PYTEST_ARGS)

# The packaging tests with the .deb's (make test leaves those out): the wheel in a fresh venv, the
# .deb in a clean Debian 12 root and booted with systemd (root, Debian's mirror; 1-4 minutes).
test-packaging: setup
	TELEPHONIST_PACKAGING_TESTS=1 $(PY) -m pytest -q tests/packaging $(PYTEST_ARGS)

bench: setup
	@mkdir -p build/bench
	$(PY) -m pytest bench/test_hot_paths.py --benchmark-only -q -p no:cacheprovider \
		--benchmark-columns=min,median,max,rounds --benchmark-json=build/bench/hot-paths.json
	$(TELEPHONIST) bench engine --json
	$(TELEPHONIST) bench calls --json
	$(TELEPHONIST) bench fax --json
	$(TELEPHONIST) bench sip --json
	$(TELEPHONIST) bench desktop --json

# Packages, into dist/: the sdist (sources, the engine's C code, the demo), the wheel built from it,
# and the Debian package (a virtualenv in /opt/telephonist, the units, the telephonist user).
sdist: setup
	rm -f dist/telephonist-*.tar.gz
	$(PY) -m build --no-isolation --sdist --outdir dist .

wheel: setup
	rm -f dist/telephonist-*.tar.gz dist/telephonist-*.whl
	$(PY) -m build --no-isolation --outdir dist .

deb: sdist
	bash packaging/build-deb.sh

# Build output only; the venv and apt packages stay (see distclean).
clean:
	rm -rf build dist *.egg-info telephonist/_engine.c telephonist/_engine*.so \
		csrc/*.o .pytest_cache tests/_artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Also the venv and local runtime state.
distclean: clean
	rm -rf $(VENV) var .cache
