// libFuzzer's entry point for a program with its own main. SwiftPM renames an executable's
// main and points `main` at it, so libFuzzer's own main never runs; each harness's main.swift
// hands its LLVMFuzzerTestOneInput to this instead.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
