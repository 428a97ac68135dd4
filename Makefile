# submitjob: build, test, demo. Downloads (Flink from PyPI) are cached under $(CACHE), outside the clone.
SWIFT       ?= swift
CACHE       ?= $(HOME)/.cache/submitjob
BINARY      := .build/release/submitjob
# -static-executable: one binary that runs on any x86-64 Linux userland (the Flink 1.12.7 image's is Debian 11).
# -Osize: the binary is mostly NIO, TLS and the runtime, where size matters more than the last percent
# of speed (the hashing is BoringSSL's C, unaffected); see BENCHMARKS.md for both.
RELEASE_FLAGS := -c release --product submitjob -Xswiftc -static-executable -Xswiftc -Osize -Xlinker --strip-all
# The stripped static binary's bound (30 MB): make build fails above it. Foundation's ICU data, or
# anything else of its size, would not slip in unnoticed.
MAX_BINARY_BYTES := 30000000

IMAGE       ?= submitjob-flink
TARGET      ?= standalone
# make image PIN=1: pins UNPINNED artifacts on first use (image/deps.sha256 is rewritten: review
# and commit it). FROM=DIR (absolute, or relative to this folder): artifacts found in DIR are
# used instead of downloaded.
PIN         ?=
FROM        ?=

.PHONY: build test unit-test demo fuzz compat image image-test clean bench

build:
	scripts/install-tools.sh
	$(SWIFT) build $(RELEASE_FLAGS)
	@file $(BINARY) | grep -q 'statically linked' || { echo "$(BINARY) is not statically linked" >&2; exit 1; }
	@size=$$(stat -c %s $(BINARY)); [ "$$size" -le $(MAX_BINARY_BYTES) ] || \
	    { echo "$(BINARY) is $$size bytes, over the bound of $(MAX_BINARY_BYTES) (README, Design)" >&2; exit 1; }
	@! grep -q -a -e icudt -e _FoundationICU -e FoundationInternationalization $(BINARY) || \
	    { echo "$(BINARY) holds ICU or Foundation's internationalization: something imports Foundation" >&2; exit 1; }
	@echo "built $(BINARY) ($$(stat -c %s $(BINARY)) bytes, static, no ICU)"

# Everything: unit, golden and corpus tests, then integration tests against real Flink 1.20.3 and 1.12.5.
test:
	SUBMITJOB_CACHE=$(CACHE) scripts/test.sh

# Only the tests that need no cluster.
unit-test:
	$(SWIFT) test --filter SubmitJobCoreTests

# Starts a local Flink, submits a Chunjun-shaped job, prints the result and the job's state, stops Flink.
demo:
	SUBMITJOB_CACHE=$(CACHE) scripts/demo.sh

# The live compatibility matrix: the newest patch of every Flink line on PyPI (1.12 to 2.3), one local
# cluster each, sync/SQL over REST and bin/flink, jar reuse, one job per id, config, savepoints.
# Writes COMPATIBILITY.md; exits non-zero if any check failed. 17 minutes on 2 cores once built (40 from a fresh clone).
# VERSIONS="1.16.3 2.3.0" runs only those.
compat:
	SUBMITJOB_CACHE=$(CACHE) scripts/compat.sh $(if $(VERSIONS),--versions '$(VERSIONS)')

# Benchmarks: submitjob against curl and bin/flink run on a local Flink 1.20.3 (started and stopped),
# medians of interleaved runs; writes BENCHMARKS.md. scripts/bench.sh --quick checks it in a minute.
bench:
	SUBMITJOB_CACHE=$(CACHE) scripts/bench.sh

# libFuzzer runs of every target in Fuzz/, 1,000,000 executions each; summary in Fuzz/.build/fuzz-summary.txt.
fuzz:
	SUBMITJOB_CACHE=$(CACHE) scripts/fuzz.sh long

# The Flink 1.12.7 + Chunjun 1.12.8 + submitjob image (needs a Docker engine). image/build.sh prints
# what it builds, stops early without a Docker engine, runs image/fetch-deps.sh, then docker build.
# TARGET=standalone (chunjun-dist also under Flink's lib/) or session; WITH_OPTIONAL=1 also fetches
# the optional jars; PIN=1, FROM=DIR (above); OFFLINE=1 downloads nothing; DRY_RUN=1 only prints;
# SWIFT_IMAGE=, FLINK_IMAGE= override the base images. See image/README.md.
image: IMAGE_FLAGS = $(strip $(if $(filter-out 0,$(PIN)),--pin) $(if $(FROM),--from '$(FROM)') \
    $(if $(filter-out 0,$(OFFLINE)),--offline) $(if $(filter-out 0,$(WITH_OPTIONAL)),--with-optional) \
    $(if $(SWIFT_IMAGE),--swift-image '$(SWIFT_IMAGE)') $(if $(FLINK_IMAGE),--flink-image '$(FLINK_IMAGE)') \
    $(if $(filter-out 0,$(DRY_RUN)),--dry-run))
image:
	image/build.sh --target '$(TARGET)' --tag '$(IMAGE):$(TARGET)' $(IMAGE_FLAGS)

# Only the image's own tests (hadolint, fetch-deps.sh on loopback, Kubernetes manifests); make test runs them too.
image-test:
	SUBMITJOB_CACHE=$(CACHE) image/test/run.sh

clean:
	rm -rf .build
