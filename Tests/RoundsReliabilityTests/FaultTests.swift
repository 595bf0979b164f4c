import Foundation
import GRDB
import Testing
import RoundsCore
import RoundsStore
import RoundsTerminal
import RoundsTUI
#if canImport(Glibc)
import Glibc
#endif

/// The three ways a write can be refused underneath Rounds: a full disk, a read-only database, a
/// lock held by another process past the busy timeout. Each must give a clear message, lose
/// nothing already recorded and, in the inbox, keep the draft.
enum Fault: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case diskFull, readOnly, locked

    var testDescription: String { rawValue }

    /// The words StoreFailure gives for this fault (what the manager reads).
    var words: String {
        switch self {
        case .diskFull: "the database could not be written: the disk is full"
        case .readOnly: "the database could not be written: it is read-only (check the permissions of the file and its folder)"
        case .locked: "the database could not be written: another process held it locked for more than \(Int(AppDatabase.busyTimeout)) s"
        }
    }

    /// The same fault met while opening the database (StoreFailure.describeOpening).
    var openingWords: String {
        switch self {
        case .diskFull: "the database could not be opened: the disk is full"
        case .readOnly: "the database could not be opened for writing: it is read-only (check the permissions of the file and its folder)"
        case .locked: "the database could not be opened: another process held it locked for more than \(Int(AppDatabase.busyTimeout)) s"
        }
    }
}

/// Mounting, for the command-line faults that need a real file system: a small tmpfs (a disk
/// that fills up) and a read-only bind mount (root ignores file permissions, so `chmod 0444`
/// cannot make a file read-only for root). Only possible as root where mount(2) is allowed.
enum Mounts {
    static let available: Bool = {
        guard geteuid() == 0, let dir = try? Repo.temporaryFolder("mount-probe") else { return false }
        defer { try? FileManager.default.removeItem(at: dir) }
        let mnt = dir.appendingPathComponent("mnt")
        guard (try? FileManager.default.createDirectory(at: mnt, withIntermediateDirectories: false)) != nil,
              (try? sh("mount -t tmpfs -o size=64k tmpfs '\(mnt.path)'", in: dir)) == 0 else { return false }
        _ = try? sh("umount '\(mnt.path)'", in: dir)
        return true
    }()

    /// Runs a shell command (outputs in `dir`); its exit status.
    @discardableResult
    static func sh(_ command: String, in dir: URL) throws -> Int32 {
        try Child.spawn(["/bin/sh", "-c", command], outputIn: dir).wait(timeout: 30).status
    }
}

/// Responses, events and one response's text, read from outside (a fresh read-only connection).
struct Recorded: Equatable {
    var responses: Int
    var events: Int
    var firstText: String?

    static func read(_ path: String) throws -> Recorded {
        try Workload.inspect(path) { d in
            Recorded(responses: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM response")!,
                     events: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM event")!,
                     firstText: try String.fetchOne(d, sql: "SELECT text FROM response ORDER BY id LIMIT 1"))
        }
    }
}

@Suite("Faults: a full disk, a read-only database, a lock held too long", .serialized)
struct FaultTests {
    static let now = RFC3339.parse("2026-11-24T15:00:00Z")!
    /// Bigger than a page (4 KB), so recording it needs new pages: a capped database must refuse it.
    static let draft = String(repeating: "Called back and left a voicemail asking them to ring the clinic. ", count: 250)

    /// A database with the sample queue and one response already recorded.
    static func database(_ dir: URL) throws -> (AppDatabase, FixedClock, String) {
        let clock = FixedClock(now)
        let path = dir.appendingPathComponent("f.sqlite").path
        let db = try AppDatabase.open(path: path, clock: clock)
        let s = try SampleData.seed(db, triage: InboxHarness.triage, sla: InboxHarness.sla)
        #expect(s.new > 3)
        let last = try #require(try db.writer.read { d in try Int64.fetchOne(d, sql: "SELECT MAX(id) FROM item") })
        let version = try #require(try db.item(id: last)).version
        try db.recordResponse(itemID: last, expectedVersion: version, agent: "lee", channel: .internalNote, text: "recorded before the fault", sla: InboxHarness.sla)
        return (db, clock, path)
    }

    /// Brings the fault on (on the inbox's own connection, or with a second one); returns what ends it.
    static func induce(_ fault: Fault, _ db: AppDatabase, path: String) throws -> () throws -> Void {
        switch fault {
        case .diskFull:
            // SQLite's own ceiling: the file may not grow past the pages it has now.
            let pages = try db.writer.writeWithoutTransaction { d in
                let pages = try Int.fetchOne(d, sql: "PRAGMA page_count")!
                #expect(try Int.fetchOne(d, sql: "PRAGMA freelist_count") == 0, "free pages would let the write fit")
                _ = try Int.fetchOne(d, sql: "PRAGMA max_page_count = \(pages)")
                return pages
            }
            #expect(pages > 1)
            return { try db.writer.writeWithoutTransaction { d in _ = try Int.fetchOne(d, sql: "PRAGMA max_page_count = 1073741823") } }
        case .readOnly:
            // The connection may read but not write, as when the file has become read-only under a
            // running inbox (the file-level case is FaultTests.cliFaults, through `rounds`).
            try db.writer.writeWithoutTransaction { d in try d.execute(sql: "PRAGMA query_only = 1") }
            return { try db.writer.writeWithoutTransaction { d in try d.execute(sql: "PRAGMA query_only = 0") } }
        case .locked:
            return try holdLock(path)
        }
    }

    /// A second connection (another process, as far as SQLite can tell) holding the write lock.
    static func holdLock(_ path: String) throws -> () throws -> Void {
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: path, configuration: config)
        try holder.writeWithoutTransaction { d in try d.execute(sql: "BEGIN EXCLUSIVE") }
        return { try holder.writeWithoutTransaction { d in try d.execute(sql: "ROLLBACK") } }
    }

    @Test("The inbox under each fault: a clear message, the draft kept (composer and drafts), nothing recorded lost; sent once the fault ends", arguments: Fault.allCases)
    func inbox(fault: Fault) throws {
        let dir = try Repo.temporaryFolder("fault-inbox-\(fault.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (db, clock, path) = try Self.database(dir)
        let before = try Recorded.read(path)
        #expect(before.responses == 1)

        let h = try InboxHarness(db: db, clock: clock)
        #expect(h.app.state.total > 3)
        h.press(.char("I"))  // an internal note on the first row
        #expect(h.app.state.screen == .composer)
        let itemID = try #require(h.app.state.composer?.itemID)
        h.app.send(.editorFinished(text: Self.draft, error: nil))  // as if written in $EDITOR
        #expect(h.app.state.composer?.text.string == Self.draft)

        let end = try Self.induce(fault, db, path: path)
        h.press(.ctrl("d"))
        #expect(h.app.state.prompt != nil, "the send asks for confirmation: \(h.app.state.status?.text ?? "")")
        let t0 = Date()
        h.press(.char("y"))
        let waited = Date().timeIntervalSince(t0)

        // The message says what happened and that the draft is kept.
        let expected = "Nothing was recorded: \(fault.words). Your draft is kept."
        #expect(h.app.state.status?.text == expected)
        #expect(h.app.state.status?.kind == .error)
        #expect(h.text.contains("Nothing was recorded"), "the message is on the screen")
        #expect(!h.text.contains("SQLite") && !h.text.lowercased().contains("database is locked"))
        if fault == .locked {
            #expect(waited >= AppDatabase.busyTimeout - 0.5, "the inbox gave up before the busy timeout (\(waited) s)")
            #expect(waited < AppDatabase.busyTimeout + 10)
        }
        // The draft is still in the composer, whole.
        #expect(h.app.state.screen == .composer)
        #expect(h.app.state.composer?.itemID == itemID)
        #expect(h.app.state.composer?.text.string == Self.draft)
        // Nothing already recorded is lost (and nothing half-written appeared).
        try end()
        #expect(try Recorded.read(path) == before)
        #expect(try Workload.integrity(path) == "ok")

        // Leaving the composer keeps the draft; coming back brings it; sending now records it.
        h.press(.escape)
        #expect(h.app.state.drafts[itemID]?.text.string == Self.draft)
        h.press(.char("I"))
        #expect(h.app.state.composer?.text.string == Self.draft, "the kept draft comes back")
        h.press(.ctrl("d"))
        h.press(.char("y"))
        #expect(h.app.state.status?.text.hasPrefix("Recorded") == true, "\(h.app.state.status?.text ?? "-")")
        #expect(h.app.state.drafts[itemID] == nil)
        let after = try Recorded.read(path)
        #expect(after.responses == before.responses + 1 && after.firstText == before.firstText)
        let stored = try Workload.inspect(path) { d in try String.fetchOne(d, sql: "SELECT text FROM response WHERE itemId = ? ORDER BY id DESC LIMIT 1", arguments: [itemID]) }
        #expect(stored == Self.draft)
    }

    @Test("A claim in the inbox on a read-only database says nothing was recorded and changes nothing")
    func inboxClaimReadOnly() throws {
        let dir = try Repo.temporaryFolder("fault-claim")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (db, clock, path) = try Self.database(dir)
        let h = try InboxHarness(db: db, clock: clock)
        let before = try Recorded.read(path)
        let end = try Self.induce(.readOnly, db, path: path)
        h.press(.char("C"))
        #expect(h.app.state.status?.text.hasPrefix("Nothing was recorded: \(Fault.readOnly.words).") == true, "\(h.app.state.status?.text ?? "-")")
        try end()
        #expect(try Workload.inspect(path) { d in try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM claim")! } == 0)
        #expect(try Recorded.read(path) == before)
        h.press(.char("C"))
        #expect(h.app.state.status?.text.contains("claimed by you") == true, "\(h.app.state.status?.text ?? "-")")
    }

    // MARK: - The command line

    /// `rounds respond` on a database in `dbDir`: (result, response count before, after).
    static func respond(_ item: String, textFile: String, db: String, in dir: URL) throws -> Child.Result {
        try Child.rounds(["respond", item, "--channel", "note", "--text-file", textFile, "--agent", "lee", "--db", db], in: dir)
    }

    @Test("rounds respond and a lock held shorter than the busy timeout: it waits and records, silently")
    func cliLockedBriefly() throws {
        let dir = try Repo.temporaryFolder("fault-cli-brief")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, _, path) = try Self.database(dir)
        let text = dir.appendingPathComponent("reply.txt")
        try Data("A note".utf8).write(to: text)
        let before = try Recorded.read(path)
        let release = try Self.holdLock(path)
        let t0 = Date()
        let child = try Child.spawn([Repo.rounds, "respond", "1", "--channel", "note", "--text-file", text.path, "--agent", "lee", "--db", path], outputIn: dir)
        // Hold the lock for 1.5 s on purpose (a third of the busy timeout), then let go.
        usleep(1_500_000)
        #expect(child.poll() == nil, "the write went through while the lock was held")
        try release()
        let r = try child.wait(timeout: 30)
        let waited = Date().timeIntervalSince(t0)
        #expect(r.status == 0 && r.stderr.isEmpty, "exit \(r.status): \(r.stderr)")
        #expect(r.stdout.hasPrefix("recorded response"))
        #expect(waited >= 1.4 && waited < 60, "\(waited) s")
        #expect(try Recorded.read(path).responses == before.responses + 1)
    }

    @Test("rounds respond while another process holds the lock past the busy timeout: a clear message, exit 4, nothing lost; done once the lock is gone")
    func cliLocked() throws {
        let dir = try Repo.temporaryFolder("fault-cli-locked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, _, path) = try Self.database(dir)
        let text = dir.appendingPathComponent("reply.txt")
        try Data("A note with \(HostileCorpus.canary) in it".utf8).write(to: text)
        let before = try Recorded.read(path)
        let release = try Self.holdLock(path)
        let t0 = Date()
        let r = try Self.respond("1", textFile: text.path, db: path, in: dir)
        let waited = Date().timeIntervalSince(t0)
        try release()
        #expect(r.status != 0 && !r.stdout.contains("recorded response"))
        #expect(!r.stderr.contains(HostileCorpus.canary))
        #expect(waited >= AppDatabase.busyTimeout - 0.5, "gave up after \(waited) s")
        #expect(try Recorded.read(path) == before)
        // Met at open or at the write, the same fault in words, and exit 4.
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stderr.contains(Fault.locked.words) || r.stderr.contains(Fault.locked.openingWords), "\(r.stderr)")
        #expect(!r.stderr.contains("database is locked") && !r.stderr.contains("SQLite error"), "\(r.stderr)")
        let again = try Self.respond("1", textFile: text.path, db: path, in: dir)
        #expect(again.status == 0 && again.stdout.hasPrefix("recorded response"), "\(again.stderr)")
        #expect(try Recorded.read(path).responses == before.responses + 1)
    }

    @Test("rounds respond and rounds import on a full disk (a small tmpfs), rounds respond on a read-only database (a read-only mount): refused, a clear message, nothing lost",
          .enabled(if: Mounts.available, "needs root and mount(2) for a tmpfs and a read-only bind mount"))
    func cliFaults() throws {
        let dir = try Repo.temporaryFolder("fault-cli")
        let fs = dir.appendingPathComponent("fs")
        let ro = dir.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: fs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: ro, withIntermediateDirectories: true)
        defer {
            _ = try? Mounts.sh("umount '\(ro.path)'; umount '\(fs.path)'", in: dir)
            try? FileManager.default.removeItem(at: dir)
        }
        #expect(try Mounts.sh("mount -t tmpfs -o size=2m tmpfs '\(fs.path)'", in: dir) == 0)
        let db = fs.appendingPathComponent("r.sqlite").path
        let items = dir.appendingPathComponent("items.jsonl")
        try Workload.writeItems(items, prefix: "d", count: 40)
        let imported = try Child.rounds(["import", items.path, "--db", db, "--rejects", dir.appendingPathComponent("rej.jsonl").path], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        let small = dir.appendingPathComponent("small.txt")
        try Data("Left a voicemail.".utf8).write(to: small)
        let first = try Self.respond("1", textFile: small.path, db: db, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Recorded.read(db)
        #expect(before.responses == 1)

        // Disk full: fill the tmpfs, then give back 96 KB (room to open the database, not to write 400 KB).
        let filler = fs.appendingPathComponent("filler").path
        try Mounts.sh("dd if=/dev/zero of='\(filler)' bs=64k 2>/dev/null; truncate -s -96k '\(filler)'", in: dir)
        let big = dir.appendingPathComponent("big.txt")
        try Data(String(repeating: "A long note about the call back. \(HostileCorpus.canary) ", count: 9_000).utf8).write(to: big)
        let full = try Self.respond("2", textFile: big.path, db: db, in: dir)
        #expect(full.status == 4, "\(full.stderr)")
        #expect(full.stderr.contains(Fault.diskFull.words + "; nothing more was recorded"), "\(full.stderr)")
        #expect(!full.stderr.contains(HostileCorpus.canary) && !full.stderr.contains("SQLite error"))
        // An import on the full disk: refused, whole batches only, and (known bug) a raw SQLite message.
        let more = dir.appendingPathComponent("more.jsonl")
        try Workload.writeItems(more, prefix: "m", count: 2_500)
        let imp = try Child.rounds(["import", more.path, "--db", db, "--rejects", dir.appendingPathComponent("rej2.jsonl").path], in: dir)
        #expect(imp.status != 0, "an import on a full disk reported success: \(imp.stdout)")
        #expect(!imp.stderr.contains(HostileCorpus.canary))
        #expect(imp.status == 4, "\(imp.stderr)")
        #expect(imp.stderr.contains(Fault.diskFull.words) || imp.stderr.contains(Fault.diskFull.openingWords), "\(imp.stderr)")
        #expect(!imp.stderr.contains("SQLite error"), "\(imp.stderr)")
        try FileManager.default.removeItem(atPath: filler)
        let itemsNow = try Workload.inspect(db) { d in try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item")! }
        #expect((itemsNow - 40) % 1_000 == 0 && itemsNow >= 40, "\(itemsNow) items: not whole batches")
        #expect(try Recorded.read(db) == before, "a refused write changed what was recorded")
        #expect(try Workload.integrity(db) == "ok")
        let retried = try Self.respond("2", textFile: big.path, db: db, in: dir)
        #expect(retried.status == 0, "\(retried.stderr)")
        let recorded = try Recorded.read(db)
        #expect(recorded.responses == 2)

        // Read-only: the same folder through a read-only bind mount.
        #expect(try Mounts.sh("mount --bind '\(fs.path)' '\(ro.path)' && mount -o remount,bind,ro '\(ro.path)'", in: dir) == 0)
        let roDB = ro.appendingPathComponent("r.sqlite").path
        let refused = try Self.respond("3", textFile: small.path, db: roDB, in: dir)
        #expect(refused.status != 0 && !refused.stdout.contains("recorded response"))
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains(Fault.readOnly.words) || refused.stderr.contains(Fault.readOnly.openingWords), "\(refused.stderr)")
        #expect(!refused.stderr.contains("SQLite error"), "\(refused.stderr)")
        #expect(try Recorded.read(db) == recorded)
        #expect(try Workload.integrity(db) == "ok")
    }
}

@Suite("StoreFailure: database errors in words")
struct StoreFailureTests {
    @Test("Each SQLite failure a write can meet has a sentence; none carries SQL or its arguments")
    func words() throws {
        let secret = HostileCorpus.canary
        let cases: [(ResultCode, String)] = [
            (.SQLITE_FULL, "the disk is full"), (.SQLITE_READONLY, "read-only"), (.SQLITE_BUSY, "locked for more than 5 s"),
            (.SQLITE_LOCKED, "locked for more than 5 s"), (.SQLITE_CANTOPEN, "could not be opened"), (.SQLITE_PERM, "permissions"),
            (.SQLITE_IOERR, "input/output error"), (.SQLITE_CORRUPT, "damaged"), (.SQLITE_NOTADB, "not a Rounds database"),
            (.SQLITE_CONSTRAINT, "SQLite code 19"),
        ]
        for (code, words) in cases {
            let error = DatabaseError(resultCode: code, message: "raw \(secret)", sql: "INSERT INTO response(text) VALUES (?)", arguments: [secret])
            let write = try #require(StoreFailure.describe(error))
            let open = try #require(StoreFailure.describeOpening(error))
            for s in [write, open] {
                #expect(s.contains(words), "\(code): \(s)")
                #expect(!s.contains(secret) && !s.contains("INSERT") && !s.lowercased().contains("database is locked"), "\(code): \(s)")
            }
            if code != .SQLITE_CORRUPT && code != .SQLITE_NOTADB { #expect(open.contains("opened"), "\(code): \(open)") }
        }
        #expect(StoreFailure.describe(CocoaError(.fileNoSuchFile)) == nil)
    }
}
