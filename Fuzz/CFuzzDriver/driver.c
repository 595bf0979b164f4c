// A weak reference to libFuzzer's entry point: the same `rounds-fuzz` executable is a
// coverage-guided fuzzer when built with `-sanitize=fuzzer` (the symbol is then defined) and a
// plain corpus replayer otherwise (the symbol stays null), so ordinary `swift build` links it.
#include "CFuzzDriver.h"

__attribute__((weak)) int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

int rounds_fuzz_has_libfuzzer(void) { return LLVMFuzzerRunDriver != NULL; }

int rounds_fuzz_run_driver(int *argc, char ***argv, RoundsFuzzCallback callback) {
    return LLVMFuzzerRunDriver(argc, argv, callback);
}
