import Foundation
import RoundsCore
import RoundsStore
import RoundsTerminal
import RoundsTUI

/// The inbox on a database of open items, through the real path: key → update → effects (the
/// database) → render into a Buffer → diff → the test terminal backend (which does what the
/// curses backend does minus the tty write).
func inboxBench(db: AppDatabase, clock: FixedClock, sla: SLAEngine, items: Int, quick: Bool) -> [(String, String, String)] {
    var rows: [(String, String, String)] = []
    // Spam is hidden on import, so the open queue is a little smaller than what was imported.
    let open = try! db.queueSize(QueueFilter(), agent: "bench")
    let zone = TimeZone(identifier: "America/New_York")!
    let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
    let ctx = ReplyContext(author: "", orgName: "Mercy Valley Health", orgPhone: "(555) 010-4000", orgEmail: "hello@mercyvalley.example",
                           portalURL: "https://portal.mercyvalley.example", emergencyNumber: "911", crisisLine: "988", agent: "bench")
    let env = InboxEnvironment(replyCheck: ReplyCheck(triage: triage), replyContext: ctx)

    func makeApp(width: Int = 100, height: Int = 30) -> (InboxApp, TestTerminal) {
        let terminal = TestTerminal(width: width, height: height)
        terminal.keepsHistory = false
        let state = InboxState(width: width, height: height, now: clock.now, agent: "bench", orgName: "Mercy Valley Health", timeZone: zone)
        let runner = EffectRunner(db: db, sla: sla, agent: "bench", terminal: terminal, timeZone: zone)
        let app = InboxApp(state: state, env: env, terminal: terminal, runner: runner, clock: clock, watcher: try? ChangeWatcher(path: db.path))
        return (app, terminal)
    }

    // Time to first frame: open the inbox (first queue window, counts) and draw it whole.
    var firsts: [Double] = []
    var firstCells = 0
    for _ in 0..<(quick ? 3 : 7) {
        var app: InboxApp?
        var terminal: TestTerminal?
        firsts.append(seconds {
            (app, terminal) = makeApp()
            app!.start()
        } * 1000)
        firstCells = terminal!.lastCellsSent
        app!.waitForBackgroundReads()  // untimed: so that the next run's first frame does not share the CPU with it
        precondition(app!.state.total == open, "expected \(open) open items, the inbox sees \(app!.state.total)")
    }
    rows.append(("inbox: first frame, \(open) open of \(items) (100×30)", String(format: "%.1f ms", median(firsts)),
                 String(format: "%.1f–%.1f; %d cells", firsts.min()!, firsts.max()!, firstCells)))

    // 1,000 keystrokes: movement, pages, jumps, filters and incremental search, in a fixed mix.
    let (app, terminal) = makeApp()
    app.start()
    // The search index is read in the background after the first frame; the keys start once it
    // is ready (a manager does not type a search within a fraction of a second of opening).
    let settle = seconds { app.waitForBackgroundReads() } * 1000
    rows.append(("inbox: search index ready after the first frame (background read)", String(format: "%.0f ms", settle), "one run"))
    var script: [Key] = []
    while script.count < 1000 {
        script += Array(repeating: .char("j"), count: 40) + Array(repeating: .char("k"), count: 10)
        script += [.char(" "), .char(" "), .pageUp, .char("G"), .char("k"), .char("g")]
        script += [.char("u"), .char("j"), .char("u"), .char("f"), .char("j"), .char("f"), .char("f"), .char("p"), .char("x")]
        script += [.char("/"), .char("a"), .char("s"), .char("t"), .char("h"), .char("m"), .char("a"), .enter, .char("j"), .char("x")]
        script += [.char("o"), .char("j"), .char("o"), .char("o")]
    }
    script = Array(script.prefix(1000))
    var byKind: [String: [Double]] = [:]
    var cells: [Int] = []
    var typing = false  // keys typed into the search prompt count as search
    for key in script {
        if key == .char("/") { typing = true }
        terminal.feed([key])
        let t = seconds { _ = app.step(timeoutMs: 0) } * 1000
        let kind: String
        switch typing ? .char("/") : key {
        case .char("j"), .char("k"): kind = "j/k"
        case .char(" "), .pageUp, .char("G"), .char("g"): kind = "page/jump"
        case .char("u"), .char("f"), .char("p"), .char("x"), .char("o"): kind = "filter/sort"
        default: kind = "search"
        }
        if key == .enter { typing = false }
        byKind[kind, default: []].append(t)
        byKind["all", default: []].append(t)
        cells.append(terminal.lastCellsSent)
        // BENCH_DEBUG=1 prints the keys slower than 5 ms; BENCH_DEBUG=ms, those slower than ms.
        if let debug = ProcessInfo.processInfo.environment["BENCH_DEBUG"], t > (Double(debug).flatMap { $0 == 1 ? nil : $0 } ?? 5) {
            print("slow key \(key) \(String(format: "%.1f", t)) ms filter=\(app.state.filter) order=\(app.state.order) selected=\(app.state.selected)")
        }
    }
    for kind in ["all", "j/k", "page/jump", "filter/sort", "search"] {
        let ts = byKind[kind]!.sorted()
        rows.append(("inbox: keystroke to frame, \(kind) (\(ts.count) keys)",
                     String(format: "p50 %.2f ms", percentile(ts, 0.5)),
                     String(format: "p99 %.2f ms, max %.2f", percentile(ts, 0.99), ts.last!)))
    }
    let sortedCells = cells.sorted()
    rows.append(("inbox: cells sent per keystroke", "p50 \(percentile(sortedCells.map(Double.init), 0.5))",
                 "p99 \(Int(percentile(sortedCells.map(Double.init), 0.99))), max \(sortedCells.last!) of \(100 * 30)"))
    return rows
}

/// Nearest-rank percentile of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
    return sorted[min(sorted.count, rank) - 1]
}
