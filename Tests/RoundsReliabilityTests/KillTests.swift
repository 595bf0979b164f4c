import Foundation
import GRDB
import Testing
import RoundsCore
import RoundsStore

/// Helpers shared by the multi-process tests.
enum Workload {
    /// A comment that triages as a private redirect; `i` makes it unique.
    static func itemLine(_ prefix: String, _ i: Int) -> String {
        #"{"id":"\#(prefix)-\#(i)","platform":"facebook","kind":"comment","text":"my asthma has been bad since tuesday, can I come to the clinic on saturday? \#(HostileCorpus.canary) \#(i)","received_at":"2026-11-24T10:00:00Z","author":{"handle":"@p\#(i)"}}"#
    }

    static func writeItems(_ url: URL, prefix: String, count: Int) throws {
        try Data(((0..<count).map { itemLine(prefix, $0) }.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    static let channels = ["public", "dm", "email", "phone", "note"]

    /// A batch line for `rounds respond --batch`.
    static func responseLine(item: Int64, version: Int?, n: Int) -> String {
        var s = #"{"item":\#(item),"channel":"\#(channels[n % channels.count])","text":"Thanks for reaching out, we will call you today. \#(HostileCorpus.canary) r\#(n)""#
        if let version { s += #","version":\#(version)"# }
        return s + "}"
    }

    /// `recorded response R for item I` lines → (response id, item id).
    static func reported(_ stdout: String) -> [(response: Int64, item: Int64)] {
        stdout.split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ")
            guard w.count == 6, w[0] == "recorded", w[1] == "response", let r = Int64(w[2]), w[3] == "for", w[4] == "item", let i = Int64(w[5]) else { return nil }
            return (r, i)
        }
    }

    /// A read-only connection for checking a database from the test (no migration, no seeding).
    static func inspect<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        let q = try DatabaseQueue(path: path, configuration: config)
        return try q.read(body)
    }

    static func integrity(_ path: String) throws -> String? {
        try inspect(path) { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
    }
}

/// Runs a child and kills it with SIGKILL after `delay` seconds (if it is still running).
/// Returns what it had written, and whether the kill landed.
func runAndKill(_ args: [String], after delay: TimeInterval, in dir: URL) throws -> (Child.Result, killed: Bool) {
    let child = try Child.spawn([Repo.rounds] + args, outputIn: dir)
    let deadline = Date().addingTimeInterval(delay)
    while Date() < deadline {
        if let r = child.poll() { return (r, false) }
        usleep(500)
    }
    let killed = kill(child.pid, SIGKILL) == 0
    let r = try child.wait(timeout: 30)
    return (r, killed && r.signalled)
}

@Suite("Crashes: a writer killed with SIGKILL at random points", .serialized)
struct KillTests {
    /// Import and response runs each take a fraction of a second to two seconds here; kills land
    /// uniformly over a whole import (from a fresh file) or the first third of a response batch,
    /// so they hit start-up, reading, triage, the middle of transactions and commits.
    /// Each test goes on until `kills` kills have landed on a running writer (a kill that comes
    /// after the writer finished does not count), so the two tests make at least 100 real kills.
    static let kills = 50
    /// The bound on attempts (a kill misses when the run had already finished).
    static let maxAttempts = 2 * kills

    @Test("Imports killed 50 times while running: the database stays sound, holds whole batches only, and re-running completes it")
    func killedImports() throws {
        let dir = try Repo.temporaryFolder("kill-import")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("k.sqlite").path
        let perFile = 3_500  // batches of 1,000 (--batch-size): 1,000, 2,000, 3,000, 3,500 are the only possible counts
        // Ten files in turn; a file whose import got through whole is replaced by a fresh one, so
        // there is always work for a kill to interrupt.
        let slots = 10
        var urls: [URL] = []
        var prefixes: [String] = []
        func newFile() throws -> Int {
            let prefix = "f\(urls.count)"
            let url = dir.appendingPathComponent("in-\(urls.count).jsonl")
            try Workload.writeItems(url, prefix: prefix, count: perFile)
            urls.append(url)
            prefixes.append(prefix)
            return urls.count - 1
        }
        var slot = try (0..<slots).map { _ in try newFile() }
        // How long one whole import takes here (a separate file, into the same database).
        let baseline = dir.appendingPathComponent("baseline.jsonl")
        try Workload.writeItems(baseline, prefix: "base", count: perFile)
        let t0 = Date()
        let base = try Child.rounds(["import", baseline.path, "--db", db, "--batch-size", "1000"], in: dir)
        let full = Date().timeIntervalSince(t0)
        #expect(base.status == 0, "\(base.stderr)")

        var rng = SystemRandomNumberGenerator()
        var landed = 0
        var counts: [Int] = []
        var k = 0
        while landed < Self.kills && k < Self.maxAttempts {
            defer { k += 1 }
            let s = k % slots
            let f = slot[s]
            let prefix = prefixes[f]
            let delay = Double.random(in: 0...full, using: &rng)
            let (_, killed) = try runAndKill(["import", urls[f].path, "--db", db, "--batch-size", "1000"], after: delay, in: dir)
            if killed { landed += 1 }
            #expect(try Workload.integrity(db) == "ok", "kill \(k) after \(delay) s")
            // Whole batches only, in file order, each item with its triage (same transaction).
            let (n, maxIndex, untriaged) = try Workload.inspect(db) { d in
                let n = try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item WHERE externalID LIKE ?", arguments: ["\(prefix)-%"])!
                let maxIndex = try Int.fetchOne(d, sql: "SELECT MAX(CAST(substr(externalID, ?) AS INTEGER)) FROM item WHERE externalID LIKE ?",
                                                arguments: ["\(prefix)-".count + 1, "\(prefix)-%"]) ?? -1
                let untriaged = try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item WHERE id NOT IN (SELECT itemId FROM triageDecision)")!
                return (n, maxIndex, untriaged)
            }
            #expect(n % 1000 == 0 || n == perFile, "kill \(k): \(n) items is not a whole number of batches")
            #expect(maxIndex == n - 1, "kill \(k): the items present are not the first \(n) of the file")
            #expect(untriaged == 0, "kill \(k): an item without its triage")
            counts.append(n)
            if n == perFile { slot[s] = try newFile() }
        }
        #expect(landed == Self.kills, "only \(landed) of \(k) kills landed while the import ran")

        // Re-running every file completes the work, adding exactly what was missing.
        let before = try Workload.inspect(db) { d in try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item")! }
        let again = try Child.rounds(["import"] + urls.map(\.path) + ["--db", db], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let files = urls.count
        let missing = (files + 1) * perFile - before
        #expect(again.stdout.contains("\(files * perFile) read, \(missing) new, \(files * perFile - missing) already known, 0 rejected"), "\(again.stdout)")
        let after = try Workload.inspect(db) { d in
            (try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item")!, try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM triageDecision")!)
        }
        #expect(after.0 == (files + 1) * perFile && after.1 == after.0)
        KillFigures.record("import", kills: k, landed: landed, fullRun: full, note: "partial counts seen: \(Set(counts).sorted()); \(urls.count) files")
    }

    @Test("Bulk imports killed 20 times while running: each file is there whole or not at all, with every index, and re-running completes it")
    func killedBulkImports() throws {
        let dir = try Repo.temporaryFolder("kill-bulk")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("k.sqlite").path
        let perFile = 3_500
        let kills = 20
        // A database that already holds items (so a kill can land on a bulk import that dropped
        // the indexes of a populated table), and the schema it has.
        let baseline = dir.appendingPathComponent("baseline.jsonl")
        try Workload.writeItems(baseline, prefix: "base", count: perFile)
        let base = try Child.rounds(["import", baseline.path, "--db", db, "--bulk"], in: dir)
        #expect(base.status == 0, "\(base.stderr)")
        // How long a whole bulk import of one more file takes here, into that database; kills
        // land uniformly over a little more than that, so some come during the index builds and
        // the commit, and a few after it.
        let probe = dir.appendingPathComponent("probe.jsonl")
        try Workload.writeItems(probe, prefix: "probe", count: perFile)
        let t0 = Date()
        let probed = try Child.rounds(["import", probe.path, "--db", db, "--bulk"], in: dir)
        let full = Date().timeIntervalSince(t0)
        #expect(probed.status == 0, "\(probed.stderr)")
        let schemaSQL = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        let schema = try Workload.inspect(db) { d in try Row.fetchAll(d, sql: schemaSQL) }
        #expect(schema.filter { $0["type"] == "index" }.count >= 9)

        var files: [(url: URL, prefix: String)] = []
        func newFile() throws -> (url: URL, prefix: String) {
            let prefix = "b\(files.count)"
            let url = dir.appendingPathComponent("bulk-\(files.count).jsonl")
            try Workload.writeItems(url, prefix: prefix, count: perFile)
            files.append((url, prefix))
            return (url, prefix)
        }
        var current = try newFile()
        var rng = SystemRandomNumberGenerator()
        var landed = 0
        var counts: [Int] = []
        var k = 0
        while landed < kills && k < 2 * kills {
            defer { k += 1 }
            let delay = Double.random(in: 0...(1.2 * full), using: &rng)
            let (_, killed) = try runAndKill(["import", current.url.path, "--db", db, "--bulk"], after: delay, in: dir)
            if killed { landed += 1 }
            #expect(try Workload.integrity(db) == "ok", "kill \(k) after \(delay) s")
            let (n, untriaged, schemaNow) = try Workload.inspect(db) { d in
                (try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item WHERE externalID LIKE ?", arguments: ["\(current.prefix)-%"])!,
                 try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item WHERE id NOT IN (SELECT itemId FROM triageDecision)")!,
                 try Row.fetchAll(d, sql: schemaSQL))
            }
            #expect(n == 0 || n == perFile, "kill \(k): \(n) items of a file imported in bulk: neither none nor all")
            #expect(untriaged == 0, "kill \(k): an item without its triage")
            #expect(schemaNow == schema, "kill \(k): the schema differs after the kill (an index missing?)")
            counts.append(n)
            if n == perFile { current = try newFile() }
        }
        #expect(landed == kills, "only \(landed) of \(k) kills landed while the bulk import ran")
        #expect(counts.contains(0), "no kill landed before a commit: \(counts)")

        // Re-running every file in bulk adds exactly what was missing.
        let again = try Child.rounds(["import"] + files.map(\.url.path) + ["--db", db, "--bulk"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let after = try Workload.inspect(db) { d in
            (try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item")!, try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM triageDecision")!)
        }
        #expect(after.0 == (files.count + 2) * perFile && after.1 == after.0)
        KillFigures.record("bulk import", kills: k, landed: landed, fullRun: full, note: "counts seen: \(Set(counts).sorted()); \(files.count) files")
    }

    @Test("Response recording killed 50 times while running: every response reported as recorded is there, none twice, and re-running completes the batch")
    func killedResponses() throws {
        let dir = try Repo.temporaryFolder("kill-respond")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("k.sqlite").path
        let n = 1_500
        let items = dir.appendingPathComponent("items.jsonl")
        try Workload.writeItems(items, prefix: "r", count: n)
        let imported = try Child.rounds(["import", items.path, "--db", db], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        let ids = try Workload.inspect(db) { d in try Int64.fetchAll(d, sql: "SELECT id FROM item ORDER BY id") }
        #expect(ids.count == n)
        // Every line names the version the item had (1): a line already recorded is refused on a re-run.
        let batch = dir.appendingPathComponent("responses.jsonl")
        try Data((ids.enumerated().map { Workload.responseLine(item: $1, version: 1, n: $0) }.joined(separator: "\n") + "\n").utf8).write(to: batch)

        let t0 = Date()
        let probe = try runAndKill(["respond", "--batch", batch.path, "--agent", "probe", "--db", db], after: 0.4, in: dir)
        let probeTime = Date().timeIntervalSince(t0)
        // The probe shows the pace; kill delays are spread over the time the whole batch would take.
        let perLine = probeTime / Double(max(1, Workload.reported(probe.0.stdout).count))
        let full = min(3.0, max(0.3, perLine * Double(n)))

        var reportedAll = Workload.reported(probe.0.stdout)
        var landed = probe.killed ? 1 : 0
        var rng = SystemRandomNumberGenerator()
        var k = 0
        while landed < Self.kills && k < Self.maxAttempts {
            defer { k += 1 }
            let delay = Double.random(in: 0...(full / 3), using: &rng)
            let (r, killed) = try runAndKill(["respond", "--batch", batch.path, "--agent", "agent\(k % 4)", "--db", db], after: delay, in: dir)
            if killed { landed += 1 }
            #expect(!r.stderr.contains(HostileCorpus.canary), "a message echoed response text")
            let reported = Workload.reported(r.stdout)
            reportedAll += reported
            #expect(try Workload.integrity(db) == "ok", "kill \(k) after \(delay) s")
            let missing = try Workload.inspect(db) { d in
                try reported.filter { rep in try Int64.fetchOne(d, sql: "SELECT itemId FROM response WHERE id = ?", arguments: [rep.response]) != rep.item }
            }
            #expect(missing.isEmpty, "kill \(k): reported as recorded but not in the database: \(missing.prefix(5))")
        }
        #expect(landed == Self.kills, "only \(landed) of \(k + 1) kills landed while responses were being recorded")
        let doneBefore = try Workload.inspect(db) { d in try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM response")! }

        // The re-run records exactly what is missing: the others are refused as already answered.
        let final = try Child.rounds(["respond", "--batch", batch.path, "--agent", "final", "--db", db], in: dir)
        #expect(final.status == (doneBefore > 0 ? 3 : 0), "\(final.stderr.prefix(300))")
        #expect(Workload.reported(final.stdout).count == n - doneBefore)
        #expect(!final.stderr.contains("locked"))
        let (responses, perItemMax, events, allReported) = try Workload.inspect(db) { d in
            (try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM response")!,
             try Int.fetchOne(d, sql: "SELECT MAX(c) FROM (SELECT COUNT(*) AS c FROM response GROUP BY itemId)")!,
             try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM event WHERE kind IN ('replied','redirected','noted')")!,
             try reportedAll.allSatisfy { rep in try Int64.fetchOne(d, sql: "SELECT itemId FROM response WHERE id = ?", arguments: [rep.response]) == rep.item })
        }
        #expect(responses == n, "every item answered once")
        #expect(perItemMax == 1, "no item answered twice")
        #expect(events == n, "each response with its event")
        #expect(allReported)
        #expect(try Workload.integrity(db) == "ok")
        KillFigures.record("respond", kills: k + 1, landed: landed, fullRun: full,
                           note: "\(doneBefore) of \(n) responses recorded before the final run; \(reportedAll.count) reported")
    }
}

/// Figures for Docs/reliability.md, printed when ROUNDS_RELIABILITY_FIGURES is set.
enum KillFigures {
    static func record(_ what: String, kills: Int, landed: Int, fullRun: TimeInterval, note: String) {
        guard ProcessInfo.processInfo.environment["ROUNDS_RELIABILITY_FIGURES"] != nil else { return }
        print("figures: \(what): \(kills) kills, \(landed) while running, full run \(String(format: "%.2f", fullRun)) s; \(note)")
    }
}
