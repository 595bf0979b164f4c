// ncursesw for Swift. SwiftPM drops the -D_XOPEN_SOURCE=600 flag that pkg-config gives, so the
// wide-character API (get_wch, wint_t, cchar_t, setcchar, mvadd_wch) must be switched on here,
// before the first include. Macros and C globals that Swift cannot import (A_BOLD, getmaxyx,
// stdscr, LINES, COLS, cur_term, stdin/stdout) get small static inline getters.
#ifndef ROUNDS_CNCURSESW_SHIM_H
#define ROUNDS_CNCURSESW_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <stdio.h>
#include <stdlib.h>
#include <locale.h>
#include <wchar.h>
#if __has_include(<ncursesw/curses.h>)
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#else
#include <curses.h>
#include <term.h>
#endif

static inline WINDOW *rounds_stdscr(void) { return stdscr; }
static inline WINDOW *rounds_curscr(void) { return curscr; }
static inline int rounds_lines(void) { return LINES; }
static inline int rounds_cols(void) { return COLS; }
static inline int rounds_color_pairs(void) { return COLOR_PAIRS; }
static inline int rounds_colors(void) { return COLORS; }
static inline void rounds_getmaxyx(WINDOW *w, int *y, int *x) {
    int yy = 0, xx = 0;
    if (w) { getmaxyx(w, yy, xx); }
    *y = yy; *x = xx;
}
static inline FILE *rounds_stdout(void) { return stdout; }
static inline FILE *rounds_stdin(void) { return stdin; }

static inline attr_t rounds_wa_normal(void) { return WA_NORMAL; }
static inline attr_t rounds_wa_bold(void) { return WA_BOLD; }
static inline attr_t rounds_wa_dim(void) { return WA_DIM; }
static inline attr_t rounds_wa_reverse(void) { return WA_REVERSE; }
static inline attr_t rounds_wa_underline(void) { return WA_UNDERLINE; }

static inline int rounds_key_f(int n) { return KEY_F(n); }

/// True when `s` is a real capability string (tigetstr returns NULL when absent and
/// (char *)-1 when the name is not a string capability).
static inline int rounds_cap_present(const char *s) { return s != NULL && s != (char *)-1; }

/// Loads the terminfo entry for `term` without touching the terminal and reports whether it can
/// address the cursor (`cup`). Returns 1 if it can, 0 if not, -1 if the entry is unknown and
/// -2 if there is no terminfo database. The entry is released again before returning.
static inline int rounds_terminal_can_address(const char *term, int fd) {
    int err = 0;
    if (setupterm(term, fd, &err) != OK) {
        return err == -1 ? -2 : -1;
    }
    const char *cup = tigetstr("cup");
    int ok = rounds_cap_present(cup) ? 1 : 0;
    TERMINAL *t = cur_term;
    if (t) { del_curterm(t); }
    return ok;
}

/// A capability string of the current terminal, or NULL.
static inline const char *rounds_tigetstr(const char *name) {
    const char *s = tigetstr(name);
    return rounds_cap_present(s) ? s : NULL;
}

#endif
