# submitjob: build, test, demo. Downloads (Flink from PyPI) are cached under $(CACHE), outside the clone.
SWIFT       ?= swift
CACHE       ?= $(HOME)/.cache/submitjob
BINARY      := .build/release/submitjob
# -static-executable: one binary that runs on any x86-64 Linux userland (the Flink 1.12.7 image's is Debian 11).
RELEASE_FLAGS := -c release --product submitjob -Xswiftc -static-executable -Xlinker --strip-all

.PHONY: build test unit-test demo clean

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

clean:
	rm -rf .build
