import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Paths of the repository and the built `rounds` binary.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hostile = root.appendingPathComponent("Tests/Fixtures/hostile")

    /// The `rounds` executable built next to this test bundle.
    static let rounds: String = {
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("rounds").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("rounds").path
    }()

    /// A fresh private folder; the caller removes it.
    static func temporaryFolder(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-rel-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Child processes started with posix_spawn, an empty signal mask and default dispositions
/// (Swift Testing runs tests with signals blocked, and children would inherit that), with their
/// output in files (no pipe can fill up and dead-lock the child).
struct Child {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String

    struct Result {
        var status: Int32  // exit status, or 128 + signal
        var stdout: String
        var stderr: String
        var signalled: Bool
    }

    /// Environment for the children: no user config or database, no colour, UTF-8.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for k in ["ROUNDS_DB", "ROUNDS_CONFIG", "ROUNDS_AGENT", "EDITOR", "VISUAL"] { env.removeValue(forKey: k) }
        env["XDG_CONFIG_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-rel-noconfig").path
        env["NO_COLOR"] = "1"
        env["LANG"] = "C.UTF-8"
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Starts `argv` (argv[0] is a path) with stdin from `stdinPath` (default /dev/null).
    static func spawn(_ argv: [String], env: [String: String] = [:], stdinPath: String = "/dev/null", outputIn dir: URL) throws -> Child {
        let tag = UUID().uuidString.prefix(8)
        let out = dir.appendingPathComponent("stdout-\(tag)").path
        let err = dir.appendingPathComponent("stderr-\(tag)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        let cEnv = environment(env).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw SpawnError(description: "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        return Child(pid: pid, stdoutPath: out, stderrPath: err)
    }

    /// Runs `rounds` with arguments to the end.
    static func rounds(_ args: [String], env: [String: String] = [:], stdinPath: String = "/dev/null", in dir: URL) throws -> Result {
        try spawn([Repo.rounds] + args, env: env, stdinPath: stdinPath, outputIn: dir).wait()
    }

    /// Waits for the child (bounded: a hung child is killed and the test fails).
    func wait(timeout: TimeInterval = 120) throws -> Result {
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw SpawnError(description: "waitpid: \(String(cString: strerror(errno)))") }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw SpawnError(description: "child \(pid) still running after \(timeout) s; killed")
            }
            usleep(2_000)
        }
        return result(status)
    }

    /// Whether the child has exited (reaping it); its result when it has.
    func poll() -> Result? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? result(status) : nil
    }

    func result(_ status: Int32) -> Result {
        let signalled = (status & 0x7f) != 0
        let code = signalled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        return Result(status: code, stdout: read(stdoutPath), stderr: read(stderrPath), signalled: signalled)
    }

    var stdoutSoFar: String { read(stdoutPath) }

    private func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

/// Raw control bytes that must never reach a terminal from post text: the positions of any ESC
/// that does not start one of the test terminal's own sequences (CSI cursor moves `ESC [ n ; m H`,
/// SGR `ESC [ … m`, `ESC [ 2 J`, `ESC [ H`, `ESC [ ? 25 h|l`), of any other C0 control (BEL, BS,
/// CR, LF, …), DEL, C1 control (U+0080–U+009F as UTF-8), bidi embedding/override/isolate
/// (U+202A–U+202E, U+2066–U+2069) or line/paragraph separator. Returns a description of each.
enum RawControlScan {
    /// `lineBreaks`: line-oriented command output, where LF ends a line (a LF inside a post must
    /// still come out escaped, which the JSON and --explain checks see as a broken line count).
    static func problems(in bytes: [UInt8], lineBreaks: Bool = false) -> [String] {
        var found: [String] = []
        var i = 0
        let n = bytes.count
        func note(_ s: String) { if found.count < 20 { found.append("\(s) at byte \(i)") } }
        while i < n {
            let b = bytes[i]
            if b == 0x1B {
                if let end = ownSequenceEnd(bytes, i) {
                    i = end
                    continue
                }
                note("ESC not part of the terminal's own CSI")
                i += 1
                continue
            }
            if (b < 0x20 && !(lineBreaks && b == 0x0A)) || b == 0x7F {
                note(String(format: "control byte 0x%02X", b))
                i += 1
                continue
            }
            if b == 0xC2, i + 1 < n, (0x80...0x9F).contains(bytes[i + 1]) {
                note(String(format: "C1 control U+%04X", Int(bytes[i + 1])))
            }
            if b == 0xE2, i + 2 < n, bytes[i + 1] == 0x80, (0xAA...0xAE).contains(bytes[i + 2]) || bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                note(String(format: "U+20%02X (bidi override/embedding or separator)", Int(bytes[i + 2]) - 0x80))
            }
            if b == 0xE2, i + 2 < n, bytes[i + 1] == 0x81, (0xA6...0xA9).contains(bytes[i + 2]) {
                note(String(format: "U+20%02X (bidi isolate)", Int(bytes[i + 2]) - 0x80 + 0x40))
            }
            i += 1
        }
        return found
    }

    /// The end (exclusive) of one of the TestTerminal's own sequences starting at `i`, if it is one.
    static func ownSequenceEnd(_ b: [UInt8], _ i: Int) -> Int? {
        guard i + 2 < b.count, b[i + 1] == 0x5B else { return nil }  // ESC [
        var j = i + 2
        if j < b.count && b[j] == 0x3F {  // ESC [ ? 25 h | l
            guard j + 3 < b.count, b[j + 1] == 0x32, b[j + 2] == 0x35, b[j + 3] == 0x68 || b[j + 3] == 0x6C else { return nil }
            return j + 4
        }
        while j < b.count, (0x30...0x39).contains(b[j]) || b[j] == 0x3B { j += 1 }  // digits and ;
        guard j < b.count else { return nil }
        switch b[j] {
        case 0x48, 0x6D: return j + 1  // H (cursor position), m (SGR)
        case 0x4A where j == i + 3 && b[i + 2] == 0x32: return j + 1  // ESC [ 2 J
        default: return nil
        }
    }
}
