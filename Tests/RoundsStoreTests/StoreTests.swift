import Foundation
import GRDB
import Testing
@testable import RoundsCore
@testable import RoundsIngest
@testable import RoundsStore

/// A fresh database in its own temporary folder, removed afterwards.
final class TempStore {
    let dir: URL
    let path: String
    let clock: FixedClock
    let db: AppDatabase

    init(now: String = "2026-11-24T15:00:00Z") throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("rounds.sqlite").path
        clock = FixedClock(RFC3339.parse(now)!)
        db = try AppDatabase.open(path: path, clock: clock)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}

let storeTriage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
let storeSLA = SLAEngine(calendar: .officeHours(TimeZone(identifier: "America/New_York")!))

func item(_ id: String, _ text: String, at: String = "2026-11-24T14:00:00Z", kind: ItemKind = .question,
          platform: Platform = .facebook, thread: String? = nil, parent: String? = nil) -> Item {
    Item(id: id, platform: platform, kind: kind, text: text, receivedAt: RFC3339.parse(at)!, author: Author(handle: "@\(id)"),
         threadID: thread, parentID: parent)
}

func triaged(_ items: [Item]) -> [(Item, TriageDecision)] { items.map { ($0, storeTriage.classify($0)) } }

@Suite("Store: schema and file")
struct StoreSchemaTests {
    @Test("A new database has every table, WAL, foreign keys and the known schema steps")
    func migrations() throws {
        let s = try TempStore()
        let (tables, journal, foreignKeys) = try s.db.writer.read { db in
            (try ["item", "triageDecision", "claim", "response", "event", "shift"].filter { try db.tableExists($0) },
             try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(tables.count == 6, "\(tables)")
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(AppDatabase.schemaVersions == ["v1", "v2-queue-key", "v3-urgent-first", "v4-sort-orders", "v5-filter-tally"])
    }

    @Test("A v1 database migrates to v3: queue keys back-filled from the deadlines, urgent items first")
    func migrateV1() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("old.sqlite").path
        do {
            let old = try DatabaseQueue(path: path)
            try AppDatabase.migrator.migrate(old, upTo: "v1")
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO item (platform, externalID, kind, text, receivedAt, authorHandle, route, urgent, spam, waitingSince, dueAt, importedAt)
                    VALUES ('x', 'a', 'question', 't', '2026-11-24 14:00:00.000', '@a', 'answer_in_thread', 0, 0, '2026-11-24 14:00:00.000', '2026-11-24 16:00:00.500', '2026-11-24 14:00:00.000'),
                           ('x', 'b', 'question', 't', '2026-11-24 14:00:00.000', '@b', 'answer_in_thread', 0, 0, '2026-11-24 14:00:00.000', NULL, '2026-11-24 14:00:00.000'),
                           ('x', 'c', 'question', 't', '2026-11-24 14:00:00.000', '@c', 'redirect_private', 1, 0, '2026-11-24 14:00:00.000', '2026-11-24 18:00:00.000', '2026-11-24 14:00:00.000')
                    """)
            }
        }
        let db = try AppDatabase.open(path: path, clock: FixedClock(RFC3339.parse("2026-11-24T15:00:00Z")!))
        let keys = try db.writer.read { db in try Double.fetchAll(db, sql: "SELECT queueKey FROM item ORDER BY externalID") }
        #expect(keys.count == 3)
        #expect(abs(keys[0] - RFC3339.parse("2026-11-24T16:00:00.500Z")!.timeIntervalSince1970) < 0.01)
        #expect(keys[1] == 1e14)
        #expect(abs(keys[2] - (RFC3339.parse("2026-11-24T18:00:00Z")!.timeIntervalSince1970 - 1e15)) < 0.01)
        // The urgent item is due last but listed first; the item without a target comes last.
        #expect(try db.queue(QueueFilter(), agent: "a", offset: 0, limit: 5).map(\.stored.item.id) == ["c", "a", "b"])
    }

    @Test("The database file and its WAL are readable by their owner only")
    func mode() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("m1", "hello")]), sla: storeSLA)
        for suffix in ["", "-wal"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: s.path + suffix)
            let perms = (attrs[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(perms == 0o600, "\(suffix): \(String(perms, radix: 8))")
        }
    }

    @Test("A database written by a newer schema is refused and left untouched")
    func newerSchema() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("n1", "hello")]), sla: storeSLA)
        try s.db.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            try db.execute(sql: "CREATE TABLE futureThing (x)")
        }
        do {
            _ = try AppDatabase.open(path: s.path, clock: s.clock)
            Issue.record("a newer schema must be refused")
        } catch let e as StoreOpenError {
            #expect("\(e)".contains("newer version of Rounds"))
            #expect("\(e)".contains("v99-from-the-future"))
        }
        // Nothing was changed: the future table and the item are still there.
        let (future, items) = try s.db.writer.read { db in
            (try db.tableExists("futureThing"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item"))
        }
        #expect(future)
        #expect(items == 1)
    }

    @Test("Responses, events and triage decisions cannot be rewritten or deleted")
    func appendOnly() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("a1", "my asthma is worse")]), sla: storeSLA)
        let stored = try #require(try s.db.item(platform: .facebook, externalID: "a1"))
        try s.db.recordResponse(itemID: stored.id, expectedVersion: stored.version, agent: "dana", channel: .privateMessage, text: "DM sent", sla: storeSLA)
        for sql in ["UPDATE response SET text = 'x'", "DELETE FROM response", "UPDATE event SET kind = 'viewed'",
                    "DELETE FROM event", "UPDATE triageDecision SET route = 'answer_in_thread'", "DELETE FROM triageDecision"] {
            #expect(throws: DatabaseError.self, "\(sql)") { try s.db.writer.write { db in try db.execute(sql: sql) } }
        }
        let responses = try s.db.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM response") }
        #expect(responses == 1)
    }
}

@Suite("Store: import")
struct StoreImportTests {
    @Test("Importing the same items twice adds nothing the second time")
    func idempotent() throws {
        let s = try TempStore()
        let items = triaged((1...50).map { item("i\($0)", "question \($0)") })
        let first = try s.db.importItems(items, sla: storeSLA)
        #expect(first.inserted == 50 && first.alreadyKnown == 0)
        let second = try s.db.importItems(items, sla: storeSLA)
        #expect(second.inserted == 0 && second.alreadyKnown == 50)
        #expect(try s.db.itemCount() == 50)
        // The same id on another platform is another item.
        let other = try s.db.importItems(triaged([item("i1", "x", platform: .instagram)]), sla: storeSLA)
        #expect(other.inserted == 1)
    }

    @Test("Each item is stored with its automatic triage and SLA deadlines")
    func triageAndDeadlines() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([
            item("u1", "i want to end my life", at: "2026-11-24T14:00:00Z", kind: .comment),
            item("q1", "what are your hours?", at: "2026-11-24T14:00:00Z", kind: .question),
            item("s1", "buy followers cheap, crypto giveaway", kind: .comment),
        ]), sla: storeSLA)
        let urgent = try #require(try s.db.item(platform: .facebook, externalID: "u1"))
        #expect(urgent.urgent && urgent.route == .redirectPrivate)
        #expect(urgent.dueAt == RFC3339.parse("2026-11-24T14:15:00Z"))
        #expect(urgent.warnAt == RFC3339.parse("2026-11-24T14:10:00Z"))
        let question = try #require(try s.db.item(platform: .facebook, externalID: "q1"))
        #expect(question.dueAt == RFC3339.parse("2026-11-24T16:00:00Z"))
        let spam = try #require(try s.db.item(platform: .facebook, externalID: "s1"))
        #expect(spam.status == .hidden)
        let detail = try #require(try s.db.detail(id: urgent.id))
        #expect(detail.triage.count == 1 && detail.triage[0].source == "automatic")
        #expect(detail.triage[0].reasons.contains { $0.rule.hasPrefix("urgent.") })
    }

    @Test("The importer reports rejects with their place, writes them 0600, and imports the rest")
    func rejects() throws {
        let s = try TempStore()
        let input = s.dir.appendingPathComponent("items.jsonl")
        let lines = [
            #"{"id":"r1","platform":"facebook","kind":"question","text":"open sunday??","received_at":"2026-11-24T10:00:00Z","author":{"handle":"@a"}}"#,
            #"{"id":"r2","platform":"facebook","kind":"question","text":"x","received_at":"yesterday","author":{"handle":"@a"}}"#,
            #"{"id":"r3","platform":"tiktok","kind":"question","text":"x","received_at":"2026-11-24T10:00:00Z","author":{"handle":"@a"}}"#,
            #"{"id":"r4","platform":"x","kind":"dm","text":"my MRN is 00482913","received_at":"2026-11-24T10:00:00Z","author":{"handle":"@b"}}"#,
        ]
        _ = FileManager.default.createFile(atPath: input.path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let rejectsPath = RejectsWriter.defaultPath(for: input.path)
        let writer = RejectsWriter(path: rejectsPath)
        let fd = open(input.path, O_RDONLY)
        defer { close(fd) }
        var printed: [String] = []
        let summary = try Importer(db: s.db, triage: storeTriage, sla: storeSLA)
            .run(fd: fd, source: "items.jsonl", format: .jsonl, rejects: writer) { printed.append("\($0)") }
        try writer.close()
        #expect(summary.description == "4 read, 2 new, 0 already known, 2 rejected")
        #expect(printed == [
            #"items.jsonl:2: received_at: not an RFC 3339 time: "yesterday""#,
            #"items.jsonl:3: platform: unknown platform "tiktok" (expected one of facebook, instagram, x, youtube, google_reviews, linkedin)"#,
        ])
        let rejected = try String(contentsOfFile: rejectsPath, encoding: .utf8).split(separator: "\n")
        #expect(rejected.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(rejected[0].utf8)) as! [String: Any]
        #expect(first["line"] as? Int == 2 && first["field"] as? String == "received_at")
        #expect((first["record"] as? String)?.contains("\"r2\"") == true)
        let perms = (try FileManager.default.attributesOfItem(atPath: rejectsPath)[.posixPermissions] as? NSNumber)?.intValue
        #expect(perms == 0o600)
    }

    @Test("The importer (rows prepared on its reader thread, import-time cache and checkpoint settings) stores what importItems stores, then puts the settings back and checkpoints the WAL")
    func importerMatchesImportItems() throws {
        // Given the sample queue, sorted so follow-ups come after their parents, as one JSONL file
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        let lines = try String(contentsOf: SampleData.url, encoding: .utf8).split(separator: "\n").filter { !$0.isEmpty }
        let sorted = try lines.map { (try ItemDecoder.decode(line: String($0)).get(), $0) }.sorted { $0.0.receivedAt < $1.0.receivedAt }
        let original = sorted.map(\.0)
        let input = s.dir.appendingPathComponent("sample.jsonl")
        _ = FileManager.default.createFile(atPath: input.path, contents: Data(sorted.map { String($0.1) }.joined(separator: "\n").utf8))
        let reference = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try reference.db.importItems(triaged(original), sla: storeSLA)
        func settings() throws -> [Int] {
            try s.db.writer.writeWithoutTransaction { db in
                [try Int.fetchOne(db, sql: "PRAGMA cache_size")!, try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")!]
            }
        }
        let before = try settings()

        // When it goes through the importer in batches of 50
        var importer = Importer(db: s.db, triage: storeTriage, sla: storeSLA)
        importer.batchSize = 50
        let fd = open(input.path, O_RDONLY)
        defer { close(fd) }
        let summary = try importer.run(fd: fd, source: "sample.jsonl", format: .jsonl, rejects: nil) { Issue.record("rejected: \($0)") }

        // Then every item, deadline, queue key and decision is the same as through importItems
        #expect(summary.new == original.count && original.count > 300)
        let itemsSQL = "SELECT * FROM item ORDER BY platform, externalID"
        let decisionsSQL = "SELECT i.platform, i.externalID, d.source, d.route, d.urgent, d.spam, d.reasons, d.decidedAt FROM triageDecision d JOIN item i ON i.id = d.itemId ORDER BY 1, 2"
        let eventsSQL = "SELECT i.platform, i.externalID, e.kind, e.detail FROM event e JOIN item i ON i.id = e.itemId ORDER BY 1, 2, 3, 4"
        for sql in [itemsSQL, decisionsSQL, eventsSQL] {
            let ours = try s.db.writer.read { db in try Row.fetchAll(db, sql: sql) }
            let theirs = try reference.db.writer.read { db in try Row.fetchAll(db, sql: sql) }
            #expect(ours.count == theirs.count && !ours.isEmpty || sql == eventsSQL, "\(sql)")
            #expect(ours == theirs, "\(sql)")
        }
        // And the writer's settings are as before, with the WAL checkpointed into the database
        #expect(try settings() == before)
        let wal = try s.db.writer.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")! }
        #expect(wal[1] as Int == 0, "WAL frames left after the import: \(wal)")
    }

    @Test("A dry run counts what would be new without writing")
    func dryRun() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("d1", "hello")]), sla: storeSLA)
        let input = s.dir.appendingPathComponent("d.jsonl")
        let text = [#"{"id":"d1","platform":"facebook","kind":"question","text":"hello","received_at":"2026-11-24T10:00:00Z","author":"@a"}"#,
                    #"{"id":"d2","platform":"facebook","kind":"question","text":"hi","received_at":"2026-11-24T10:00:00Z","author":"@a"}"#].joined(separator: "\n")
        _ = FileManager.default.createFile(atPath: input.path, contents: Data(text.utf8))
        let fd = open(input.path, O_RDONLY)
        defer { close(fd) }
        var importer = Importer(db: s.db, triage: storeTriage, sla: storeSLA)
        importer.dryRun = true
        let summary = try importer.run(fd: fd, source: "d.jsonl", format: .jsonl, rejects: nil) { _ in }
        #expect(summary.new == 1 && summary.known == 1)
        #expect(try s.db.itemCount() == 1)
    }

    @Test("Seeding shifts the sample so the newest item arrived a minute before now")
    func seed() throws {
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        let summary = try SampleData.seed(s.db, triage: storeTriage, sla: storeSLA)
        #expect(summary.new >= 300)
        let newest = try s.db.writer.read { db in try Date.fetchOne(db, sql: "SELECT MAX(receivedAt) FROM item") }
        #expect(newest == RFC3339.parse("2027-03-01T11:59:00Z"))
        let c = try s.db.counts()
        #expect(c.open > 0 && c.breached > 0 && c.dueSoon > 0 && c.urgent > 0)
        #expect(c.open > c.breached + c.dueSoon, "some items must still be ok")
        #expect(try SampleData.seed(s.db, triage: storeTriage, sla: storeSLA).new == 0)
    }
}

@Suite("Store: status-bar counts over time")
struct CountsForecastTests {
    @Test("The forecast gives the store's own counts at every instant of its span, including each due and warning time, and nothing outside it")
    func forecastMatchesCounts() throws {
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try SampleData.seed(s.db, triage: storeTriage, sla: storeSLA)
        let start = s.clock.now
        let forecast = try s.db.countsForecast(horizon: 6 * 3600)
        #expect(forecast.from == start)
        #expect(forecast.changingCount > 10, "the sample must have items that change class within 6 h")
        // The exact instants where counts move, a millisecond either side, and a regular grid.
        let times = try s.db.writer.read { db in
            try Date.fetchAll(db, sql: "SELECT dueAt FROM item WHERE status = 'open' AND dueAt IS NOT NULL UNION SELECT warnAt FROM item WHERE status = 'open' AND warnAt IS NOT NULL")
        }.filter { $0 > start && $0 <= start.addingTimeInterval(6 * 3600) }
        var instants = times.flatMap { [$0.addingTimeInterval(-0.001), $0, $0.addingTimeInterval(0.001)] }
        instants += stride(from: 0.0, through: 6 * 3600, by: 97).map { start.addingTimeInterval($0) }
        var moved = false
        let first = try s.db.counts()
        for t in instants where t >= start && t <= forecast.until {
            s.clock.set(t)
            let expected = try s.db.counts()
            #expect(forecast.counts(at: t) == expected, "at \(t)")
            if expected != first { moved = true }
        }
        #expect(moved, "the counts must change within the span, or the test proves nothing")
        #expect(forecast.counts(at: start.addingTimeInterval(-1)) == nil)
        #expect(forecast.counts(at: forecast.until.addingTimeInterval(0.001)) == nil)
    }
}

@Suite("Store: working together")
struct StoreCollaborationTests {
    @Test("A second manager cannot claim a claimed item; expiry and release free it")
    func claims() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("c1", "hello")]), sla: storeSLA)
        let id = try #require(try s.db.item(platform: .facebook, externalID: "c1")).id
        try s.db.claim(itemID: id, agent: "dana", ttl: 600)
        #expect(throws: StoreConflict.claimedByOther(agent: "dana", until: s.clock.now.addingTimeInterval(600))) {
            try s.db.claim(itemID: id, agent: "lee", ttl: 600)
        }
        // Dana may extend her own claim.
        try s.db.claim(itemID: id, agent: "dana", ttl: 900)
        // Expired: Lee may take over.
        s.clock.advance(by: 901)
        #expect(try s.db.activeClaim(itemID: id) == nil)
        try s.db.claim(itemID: id, agent: "lee", ttl: 60)
        #expect(try s.db.activeClaim(itemID: id)?.agent == "lee")
        // Release by someone else does nothing; by the holder frees it.
        try s.db.release(itemID: id, agent: "dana")
        #expect(try s.db.activeClaim(itemID: id)?.agent == "lee")
        try s.db.release(itemID: id, agent: "lee")
        #expect(try s.db.activeClaim(itemID: id) == nil)
        #expect(throws: StoreConflict.noSuchItem(999)) { try s.db.claim(itemID: 999, agent: "x", ttl: 1) }
    }

    @Test("A response to an item that changed since it was opened is not recorded")
    func versionCheck() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("v1", "what are your hours?", thread: "t1")]), sla: storeSLA)
        let opened = try #require(try s.db.item(platform: .facebook, externalID: "v1"))
        // Lee answers first.
        s.clock.advance(by: 60)
        try s.db.recordResponse(itemID: opened.id, expectedVersion: opened.version, agent: "lee", channel: .publicReply, text: "8 to 6!", sla: storeSLA)
        // Dana, still on the version she opened, is told why and nothing is recorded.
        do {
            try s.db.recordResponse(itemID: opened.id, expectedVersion: opened.version, agent: "dana", channel: .publicReply, text: "9 to 5", sla: storeSLA)
            Issue.record("a stale response must be refused")
        } catch let StoreConflict.itemChanged(expected, actual, what) {
            #expect(expected == opened.version && actual == opened.version + 1)
            #expect(what.contains("replied by lee"))
        }
        let detail = try #require(try s.db.detail(id: opened.id))
        #expect(detail.responses.map(\.agent) == ["lee"])
        #expect(detail.stored.status == .answered)
        #expect(detail.stored.firstResponseAt == s.clock.now)
        #expect(detail.responses[0].slaState == "met")
    }

    @Test("A follow-up changes the parent's version and reopens it for a next reply")
    func followUp() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("p1", "do you take aetna?", thread: "t9")]), sla: storeSLA)
        let parent = try #require(try s.db.item(platform: .facebook, externalID: "p1"))
        try s.db.recordResponse(itemID: parent.id, expectedVersion: parent.version, agent: "lee", channel: .publicReply, text: "Yes", sla: storeSLA)
        let answered = try #require(try s.db.item(id: parent.id))
        _ = try s.db.importItems(triaged([item("p2", "what about cigna?", at: "2026-11-24T15:30:00Z", thread: "t9", parent: "p1")]), sla: storeSLA)
        let reopened = try #require(try s.db.item(id: parent.id))
        #expect(reopened.status == .open && reopened.isFollowUp)
        #expect(reopened.version == answered.version + 1)
        #expect(reopened.waitingSince == RFC3339.parse("2026-11-24T15:30:00Z"))
        #expect(throws: StoreConflict.self) {
            try s.db.recordResponse(itemID: parent.id, expectedVersion: answered.version, agent: "dana", channel: .publicReply, text: "x", sla: storeSLA)
        }
        let detail = try #require(try s.db.detail(id: parent.id))
        #expect(detail.thread.map(\.item.id) == ["p1", "p2"])
        #expect(detail.events.map(\.kind).contains(.reopened))
    }

    @Test("A claim by another manager blocks a response; an internal note keeps the item open")
    func claimBlocksResponse() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("b1", "hello")]), sla: storeSLA)
        let it = try #require(try s.db.item(platform: .facebook, externalID: "b1"))
        try s.db.claim(itemID: it.id, agent: "dana", ttl: 600)
        #expect(throws: StoreConflict.self) {
            try s.db.recordResponse(itemID: it.id, expectedVersion: it.version, agent: "lee", channel: .publicReply, text: "x", sla: storeSLA)
        }
        try s.db.recordResponse(itemID: it.id, expectedVersion: it.version, agent: "dana", channel: .internalNote, text: "calling back", sla: storeSLA)
        #expect(try s.db.item(id: it.id)?.status == .open)
    }

    @Test("A redirect records the acknowledgement and the private message together, or neither")
    func redirectIsAtomic() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("x1", "my mri results are missing", kind: .comment)]), sla: storeSLA)
        let it = try #require(try s.db.item(platform: .facebook, externalID: "x1"))
        // Stale version: nothing at all is recorded.
        #expect(throws: StoreConflict.self) {
            try s.db.recordResponses(itemID: it.id, expectedVersion: it.version + 5, agent: "dana",
                                     [(.publicReply, "We'll DM you"), (.privateMessage, "Hi, can you share…")], sla: storeSLA)
        }
        #expect(try s.db.detail(id: it.id)?.responses.isEmpty == true)
        let records = try s.db.recordResponses(itemID: it.id, expectedVersion: it.version, agent: "dana",
                                               [(.publicReply, "We'll DM you"), (.privateMessage, "Hi, can you share…")], sla: storeSLA)
        #expect(records.map(\.channel) == [.publicReply, .privateMessage])
        let after = try #require(try s.db.detail(id: it.id))
        #expect(after.stored.status == .answered && after.stored.version == it.version + 1)
        #expect(after.events.map(\.kind).suffix(2) == [.replied, .redirected])
    }

    @Test("An override records who and why and re-times the item")
    func override() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("o1", "what are your hours?", kind: .comment)]), sla: storeSLA)
        let it = try #require(try s.db.item(platform: .facebook, externalID: "o1"))
        try s.db.overrideTriage(itemID: it.id, agent: "dana", route: .redirectPrivate, urgent: false, spam: false, why: "she names her clinic visit in a reply", sla: storeSLA)
        let after = try #require(try s.db.detail(id: it.id))
        #expect(after.stored.route == .redirectPrivate)
        #expect(after.stored.dueAt == RFC3339.parse("2026-11-24T15:00:00Z"))  // private: 1 h from 14:00
        #expect(after.triage.map(\.source) == ["automatic", "override"])
        #expect(after.triage[1].agent == "dana" && after.triage[1].why == "she names her clinic visit in a reply")
    }
}

@Suite("Store: queries")
struct StoreQueryTests {
    @Test("The queue is in SLA order, filters apply, and only the page is fetched")
    func queue() throws {
        let s = try TempStore(now: "2026-11-24T15:00:00Z")
        _ = try s.db.importItems(triaged([
            item("late", "what time do you open?", at: "2026-11-24T12:00:00Z"),      // due 14:00: breached
            item("soon", "is there parking?", at: "2026-11-24T13:20:00Z"),           // due 15:20: due soon
            item("fresh", "do you have an interpreter?", at: "2026-11-24T14:50:00Z"), // due 16:50: ok
            item("urgent", "i can't breathe right now", at: "2026-11-24T14:55:00Z", platform: .x), // due 15:10
        ]), sla: storeSLA)
        let rows = try s.db.queue(QueueFilter(), agent: "dana", offset: 0, limit: 10)
        #expect(rows.map(\.stored.item.id) == ["urgent", "late", "soon", "fresh"])  // urgent first, then by due
        let page = try s.db.queue(QueueFilter(), agent: "dana", offset: 1, limit: 2)
        #expect(page.map(\.stored.item.id) == ["late", "soon"])
        #expect(try s.db.queue(QueueFilter(platform: .x), agent: "dana", offset: 0, limit: 10).map(\.stored.item.id) == ["urgent"])
        #expect(try s.db.queue(QueueFilter(urgentOnly: true), agent: "dana", offset: 0, limit: 10).count == 1)
        #expect(try s.db.queue(QueueFilter(search: "PARK"), agent: "dana", offset: 0, limit: 10).map(\.stored.item.id) == ["soon"])
        #expect(try s.db.queue(QueueFilter(search: "100%_"), agent: "dana", offset: 0, limit: 10).isEmpty)
        let c = try s.db.counts()
        #expect(c.open == 4 && c.breached == 1 && c.urgent == 1)
        // "soon" warns at 14:50 (due soon); "urgent" warns at 15:05 (still ok at 15:00).
        #expect(c.dueSoon == 1)
        let fresh = try #require(try s.db.item(platform: .facebook, externalID: "fresh"))
        try s.db.claim(itemID: fresh.id, agent: "dana", ttl: 600)
        #expect(try s.db.queue(QueueFilter(ownership: .mine), agent: "dana", offset: 0, limit: 10).map(\.stored.item.id) == ["fresh"])
        #expect(try s.db.queue(QueueFilter(ownership: .unclaimed), agent: "dana", offset: 0, limit: 10).count == 3)
        #expect(try s.db.queueSize(QueueFilter(), agent: "dana") == 4)
        #expect(try s.db.queue(QueueFilter(), order: .age, agent: "dana", offset: 0, limit: 1).first?.stored.item.id == "late")
    }

    @Test("The tally gives the size of the queue under every filter it can answer, as COUNT does")
    func tallyMatchesCount() throws {
        let s = try TempStore(now: "2026-11-24T15:00:00Z")
        _ = try s.db.importItems(triaged([
            item("a", "what time do you open?", at: "2026-11-24T12:00:00Z"),
            item("b", "my mri results from tuesday, can someone call me?", at: "2026-11-24T13:00:00Z", platform: .instagram),
            item("c", "i can't breathe right now", at: "2026-11-24T14:55:00Z", platform: .x),
            item("d", "is there parking?", at: "2026-11-24T13:20:00Z", platform: .x),
            item("e", "check out my music channel, free followers", at: "2026-11-24T14:00:00Z"),
            item("f", "my son's asthma is worse, what should we do?", at: "2026-11-24T14:10:00Z", platform: .youtube),
        ]), sla: storeSLA)
        let d = try #require(try s.db.item(platform: .x, externalID: "d"))
        try s.db.recordResponse(itemID: d.id, expectedVersion: d.version, agent: "dana", channel: .publicReply, text: "Yes, free!", sla: storeSLA)

        func check(_ tally: QueueTally) throws {
            var checked = 0
            for statuses in QueueFilter.Statuses.allCases {
                for route in [nil] + Route.allCases.map(Optional.some) {
                    for platform in [nil] + Platform.allCases.map(Optional.some) {
                        for urgent in [false, true] {
                            let f = QueueFilter(statuses: statuses, route: route, platform: platform, urgentOnly: urgent)
                            #expect(tally.count(f) == (try s.db.queueSize(f, agent: "dana")), "\(f)")
                            checked += 1
                        }
                    }
                }
            }
            #expect(checked == 3 * 3 * 7 * 2)
        }
        // One in-order walk of the counting index: no sort, no table rows.
        let plan = try s.db.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT status, route, platform, urgent, COUNT(*) FROM item INDEXED BY item_open_counts GROUP BY status, route, platform, urgent").map { $0["detail"] as String? ?? "" }
        }
        #expect(plan.contains { $0.contains("COVERING INDEX item_open_counts") } && !plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        let before = try s.db.tally()
        try check(before)
        #expect(before.count(QueueFilter()) == 4)  // a, b, c, f: d answered, e hidden as spam
        #expect(before.count(QueueFilter(search: "mri")) == nil)
        #expect(before.count(QueueFilter(ownership: .mine)) == nil)
        // A write changes the counts: a new tally sees it, the old one is a snapshot.
        let a = try #require(try s.db.item(platform: .facebook, externalID: "a"))
        try s.db.recordResponse(itemID: a.id, expectedVersion: a.version, agent: "dana", channel: .publicReply, text: "At 8!", sla: storeSLA)
        let after = try s.db.tally()
        try check(after)
        #expect(after.count(QueueFilter()) == 3 && before.count(QueueFilter()) == 4)
    }

    @Test("Every queue order is an index walk, forwards and backwards: no sort of the open items per page", arguments: QueueOrder.allCases)
    func queueOrdersUseAnIndex(order: QueueOrder) throws {
        let s = try TempStore()
        let (whereSQL, args) = s.db.whereClause(QueueFilter(), agent: "dana", at: s.db.now)
        for descending in [false, true] {
            let plan = try s.db.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT item.* FROM item LEFT JOIN claim ON claim.itemId = item.id WHERE \(whereSQL) ORDER BY \(AppDatabase.orderClause(order, descending: descending)) LIMIT 60",
                                 arguments: args).map { $0["detail"] as String? ?? "" }
            }
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(order) descending \(descending): \(plan)")
        }
    }

    @Test("A page read from the end of the queue is the same page as read from the start", arguments: QueueOrder.allCases)
    func pagesFromTheEnd(order: QueueOrder) throws {
        let s = try TempStore(now: "2026-11-24T15:00:00Z")
        // Ties on every key but the id: the same received time, platform and deadline.
        var items = (0..<30).map { i in item("t\(i)", "what time do you open?", at: "2026-11-24T13:00:00Z", platform: i % 3 == 0 ? .x : .facebook) }
        items += (0..<23).map { i in item("u\(i)", "is there parking?", at: "2026-11-24T1\(i % 5):0\(i % 10):00Z") }
        _ = try s.db.importItems(triaged(items), sla: storeSLA)
        let total = try s.db.queueSize(QueueFilter(), agent: "dana")
        #expect(total == 53)
        let all = try s.db.queue(QueueFilter(), order: order, agent: "dana", offset: 0, limit: 100).map(\.id)
        for (offset, limit) in [(27, 10), (40, 13), (45, 20), (52, 5), (30, 1)] {
            let fromEnd = try s.db.queue(QueueFilter(), order: order, agent: "dana", offset: offset, limit: limit, total: total).map(\.id)
            #expect(fromEnd == Array(all[offset..<min(total, offset + limit)]), "\(order) offset \(offset) limit \(limit)")
        }
    }

    @Test("Everything touched in a window, for the shift summary")
    func window() throws {
        let s = try TempStore(now: "2026-11-24T15:00:00Z")
        _ = try s.db.importItems(triaged([
            item("old", "hello", at: "2026-11-20T10:00:00Z"),
            item("new", "hi", at: "2026-11-24T14:30:00Z"),
        ]), sla: storeSLA)
        let old = try #require(try s.db.item(platform: .facebook, externalID: "old"))
        try s.db.recordResponse(itemID: old.id, expectedVersion: old.version, agent: "dana", channel: .publicReply, text: "hi!", sla: storeSLA)
        let from = RFC3339.parse("2026-11-24T14:00:00Z")!, to = RFC3339.parse("2026-11-24T16:00:00Z")!
        #expect(try s.db.itemsTouched(from: from, to: to).map(\.item.id) == ["old", "new"])
        #expect(try s.db.responses(from: from, to: to).count == 1)
        #expect(try s.db.itemsTouched(from: RFC3339.parse("2026-11-25T00:00:00Z")!, to: RFC3339.parse("2026-11-26T00:00:00Z")!).isEmpty)
    }

    @Test("A commit from another connection is seen by the change watcher")
    func watcher() throws {
        let s = try TempStore()
        let watcher = try ChangeWatcher(path: s.path)
        #expect(try watcher.poll() == false)
        let other = try AppDatabase.open(path: s.path, clock: s.clock)
        _ = try other.importItems(triaged([item("w1", "hello")]), sla: storeSLA)
        #expect(try watcher.poll() == true)
        #expect(try watcher.poll() == false)
    }
}
