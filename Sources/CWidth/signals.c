// Signal handling and emergency terminal restore for RoundsTerminal.
// Everything reachable from a handler is async-signal-safe: flags of type sig_atomic_t,
// write(2), tcsetattr(3), sigaction(2), pthread_kill(3), raise(3).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "CWidth.h"

#define ROUNDS_MAXSIG 65

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
static const int unblock_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static volatile sig_atomic_t g_received = 0;
static volatile sig_atomic_t g_ignore_int = 0;
static volatile sig_atomic_t g_forwarded = 0;
static volatile sig_atomic_t g_have_thread = 0;
static pthread_t g_thread;
static int g_stop_installed = 0;

static struct sigaction g_previous[ROUNDS_MAXSIG];

static struct sigaction g_winch_previous;
static int g_winch_wrapped = 0;

static volatile sig_atomic_t g_armed = 0;
static char g_sequence[1024];
static size_t g_sequence_len = 0;
static struct termios g_modes;
static int g_have_modes = 0;
static int g_tty_fd = -1;
static int g_out_fd = -1;
static int g_atexit_registered = 0;
static int g_fatal_installed = 0;

static int on_terminal_thread(void) {
    return !g_have_thread || pthread_equal(pthread_self(), g_thread);
}

void rounds_restore_now(void) {
    if (!g_armed) return;
    g_armed = 0;
    int saved = errno;
    if (g_sequence_len > 0 && g_out_fd >= 0) {
        size_t off = 0;
        while (off < g_sequence_len) {
            ssize_t n = write(g_out_fd, g_sequence + off, g_sequence_len - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            off += (size_t)n;
        }
    }
    if (g_have_modes && g_tty_fd >= 0) tcsetattr(g_tty_fd, TCSANOW, &g_modes);
    errno = saved;
}

/// Restores the terminal, then lets `sig` take its default action once the handler returns.
static void die_with(int sig) {
    rounds_restore_now();
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);  // blocked while this handler runs; delivered when it returns
}

static void on_stop(int sig) {
    int saved = errno;
    if (!on_terminal_thread()) {
        if (!(sig == SIGINT && g_ignore_int)) {
            if (g_received != 0) {
                if (sig != SIGHUP) die_with(sig);
            } else {
                g_received = sig;
            }
        }
        // Interrupt the terminal thread's blocking read so the app notices at once.
        g_forwarded = 1;
        pthread_kill(g_thread, sig);
        errno = saved;
        return;
    }
    if (g_forwarded) {  // the forwarded copy: it only had to interrupt the read
        g_forwarded = 0;
        errno = saved;
        return;
    }
    if (sig == SIGINT && g_ignore_int) {
        errno = saved;
        return;
    }
    if (g_received != 0) {
        if (sig != SIGHUP) die_with(sig);
    } else {
        g_received = sig;
    }
    errno = saved;
}

static void on_winch(int sig) {
    int saved = errno;
    if (!on_terminal_thread()) {
        pthread_kill(g_thread, sig);
    } else if (g_winch_previous.sa_handler != SIG_DFL && g_winch_previous.sa_handler != SIG_IGN) {
        g_winch_previous.sa_handler(sig);
    }
    errno = saved;
}

static void on_fatal(int sig, siginfo_t *info, void *context) {
    (void)context;
    rounds_restore_now();
    if (sig > 0 && sig < ROUNDS_MAXSIG) {
        sigaction(sig, &g_previous[sig], NULL);
    }
    // A real fault re-executes the faulting instruction on return and reaches the previous
    // handler with its real context; a sent or raised signal has to be raised again.
    if (info == NULL || info->si_code <= 0 || sig == SIGABRT) raise(sig);
}

void rounds_signals_unblock(void) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < COUNT(unblock_signals); i++) sigaddset(&set, unblock_signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void rounds_signals_install(void) {
    g_thread = pthread_self();
    g_have_thread = 1;
    g_received = 0;
    g_forwarded = 0;
    g_ignore_int = 0;
    if (!g_stop_installed) {
        for (size_t i = 0; i < COUNT(stop_signals); i++) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_stop;
            sigemptyset(&sa.sa_mask);
            for (size_t j = 0; j < COUNT(stop_signals); j++) sigaddset(&sa.sa_mask, stop_signals[j]);
            sa.sa_flags = 0;  // no SA_RESTART: the blocking read must return
            sigaction(stop_signals[i], &sa, &g_previous[stop_signals[i]]);
        }
        g_stop_installed = 1;
    }
    rounds_signals_unblock();
}

void rounds_signals_wrap_winch(void) {
    if (g_winch_wrapped) return;
    struct sigaction current;
    if (sigaction(SIGWINCH, NULL, &current) != 0) return;
    if (current.sa_flags & SA_SIGINFO) return;
    if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) return;
    g_winch_previous = current;
    struct sigaction sa = current;
    sa.sa_handler = on_winch;
    sa.sa_flags &= ~SA_RESETHAND;
    if (sigaction(SIGWINCH, &sa, NULL) == 0) g_winch_wrapped = 1;
}

void rounds_signals_uninstall(void) {
    if (g_winch_wrapped) {
        struct sigaction current;
        // Put ncurses' handler back only if ours is still the one in place.
        if (sigaction(SIGWINCH, NULL, &current) == 0 && current.sa_handler == on_winch) {
            sigaction(SIGWINCH, &g_winch_previous, NULL);
        }
        g_winch_wrapped = 0;
    }
    if (g_stop_installed) {
        for (size_t i = 0; i < COUNT(stop_signals); i++) {
            sigaction(stop_signals[i], &g_previous[stop_signals[i]], NULL);
        }
        g_stop_installed = 0;
    }
    g_have_thread = 0;
}

int rounds_signals_received(void) { return (int)g_received; }

void rounds_signals_note(int sig) {
    if (g_received == 0) g_received = sig;
}

void rounds_signals_set_ignore_int(int ignore) { g_ignore_int = ignore ? 1 : 0; }

static void at_exit_restore(void) { rounds_restore_now(); }

int rounds_restore_save_modes(int tty_fd) {
    struct termios modes;
    if (tcgetattr(tty_fd, &modes) != 0) return -1;
    g_modes = modes;
    g_have_modes = 1;
    g_tty_fd = tty_fd;
    return 0;
}

int rounds_restore_arm(int tty_fd, int out_fd, const char *sequence) {
    g_armed = 0;
    size_t n = sequence ? strlen(sequence) : 0;
    if (n >= sizeof g_sequence) n = sizeof g_sequence - 1;
    if (n > 0) memcpy(g_sequence, sequence, n);
    g_sequence[n] = 0;
    g_sequence_len = n;
    g_out_fd = out_fd;
    g_tty_fd = tty_fd;
    if (!g_have_modes) {
        g_have_modes = (tcgetattr(tty_fd, &g_modes) == 0);
    }
    if (!g_atexit_registered) {
        atexit(at_exit_restore);
        g_atexit_registered = 1;
    }
    if (!g_fatal_installed) {
        for (size_t i = 0; i < COUNT(fatal_signals); i++) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_fatal;
            sigemptyset(&sa.sa_mask);
            sa.sa_flags = SA_SIGINFO;
            sigaction(fatal_signals[i], &sa, &g_previous[fatal_signals[i]]);
        }
        g_fatal_installed = 1;
    }
    g_armed = 1;
    return 0;
}

void rounds_restore_disarm(void) {
    g_armed = 0;
    g_have_modes = 0;
    if (g_fatal_installed) {
        for (size_t i = 0; i < COUNT(fatal_signals); i++) {
            sigaction(fatal_signals[i], &g_previous[fatal_signals[i]], NULL);
        }
        g_fatal_installed = 0;
    }
}
