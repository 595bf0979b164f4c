// Small C helpers for RoundsTerminal that Swift's Glibc module does not offer or that must be
// async-signal-safe: wcwidth/wcswidth, the UTF-8 locale, and the signal/exit handling that puts
// the terminal back the way it was.
#ifndef ROUNDS_CWIDTH_H
#define ROUNDS_CWIDTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// wcwidth(3) of one code point in the current locale: -1 unprintable, 0, 1 or 2.
int rounds_wcwidth(uint32_t codepoint);
/// wcswidth(3) of `count` code points, or -1 if any is unprintable.
int rounds_wcswidth(const uint32_t *codepoints, size_t count);

/// setlocale(LC_ALL, ""); if the character set is then not UTF-8, LC_CTYPE falls back to
/// C.UTF-8 (then en_US.UTF-8). Returns 1 when the final LC_CTYPE is UTF-8, 0 otherwise.
int rounds_setlocale_utf8(void);
/// 1 when the current LC_CTYPE codeset is UTF-8.
int rounds_locale_is_utf8(void);

// ---- Signals and terminal restore (see Docs/terminal.md) ----

/// Installs flag-setting handlers for SIGINT, SIGTERM and SIGHUP (no SA_RESTART, so a blocking
/// read returns), records the calling thread as the terminal thread (a signal that lands on
/// another thread is forwarded to it), and unblocks INT/TERM/HUP/WINCH/TSTP/CONT on this thread.
/// A second SIGINT or SIGTERM while the flag is already set restores the terminal and lets the
/// signal take its default action. Idempotent.
void rounds_signals_install(void);
/// Puts back the handlers that were in place before rounds_signals_install.
void rounds_signals_uninstall(void);
/// Wraps the current SIGWINCH handler (ncurses') so that a SIGWINCH delivered to another thread is
/// forwarded to the terminal thread and interrupts its read. Call after newterm.
void rounds_signals_wrap_winch(void);
/// Unblocks INT/TERM/HUP/WINCH/TSTP/CONT on the calling thread.
void rounds_signals_unblock(void);
/// The number of the first INT/TERM/HUP received since install (0 if none).
int rounds_signals_received(void);
/// Records `sig` as received (used when the terminal hangs up without a signal).
void rounds_signals_note(int sig);
/// While set, SIGINT is ignored by the flag handler (a child such as $EDITOR owns Ctrl-C).
void rounds_signals_set_ignore_int(int ignore);

/// Arms the emergency restore: `sequence` (e.g. sgr0 cnorm rmkx rmcup) is written to `out_fd` and
/// the terminal modes saved from `tty_fd` now are put back, at exit (atexit), on a second
/// INT/TERM and on fatal signals (SEGV, BUS, ILL, FPE, ABRT, TRAP, which are then re-raised to
/// the previous handler). Copies `sequence` (up to 1023 bytes). Returns 0 on success.
int rounds_restore_arm(int tty_fd, int out_fd, const char *sequence);
/// Updates the saved terminal modes from `tty_fd` (e.g. to the shell modes) without re-arming.
int rounds_restore_save_modes(int tty_fd);
/// Disarms the emergency restore (after a normal endwin).
void rounds_restore_disarm(void);
/// Runs the emergency restore now if armed (async-signal-safe).
void rounds_restore_now(void);

#ifdef __cplusplus
}
#endif

#endif
