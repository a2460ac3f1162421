# albumen — every command a developer or CI needs. `make help` lists them.
# Set-up is automatic: each target creates .venv, installs the Python dependencies from PyPI,
# the Debian packages the tests need, and builds the Rust extension in release mode.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
DEMO_DIR ?= build/demo-library
DEMO_COUNT ?= 2000
# benchmark gates in `make test` run at this fraction of the full scale
GATE_SCALE ?= 0.2
# libegl1 + libgl1-mesa-dri: a headless OpenGL context (Mesa llvmpipe) for the GPU pipeline tests
APT_PACKAGES := libimage-exiftool-perl libegl1 libgl1-mesa-dri
# the viewer's tests: an X server (Xvfb) and the xcb libraries Qt's xcb platform loads, and a font
APT_PACKAGES += xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
  libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-cursor0 fonts-dejavu-core

.DEFAULT_GOAL := help
.PHONY: help demo screenshots test bench bench-1m lint docs wheel build apt clean fuzz oracle

help: ## show this help
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 10

$(VENV)/.deps: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "albumen needs Python 3.10+"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'maturin>=1.7,<2'
	# installs the runtime and dev dependencies from PyPI, then builds the extension in place
	$(BIN)/maturin develop --release --extras dev
	touch $@

# the scale-out tests run a throwaway PostgreSQL server (albumen.testing.postgres)
APT_PACKAGES += postgresql

apt: ## install the Debian packages the tests need (only those missing)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: $(VENV)/.deps ## build the Rust extension (release) into .venv
	$(BIN)/maturin develop --release --skip-install -q 2>&1 | grep -v '^📦\|^🔗\|^🐍\|^💻' || true
	@$(PY) -c 'import albumen._core as c; print("albumen._core", c.__version__, "built")'

demo: build ## generate a sample library, scan it, show a few rows, make its thumbnails
	rm -rf $(DEMO_DIR)
	$(PY) -m albumen.testing.corpus $(DEMO_DIR) --count $(DEMO_COUNT)
	$(PY) -m albumen.testing.motion $(DEMO_DIR)
	$(BIN)/albumen scan $(DEMO_DIR)
	$(BIN)/albumen ls $(DEMO_DIR) --limit 8
	$(BIN)/albumen thumbs $(DEMO_DIR)

screenshots: build ## regenerate the README's viewer pictures (docs/viewer-*.png) from the sample library
	test -f $(DEMO_DIR)/.albumen/library.db || $(MAKE) demo
	QT_QPA_PLATFORM=offscreen $(BIN)/albumen view $(DEMO_DIR) --screenshot docs/viewer-gallery.png --select 1
	QT_QPA_PLATFORM=offscreen $(BIN)/albumen view $(DEMO_DIR) --screenshot docs/viewer-detail.png --select 8 --detail

test: build apt ## cargo test + pytest (behaviour tests and reduced-scale benchmark gates) + the docs site
	cargo test --no-default-features -q
	$(BIN)/pytest -q tests
	ALBUMEN_BENCH_SCALE=$(GATE_SCALE) $(BIN)/pytest -q benches -p no:cacheprovider
	$(BIN)/mkdocs build --strict -q

docs: $(VENV)/.deps ## build the documentation site into build/site/ (guides + API reference; any warning fails)
	$(BIN)/mkdocs build --strict

bench: build apt ## full-scale benchmarks; writes build/bench/report.json and plots (even when a gate fails)
	mkdir -p build/bench && rm -f build/bench/results.json
	$(BIN)/pytest benches -q --benchmark-json=build/bench/raw.json -p no:cacheprovider; \
	status=$$?; $(PY) -m benches.report build/bench && exit $$status

bench-1m: build ## a million small files (~4 GB, kept in build/bench-1m-*): fresh scan, rescan, first page, stats, peak RSS
	ALBUMEN_BENCH_1M=1 $(BIN)/pytest benches/bench_million.py -q -s -p no:cacheprovider

lint: $(VENV)/.deps ## ruff, mypy --strict, cargo fmt --check, cargo clippy -D warnings
	$(BIN)/ruff check python tests benches
	$(BIN)/ruff format --check python tests benches
	$(BIN)/mypy
	$(PY) -m mypy.stubtest albumen._core
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

# `make fuzz`: every probe under cargo-fuzz (libFuzzer, AddressSanitizer), FUZZ_SECONDS each,
# one target after the other in one process each (the seeds in fuzz/corpus/<target>, new
# inputs in build/fuzz/corpus/<target>, the log in build/fuzz/logs/<target>.log). A crash, a
# panic, an input taking over a second or memory over 256 MB is a failure: libFuzzer leaves the
# input in fuzz/artifacts/<target>/ (copy it to fuzz/regressions/, fix, and it is tested by
# `cargo test`). Every target runs; the exit status is non-zero if any failed. ASan's
# quarantine of freed memory is kept small so that the 256 MB limit measures the probe.
# Not part of `make test`.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= jpeg heif mp4 png webp gif tiff cr3 raf avi mkv identity
FUZZ_FLAGS := -timeout=1 -rss_limit_mb=256 -malloc_limit_mb=256 -print_final_stats=1
fuzz: ## fuzz every probe for FUZZ_SECONDS (default 300) each; needs the nightly toolchain
	@rustup toolchain list 2>/dev/null | grep -q '^nightly' || \
	  { echo "make fuzz: needs the nightly Rust toolchain (rustup toolchain install nightly)"; exit 1; }
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	cargo +nightly fuzz build --fuzz-dir fuzz
	@mkdir -p build/fuzz/logs; failed=; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  ASAN_OPTIONS=quarantine_size_mb=16 cargo +nightly fuzz run --fuzz-dir fuzz $$t \
	    build/fuzz/corpus/$$t fuzz/corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	    > build/fuzz/logs/$$t.log 2>&1 || failed="$$failed $$t"; \
	  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|^==[0-9]+== ERROR|panicked at' \
	    build/fuzz/logs/$$t.log; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: failed:$$failed (inputs in fuzz/artifacts/, logs in build/fuzz/logs/)"; exit 1; fi

# `make oracle`: albumen's probe against ExifTool on real-world files, the test images and
# videos that Pillow, pillow-heif, piexif and pymediainfo ship in their sdists (pinned
# versions, downloaded once with pip into build/oracle/sdists, extracted into
# build/oracle/files). Prints the agreement per field and every disagreement; the report is
# also written to build/oracle/report.json. Needs PyPI; not part of `make test`.
oracle: build apt ## the probe against ExifTool on real-world files from PyPI sdists (build/oracle/)
	$(PY) -m benches.oracle_realworld build/oracle --json build/oracle/report.json

wheel: $(VENV)/.deps ## build the abi3 manylinux wheel and the sdist into dist/
	$(BIN)/maturin build --release --sdist -o dist

clean: ## remove build outputs (keeps .venv)
	rm -rf build dist target
