# Tiny-MLOps top-level commands. Each target installs what it needs, configures and builds.
#   make demo   convert, inspect and run the real models of ../shared/models end to end
#               (CONSOLE=1: serve also answers the web console, prints its URL and stays up)
#   make test   every test: host (ASan/UBSan), Cortex-M under QEMU, bounded fuzzing
#   make bench  benchmarks; prints JSON and writes build/bench/results.json
SHELL := /bin/bash
CORES ?= cortex-m0 cortex-m3 cortex-m4 cortex-m7 cortex-m33
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)
# Most broker, device and QEMU tests spend their time waiting on sockets and timers, not on a
# core (deploy_tests: 20 s of CPU in 180 s): twice as many tests as cores keeps the cores busy.
TEST_JOBS ?= $(shell echo $$(( 2 * $$(nproc) )))

.PHONY: all deps host cores fuzz-build demo test bench clean

all: host

deps:
	@scripts/install-deps.sh

host: deps
	@cmake --preset host >/dev/null
	@cmake --build --preset host -j $(JOBS)

cores: deps
	@for core in $(CORES); do \
	  cmake --preset $$core >/dev/null && cmake --build --preset $$core -j $(JOBS) || exit 1; \
	done

fuzz-build: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

demo: host
	@TMF_DEMO_CONSOLE=$(CONSOLE) scripts/demo.sh

test: host cores fuzz-build
	@cd build && TMF_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -j $(TEST_JOBS)

bench: host cores
	@scripts/bench.sh

clean:
	rm -rf build
