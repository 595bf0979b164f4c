import Foundation
import GRDB
import Testing
@testable import RoundsCore
@testable import RoundsStore

/// The store shared by several real `rounds` processes.
@Suite("Store across processes (the real binary)", .serialized)
struct StoreProcessTests {
    /// Starts `rounds` with arguments; returns the running process.
    static func start(_ args: [String], env: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = RoundsBinary.url
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "ROUNDS_DB")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func sampleLine(_ i: Int) -> String {
        #"{"id":"load-\#(i)","platform":"facebook","kind":"comment","text":"my asthma has been bad since tuesday, do you have a clinic open on saturday \#(i)?","received_at":"2026-11-24T10:00:00Z","author":{"handle":"@p\#(i)"}}"#
    }

    @Test("Eight managers claiming one item at the same moment: exactly one wins")
    func concurrentClaims() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-claims")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("r.sqlite").path
        let seed = try RoundsBinary.run(["seed", "--db", db])
        #expect(seed.status == 0, "\(seed.stderr)")
        for round in 1...3 {
            let procs = try (1...8).map { try Self.start(["claim", "\(round)", "--agent", "agent\($0)", "--db", db]) }
            for p in procs { p.waitUntilExit() }
            let statuses = procs.map(\.terminationStatus)
            #expect(statuses.filter { $0 == 0 }.count == 1, "round \(round): \(statuses)")
            #expect(statuses.filter { $0 == 3 }.count == 7, "round \(round): \(statuses)")
        }
        let store = try AppDatabase.open(path: db, clock: SystemClock())
        let claimEvents = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE kind = 'claimed'") }
        #expect(claimEvents == 3)
    }

    @Test("An import killed with SIGKILL leaves a sound database, and running it again completes it")
    func killedImport() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("r.sqlite").path
        let input = dir.appendingPathComponent("load.jsonl").path
        let total = 50_000  // long enough that a poll sees a committed batch before it ends, with faster triage
        _ = FileManager.default.createFile(atPath: input, contents: Data(((0..<total).map(Self.sampleLine).joined(separator: "\n") + "\n").utf8))
        let p = try Self.start(["import", input, "--db", db, "--batch-size", "1000"])
        // Kill it once some batches are committed (bounded wait, polling the database).
        let deadline = Date().addingTimeInterval(60)
        var seen = 0
        // A read-only connection, opened once, then polled. Not `AppDatabase.open`: opened between
        // the file's creation and the end of the importer's migration, it migrates too, and waits
        // for the write lock the importer then holds batch after batch: up to the busy timeout,
        // long enough to miss the whole import (the flake of 3 and 4 December).
        var watching: DatabaseQueue?
        while Date() < deadline && p.isRunning {
            if watching == nil, FileManager.default.fileExists(atPath: db) {
                var config = Configuration()
                config.readonly = true
                watching = try? DatabaseQueue(path: db, configuration: config)
            }
            // Fails until the importer has created the table: then opened again (a connection
            // opened on the file before it was a WAL database is not kept).
            if let w = watching {
                do {
                    if let n = try w.read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item") }), n > 0 {
                        seen = n
                        break
                    }
                } catch {
                    watching = nil
                }
            }
            usleep(5_000)
        }
        watching = nil
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(seen > 0, "the import never committed a batch")
        let store = try AppDatabase.open(path: db, clock: SystemClock())
        let check = try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
        let partial = try store.itemCount()
        #expect(partial % 1000 == 0 || partial == total, "batches are all-or-nothing: \(partial)")
        // Again: completes, adds only what was missing.
        let again = try RoundsBinary.run(["import", input, "--db", db])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\(total) read, \(total - partial) new, \(partial) already known, 0 rejected"), "\(again.stdout)")
        #expect(try store.itemCount() == total)
        let triaged = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT itemId) FROM triageDecision") }
        #expect(triaged == total)
    }

    @Test("A claim made by another process is visible within a second")
    func seenFromAnotherProcess() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-watch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("r.sqlite").path
        #expect(try RoundsBinary.run(["seed", "--db", db]).status == 0)
        let watcher = try ChangeWatcher(path: db)
        #expect(try watcher.poll() == false)
        let claimed = try RoundsBinary.run(["claim", "7", "--agent", "dana", "--db", db])
        #expect(claimed.status == 0)
        let start = Date()
        var seen = false
        while Date().timeIntervalSince(start) < 1 {
            if try watcher.poll() { seen = true; break }
            usleep(10_000)
        }
        #expect(seen)
        let store = try AppDatabase.open(path: db, clock: SystemClock())
        #expect(try store.activeClaim(itemID: 7)?.agent == "dana")
    }

    @Test("rounds import: exit 0, then 0 with nothing new, 1 with rejects, 2 when a file cannot be read")
    func importExitStatus() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-import")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("r.sqlite").path
        let good = dir.appendingPathComponent("good.jsonl").path
        _ = FileManager.default.createFile(atPath: good, contents: Data(((0..<5).map(Self.sampleLine).joined(separator: "\n") + "\n").utf8))
        let first = try RoundsBinary.run(["import", good, "--db", db])
        #expect(first.status == 0)
        #expect(first.stdout.contains("5 read, 5 new, 0 already known, 0 rejected"))
        let second = try RoundsBinary.run(["import", good, "--db", db])
        #expect(second.stdout.contains("5 read, 0 new, 5 already known, 0 rejected"))
        let bad = dir.appendingPathComponent("bad.jsonl").path
        _ = FileManager.default.createFile(atPath: bad, contents: Data((Self.sampleLine(99) + "\n{oops\n").utf8))
        let third = try RoundsBinary.run(["import", bad, "--db", db])
        #expect(third.status == 1)
        #expect(third.stderr.contains("bad.jsonl:2: invalid JSON"))
        #expect(FileManager.default.fileExists(atPath: bad + ".rejects.jsonl"))
        let missing = try RoundsBinary.run(["import", dir.appendingPathComponent("nope.jsonl").path, "--db", db])
        #expect(missing.status == 2)
        let dry = try RoundsBinary.run(["import", "--dry-run", "-", "--db", db], stdin: Self.sampleLine(500) + "\n")
        #expect(dry.stdout.contains("dry run: 1 read, 1 new"))
        let store = try AppDatabase.open(path: db, clock: SystemClock())
        #expect(try store.itemCount() == 6)
        // Batches of 2: the same import, counted the same.
        let more = dir.appendingPathComponent("more.jsonl").path
        _ = FileManager.default.createFile(atPath: more, contents: Data(((600..<605).map(Self.sampleLine).joined(separator: "\n") + "\n").utf8))
        let small = try RoundsBinary.run(["import", more, "--db", db, "--batch-size", "2"])
        #expect(small.status == 0 && small.stdout.contains("5 read, 5 new, 0 already known, 0 rejected"), "\(small.stdout) \(small.stderr)")
        #expect(try store.itemCount() == 11)
        let zero = try RoundsBinary.run(["import", more, "--db", db, "--batch-size", "0"])
        #expect(zero.status == 64 && zero.stderr.contains("--batch-size must be at least 1 (got 0)"), "\(zero.stderr)")
        // In bulk: the same counts; a second time, all known; no batch size with it.
        let bulkFile = dir.appendingPathComponent("bulk.jsonl").path
        _ = FileManager.default.createFile(atPath: bulkFile, contents: Data(((700..<710).map(Self.sampleLine).joined(separator: "\n") + "\n").utf8))
        let bulk = try RoundsBinary.run(["import", bulkFile, "--db", db, "--bulk"])
        #expect(bulk.status == 0 && bulk.stdout.contains("10 read, 10 new, 0 already known, 0 rejected"), "\(bulk.stdout) \(bulk.stderr)")
        #expect(try store.itemCount() == 21)
        let bulkAgain = try RoundsBinary.run(["import", bulkFile, "--db", db, "--bulk"])
        #expect(bulkAgain.stdout.contains("10 read, 0 new, 10 already known, 0 rejected"), "\(bulkAgain.stdout)")
        let bulkBatch = try RoundsBinary.run(["import", bulkFile, "--db", db, "--bulk", "--batch-size", "10"])
        #expect(bulkBatch.status == 64 && bulkBatch.stderr.contains("--batch-size does not apply"), "\(bulkBatch.stderr)")
    }
}
