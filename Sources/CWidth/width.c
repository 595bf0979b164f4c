#define _XOPEN_SOURCE 700
#include <wchar.h>
#include <locale.h>
#include <langinfo.h>
#include <string.h>
#include <strings.h>
#include "CWidth.h"

int rounds_wcwidth(uint32_t codepoint) {
    return wcwidth((wchar_t)codepoint);
}

int rounds_wcswidth(const uint32_t *codepoints, size_t count) {
    int total = 0;
    for (size_t i = 0; i < count; i++) {
        int w = wcwidth((wchar_t)codepoints[i]);
        if (w < 0) return -1;
        total += w;
    }
    return total;
}

int rounds_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

int rounds_setlocale_utf8(void) {
    setlocale(LC_ALL, "");
    if (rounds_locale_is_utf8()) return 1;
    if (setlocale(LC_CTYPE, "C.UTF-8") != NULL && rounds_locale_is_utf8()) return 1;
    if (setlocale(LC_CTYPE, "en_US.UTF-8") != NULL && rounds_locale_is_utf8()) return 1;
    return 0;
}
