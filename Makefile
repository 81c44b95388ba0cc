# bulwark — the two commands a new user needs are `make run` and `make test`.
# Everything else here is what those two are made of.

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20
FUZZ_LONG_SECONDS ?= 300
PYTHON := /usr/bin/python3

# Debian packages the build, the tests and the benchmark need.
DEPS_BUILD := git cmake make gcc pkg-config libmicrohttpd-dev libgnutls28-dev libsodium-dev \
  libssl-dev libjansson-dev libunistring-dev libsqlite3-dev libpq-dev libidn2-dev \
  libzxcvbn-dev john-data libcmocka-dev openssl ca-certificates libqrencode-dev \
  libcurl4-openssl-dev
DEPS_TEST := clang libclang-rt-14-dev python3-pytest python3-requests curl clang-format \
  postgresql python3-argon2 python3-psycopg2 sqlmap python3-jwt python3-cryptography python3-jsonschema \
  python3-authlib python3-pyotp python3-aiosmtpd chromium
DEPS_BENCH := wrk nginx-light nodejs gnuplot-nox

.PHONY: all deps deps-test deps-bench build build-asan run test unit unit-asan integration \
  fuzz-build fuzz-smoke fuzz bench check-banned check-format format clean

all: build

deps:
	@./scripts/deps.sh $(DEPS_BUILD)

# The independent Node.js clients of the tests (openid-client, jose,
# playwright-core), pinned by tests/node/package-lock.json.
deps-test: deps
	@./scripts/deps.sh $(DEPS_TEST)
	@command -v npm >/dev/null || ./scripts/deps.sh nodejs npm
	@cmp -s tests/node/package-lock.json tests/node/node_modules/.installed-lock.json || \
	  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null && \
	  cp package-lock.json node_modules/.installed-lock.json)

deps-bench: deps
	@./scripts/deps.sh $(filter-out nodejs,$(DEPS_BENCH))
	@command -v node >/dev/null || ./scripts/deps.sh nodejs npm

build: deps check-banned
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBULWARK_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

run: build
	./$(BUILD)/bulwark serve --data-dir ./data

# Every suite: unit (plain and ASan+UBSan), integration against the sanitized
# server, and each fuzz target for a bounded time.
test: deps-test build build-asan check-format
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS)
	@BULWARK_BIN=$(CURDIR)/$(ASAN_BUILD)/bulwark BULWARK_ATTACK_BIN=$(CURDIR)/$(BUILD)/bulwark \
	  ./scripts/integration.sh
	@$(MAKE) --no-print-directory fuzz-smoke

unit: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

integration: build
	@BULWARK_BIN=$(CURDIR)/$(BUILD)/bulwark ./scripts/integration.sh

fuzz-build: deps-test
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DBULWARK_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS)

fuzz-smoke: fuzz-build
	@./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz: fuzz-build
	@./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_LONG_SECONDS)

bench: deps-bench build
	@./bench/run.sh $(BUILD)/bulwark

check-banned:
	@./scripts/check-banned.sh

check-format:
	@./scripts/check-format.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
