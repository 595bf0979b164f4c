import CNcursesw
import CWidth

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The real terminal, through ncursesw. Create one, loop on `readKey` / `draw`, and call
/// `shutdown` on the way out (also done by `deinit`, at exit and on fatal signals).
/// Use it from the thread that created it.
public final class CursesTerminal: Terminal {
    private var screenHandle: OpaquePointer?
    private var window: UnsafeMutablePointer<WINDOW>?
    private var active = false
    private var suspended = false
    private var lastFrame: Buffer?
    private var lastScreenSize = (width: -1, height: -1)
    private var forceRepaint = false
    private var pendingResize = false
    private var decoder = KeyDecoder()
    private var quickErrors = 0

    private var colors = false
    private var defaultColors = false
    private var pairs: [Int: Int16] = [:]
    private var nextPair = 1
    private var maxPairs = 0
    private var cursorShown: Bool?
    private var glyphCache: [String: [Glyph]] = [:]

    /// The escape delay set with `set_escdelay`, in milliseconds.
    public static let escapeDelayMs: Int32 = 25

    /// Opens the terminal: setlocale (fallback C.UTF-8), isatty(0/1) check, newterm (not initscr),
    /// refuses a TERM without cursor addressing (tigetstr("cup")), raw-ish mode (cbreak, noecho,
    /// nonl, keypad, set_escdelay(25), IXON off so Ctrl-S/Ctrl-Q reach the app), colours unless
    /// NO_COLOR is set or the terminal has none (then monochrome styles: bold/reverse/underline
    /// only), installs INT/TERM/HUP handlers (flag, no SA_RESTART) and unblocks
    /// INT/TERM/HUP/WINCH/TSTP/CONT, restores the terminal (endwin) on shutdown, on every exit path
    /// and on those signals.
    public init() throws(TerminalError) {
        guard isatty(0) == 1 else { throw TerminalError("standard input is not a terminal") }
        guard isatty(1) == 1 else { throw TerminalError("standard output is not a terminal") }
        guard let rawTerm = getenv("TERM"), rawTerm.pointee != 0 else {
            throw TerminalError("TERM is not set")
        }
        let term = String(cString: rawTerm)
        let shown = TextSafety.visible(term)
        guard rounds_setlocale_utf8() == 1 else {
            throw TerminalError("no UTF-8 locale is available (tried LANG/LC_*, C.UTF-8 and en_US.UTF-8)")
        }
        switch rounds_terminal_can_address(term, 1) {
        case 1: break
        case 0: throw TerminalError("TERM=\(shown) cannot address the cursor")
        case -2: throw TerminalError("no terminfo database is installed (TERM=\(shown))")
        default: throw TerminalError("TERM=\(shown) is not a terminal type this system knows")
        }
        _ = rounds_restore_save_modes(0)
        guard let handle = newterm(term, rounds_stdout(), rounds_stdin()) else {
            throw TerminalError("cannot open the terminal (TERM=\(shown))")
        }
        _ = set_term(handle)
        screenHandle = handle
        window = rounds_stdscr()
        active = true

        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        intrflush(window, false)
        _ = set_escdelay(Self.escapeDelayMs)
        _ = curs_set(0)
        cursorShown = false
        var modes = termios()
        if tcgetattr(0, &modes) == 0 {
            modes.c_iflag &= ~tcflag_t(IXON | IXOFF)
            _ = tcsetattr(0, TCSANOW, &modes)
        }
        def_prog_mode()

        let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        if !noColor && has_colors() {
            start_color()
            defaultColors = use_default_colors() == OK
            colors = true
            maxPairs = Int(min(rounds_color_pairs(), 32767))
        }

        rounds_signals_install()
        rounds_signals_wrap_winch()
        var sequence = ""
        for cap in ["sgr0", "cnorm", "rmkx", "rmcup"] {
            if let s = rounds_tigetstr(cap) { sequence += String(cString: s) }
        }
        _ = rounds_restore_arm(0, 1, sequence)
    }

    deinit {
        shutdown()
    }

    public var size: (width: Int, height: Int) {
        guard let window else { return (0, 0) }
        var y: Int32 = 0
        var x: Int32 = 0
        rounds_getmaxyx(window, &y, &x)
        return (Int(x), Int(y))
    }

    /// True once a SIGINT/SIGTERM/SIGHUP arrived (or the terminal hung up).
    public var interrupted: Bool { rounds_signals_received() != 0 }

    /// The signal that ended the session (SIGINT, SIGTERM, SIGHUP), or 0: exit with 128 + it.
    public var interruptSignal: Int32 { rounds_signals_received() }

    /// True when colours are drawn (false for NO_COLOR or a monochrome terminal).
    public var usesColor: Bool { colors }

    @discardableResult
    public func draw(_ buffer: Buffer) -> Int {
        guard active, !suspended, let window else { return 0 }
        let screen = size
        let resized = screen != lastScreenSize
        let full = forceRepaint || resized || lastFrame == nil
            || lastFrame!.width != buffer.width || lastFrame!.height != buffer.height
        if full {
            werase(window)
            if forceRepaint || resized { clearok(rounds_curscr(), true) }
        }
        var sent = 0
        for run in FrameDiff.runs(from: full ? nil : lastFrame, to: buffer) {
            guard run.y < screen.height, run.x < screen.width else { continue }
            let end = min(run.x + run.width, screen.width)
            var x = run.x
            while x < end {
                let cell = buffer[x: x, y: run.y]
                let w = Int(cell.width)
                if w == 0 {
                    x += 1
                    continue
                }
                if x + w > screen.width {  // a wide char in the last column: a space
                    put(" ", width: 1, style: cell.style, x: x, y: run.y)
                } else {
                    put(cell.text, width: w, style: cell.style, x: x, y: run.y)
                }
                sent += w
                x += w
            }
        }
        if let cursor = buffer.cursor, cursor.x >= 0, cursor.y >= 0, cursor.x < screen.width,
            cursor.y < screen.height
        {
            if cursorShown != true {
                _ = curs_set(1)
                cursorShown = true
            }
            wmove(window, Int32(cursor.y), Int32(cursor.x))
        } else if cursorShown != false {
            _ = curs_set(0)
            cursorShown = false
        }
        wnoutrefresh(window)
        doupdate()
        lastFrame = buffer
        lastScreenSize = screen
        forceRepaint = false
        return sent
    }

    public func readKey(timeoutMs: Int) -> Key? {
        guard active, !suspended, let window else { return nil }
        if interrupted { return nil }
        if pendingResize {
            pendingResize = false
            return .resize
        }
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = timeoutMs >= 0 ? started.advanced(by: .milliseconds(timeoutMs)) : nil
        while true {
            var gotInput = false
            let key = decoder.next { wait in
                var ms: Int32 = 0
                if wait {
                    if let deadline {
                        let left = clock.now.duration(to: deadline)
                        ms = left <= .zero ? 0 : Int32(clamping: left.components.seconds * 1000
                            + left.components.attoseconds / 1_000_000_000_000_000)
                    } else {
                        ms = -1
                    }
                }
                wtimeout(window, ms)
                var wch: wint_t = 0
                let result = wget_wch(window, &wch)
                if result == ERR { return nil }
                gotInput = true
                return RawInput(UInt32(wch), isKeyCode: result == KEY_CODE_YES)
            }
            if let key {
                quickErrors = 0
                return key
            }
            if interrupted { return nil }
            if !gotInput {
                noteEmptyRead(requestedMs: timeoutMs, elapsed: started.duration(to: clock.now))
                return nil
            }
            // Input that means nothing to us (an unknown key code): keep waiting.
            if let deadline, clock.now >= deadline { return nil }
        }
    }

    /// get_wch returned ERR: a timeout, a signal, or a terminal that went away. Returning ERR at
    /// once, again and again, means the terminal hung up without a SIGHUP reaching us: report it
    /// as interrupted instead of letting the loop spin.
    private func noteEmptyRead(requestedMs: Int, elapsed: Duration) {
        guard requestedMs != 0 else { return }
        let quick = requestedMs < 0 || elapsed < .milliseconds(max(1, requestedMs / 2))
        guard quick else {
            quickErrors = 0
            return
        }
        quickErrors += 1
        var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        let ready = poll(&fd, 1, 0)
        let hungUp = ready > 0 && (Int32(fd.revents) & Int32(POLLHUP | POLLERR | POLLNVAL)) != 0
        if hungUp || quickErrors >= 100 || isatty(0) != 1 {
            rounds_signals_note(SIGHUP)
        }
    }

    public func suspend() {
        guard active, !suspended else { return }
        rounds_signals_set_ignore_int(1)
        def_prog_mode()
        endwin()
        fflush(rounds_stdout())
        suspended = true
    }

    public func resume() {
        guard active, suspended, let window else { return }
        reset_prog_mode()
        suspended = false
        rounds_signals_set_ignore_int(0)
        rounds_signals_unblock()
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0,
            Int(ws.ws_row) != size.height || Int(ws.ws_col) != size.width
        {
            resizeterm(Int32(ws.ws_row), Int32(ws.ws_col))
            pendingResize = true
        }
        keypad(window, true)
        forceRepaint = true
        lastFrame = nil
    }

    public func shutdown() {
        guard active else { return }
        active = false
        if !suspended {
            _ = curs_set(1)
            endwin()
        }
        suspended = false
        if let screenHandle { delscreen(screenHandle) }
        screenHandle = nil
        window = nil
        fflush(rounds_stdout())
        rounds_restore_disarm()
        rounds_signals_uninstall()
    }

    // MARK: - Cells

    private func put(_ text: String, width: Int, style: Style, x: Int, y: Int) {
        guard let window else { return }
        let (attrs, pair) = attributes(for: style)
        var cc = cchar_t()
        let utf8 = text.utf8
        if utf8.count == 1, let b = utf8.first, b >= 0x20, b < 0x7F {
            var wch: [wchar_t] = [wchar_t(b), 0]
            setcchar(&cc, &wch, attrs, pair, nil)
            mvwadd_wch(window, Int32(y), Int32(x), &cc)
            return
        }
        var column = x
        for glyph in glyphs(text, width: width) {
            var chars = glyph.chars
            chars.append(0)
            setcchar(&cc, &chars, attrs, pair, nil)
            mvwadd_wch(window, Int32(y), Int32(column), &cc)
            column += glyph.width
        }
    }

    /// The curses characters that draw one cell of `width` columns so that it takes exactly that
    /// many columns: each spacing character with its combining marks (at most 4), while they fit by
    /// wcwidth; U+200D, U+FE0E, tag characters and a U+FE0F on a 1-column base are left out (❤️
    /// is drawn as ❤ plus a space; 👩‍⚕️ as 👩); a character the C library cannot measure becomes
    /// U+FFFD; the rest is padded with spaces.
    func glyphs(_ text: String, width: Int) -> [Glyph] {
        if let cached = glyphCache[text] { return cached }
        let result = Self.glyphs(text, width: width, wcwidth: { Int(rounds_wcwidth($0)) })
        if glyphCache.count > 4096 { glyphCache.removeAll(keepingCapacity: true) }
        glyphCache[text] = result
        return result
    }

    static func glyphs(_ text: String, width: Int, wcwidth: (UInt32) -> Int) -> [Glyph] {
        var result: [Glyph] = []
        var used = 0
        var current: [UInt32] = []
        var currentWidth = 0
        var full = false
        func finish() {
            if !current.isEmpty {
                result.append(Glyph(chars: current.map { wchar_t(bitPattern: $0) }, width: currentWidth))
                used += currentWidth
            }
            current = []
            currentWidth = 0
        }
        for scalar in text.unicodeScalars {
            var v = scalar.value
            var w = wcwidth(v)
            if w < 0 {
                v = 0xFFFD
                w = 1
            }
            if w > 0 {
                finish()
                if used + w > width {
                    full = true
                    break
                }
                current = [v]
                currentWidth = w
                continue
            }
            guard !current.isEmpty else { continue }  // a mark with no base
            switch v {
            case 0x200D, 0xFE0E, 0xE0000...0xE007F: continue
            case 0xFE0F where currentWidth == 1: continue
            default: if current.count < 5 { current.append(v) }
            }
        }
        if !full { finish() }
        while used < width {
            result.append(Glyph(chars: [0x20], width: 1))
            used += 1
        }
        return result
    }

    /// One curses character: a spacing character and its combining marks, and its columns.
    struct Glyph: Equatable {
        var chars: [wchar_t]
        var width: Int
    }

    private func attributes(for style: Style) -> (attr_t, Int16) {
        var attrs = rounds_wa_normal()
        if style.bold { attrs |= rounds_wa_bold() }
        if style.underline { attrs |= rounds_wa_underline() }
        var reverse = style.reverse
        if colors {
            if style.dim { attrs |= rounds_wa_dim() }
        } else if style.bg != .default {
            reverse = true  // monochrome: a coloured background (a selection bar) shows as reverse
        }
        if reverse { attrs |= rounds_wa_reverse() }
        return (attrs, colors ? pair(style.fg, style.bg) : 0)
    }

    private func pair(_ fg: Color, _ bg: Color) -> Int16 {
        if fg == .default && bg == .default { return 0 }
        let key = Int(fg.rawValue) * 16 + Int(bg.rawValue)
        if let p = pairs[key] { return p }
        guard nextPair < maxPairs else {
            return bg == .default ? 0 : pair(fg, .default)
        }
        var f = Int16(fg.ansiIndex)
        var b = Int16(bg.ansiIndex)
        if !defaultColors {
            if f < 0 { f = Int16(COLOR_WHITE) }
            if b < 0 { b = Int16(COLOR_BLACK) }
        }
        let p = Int16(nextPair)
        init_pair(p, f, b)
        nextPair += 1
        pairs[key] = p
        return p
    }
}
