import Foundation

/// The real `rounds` binary (release, next to this one) in a private tmux server on `dbPath`:
/// time to the first frame, idle CPU over 10 s with the timers ticking, and peak RSS after a
/// tour of the queue (jumps, filters, search, an item, the dashboard). Skipped without tmux.
func inboxProcessBench(dbPath: String, quick: Bool) -> [(String, String, String)] {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let rounds = here.appendingPathComponent("rounds").path
    guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
        return [("inbox process: skipped (tmux is not installed)", "", "")]
    }
    guard FileManager.default.isExecutableFile(atPath: rounds) else {
        return [("inbox process: skipped (build it first: swift build -c release --product rounds)", "", "")]
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-bench-tmux-\(UUID().uuidString.prefix(8))")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let socket = dir.appendingPathComponent("s").path

    /// Runs tmux (posix_spawn and waitpid: the command that starts the server leaves a daemon
    /// behind, which Foundation's Process waits for) with its output in a file; returns it.
    @discardableResult
    func run(_ args: [String]) -> String {
        let outPath = dir.appendingPathComponent("out-\(UUID().uuidString.prefix(6))").path
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = [tmux, "-S", socket, "-f", "/dev/null"] + args
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env.removeValue(forKey: "TMUX")
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, tmux, &actions, nil, cArgs, cEnv) == 0 else { return "" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }
    func screen() -> String { run(["capture-pane", "-p", "-t", "bench"]) }
    func waitFor(_ text: String, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if screen().contains(text) { return true }
            usleep(5_000)
        }
        return false
    }

    func note(_ s: String) { if ProcessInfo.processInfo.environment["BENCH_DEBUG"] != nil { FileHandle.standardError.write(Data((s + "\n").utf8)) } }
    let started = DispatchTime.now().uptimeNanoseconds
    run(["new-session", "-d", "-s", "bench", "-x", "100", "-y", "30", "-e", "TERM=xterm-256color", "-e", "XDG_CONFIG_HOME=\(dir.path)",
         rounds, "inbox", "--db", dbPath, "--agent", "bench"])
    defer { run(["kill-server"]) }
    note("tmux started")
    guard waitFor("open ") && waitFor("▶") else { return [("inbox process: the inbox did not show its queue", "", screen())] }
    note("first frame")
    let firstFrame = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
    guard let pid = Int32(run(["display-message", "-p", "-t", "bench", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) else {
        return [("inbox process: no pane pid", "", "")]
    }
    func cpuTicks() -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)  // utime, stime (fields 14 and 15)
    }
    func status(_ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// CPU time of all the process's threads in nanoseconds (`/proc/PID/task/*/schedstat`, first
    /// field), finer than the 10-ms ticks of `stat`; nil where the kernel does not keep it.
    /// Per thread, so that a thread ending between two readings does not subtract its past.
    func cpuNanos() -> [String: Int]? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var out: [String: Int] = [:]
        for t in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/schedstat", encoding: .utf8),
                  let ns = Int(text.split(separator: " ").first ?? "") else { continue }
            out[t] = ns
        }
        return out.isEmpty ? nil : out
    }
    /// CPU used between two readings: each thread's growth (a new thread's whole time); a thread
    /// that ended in between is not counted (only an idle worker thread ends).
    func spent(_ a: [String: Int], _ b: [String: Int]) -> Int {
        b.reduce(0) { sum, t in sum + t.value - (a[t.key] ?? 0) }
    }

    // Idle: 10 s with nothing pressed (the timers tick every second, counts reload every 5 s),
    // once the inbox has settled: its background read of the search index after the first frame
    // done (half a second that used less than 20 ms of CPU; at most 10 s of waiting).
    usleep(500_000)
    var settled = 0.5
    while settled < 10 {
        let a = cpuTicks()
        usleep(500_000)
        settled += 0.5
        if Double(cpuTicks() - a) / ticksPerSecond < 0.02 { break }
    }
    let idleSeconds = quick ? 5.0 : 10.0
    let t0 = cpuTicks(), n0 = cpuNanos(), w0 = DispatchTime.now().uptimeNanoseconds
    usleep(UInt32(idleSeconds * 1_000_000))
    let t1 = cpuTicks(), n1 = cpuNanos(), w1 = DispatchTime.now().uptimeNanoseconds
    let wall = Double(w1 - w0) / 1e9
    let idle: Double
    let idleHow: String
    if let n0, let n1 {
        idle = Double(spent(n0, n1)) / 1e9 / wall * 100
        idleHow = String(format: "%.1f ms of CPU (schedstat); %d ticks of 1/%d s; settled after %.1f s", Double(spent(n0, n1)) / 1e6, t1 - t0, Int(ticksPerSecond), settled)
    } else {
        idle = Double(t1 - t0) / ticksPerSecond / wall * 100
        idleHow = "\(t1 - t0) ticks of 1/\(Int(ticksPerSecond)) s"
    }

    // A tour, then the peak resident set.
    for keys in [["G"], ["g"], ["Space"], ["Space"], ["u"], ["u"], ["f"], ["f"], ["f"], ["/"], ["asthma"], ["Enter"], ["x"],
                 ["Enter"], ["Escape"], ["t"]] {
        run(["send-keys", "-t", "bench", keys[0] == "asthma" ? "-l" : ""].filter { !$0.isEmpty } + keys)
        usleep(150_000)
    }
    _ = waitFor("Handover")
    let hwm = status("VmHWM"), rss = status("VmRSS")
    return [
        ("inbox process: first frame, real binary (spawn to screen)", String(format: "%.0f ms", firstFrame), "one run, 100×30 in tmux"),
        ("inbox process: idle CPU over \(Int(idleSeconds)) s (target < 1 %)", String(format: "%.2f %%", idle), idleHow),
        ("inbox process: peak RSS after a tour (target ≤ 100 MB)", String(format: "%.1f MB", Double(hwm) / 1024), String(format: "now %.1f MB", Double(rss) / 1024)),
    ]
}
