# Tessera: two commands do all set-up on a fresh Debian 12 machine.
#   make demo   build, seed demo data, run authz + FHIR on loopback
#   make test   build (warnings are errors), run every test, then again under ASan+UBSan
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
CLANG_BUILD ?= build-clang
JOBS ?= $(shell nproc)
DEMO_DIR ?= .demo
DEMO_PORT ?= 8080

APT_PACKAGES := build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev \
  libboost-dev nlohmann-json3-dev libssl-dev libsodium-dev libsqlite3-dev sqlite3 \
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libgtest-dev libgmock-dev \
  libbenchmark-dev openssl nodejs npm chromium wrk nginx-light

.PHONY: all deps build test unit-test e2e-test bench-smoke clang-build asan-test demo bench clean

all: build

# Installs whatever of the Debian packages is missing (needs root, as on the dev and CI machines).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v node >/dev/null 2>&1; then missing=$$(echo $$missing | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' '); fi; \
	fi; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_WERROR=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

e2e-test: build
	TESSERA_BIN=$(CURDIR)/$(BUILD)/apps/tessera/tessera bash tests/e2e/run.sh

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTESSERA_WERROR=ON -DTESSERA_SANITIZE=ON

asan-test: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600

# One-second runs of every benchmark workload against Tessera, nginx and oidc-provider: checks
# that the harness works and every request is answered 2xx; asserts nothing about timing.
bench-smoke: build
	TESSERA_BIN=$(CURDIR)/$(BUILD)/apps/tessera/tessera timeout 900 bash bench/run.sh --smoke

# The whole tree with clang 14 as well, warnings as errors (the tests run in the g++ builds).
$(CLANG_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(CLANG_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_WERROR=ON

clang-build: deps $(CLANG_BUILD)/build.ninja
	cmake --build $(CLANG_BUILD) -j $(JOBS)

test: unit-test e2e-test bench-smoke clang-build asan-test
	@echo "make test: all suites passed"

# The demo: authz + FHIR in one process on loopback, embedded SQLite, generated demo data.
demo: build
	bash apps/sample/build.sh apps/dist
	bash scripts/demo.sh $(BUILD)/apps/tessera/tessera $(DEMO_PORT) $(DEMO_DIR) --apps-dir apps/dist

# Bounded: about 9 minutes on the dev machine; killed (and its servers stopped) after an hour.
bench:
	timeout 3600 bash bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(DEMO_DIR)
