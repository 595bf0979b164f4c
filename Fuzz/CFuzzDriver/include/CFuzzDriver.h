#ifndef ROUNDS_CFUZZDRIVER_H
#define ROUNDS_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's callback type.
typedef int (*RoundsFuzzCallback)(const uint8_t *data, size_t size);

/// 1 when libFuzzer is linked in (built with -sanitize=fuzzer), 0 otherwise.
int rounds_fuzz_has_libfuzzer(void);

/// Hands control to libFuzzer (LLVMFuzzerRunDriver). Only call when rounds_fuzz_has_libfuzzer().
int rounds_fuzz_run_driver(int *argc, char ***argv, RoundsFuzzCallback callback);

#endif
