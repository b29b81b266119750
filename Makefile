# Every CI job is a target here; .ci/run calls `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := test

# One pin for the wasm-bindgen crate and CLI: Cargo.toml's workspace dependency.
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
# Debian's rustc-web ships std sources, so cargo can build std for wasm32 with SIMD (TOOLCHAIN.md).
DEBIAN_RUSTC := /usr/bin/rustc
DEBIAN_CARGO := /usr/bin/cargo
APT_PACKAGES := rustc-web cargo-web rust-web-src lld-19 binaryen chromium
WASM_TARGET_DIR := target/wasm
WASM_OUT ?= wasm-pkg
# Paths are remapped so the .wasm is byte-identical whatever directory the clone lives in.
# Without multivalue, exports return through memory, not several values: V8 (Node 20) then calls
# them through its generic wrapper instead of compiling a wrapper per signature in every thread
# (~25 ms of each worker's start).
WASM_RUSTFLAGS := -C target-feature=+simd128,-multivalue -C linker=wasm-ld-19 \
  --remap-path-prefix=$(CURDIR)=/detector1 --remap-path-prefix=$(HOME)/.cargo=/cargo
WASM_BINDGEN := $(HOME)/.cargo/bin/wasm-bindgen
VENV := .venv
# Golden truth (tests/golden): the mini CRDS cache is generated, never committed.
GOLDEN_CRDS := target/golden-crds
REAL_DATA ?= ../shared/data/real

.PHONY: deps system-deps wasm-bindgen-cli wasm check-wasm build test test-rust test-node \
        test-browser test-python golden test-golden-ramp-fit test-golden golden-inputs-check demo bench clean

deps: system-deps wasm-bindgen-cli node_modules/.installed

# Installs Debian packages only when one is missing (CI machines start without them).
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

wasm-bindgen-cli:
	@if [ "$$($(WASM_BINDGEN) --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (a few minutes)"; \
	  cargo install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION) --force; \
	fi
# (not --locked: the CLI's lockfile pins a webpki-roots release the registry here does not serve)

node_modules/.installed: package.json package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

wasm: system-deps wasm-bindgen-cli
	RUSTC=$(DEBIAN_RUSTC) RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(WASM_TARGET_DIR) \
	RUSTFLAGS="$(WASM_RUSTFLAGS)" \
	  $(DEBIAN_CARGO) build --release --locked --target wasm32-unknown-unknown \
	  -Zbuild-std=std,panic_abort -p detector1-wasm
	rm -rf $(WASM_OUT) && mkdir -p $(WASM_OUT)
	$(WASM_BINDGEN) --target web --out-dir $(WASM_OUT) --out-name detector1_wasm \
	  $(WASM_TARGET_DIR)/wasm32-unknown-unknown/release/detector1_wasm.wasm
	rm -f $(WASM_OUT)/.gitignore

# The committed wasm-pkg/ must be exactly what the sources build.
check-wasm:
	@$(MAKE) --no-print-directory wasm WASM_OUT=target/wasm-pkg-check >/dev/null
	@if ! diff -r wasm-pkg target/wasm-pkg-check >/dev/null; then \
	  echo "ERROR: wasm-pkg/ is stale: it differs from a fresh 'make wasm' of the Rust sources."; \
	  diff -rq wasm-pkg target/wasm-pkg-check; \
	  echo "Run 'make wasm' and commit wasm-pkg/."; exit 1; \
	fi
	@echo "wasm-pkg/ reproduces byte for byte"

build: node_modules/.installed
	rm -rf dist && npx tsc -p tsconfig.json
	node scripts/bundle-node.mjs

# jwst, stcal and stdatamodels from PyPI, pinned: the oracles our results are compared with.
$(VENV)/.installed: tests/python/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt
	touch $@

test: deps test-rust check-wasm build test-golden-ramp-fit test-node test-browser test-python test-golden

test-rust:
	cargo test --locked

test-node: build golden-inputs-check
	npx tsc -p tsconfig.check.json
	npx vitest run --project node

test-browser: build
	npx vitest run --project browser

test-python: build $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q tests/python

# STScI truth. The committed golden files are regenerated with the pinned jwst/stcal and must
# come out byte for byte (so they are demonstrably STScI's output).
# ramp_fit oracle (stcal): committed small cases, plus larger ones written for the vitest comparisons.
test-golden-ramp-fit: $(VENV)/.installed
	$(VENV)/bin/python tests/oracle/ramp_fit_oracle.py --scale small --out tests/golden/ramp_fit --check
	$(VENV)/bin/python tests/oracle/ramp_fit_oracle.py --scale large --out tests/oracle/out/ramp_fit
	$(VENV)/bin/python tests/oracle/ramp_fit_oracle.py --algorithm LIKELY --scale small --out tests/golden/ramp_fit_likely --check
	$(VENV)/bin/python tests/oracle/ramp_fit_oracle.py --algorithm LIKELY --scale large --out tests/oracle/out/ramp_fit_likely

# Simulated golden inputs regenerated in target/golden-check, and the mini CRDS cache they use.
golden-inputs-check: build
	rm -rf target/golden-check && mkdir -p target
	node scripts/golden-inputs.mjs --out target/golden-check --crds $(GOLDEN_CRDS) --real-dir $(REAL_DATA) > target/golden-check.json

# The simulator reproduces the committed inputs byte for byte, and jwst the committed truth.
test-golden: golden-inputs-check $(VENV)/.installed
	$(VENV)/bin/python tests/golden/run_jwst.py --crds $(GOLDEN_CRDS) --inputs target/golden-check --check

# Regenerates the committed golden inputs, truth and manifest (commit tests/golden afterwards).
golden: build $(VENV)/.installed
	mkdir -p target
	node scripts/golden-inputs.mjs --out tests/golden --crds $(GOLDEN_CRDS) --real-dir $(REAL_DATA) > target/golden-inputs.json
	$(VENV)/bin/python tests/golden/run_jwst.py --crds $(GOLDEN_CRDS) --update
	$(VENV)/bin/python tests/oracle/ramp_fit_oracle.py --scale small --out tests/golden/ramp_fit
	$(VENV)/bin/python tests/oracle/ramp_fit_oracle.py --algorithm LIKELY --scale small --out tests/golden/ramp_fit_likely

demo: build
	node dist/cli/main.js demo --output-dir demo-output

bench: build
	node --expose-gc bench/read-fits.mjs
	node bench/ramp-fit.mjs --cases small
	node bench/jump-large-events.mjs

# jump: ours (in thread, 1 and 2 workers) against stcal's detect_jumps_data on the same 2048x2048x10 ramp.
.PHONY: bench-jump
bench-jump: build $(VENV)/.installed
	node bench/jump.mjs --repeat 3

clean:
	rm -rf dist target $(VENV) node_modules demo-output

# The whole pipeline, ours (1 and 2 workers) against jwst's Detector1Pipeline: NIRCam full frame
# and SUB640 with 1 and 10 integrations (time, peak RSS; simulated into target/bench).
.PHONY: bench-pipeline
bench-pipeline: build $(VENV)/.installed
	node bench/pipeline.mjs --case all

# Per-step benchmark, ours (1 and 2 workers) against jwst, on a simulated 2048x2048x10x1 NIRCam
# exposure kept in target/bench (not part of `make test`).
.PHONY: bench-steps
bench-steps: build
	node bench/steps.mjs
