# calf task runner. Every target installs missing Debian packages first (scripts/install_deps.sh).
# `make help` lists the targets.

BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: help deps configure build test demo bench asan fuzz format clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

deps: ## install the Debian packages calf needs (idempotent)
	@bash scripts/install_deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

build: deps $(BUILD_DIR)/CMakeCache.txt ## build calf, tests and benchmarks (Release, -O3)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build ## build and run every test under ctest
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

demo: build ## run the main job on embedded defaults and write a report to out/demo/
	bash scripts/demo.sh $(BUILD_DIR)/calf out/demo

bench: build ## run the benchmarks (figures for the closing notes)
	bash scripts/bench.sh $(BUILD_DIR)

asan: deps ## build and test with AddressSanitizer + UBSan
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALF_SANITIZE=ON -DCALF_BUILD_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && CALF_GL_DEBUG=1 ASAN_OPTIONS=detect_leaks=0:new_delete_type_mismatch=0 ctest --output-on-failure -j $(JOBS) -LE noasan

FUZZ_SECONDS ?= 20
fuzz: deps ## libFuzzer targets (clang, ASan+UBSan), FUZZ_SECONDS each (default 20); fails on a finding
	JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_SECONDS) $(BUILD_DIR)/calf

format: ## clang-format every C++ file in place
	find core render_offscreen report cli tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean: ## remove build trees and outputs
	rm -rf $(BUILD_DIR) $(ASAN_DIR) out
