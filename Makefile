# submitjob: build, test, demo. Downloads (Flink from PyPI) are cached under $(CACHE), outside the clone.
SWIFT       ?= swift
CACHE       ?= $(HOME)/.cache/submitjob
BINARY      := .build/release/submitjob
# -static-executable: one binary that runs on any x86-64 Linux userland (the Flink 1.12.7 image's is Debian 11).
RELEASE_FLAGS := -c release --product submitjob -Xswiftc -static-executable -Xlinker --strip-all

IMAGE       ?= submitjob-flink
TARGET      ?= standalone

.PHONY: build test unit-test demo fuzz image image-test clean

build:
	$(SWIFT) build $(RELEASE_FLAGS)
	@file $(BINARY) | grep -q 'statically linked' || { echo "$(BINARY) is not statically linked" >&2; exit 1; }
	@echo "built $(BINARY)"

# Everything: unit, golden and corpus tests, then integration tests against real Flink 1.20.3 and 1.12.5.
test:
	SUBMITJOB_CACHE=$(CACHE) scripts/test.sh

# Only the tests that need no cluster.
unit-test:
	$(SWIFT) test --filter SubmitJobCoreTests

# Starts a local Flink, submits a Chunjun-shaped job, prints the result and the job's state, stops Flink.
demo:
	SUBMITJOB_CACHE=$(CACHE) scripts/demo.sh

# libFuzzer runs of every target in Fuzz/, 1,000,000 executions each; summary in Fuzz/.build/fuzz-summary.txt.
fuzz:
	SUBMITJOB_CACHE=$(CACHE) scripts/fuzz.sh long

# The Flink 1.12.7 + Chunjun 1.12.8 + submitjob image (needs a Docker engine). TARGET=standalone
# (chunjun-dist also under Flink's lib/, what REST submissions to 1.12 need) or session;
# WITH_OPTIONAL=1 also fetches the optional jars. See image/README.md.
image:
	image/fetch-deps.sh $(if $(WITH_OPTIONAL),--with-optional)
	docker build -f image/Dockerfile --target $(TARGET) -t $(IMAGE):$(TARGET) .

# Only the image's own tests (hadolint, fetch-deps.sh on loopback, Kubernetes manifests); make test runs them too.
image-test:
	SUBMITJOB_CACHE=$(CACHE) image/test/run.sh

clean:
	rm -rf .build
