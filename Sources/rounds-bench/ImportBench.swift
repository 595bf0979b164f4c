import Foundation
import RoundsCore
import RoundsIngest
import RoundsStore

/// Import of `count` generated items into a fresh database through the real import path
/// (`Importer`: JSONL reader → decoder → triage → batched inserts), against the floor of
/// `sqlite3`'s own `.import` of the same rows (as CSV, into a table with no index), in the same run.
func importBench(count: Int, runs: Int, seed: UInt64, sample: [Item]) -> [(String, String, String)] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-bench-import-\(UUID().uuidString.prefix(8))")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let clock = FixedClock(Date(timeIntervalSince1970: 1_795_000_000))
    var generator = ItemGenerator(sample: sample, seed: seed, end: clock.now)
    let jsonlPath = dir.appendingPathComponent("items.jsonl").path
    let csvPath = dir.appendingPathComponent("items.csv").path
    // The same rows in both files.
    var jsonl = Data()
    var csv = Data()
    jsonl.reserveCapacity(count * 450)
    csv.reserveCapacity(count * 400)
    for _ in 0..<count {
        let item = generator.next()
        jsonl.append(contentsOf: Array((ItemGenerator.jsonLine(item) + "\n").utf8))
        let cells = [item.id, item.platform.rawValue, item.kind.rawValue, item.text, RFC3339.format(item.receivedAt), item.author.handle,
                     item.author.name ?? "", item.threadID ?? "", item.url ?? "", item.lang ?? ""]
        csv.append(contentsOf: Array((cells.map(csvCell).joined(separator: ",") + "\n").utf8))
    }
    try! jsonl.write(to: URL(fileURLWithPath: jsonlPath))
    try! csv.write(to: URL(fileURLWithPath: csvPath))
    let megabytes = Double(jsonl.count) / 1e6

    var floors: [Double] = []
    var ours: [Double] = []
    var sameSchema: [Double] = []
    var afterSteps: [CopySteps] = []
    var compact: [Double] = []
    var written: [Double] = []
    var bulks: [Double] = []
    var fileSizes: [Double] = []
    let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
    let sla = SLAEngine(calendar: .officeHours(TimeZone(identifier: "America/New_York")!))
    for run in 0..<runs {
        let floorDB = dir.appendingPathComponent("floor-\(run).sqlite").path
        let script = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE item (externalID TEXT, platform TEXT, kind TEXT, text TEXT, receivedAt TEXT, authorHandle TEXT,
                               authorName TEXT, threadID TEXT, url TEXT, lang TEXT);
            .import --csv \(csvPath) item
            SELECT count(*) FROM item;
            """
        var printed = ""
        floors.append(seconds { printed = sqlite3(floorDB, script) })
        precondition(printed.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } == count,
                     "sqlite3 .import did not load \(count) rows: \(printed)")

        // Our import through the real path, batched (the default) and in bulk (`--bulk`), each
        // into a fresh database; the batched one also counts what it hands to write(2).
        func timedImport(_ name: String, bulk: Bool) -> (seconds: Double, db: AppDatabase) {
            let db = try! AppDatabase.open(path: dir.appendingPathComponent("\(name)-\(run).sqlite").path, clock: clock)
            let fd = open(jsonlPath, O_RDONLY)
            defer { close(fd) }
            var importer = Importer(db: db, triage: triage, sla: sla)
            importer.bulk = bulk
            var summary = ImportSummary()
            let t = seconds {
                summary = try! importer.run(fd: fd, source: "items.jsonl", format: .jsonl, rejects: nil) { e in
                    fatalError("generated record rejected: \(e.field ?? "") \(e.reason)")
                }
            }
            precondition(summary.new == count, "imported\(bulk ? " in bulk" : "") \(summary)")
            return (t, db)
        }
        let wcharBefore = bytesWrittenByThisProcess()
        let (batchedTime, db) = timedImport("ours", bulk: false)
        ours.append(batchedTime)
        written.append(Double(bytesWrittenByThisProcess() - wcharBefore))
        fileSizes.append(Double((try? FileManager.default.attributesOfItem(atPath: db.path)[.size] as? Int) ?? 0))
        let bulk = timedImport("bulk", bulk: true)
        bulks.append(bulk.seconds)
        try? FileManager.default.removeItem(atPath: bulk.db.path)

        // SQLite's own cost of the same rows in the same schema (item and triageDecision), in one
        // transaction with the importer's cache size: with all their indexes as the rows go in
        // (what is left of the ratio once the schema is paid for), and with the secondary indexes
        // built after the rows (each then one sort, not a million inserts at random places: the
        // least SQLite itself needs to write this schema, so a floor for any importer into it).
        func schemaSQL(_ type: String) -> String {
            sqlite3(db.path, """
                SELECT sql || ';' FROM sqlite_master WHERE tbl_name IN ('item', 'triageDecision') AND type = '\(type)' AND sql IS NOT NULL ORDER BY name;
                """)
        }
        let (tables, indexes) = (schemaSQL("table"), schemaSQL("index"))
        sameSchema.append(copyIntoFreshDatabase(dir.appendingPathComponent("same-\(run).sqlite").path, from: db.path,
                                                before: tables + indexes, after: "", count: count).total)
        afterSteps.append(copyIntoFreshDatabase(dir.appendingPathComponent("after-\(run).sqlite").path, from: db.path,
                                                before: tables, after: indexes, count: count))

        // The same floor for a compact form of the same rows, which no Rounds version writes:
        // dates as integer milliseconds, platform, kind, route and status as small integers, the
        // reasons as "rule start end" without the evidence text (which the range repeats). It is
        // made once, untimed, from our database, then copied like the floor above: what a schema
        // change alone could take off the floor.
        let compactSource = dir.appendingPathComponent("compact-src-\(run).sqlite").path
        _ = sqlite3(compactSource, "PRAGMA journal_mode=WAL;\n" + CompactSchema.tables + "ATTACH '\(db.path)' AS src;\n" + CompactSchema.fill)
        compact.append(copyIntoFreshDatabase(dir.appendingPathComponent("compact-\(run).sqlite").path, from: compactSource,
                                             before: CompactSchema.tables, after: indexes, count: count).total)
        try? FileManager.default.removeItem(atPath: compactSource)
        try? FileManager.default.removeItem(atPath: db.path)
    }
    let floor = median(floors), mine = median(ours)
    let indexesAfter = afterSteps.map(\.total)
    let label = count >= 1_000_000 ? "\(count / 1_000_000)M" : "\(count / 1000)k"
    return [
        ("import \(label) items with triage (s)", String(format: "%.2f s", mine),
         String(format: "%.2f–%.2f; %.0f items/s; %.0f MB of JSONL", ours.min()!, ours.max()!, Double(count) / mine, megabytes)),
        ("  sqlite3 .import of the same \(label) rows (s)", String(format: "%.2f s", floor), String(format: "%.2f–%.2f", floors.min()!, floors.max()!)),
        ("  ratio to sqlite3 .import (target ≤ 2×)", String(format: "%.1f×", mine / floor), "\(runs) run\(runs == 1 ? "" : "s")"),
        ("  the same in bulk (--bulk: one transaction, indexes built after) (s)", String(format: "%.2f s", median(bulks)),
         String(format: "%.2f–%.2f; %.1f× the .import", bulks.min()!, bulks.max()!, median(bulks) / floor)),
        ("  sqlite3 INSERT of the same \(label) rows into the same schema (s)", String(format: "%.2f s", median(sameSchema)),
         String(format: "%.2f–%.2f; ours is %.1f× this", sameSchema.min()!, sameSchema.max()!, mine / median(sameSchema))),
        ("  the same, indexes built after the rows (s)", String(format: "%.2f s", median(indexesAfter)),
         String(format: "%.2f–%.2f; %.1f× the .import: the floor for this schema", indexesAfter.min()!, indexesAfter.max()!, median(indexesAfter) / floor)),
        ("    of which rows, index sorts, commit (s)",
         String(format: "%.2f + %.2f + %.2f", median(afterSteps.map(\.rows)), median(afterSteps.map(\.indexes)), median(afterSteps.map(\.commit))),
         "item and triageDecision rows; \(afterSteps[0].indexCount) CREATE INDEX; COMMIT"),
        ("  the same for compact rows, indexes built after (s)", String(format: "%.2f s", median(compact)),
         String(format: "%.2f–%.2f; %.1f× the .import (integer dates and codes, reasons without evidence)", compact.min()!, compact.max()!, median(compact) / floor)),
        ("  bytes our import wrote (through the WAL) per database byte", String(format: "%.1f", median(written) / median(fileSizes)),
         String(format: "%.2f GB written for a %.0f MB database", median(written) / 1e9, median(fileSizes) / 1e6)),
    ]
}

func csvCell(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Runs `sqlite3 DB` with `script` on its standard input; returns what it printed.
func sqlite3(_ db: String, _ script: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    p.arguments = ["-batch", db]
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try! p.run()
    input.fileHandleForWriting.write(Data(script.utf8))
    try! input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "sqlite3 failed")
    return String(decoding: data, as: UTF8.self)
}

/// The timed parts of one copy into a fresh database (seconds, from sqlite3's `.timer`).
struct CopySteps {
    var rows = 0.0, indexes = 0.0, commit = 0.0
    var indexCount = 0
    var total: Double { rows + indexes + commit }
}

/// Copies `item` and `triageDecision` from `source` into a new database at `path` with `sqlite3`,
/// in one transaction with the importer's cache size: `before` creates the tables (and any
/// index maintained as the rows go in), `after` creates indexes once the rows are in. Each step
/// is timed by sqlite3's own `.timer`; the file is removed afterwards.
func copyIntoFreshDatabase(_ path: String, from source: String, before: String, after: String, count: Int) -> CopySteps {
    let indexStatements = after.split(separator: "\n").filter { !$0.isEmpty }
    let printed = sqlite3(path, """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=NORMAL;
        PRAGMA cache_size=-65536;
        \(before)
        ATTACH '\(source)' AS src;
        .timer on
        BEGIN;
        INSERT INTO main.item SELECT * FROM src.item ORDER BY id;
        INSERT INTO main.triageDecision SELECT * FROM src.triageDecision ORDER BY id;
        \(indexStatements.joined(separator: "\n"))
        COMMIT;
        .timer off
        SELECT count(*) FROM main.item;
        """)
    try? FileManager.default.removeItem(atPath: path)
    let lines = printed.split(separator: "\n")
    precondition(lines.last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } == count, "sqlite3 did not copy \(count) rows: \(printed)")
    // "Run Time: real 1.234 user … sys …", one per statement from BEGIN to COMMIT.
    let times = lines.compactMap { line -> Double? in
        guard line.hasPrefix("Run Time: real ") else { return nil }
        return Double(line.dropFirst("Run Time: real ".count).prefix { $0 != " " })
    }
    precondition(times.count == 4 + indexStatements.count, "unexpected sqlite3 timings: \(printed)")
    var steps = CopySteps(indexCount: indexStatements.count)
    steps.rows = times[1] + times[2]
    steps.indexes = times[3..<(3 + indexStatements.count)].reduce(0, +)
    steps.commit = times[3 + indexStatements.count]
    return steps
}

/// A compact form of the same rows, for the bench only (no Rounds version writes it): what the
/// floor would be with dates as integer milliseconds, the short vocabularies (platform, kind,
/// route, status, source) as small integers and the reasons as `rule start end` without the
/// evidence text. Same columns, so the same index statements apply.
enum CompactSchema {
    static let tables = """
        CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, platform INT NOT NULL, externalID TEXT NOT NULL, kind INT NOT NULL,
            text TEXT NOT NULL, receivedAt INT NOT NULL, authorHandle TEXT NOT NULL, authorName TEXT, threadID TEXT, parentID TEXT,
            url TEXT, lang TEXT, route INT NOT NULL, urgent INT NOT NULL, spam INT NOT NULL, identifiers INT NOT NULL DEFAULT 0,
            status INT NOT NULL DEFAULT 0, waitingSince INT NOT NULL, isFollowUp INT NOT NULL DEFAULT 0, warnAt INT, dueAt INT,
            firstResponseAt INT, lastResponseAt INT, version INT NOT NULL DEFAULT 1, importedAt INT NOT NULL, queueKey INT NOT NULL,
            UNIQUE (platform, externalID));
        CREATE TABLE triageDecision (id INTEGER PRIMARY KEY AUTOINCREMENT, itemId INTEGER NOT NULL REFERENCES item(id),
            source INT NOT NULL, route INT NOT NULL, urgent INT NOT NULL, spam INT NOT NULL, reasons TEXT NOT NULL, agent TEXT,
            why TEXT, decidedAt INT NOT NULL);

        """

    /// Fills the compact tables from `src` (our database, attached).
    static let fill = """
        BEGIN;
        INSERT INTO item SELECT id, \(code("platform", Platform.allCases.map(\.rawValue))), externalID,
            \(code("kind", ItemKind.allCases.map(\.rawValue))), text, \(ms("receivedAt")), authorHandle, authorName, threadID,
            parentID, url, lang, \(code("route", Route.allCases.map(\.rawValue))), urgent, spam, identifiers,
            \(code("status", ItemStatus.allCases.map(\.rawValue))), \(ms("waitingSince")), isFollowUp, \(ms("warnAt")), \(ms("dueAt")),
            \(ms("firstResponseAt")), \(ms("lastResponseAt")), version, \(ms("importedAt")), CAST(queueKey * 1000 AS INT)
            FROM src.item ORDER BY id;
        INSERT INTO triageDecision SELECT id, itemId, source = 'override', \(code("route", Route.allCases.map(\.rawValue))), urgent, spam,
            IFNULL((SELECT group_concat(json_extract(value, '$.rule') || ' ' || json_extract(value, '$.range[0]') || ' '
                                        || json_extract(value, '$.range[1]'), ';') FROM json_each(reasons)), ''),
            agent, why, \(ms("decidedAt"))
            FROM src.triageDecision ORDER BY id;
        COMMIT;
        """

    private static func ms(_ column: String) -> String {
        "CAST((julianday(\(column)) - 2440587.5) * 86400000 AS INT)"
    }

    private static func code(_ column: String, _ values: [String]) -> String {
        "CASE \(column) " + values.enumerated().map { "WHEN '\($0.element)' THEN \($0.offset)" }.joined(separator: " ") + " END"
    }
}

/// Bytes this process has handed to write(2) and pwrite(2) so far (`wchar` of /proc/self/io).
func bytesWrittenByThisProcess() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
        return Int(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}
