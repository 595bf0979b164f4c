// The hint is all in CPrefetch.h (static inline, so Swift inlines it); SwiftPM wants one source.
#include "CPrefetch.h"
