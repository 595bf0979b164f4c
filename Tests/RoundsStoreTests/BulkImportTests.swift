import Foundation
import GRDB
import Testing
@testable import RoundsCore
@testable import RoundsIngest
@testable import RoundsStore

/// `rounds import --bulk`: one transaction per input, the secondary indexes dropped at its start
/// and built again before it commits.
@Suite("Store: bulk import")
struct BulkImportTests {
    /// The sample queue, sorted so follow-ups come after their parents, as JSONL lines.
    static func sampleLines() throws -> [(item: Item, line: String)] {
        let lines = try String(contentsOf: SampleData.url, encoding: .utf8).split(separator: "\n").filter { !$0.isEmpty }
        return try lines.map { (try ItemDecoder.decode(line: String($0)).get(), String($0)) }.sorted { $0.0.receivedAt < $1.0.receivedAt }
    }

    static func write(_ lines: [String], in store: TempStore, name: String = "bulk.jsonl") -> String {
        let path = store.dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(lines.joined(separator: "\n").utf8))
        return path
    }

    static func bulkImport(_ path: String, into store: TempStore, batchSize: Int = 50,
                           onBatch: ((ImportSummary) -> Void)? = nil) throws -> ImportSummary {
        var importer = Importer(db: store.db, triage: storeTriage, sla: storeSLA)
        importer.bulk = true
        importer.batchSize = batchSize
        importer.onBatch = onBatch
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        return try importer.run(fd: fd, source: (path as NSString).lastPathComponent, format: .jsonl, rejects: nil) {
            Issue.record("rejected: \($0)")
        }
    }

    /// Every row a user or an export could see, in an order that does not depend on row ids.
    static let contentSQL = [
        "SELECT * FROM item ORDER BY platform, externalID",
        "SELECT i.platform, i.externalID, d.source, d.route, d.urgent, d.spam, d.reasons, d.decidedAt FROM triageDecision d JOIN item i ON i.id = d.itemId ORDER BY 1, 2",
        "SELECT i.platform, i.externalID, e.kind, e.detail FROM event e JOIN item i ON i.id = e.itemId ORDER BY 1, 2, 3, 4",
    ]
    /// The schema: every table, index and trigger with its SQL.
    static let schemaSQL = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"

    static func rows(_ store: TempStore, _ sql: String) throws -> [Row] {
        try store.db.writer.read { db in try Row.fetchAll(db, sql: sql) }
    }

    @Test("A bulk import into a new database stores what importItems stores, with the same indexes built again and the WAL checkpointed")
    func matchesImportItems() throws {
        // Given the sample queue as one file
        let sample = try Self.sampleLines()
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        let reference = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try reference.db.importItems(triaged(sample.map(\.item)), sla: storeSLA)
        let path = Self.write(sample.map(\.line), in: s)

        // When it is imported in bulk, in batches of 50 inside the one transaction
        var batches = 0
        let summary = try Self.bulkImport(path, into: s) { _ in batches += 1 }

        // Then every item, deadline, queue key, decision and follow-up event is the same
        #expect(summary.new == sample.count && sample.count > 300 && summary.known == 0)
        #expect(batches >= sample.count / 50)
        for sql in Self.contentSQL {
            let ours = try Self.rows(s, sql), theirs = try Self.rows(reference, sql)
            #expect(!ours.isEmpty, "\(sql)")
            #expect(ours == theirs, "\(sql)")
        }
        // And the schema is whole again: every index, with its own SQL
        #expect(try Self.rows(s, Self.schemaSQL) == Self.rows(reference, Self.schemaSQL))
        #expect(try Self.rows(s, Self.schemaSQL).filter { $0["type"] == "index" }.count >= 9)
        #expect(try s.db.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        // And the queries that name their index work, with the same answers
        #expect(try s.db.tally() == reference.db.tally())
        #expect(try s.db.counts() == reference.db.counts())
        let wal = try s.db.writer.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")! }
        #expect(wal[1] as Int == 0, "WAL frames left after the import: \(wal)")
    }

    @Test("A bulk import into a database that holds items adds only what is new, follow-ups included, and counts the rest as known")
    func intoExistingDatabase() throws {
        // Given a database holding the first half of the sample
        let sample = try Self.sampleLines()
        let half = sample.count / 2
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try s.db.importItems(triaged(sample.prefix(half).map(\.item)), sla: storeSLA)
        let reference = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try reference.db.importItems(triaged(sample.prefix(half).map(\.item)), sla: storeSLA)
        _ = try reference.db.importItems(triaged(sample.map(\.item)), sla: storeSLA)

        // When the whole sample is imported in bulk
        let summary = try Self.bulkImport(Self.write(sample.map(\.line), in: s), into: s)

        // Then the first half is known, the rest is new, and the rows are those of two ordinary imports
        #expect(summary.known == half && summary.new == sample.count - half)
        for sql in Self.contentSQL {
            #expect(try Self.rows(s, sql) == Self.rows(reference, sql), "\(sql)")
        }
        #expect(try Self.rows(s, Self.schemaSQL) == Self.rows(reference, Self.schemaSQL))
        #expect(try s.db.tally() == reference.db.tally())
    }

    @Test("While a bulk import runs, another connection reads the last committed state, with its indexes")
    func readersSeeTheCommittedState() throws {
        // Given a database holding the first 100 items of the sample
        let sample = try Self.sampleLines()
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try s.db.importItems(triaged(sample.prefix(100).map(\.item)), sla: storeSLA)
        let openBefore = try s.db.counts().open
        let path = Self.write(sample.map(\.line), in: s)
        var reader = Configuration()
        reader.readonly = true
        let other = try DatabaseQueue(path: s.path, configuration: reader)

        // When another connection reads after each batch written inside the bulk transaction
        var seen: [(open: Int, indexes: Int, written: Int)] = []
        let summary = try Self.bulkImport(path, into: s) { progress in
            let read = try? other.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item INDEXED BY item_open_counts WHERE status = 'open'")!,
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('item', 'triageDecision')")!)
            }
            guard let read else { Issue.record("the other connection could not read during the import"); return }
            seen.append((read.0, read.1, progress.new))
        }

        // Then it saw the items committed before, through the index the inbox names, and every index
        #expect(summary.new == sample.count - 100)
        #expect(seen.count >= 3)
        #expect(seen.allSatisfy { $0.open == openBefore }, "\(seen.map(\.open))")
        #expect(seen.allSatisfy { $0.indexes == seen[0].indexes } && seen[0].indexes >= 8)
        #expect(seen.last!.written == sample.count - 100, "the last read came after every row was written, before the commit")
        // And after the commit it sees the import
        #expect(try other.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") } == sample.count)
    }

    @Test("A bulk import that fails part way leaves the database as it was, indexes included")
    func failureRollsBack() throws {
        // Given a database holding 100 items, and a writer connection that refuses one item
        // late in the file (a stand-in for a full disk)
        let sample = try Self.sampleLines()
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try s.db.importItems(triaged(sample.prefix(100).map(\.item)), sla: storeSLA)
        let schemaBefore = try Self.rows(s, Self.schemaSQL)
        let refused = sample[sample.count - 20].item
        try s.db.writer.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.item WHEN NEW.externalID = '\(refused.id.replacingOccurrences(of: "'", with: "''"))'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }

        // When the whole sample is imported in bulk
        var written = 0
        #expect(throws: DatabaseError.self) {
            _ = try Self.bulkImport(Self.write(sample.map(\.line), in: s), into: s) { written = $0.new }
        }

        // Then rows had been written inside the transaction, and none of them stayed
        #expect(written > 100)
        #expect(try s.db.itemCount() == 100)
        #expect(try s.db.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triageDecision") } == 100)
        #expect(try Self.rows(s, Self.schemaSQL) == schemaBefore)
        #expect(try s.db.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        // And a bulk import afterwards, without the refusal, adds the rest
        try s.db.writer.writeWithoutTransaction { db in try db.execute(sql: "DROP TRIGGER temp.refuse") }
        #expect(try Self.bulkImport(Self.write(sample.map(\.line), in: s, name: "again.jsonl"), into: s).new == sample.count - 100)
    }

    @Test("A bulk import whose input cannot be read reports the error and leaves the database whole, indexes included")
    func unreadableInput() throws {
        // Given a database with items, and an input that is a folder (read(2) fails)
        let sample = try Self.sampleLines()
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try s.db.importItems(triaged(sample.prefix(10).map(\.item)), sla: storeSLA)
        let schemaBefore = try Self.rows(s, Self.schemaSQL)

        // When it is imported in bulk
        #expect(throws: POSIXError.self) { _ = try Self.bulkImport(s.dir.path, into: s) }

        // Then the error is reported, and the database is whole, with its items
        #expect(try s.db.itemCount() == 10)
        #expect(try Self.rows(s, Self.schemaSQL) == schemaBefore)
        #expect(try s.db.tally().groups.reduce(0) { $0 + $1.count } == 10, "the tally names its index")
    }
}
