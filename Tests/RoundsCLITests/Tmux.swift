import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// End-to-end harness: drives a real terminal program inside a private tmux server.
//
// Rules it follows (see /work/shared/TERMINAL-NOTES.md):
// - every process is started with posix_spawn, an EMPTY signal mask and default dispositions, never
//   Foundation.Process: Swift Testing runs tests on threads with signals blocked and children inherit
//   the mask (the tmux server, then the app, would never get SIGWINCH/SIGHUP);
// - a private server: its own socket in its own directory under /tmp, `-f /dev/null`;
// - the screen is always polled (capture-pane right after a key or a resize is often stale);
// - the exit status is read from an `EXIT=` marker printed by a wrapper shell, not #{pane_dead_status};
// - kill-server, wait (bounded) until the server and the pane's processes are gone, delete the directory.

/// `waitFor` gave up. `description` (what a failing test prints) includes the last screen.
struct TmuxTimeout: Error, CustomStringConvertible {
    /// What was awaited.
    var what: String
    var timeout: TimeInterval
    /// The last screen seen (for `waitForExit`: the whole history).
    var lastScreen: [String]

    init(_ what: String, _ lastScreen: [String], timeout: TimeInterval = 0) {
        self.what = what
        self.lastScreen = lastScreen
        self.timeout = timeout
    }

    var description: String {
        let width = lastScreen.map(\.count).max() ?? 0
        let rule = String(repeating: "-", count: max(width, 1))
        return "Timed out after \(timeout) s waiting for \(what). Last screen (\(lastScreen.count) lines):\n"
            + "+\(rule)+\n"
            + lastScreen.map { "|" + $0 + String(repeating: " ", count: max(0, width - $0.count)) + "|" }.joined(separator: "\n")
            + "\n+\(rule)+"
    }
}

/// A tmux command (or the start of the session) failed.
struct TmuxError: Error, CustomStringConvertible {
    var description: String
}

/// One program running in a detached session of a private tmux server.
final class TmuxSession {
    /// The tmux executable, or nil when tmux is not installed.
    static let tmuxPath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/tmux" } + ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]
        return candidates.first { access($0, X_OK) == 0 }
    }()

    /// True under CI, where a missing tmux must fail the tests instead of skipping them
    /// (.ci/run installs tmux).
    static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? ""
        return !value.isEmpty && value != "0" && value != "false"
    }()

    /// The pane's processes start only once this channel is signalled, after the raw-output pipe is in place.
    private static let startChannel = "rounds-harness-start"
    /// Harmless (unknown to tmux, ignored) OSC written to the pane's tty to know the raw-output file caught up.
    private static let syncPrefix = "\u{1b}]7777;rounds-harness-sync-"

    let tmux: String
    /// Private directory holding the socket and the raw-output file; deleted by `kill()`.
    let socketDirectory: String
    let socketPath: String
    /// The tmux server's process id (a daemon, not our child).
    let serverPID: pid_t
    /// The wrapper shell in the pane (session leader; the app runs in its process group).
    let panePID: pid_t
    /// e.g. "%0": the target of every command.
    let paneID: String
    /// The pane's terminal (slave side), e.g. /dev/pts/3.
    let paneTTY: String
    private let rawOutputPath: String
    private var syncCounter = 0
    private var killed = false

    /// Starts a private tmux server (its own socket in a temp dir, `-f /dev/null`) running `command` (argv)
    /// in a detached session of `width`×`height`, with `environment` added (TERM=xterm-256color by default,
    /// LANG/LC_ALL=C.UTF-8). The command runs under `sh -c 'trap : INT; "$@"; echo "EXIT=$?"; sleep 600' sh ...`
    /// so its exit status can be read from the pane after it ends. `directory`: its working directory
    /// (default: this process's).
    init(command: [String], width: Int = 80, height: Int = 24, environment: [String: String] = [:], directory: String? = nil) throws {
        guard let tmux = Self.tmuxPath else {
            throw TmuxError(description: "tmux is not installed (looked in PATH, /usr/bin, /usr/local/bin, /opt/homebrew/bin); CI installs it through .ci/run")
        }
        guard !command.isEmpty else { throw TmuxError(description: "TmuxSession: empty command") }
        self.tmux = tmux
        // Under /tmp, not $TMPDIR: a Unix socket path must fit in ~104 bytes.
        var template = Array("/tmp/rounds-tmux-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TmuxError(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let dir = String(cString: made)
        socketDirectory = dir
        socketPath = dir + "/socket"
        rawOutputPath = dir + "/output.raw"

        var env = ProcessInfo.processInfo.environment
        // Never talk to (or nest inside) the developer's tmux; LINES/COLUMNS would override the pty size in ncurses;
        // NO_COLOR only where a test asks for it (the test runner may set it for its own output).
        for key in ["TMUX", "TMUX_PANE", "LINES", "COLUMNS", "NO_COLOR"] { env.removeValue(forKey: key) }
        env["TERM"] = "xterm-256color"
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = "C.UTF-8"
        for (k, v) in environment { env[k] = v }
        let term = env["TERM"]!

        var args = ["set-option", "-g", "default-terminal", term, ";",
                    "set-option", "-g", "history-limit", "10000", ";",
                    "new-session", "-d", "-s", "rounds", "-x", "\(width)", "-y", "\(height)",
                    "-P", "-F", "#{pid} #{pane_id} #{pane_pid} #{pane_tty}"]
        if let directory { args += ["-c", directory] }
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(k)=\(v)"] }
        args += ["-e", "TERM=\(term)", "--",
                 "sh", "-c", #""$1" -S "$2" wait-for "$3"; shift 3; trap : INT; "$@"; echo "EXIT=$?"; sleep 600"#,
                 "sh", tmux, socketPath, Self.startChannel] + command

        let started: TmuxRun.Result
        do {
            started = try TmuxRun.run([tmux, "-u", "-S", socketPath, "-f", "/dev/null"] + args.map(Self.escapeSemicolon(keepingSeparators: true)),
                                      environment: env, timeout: 10)
        } catch {
            Self.removeDirectory(dir)
            throw error
        }
        let fields = started.stdoutString.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard started.status == 0, fields.count == 4, let server = pid_t(fields[0]), let pane = pid_t(fields[2]) else {
            Self.removeDirectory(dir)
            throw TmuxError(description: "tmux new-session failed (status \(started.status)): \(started.stderrString)\(started.stdoutString)")
        }
        serverPID = server
        paneID = String(fields[1])
        panePID = pane
        paneTTY = String(fields[3])

        // Record every byte the program writes, from the first one: the pipe is in place before the gate opens.
        _ = FileManager.default.createFile(atPath: rawOutputPath, contents: nil)
        do {
            try control(["pipe-pane", "-t", paneID, "exec cat >> '\(rawOutputPath)'", ";", "wait-for", "-S", Self.startChannel], keepSeparators: true)
        } catch {
            kill()
            throw error
        }
    }

    deinit { kill() }

    // MARK: Reading the screen

    /// The screen now (capture-pane -p), as lines (one per row).
    func screen() throws -> [String] {
        Self.lines(try control(["capture-pane", "-p", "-t", paneID]))
    }

    /// Polls the screen every ~20 ms until `predicate` holds, up to `timeout` seconds; returns the screen that
    /// satisfied it, or throws TmuxTimeout(description, lastScreen) — the test then fails with the screen printed.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 5, _ predicate: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let now = try screen()
            if predicate(now) { return now }
            if Date() >= deadline { throw TmuxTimeout(what, now, timeout: timeout) }
            usleep(20_000)
        }
    }

    /// Waits until some row of the screen contains `text`.
    @discardableResult
    func waitForText(_ text: String, timeout: TimeInterval = 5) throws -> [String] {
        try waitFor("text \"\(text)\"", timeout: timeout) { $0.contains { $0.contains(text) } }
    }

    /// The screen with its attributes as SGR escape sequences (capture-pane -p -e).
    /// NOTE: this is tmux's *rendering* of the cells (colours, bold, reverse…); it never contains OSC
    /// sequences (OSC 52 clipboard, OSC 0/2 title) or any other byte the program wrote that did not
    /// become a cell. To check for hostile sequences use `capturedEscapes()` (and `paneTitle()`).
    func screenWithEscapes() throws -> String {
        try control(["capture-pane", "-p", "-e", "-t", paneID])
    }

    /// Every byte the program has written to the terminal since it started (tmux pipe-pane), as text
    /// (invalid UTF-8 replaced). Synchronised: everything written before this call is included.
    /// Use it to assert that no hostile sequence (OSC 52 `\u{1b}]52;`, title `\u{1b}]0;`/`\u{1b}]2;`,
    /// bidi overrides…) reached the terminal.
    func capturedEscapes(timeout: TimeInterval = 5) throws -> String {
        String(decoding: try capturedOutput(timeout: timeout), as: UTF8.self)
    }

    /// The raw bytes behind `capturedEscapes()`.
    func capturedOutput(timeout: TimeInterval = 5) throws -> Data {
        syncCounter += 1
        let marker = Data("\(Self.syncPrefix)\(syncCounter)\u{07}".utf8)
        // Bytes written to the pty's slave side follow the program's earlier output through the master,
        // so once the marker is in the file, so is everything before it.
        let fd = open(paneTTY, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        var synced = false
        if fd >= 0 {
            synced = marker.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == marker.count
            close(fd)
        }
        let deadline = Date().addingTimeInterval(timeout)
        var data = (try? Data(contentsOf: URL(fileURLWithPath: rawOutputPath))) ?? Data()
        while synced, data.range(of: marker) == nil {
            if Date() >= deadline {
                throw TmuxError(description: "capturedOutput: the raw output did not catch up within \(timeout) s")
            }
            usleep(10_000)
            data = (try? Data(contentsOf: URL(fileURLWithPath: rawOutputPath))) ?? Data()
        }
        return Self.removingSyncMarkers(data)
    }

    /// The pane's title as the program last set it (OSC 0/2), or tmux's default (the host name).
    func paneTitle() throws -> String {
        try control(["display-message", "-p", "-t", paneID, "#{pane_title}"]).trimmingCharacters(in: .newlines)
    }

    // MARK: Input

    /// Literal text (send-keys -l): every character typed as is, UTF-8 included.
    func type(_ text: String) throws {
        guard !text.isEmpty else { return }
        try control(["send-keys", "-t", paneID, "-l", "--", text])
    }

    /// Named keys: "Enter", "Escape", "Up", "C-c", "BSpace", "PageDown", "Tab", "F1", "M-x" …
    func press(_ keys: String...) throws {
        guard !keys.isEmpty else { return }
        try control(["send-keys", "-t", paneID, "--"] + keys)
    }

    /// resize-window; the program gets SIGWINCH. Then waitFor the program to redraw (the caller's job):
    /// tmux holds back bursts of resizes, so wait for the final size.
    func resize(width: Int, height: Int) throws {
        try control(["resize-window", "-t", paneID, "-x", "\(width)", "-y", "\(height)"])
    }

    // MARK: Exit

    /// Waits for the program to end and returns its exit status (from the EXIT= marker,
    /// capture-pane -p -J -S -). 130 after C-c (the wrapper shell traps INT, the program does not).
    func waitForExit(timeout: TimeInterval = 5) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let history = Self.lines(try control(["capture-pane", "-p", "-J", "-S", "-", "-t", paneID]))
            for line in history.reversed() {
                if let status = Self.exitMarker(line) { return status }
            }
            if Date() >= deadline { throw TmuxTimeout("the program to exit (EXIT= marker)", history, timeout: timeout) }
            usleep(20_000)
        }
    }

    /// kill-server, wait (bounded) for the server and the pane's processes to be gone, delete the socket
    /// directory. Idempotent; also called from deinit.
    func kill() {
        if killed { return }
        killed = true
        _ = try? TmuxRun.run([tmux, "-S", socketPath, "kill-server"], environment: nil, timeout: 5)
        // The server is not our child (it daemonised): poll, then force.
        if !Self.waitGone({ Self.processGone(self.serverPID) }, seconds: 5) {
            forcedKill.append("server")
            _ = sendSignal(serverPID, SIGKILL)
            _ = Self.waitGone({ Self.processGone(self.serverPID) }, seconds: 2)
        }
        // The pane's process group (wrapper shell + program) gets SIGHUP from the closing pty; a program
        // that ignores it must not outlive the test.
        if !Self.waitGone({ Self.groupGone(self.panePID) }, seconds: 3) {
            forcedKill.append("pane process group")
            _ = sendSignal(-panePID, SIGKILL)
            _ = Self.waitGone({ Self.groupGone(self.panePID) }, seconds: 2)
        }
        Self.removeDirectory(socketDirectory)
    }

    /// What `kill()` had to SIGKILL because it outlived kill-server ("server", "pane process group").
    private(set) var forcedKill: [String] = []

    // MARK: Helpers

    /// Runs one tmux command list against this server; returns its standard output. Throws on failure.
    @discardableResult
    private func control(_ args: [String], keepSeparators: Bool = false) throws -> String {
        let result = try TmuxRun.run([tmux, "-u", "-S", socketPath] + args.map(Self.escapeSemicolon(keepingSeparators: keepSeparators)),
                                     environment: nil, timeout: 10)
        guard result.status == 0 else {
            throw TmuxError(description: "tmux \(args.joined(separator: " ")) failed (status \(result.status)): \(result.stderrString)")
        }
        return result.stdoutString
    }

    /// tmux splits a command list at any argument ending in ";" (and turns a trailing "\;" into ";").
    /// Escape user text so that "a;" is sent as "a;"; keep the bare ";" separators we put in ourselves.
    private static func escapeSemicolon(keepingSeparators: Bool) -> (String) -> String {
        { arg in
            if keepingSeparators && arg == ";" { return arg }
            return arg.hasSuffix(";") ? String(arg.dropLast()) + "\\;" : arg
        }
    }

    private static func lines(_ output: String) -> [String] {
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// "…EXIT=7" (the marker may follow whatever the program left on that row) → 7.
    static func exitMarker(_ line: String) -> Int32? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let range = trimmed.range(of: "EXIT=", options: .backwards) else { return nil }
        let digits = trimmed[range.upperBound...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int32(digits)
    }

    private static func removingSyncMarkers(_ data: Data) -> Data {
        let prefix = Data(syncPrefix.utf8)
        var out = Data()
        var rest = data[...]
        while let r = rest.range(of: prefix) {
            out.append(rest[rest.startIndex..<r.lowerBound])
            if let bel = rest[r.upperBound...].firstIndex(of: 0x07) {
                rest = rest[(bel + 1)...]
            } else {
                rest = rest[rest.endIndex...]
            }
        }
        out.append(rest)
        return out
    }

    private static func waitGone(_ gone: () -> Bool, seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !gone() {
            if Date() >= deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// Gone, or a zombie (PID 1 here may not reap orphans quickly).
    static func processGone(_ pid: pid_t) -> Bool {
        if sendSignal(pid, 0) != 0 { return errno == ESRCH }
        #if os(Linux)
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
            return state == "Z" || state == "X"
        }
        #endif
        return false
    }

    /// No live (non-zombie) process left in the process group.
    static func groupGone(_ pgid: pid_t) -> Bool {
        if sendSignal(-pgid, 0) != 0 { return errno == ESRCH }
        #if os(Linux)
        // Some member exists; alive only if one is not a zombie.
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        for entry in entries {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields: state ppid pgrp …
            if fields.count > 2, pid_t(fields[2]) == pgid, fields[0] != "Z", fields[0] != "X" { return false }
        }
        return true
        #else
        return false
        #endif
    }

    private static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// `kill(2)` (inside TmuxSession the name `kill` means `TmuxSession.kill()`).
@inline(__always)
private func sendSignal(_ pid: pid_t, _ signal: Int32) -> Int32 {
    kill(pid, signal)
}

extension Trait where Self == ConditionTrait {
    /// Skips the test when tmux is not installed — except under CI (CI=true), where tmux is installed by
    /// .ci/run and a missing tmux must fail loudly instead.
    static var requiresTmux: Self {
        .enabled("tmux is not installed: end-to-end terminal tests skipped (apt-get install tmux)") {
            TmuxSession.tmuxPath != nil || TmuxSession.isCI
        }
    }
}

/// posix_spawn with an empty signal mask and default signal dispositions, standard output and error
/// read through pipes, a bounded wait. (Not Foundation.Process: its children inherit the test thread's
/// blocked signal mask.)
enum TmuxRun {
    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var stdoutString: String { String(decoding: stdout, as: UTF8.self) }
        var stderrString: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Signals reset to SIG_DFL in the child (an ignored SIGPIPE/SIGINT would otherwise be inherited).
    static let defaultedSignals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGWINCH,
                                            SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGCONT]

    /// Runs `argv` (argv[0] an absolute path); `environment` nil = this process's. Kills it (SIGKILL) and
    /// throws after `timeout` seconds.
    static func run(_ argv: [String], environment: [String: String]?, timeout: TimeInterval) throws -> Result {
        let out = try makePipe()
        let err: (read: Int32, write: Int32)
        do { err = try makePipe() } catch { close(out.read); close(out.write); throw error }

        #if canImport(Glibc)
        var attr = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        #else
        var attr: posix_spawnattr_t? = nil
        var actions: posix_spawn_file_actions_t? = nil
        #endif
        posix_spawnattr_init(&attr)
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawnattr_destroy(&attr)
            posix_spawn_file_actions_destroy(&actions)
        }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attr, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in defaultedSignals { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attr, Int16(flags))

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)
        #if canImport(Glibc)
        // Nothing else of the test process (another test's pipes…) leaks into tmux, whose server lives on.
        if let addClosefrom = GlibcExtras.addClosefrom { _ = addClosefrom(&actions, 3) }
        #endif

        let env = environment ?? ProcessInfo.processInfo.environment
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        var pid = pid_t()
        let spawnError = posix_spawn(&pid, argv[0], &actions, &attr, cArgv, cEnv)
        close(out.write)
        close(err.write)
        guard spawnError == 0 else {
            close(out.read)
            close(err.read)
            throw TmuxError(description: "posix_spawn \(argv[0]): \(String(cString: strerror(spawnError)))")
        }

        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var fds = [pollfd(fd: out.read, events: Int16(POLLIN), revents: 0), pollfd(fd: err.read, events: Int16(POLLIN), revents: 0)]
        var open = 2
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open > 0 {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { timedOut = true; break }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000 + 1, 1000)))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if i == 0 { stdout += buffer[0..<n] } else { stderr += buffer[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[i].fd)
                    fds[i].fd = -1
                    open -= 1
                }
            }
        }
        for f in fds where f.fd >= 0 { close(f.fd) }
        if timedOut { _ = kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut {
            throw TmuxError(description: "\(argv.joined(separator: " ")) did not finish within \(timeout) s; killed")
        }
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus, stdout: stdout, stderr: stderr)
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        if let pipe2 = GlibcExtras.pipe2 {
            // Close-on-exec from the start: no other thread's child can inherit the write end.
            guard pipe2(&fds, O_CLOEXEC) == 0 else { throw TmuxError(description: "pipe2: \(String(cString: strerror(errno)))") }
            return (fds[0], fds[1])
        }
        #endif
        guard pipe(&fds) == 0 else { throw TmuxError(description: "pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }
}

#if canImport(Glibc)
/// glibc functions Swift's Glibc module hides (they need _GNU_SOURCE), looked up at run time.
private enum GlibcExtras {
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32

    static let addClosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np")  // glibc ≥ 2.34
    static let pipe2: Pipe2? = symbol("pipe2")

    private static func symbol<T>(_ name: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}
#endif
