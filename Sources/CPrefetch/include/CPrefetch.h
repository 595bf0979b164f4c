#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Asks the processor to bring the cache line at `p` in for reading, without waiting for it
/// (GCC/Clang's __builtin_prefetch; Swift has no spelling of its own). A hint: no effect on results.
static inline void rounds_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
