import Foundation
import RoundsCore
import RoundsIngest
import RoundsStore
import RoundsSummary

// rounds-bench: release-mode measurements, never part of `swift test`.
//   swift run -c release rounds-bench [--quick]
// Prints a table: measure, median, spread (min–max) over repeated runs.

let quick = CommandLine.arguments.contains("--quick")
/// `--only triage` (or `decode`) runs one measure: for profiling under callgrind.
let only: String? = CommandLine.arguments.firstIndex(of: "--only").flatMap { i in i + 1 < CommandLine.arguments.count ? CommandLine.arguments[i + 1] : nil }
func wanted(_ name: String) -> Bool { only == nil || only == name }
let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func loadSample() -> [Item] {
    let text = (try? String(contentsOf: repo.appendingPathComponent("sample-data/items.jsonl"), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { try? ItemDecoder.decode(line: String($0)).get() }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

var rows: [(String, String, String)] = []

/// `--seed S` (default 1) for the item generator; `--generate N` prints N generated items as JSONL and exits.
let seed: UInt64 = CommandLine.arguments.firstIndex(of: "--seed").flatMap { i in i + 1 < CommandLine.arguments.count ? UInt64(CommandLine.arguments[i + 1]) : nil } ?? 1
if let i = CommandLine.arguments.firstIndex(of: "--generate"), i + 1 < CommandLine.arguments.count, let n = Int(CommandLine.arguments[i + 1]) {
    var generator = ItemGenerator(sample: loadSample(), seed: seed, end: Date(timeIntervalSince1970: 1_795_000_000))
    for _ in 0..<n { print(ItemGenerator.jsonLine(generator.next())) }
    exit(0)
}

// `--triage-dump N`: triages the sample queue and then N generated items once each, and prints every
// decision in full (route, flags, each reason's rule, evidence and byte range), one line per item:
// diff or hash two builds' output to show a change to the triage leaves its results as they were.
// Also the driver for callgrind (one pass, no timing loop).
if let i = CommandLine.arguments.firstIndex(of: "--triage-dump"), i + 1 < CommandLine.arguments.count, let n = Int(CommandLine.arguments[i + 1]) {
    let sample = loadSample()
    var generator = ItemGenerator(sample: sample, seed: seed, end: Date(timeIntervalSince1970: 1_795_000_000))
    let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
    var out = ""
    out.reserveCapacity(1 << 20)
    func dump(_ text: String) {
        let d = triage.classify(text)
        out += d.route.rawValue + (d.urgent ? " urgent" : "") + (d.spam ? " spam" : "")
        for r in d.reasons {
            out += " | " + r.rule + " " + String(reflecting: r.evidence)
            if let range = r.range { out += " \(range.lowerBound)..<\(range.upperBound)" }
        }
        out += "\n"
        if out.utf8.count > 1 << 20 { FileHandle.standardOutput.write(out.data(using: .utf8)!); out.removeAll(keepingCapacity: true) }
    }
    for item in sample { dump(item.text) }
    for _ in 0..<n { dump(generator.next().text) }
    FileHandle.standardOutput.write(out.data(using: .utf8)!)
    exit(0)
}

// Triage throughput on one core: 20,000 generated items (the sample's variety, recombined), cycled.
if wanted("triage") {
    var generator = ItemGenerator(sample: loadSample(), seed: seed, end: Date(timeIntervalSince1970: 1_795_000_000))
    let texts = (0..<20_000).map { _ in generator.next().text }
    let bytesPerPass = texts.reduce(0) { $0 + $1.utf8.count }
    let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
    let passes = quick ? 3 : 10
    let runs = quick ? 3 : 7
    var rates: [Double] = []
    var mbs: [Double] = []
    var sink = 0
    for _ in 0..<runs {
        let t = seconds {
            for _ in 0..<passes {
                for text in texts { sink &+= triage.classify(text).reasons.count }
            }
        }
        rates.append(Double(passes * texts.count) / t)
        mbs.append(Double(passes * bytesPerPass) / t / 1e6)
    }
    precondition(sink > 0)
    rows.append(("triage (items/s, one core)", String(format: "%.0f", median(rates)), String(format: "%.0f–%.0f", rates.min()!, rates.max()!)))
    rows.append(("triage (MB/s, one core)", String(format: "%.1f", median(mbs)), String(format: "%.1f–%.1f", mbs.min()!, mbs.max()!)))
    rows.append(("  (generated items of \(bytesPerPass / max(texts.count, 1)) bytes on average, \(runs) runs × \(passes * texts.count) items)", "", ""))
}

// Import into a fresh database, triage included, against sqlite3's own .import of the same rows.
if wanted("import") {
    let sample = loadSample()
    if quick {
        rows += importBench(count: 20_000, runs: 3, seed: seed, sample: sample)
    } else {
        rows += importBench(count: 100_000, runs: 3, seed: seed, sample: sample)
        rows += importBench(count: 1_000_000, runs: 1, seed: seed, sample: sample)
    }
}

// Decoding canonical JSONL lines (the import path before the database).
if wanted("decode") {
    let sample = loadSample()
    _ = sample
    let lines = ((try? String(contentsOf: repo.appendingPathComponent("sample-data/items.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    let passes = quick ? 50 : 200
    var rates: [Double] = []
    var sink = 0
    for _ in 0..<(quick ? 3 : 7) {
        let t = seconds {
            for _ in 0..<passes {
                for line in lines { if case .success(let item) = ItemDecoder.decode(line: line) { sink &+= item.text.utf8.count } }
            }
        }
        rates.append(Double(passes * lines.count) / t)
    }
    precondition(sink > 0)
    rows.append(("JSONL decode (lines/s, one core)", String(format: "%.0f", median(rates)), String(format: "%.0f–%.0f", rates.min()!, rates.max()!)))
}

// The store at 100,000 open items: a queue page, the status-bar counts, a search; then the inbox on it.
if wanted("store") || wanted("inbox") || only == "summary" {
    let n = quick ? 20_000 : 100_000
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-bench-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let clock = FixedClock(Date(timeIntervalSince1970: 1_795_000_000))
    let db = try! AppDatabase.open(path: dir.appendingPathComponent("b.sqlite").path, clock: clock)
    var generator = ItemGenerator(sample: loadSample(), seed: seed, end: clock.now)
    let triage = Triage()
    let sla = SLAEngine(calendar: .officeHours(TimeZone(identifier: "America/New_York")!))
    // Items are generated until `n` of them are open (spam is hidden on the way in, ≈ 7 %), so
    // "100,000 open items" is what the inbox measures below really face.
    var batch: [(Item, TriageDecision)] = []
    var (generated, open) = (0, 0)
    let importTime = seconds {
        while open < n {
            let item = generator.next()
            let decision = triage.classify(item)
            batch.append((item, decision))
            generated += 1
            if !decision.spam { open += 1 }
            if batch.count == 1000 { _ = try! db.importItems(batch, sla: sla); batch.removeAll(keepingCapacity: true) }
        }
        if !batch.isEmpty { _ = try! db.importItems(batch, sla: sla) }
    }
    rows.append(("store: importItems of \(generated) items, \(open) open, batches of 1,000 (setup; items/s)",
                 String(format: "%.0f", Double(generated) / importTime), "one run"))
    if wanted("inbox") {
        rows += inboxBench(db: db, clock: clock, sla: sla, items: generated, quick: quick)
        rows += inboxProcessBench(dbPath: db.path, quick: quick)
    }
    if wanted("store") || only == "summary" {
        func measure(_ name: String, _ body: () -> Void) {
            // `--only summary` (for profiling the summary) skips the store's other measures.
            guard only != "summary" else { return }
            var ts: [Double] = []
            for _ in 0..<(quick ? 5 : 21) { ts.append(seconds(body) * 1000) }
            rows.append((name, String(format: "%.2f ms", median(ts)), String(format: "%.2f–%.2f", ts.min()!, ts.max()!)))
        }
        measure("store: queue page of 60 rows, \(n) open") { _ = try! db.queue(QueueFilter(), agent: "a", offset: 0, limit: 60) }
        measure("store: queue page at offset 50,000") { _ = try! db.queue(QueueFilter(), agent: "a", offset: min(50_000, n / 2), limit: 60) }
        measure("store: status-bar counts") { _ = try! db.counts() }
        measure("store: status-bar counts forecast (10 min)") { _ = try! db.countsForecast() }
        measure("store: search index of the open items, read") { _ = try! db.openItemsSearch() }
        if only != "summary" {
            let index = try! db.openItemsSearch()
            var needles = ["a", "as", "ast", "asth", "asthm", "asthma"].map { QueueFilter(search: $0) }
            needles.append(QueueFilter(search: "zzqq"))
            var i = 0
            measure("store: search in memory, one keystroke (asthma typed, then a miss)") {
                _ = index.search(needles[i % needles.count], order: .urgency, offset: 0, limit: 60)
                i += 1
            }
            // The same keystrokes one needle at a time (each narrowing from the one before), the
            // median of each: the slow ones are what a search key's p99 is made of.
            let typed = needles.prefix(4)
            var each = [[Double]](repeating: [], count: typed.count)
            for _ in 0..<(quick ? 20 : 100) {
                for (k, f) in typed.enumerated() { each[k].append(seconds { _ = index.search(f, order: .urgency, offset: 0, limit: 60) } * 1000) }
            }
            rows.append(("store: search in memory, per needle (" + typed.map(\.search).joined(separator: ", ") + ")",
                         each.map { String(format: "%.2f", median($0)) }.joined(separator: " / ") + " ms",
                         "each typed after the one before; p99 " + each.map { String(format: "%.2f", percentile($0.sorted(), 0.99)) }.joined(separator: " / ")))
        }
        measure("store: search \"asthma\", first page") { _ = try! db.queue(QueueFilter(search: "asthma"), agent: "a", offset: 0, limit: 60) }
        measure("store: queue filtered by platform") { _ = try! db.queue(QueueFilter(platform: .youtube), agent: "a", offset: 0, limit: 60) }
        measure("store: item detail") { _ = try! db.detail(id: 12_345 % Int64(n) + 1) }

        // One million recorded responses (bulk-inserted over 30 days), then the shift-window queries.
        let responses = quick ? 100_000 : 1_000_000
        try! db.writer.write { d in
            let st = try d.makeStatement(sql: "INSERT INTO response (itemId, agent, channel, text, createdAt, slaState, itemVersion) VALUES (?, ?, 'public_reply', 'Thanks for reaching out!', ?, 'met', 1)")
            for i in 0..<responses {
                let at = clock.now.addingTimeInterval(-Double(i) * (30 * 86_400 / Double(responses)))
                try st.execute(arguments: [Int64(i % n) + 1, "agent\(i % 7)", at])
            }
        }
        let shiftStart = clock.now.addingTimeInterval(-8 * 3600)
        measure("store: responses in an 8 h shift, \(responses) recorded") { _ = try! db.responses(from: shiftStart, to: clock.now) }
        measure("store: items touched in an 8 h shift") { _ = try! db.itemsTouched(from: shiftStart, to: clock.now) }
        // The shift summary (issue 5) with 1,000,000 responses recorded: an 8 h shift, and all 30 days at once.
        let zone = TimeZone(identifier: "America/New_York")!
        for (label, start) in [("8 h shift", shiftStart), ("30 days, every response", clock.now.addingTimeInterval(-30 * 86_400 - 60))] {
            var ts: [Double] = []
            var summary: ShiftSummary?
            for _ in 0..<(quick ? 3 : 5) {
                ts.append(seconds {
                    summary = try! ShiftSummary.compute(db: db, window: SummaryWindow(start: start, end: clock.now, timeZone: zone), sla: sla, clock: clock,
                                                        options: SummaryOptions(organisation: "Mercy Valley Health"))
                } * 1000)
            }
            rows.append(("summary: \(label), \(responses) recorded (target ≤ 1 s)", String(format: "%.0f ms", median(ts)),
                         String(format: "%.0f–%.0f; %d responses in the window", ts.min()!, ts.max()!, summary!.totals.responses)))
        }
    }
}

let w0 = rows.map(\.0.count).max()!, w1 = max(rows.map(\.1.count).max()!, 6)
print("measure".padding(toLength: w0, withPad: " ", startingAt: 0) + "  " + "median".padding(toLength: w1, withPad: " ", startingAt: 0) + "  spread")
for r in rows {
    print(r.0.padding(toLength: w0, withPad: " ", startingAt: 0) + "  " + r.1.padding(toLength: w1, withPad: " ", startingAt: 0) + "  " + r.2)
}
