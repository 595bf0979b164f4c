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
    var indexesAfter: [Double] = []
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

        let db = try! AppDatabase.open(path: dir.appendingPathComponent("ours-\(run).sqlite").path, clock: clock)
        let fd = open(jsonlPath, O_RDONLY)
        var summary = ImportSummary()
        ours.append(seconds {
            summary = try! Importer(db: db, triage: triage, sla: sla).run(fd: fd, source: "items.jsonl", format: .jsonl, rejects: nil) { e in
                fatalError("generated record rejected: \(e.field ?? "") \(e.reason)")
            }
        })
        close(fd)
        precondition(summary.new == count, "imported \(summary)")

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
        for (name, before, after) in [("same", tables + indexes, ""), ("after", tables, indexes)] {
            let path = dir.appendingPathComponent("\(name)-\(run).sqlite").path
            var copied = ""
            let t = seconds {
                copied = sqlite3(path, """
                    PRAGMA journal_mode=WAL;
                    PRAGMA synchronous=NORMAL;
                    PRAGMA cache_size=-65536;
                    \(before)
                    ATTACH '\(db.path)' AS src;
                    BEGIN;
                    INSERT INTO main.item SELECT * FROM src.item ORDER BY id;
                    INSERT INTO main.triageDecision SELECT * FROM src.triageDecision ORDER BY id;
                    \(after)
                    COMMIT;
                    SELECT count(*) FROM main.item;
                    """)
            }
            precondition(copied.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } == count,
                         "sqlite3 did not copy \(count) rows: \(copied)")
            try? FileManager.default.removeItem(atPath: path)
            if after.isEmpty { sameSchema.append(t) } else { indexesAfter.append(t) }
        }
    }
    let floor = median(floors), mine = median(ours)
    let label = count >= 1_000_000 ? "\(count / 1_000_000)M" : "\(count / 1000)k"
    return [
        ("import \(label) items with triage (s)", String(format: "%.2f s", mine),
         String(format: "%.2f–%.2f; %.0f items/s; %.0f MB of JSONL", ours.min()!, ours.max()!, Double(count) / mine, megabytes)),
        ("  sqlite3 .import of the same \(label) rows (s)", String(format: "%.2f s", floor), String(format: "%.2f–%.2f", floors.min()!, floors.max()!)),
        ("  ratio to sqlite3 .import (target ≤ 2×)", String(format: "%.1f×", mine / floor), "\(runs) run\(runs == 1 ? "" : "s")"),
        ("  sqlite3 INSERT of the same \(label) rows into the same schema (s)", String(format: "%.2f s", median(sameSchema)),
         String(format: "%.2f–%.2f; ours is %.1f× this", sameSchema.min()!, sameSchema.max()!, mine / median(sameSchema))),
        ("  the same, indexes built after the rows (s)", String(format: "%.2f s", median(indexesAfter)),
         String(format: "%.2f–%.2f; %.1f× the .import: the floor for this schema", indexesAfter.min()!, indexesAfter.max()!, median(indexesAfter) / floor)),
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
