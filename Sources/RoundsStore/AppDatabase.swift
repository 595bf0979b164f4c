import Foundation
import GRDB
import RoundsCore

/// Why a database could not be opened.
public enum StoreOpenError: Error, CustomStringConvertible, Sendable {
    /// The file was written by a newer Rounds: it is refused, never altered.
    case newerSchema(path: String, unknownMigrations: [String])
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let unknown):
            return "\(path): this database was written by a newer version of Rounds (schema steps \(unknown.joined(separator: ", ")) are unknown to this program). It was not opened and nothing was changed: use the newer Rounds, or a copy of an older database."
        case .cannotCreate(let path, let reason):
            return "\(path): cannot create the database: \(reason)"
        }
    }
}

/// The Rounds database: SQLite in WAL mode, shared safely by several processes on one machine.
///
/// `AppDatabase` owns the schema (a private migrator, GRDB's recommended practice) and every write.
/// Responses, events and triage decisions are append-only: triggers refuse any UPDATE or DELETE.
///
/// ```swift
/// let db = try AppDatabase.open(path: "rounds.sqlite", clock: SystemClock())
/// try db.claim(itemID: 12, agent: "dana", ttl: 600)
/// ```
public final class AppDatabase: Sendable {
    /// The connection pool (WAL: readers never block the writer).
    public let writer: DatabasePool
    public let path: String
    /// The clock the database stamps its records with (injected at `open`).
    public let clock: any RoundsCore.Clock

    /// How long a connection waits for another process's lock before giving up.
    public static let busyTimeout: TimeInterval = 5

    /// Opens (creating if needed, mode 0600) and migrates the database at `path`.
    ///
    /// A database whose schema is newer than this program is refused with
    /// ``StoreOpenError/newerSchema(path:unknownMigrations:)`` before anything is written.
    public static func open(path: String, clock: any RoundsCore.Clock) throws -> AppDatabase {
        try createPrivately(path)
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        // GRDB 7 opens the write transactions of a pool with BEGIN IMMEDIATE: the write lock is
        // taken at BEGIN, so a lock upgrade can never fail with SQLITE_BUSY past the timeout.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        // Refuse a newer schema before the migrator touches anything.
        let superseded = try pool.read { db in try Self.migrator.hasBeenSuperseded(db) }
        if superseded {
            let known = Set(Self.migrator.migrations)
            let applied = try pool.read { db in try Self.migrator.appliedIdentifiers(db) }
            throw StoreOpenError.newerSchema(path: path, unknownMigrations: applied.subtracting(known).sorted())
        }
        // Migrating takes the write lock even when there is nothing to do: only when there is.
        if try !pool.read({ db in try Self.migrator.hasCompletedMigrations(db) }) {
            try Self.migrator.migrate(pool)
        }
        return AppDatabase(writer: pool, path: path, clock: clock)
    }

    init(writer: DatabasePool, path: String, clock: any RoundsCore.Clock) {
        self.writer = writer
        self.path = path
        self.clock = clock
    }

    /// Creates the file with mode 0600 (and its folder with 0700) before SQLite opens it.
    /// SQLite gives the -wal and -shm files the main file's permissions.
    static func createPrivately(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreOpenError.cannotCreate(path: path, reason: (error as NSError).localizedDescription)
            }
        }
        let fd = Foundation.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 {
            // Read-only files are opened read-only by SQLite later; report other failures now.
            if errno == EACCES || errno == EROFS, FileManager.default.fileExists(atPath: path) { return }
            throw StoreOpenError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        close(fd)
    }

    // MARK: - Schema

    /// The schema, one migration per step. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "item") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("platform", .text).notNull()
                t.column("externalID", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("text", .text).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("authorHandle", .text).notNull()
                t.column("authorName", .text)
                t.column("threadID", .text)
                t.column("parentID", .text)
                t.column("url", .text)
                t.column("lang", .text)
                // The triage in force (the automatic one, or the latest override).
                t.column("route", .text).notNull()
                t.column("urgent", .boolean).notNull()
                t.column("spam", .boolean).notNull()
                t.column("identifiers", .boolean).notNull().defaults(to: false)
                // open | answered | escalated | closed | hidden
                t.column("status", .text).notNull().defaults(to: "open")
                // SLA: the wait being timed, and when it turns "due soon" and "breached".
                t.column("waitingSince", .datetime).notNull()
                t.column("isFollowUp", .boolean).notNull().defaults(to: false)
                t.column("warnAt", .datetime)
                t.column("dueAt", .datetime)
                t.column("firstResponseAt", .datetime)
                t.column("lastResponseAt", .datetime)
                // Bumped by every change a manager must see before answering (the traffic cop).
                t.column("version", .integer).notNull().defaults(to: 1)
                t.column("importedAt", .datetime).notNull()
                t.uniqueKey(["platform", "externalID"])
            }
            try db.create(index: "item_queue", on: "item", columns: ["status", "dueAt", "receivedAt"])
            try db.create(index: "item_thread", on: "item", columns: ["platform", "threadID"])
            try db.create(index: "item_received", on: "item", columns: ["receivedAt"])

            try db.create(table: "triageDecision") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("item", onDelete: .restrict).notNull()
                t.column("source", .text).notNull()  // automatic | override
                t.column("route", .text).notNull()
                t.column("urgent", .boolean).notNull()
                t.column("spam", .boolean).notNull()
                t.column("reasons", .jsonText).notNull()
                t.column("agent", .text)
                t.column("why", .text)
                t.column("decidedAt", .datetime).notNull()
            }

            try db.create(table: "claim") { t in
                t.primaryKey("itemId", .integer).references("item", onDelete: .restrict)
                t.column("agent", .text).notNull()
                t.column("claimedAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull()
            }

            try db.create(table: "response") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("item", onDelete: .restrict).notNull()
                t.column("agent", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("text", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                // The SLA state the response met: met | late | none.
                t.column("slaState", .text).notNull()
                t.column("itemVersion", .integer).notNull()
            }
            try db.create(index: "response_time", on: "response", columns: ["createdAt"])

            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("item", onDelete: .restrict)
                t.column("agent", .text)
                t.column("kind", .text).notNull()
                t.column("detail", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "event_time", on: "event", columns: ["createdAt"])

            try db.create(table: "shift") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("agent", .text).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("endedAt", .datetime)
            }

            // Append-only records: the database itself refuses to rewrite history.
            for table in ["response", "event", "triageDecision"] {
                try db.execute(sql: """
                    CREATE TRIGGER \(table)_append_only_update BEFORE UPDATE ON \(table)
                    BEGIN SELECT RAISE(ABORT, '\(table) records are append-only'); END;
                    CREATE TRIGGER \(table)_append_only_delete BEFORE DELETE ON \(table)
                    BEGIN SELECT RAISE(ABORT, '\(table) records are append-only'); END;
                    """)
            }
        }
        // v2: an index-friendly queue order. `queueKey` is the due instant (seconds since 1970),
        // or 1e15 when there is none, so "most urgent first" is a walk of one index and a page
        // costs the same at 100 or 100,000 open items.
        m.registerMigration("v2-queue-key") { db in
            try db.alter(table: "item") { t in
                t.add(column: "queueKey", .double).notNull().defaults(to: 1e15)
            }
            try db.execute(sql: "UPDATE item SET queueKey = IFNULL((julianday(dueAt) - 2440587.5) * 86400.0, 1e15)")
            try db.drop(index: "item_queue")
            try db.create(index: "item_queue", on: "item", columns: ["status", "queueKey", "receivedAt"])
            try db.create(index: "item_open_counts", on: "item", columns: ["status", "dueAt", "warnAt", "urgent"])
        }
        // v3: urgent items first. The queue key of an urgent item is its due instant minus 1e15
        // (see AppDatabase.queueKey(_:urgent:)); items without a target sort at 1e14.
        m.registerMigration("v3-urgent-first") { db in
            try db.execute(sql: """
                UPDATE item SET queueKey =
                    IFNULL((julianday(dueAt) - 2440587.5) * 86400.0, 1e14) - CASE WHEN urgent THEN 1e15 ELSE 0 END
                """)
        }
        // v4: the other two queue orders (age, platform) as index walks too: without them a page
        // sorted every open item (≈ 200 ms per key at 100,000).
        m.registerMigration("v4-sort-orders") { db in
            try db.create(index: "item_age", on: "item", columns: ["status", "receivedAt", "id"])
            try db.create(index: "item_platform_queue", on: "item", columns: ["status", "platform", "queueKey", "receivedAt"])
        }
        // v5: the counting index also covers route and platform, in the tally's grouping order, so
        // the queue's tally of every filter (``AppDatabase/tally()``) is one in-order walk of the
        // index (no sort, never the rows): a filter key then needs no COUNT of its own. The
        // status-bar counts still read only this index. Same number of indexes as before.
        m.registerMigration("v5-filter-tally") { db in
            try db.drop(index: "item_open_counts")
            try db.create(index: "item_open_counts", on: "item", columns: ["status", "route", "platform", "urgent", "dueAt", "warnAt"])
        }
        return m
    }

    /// The schema steps this program knows, in order.
    public static var schemaVersions: [String] { migrator.migrations }

}

/// Notices commits made by any other connection or process, by polling SQLite's
/// `PRAGMA data_version` on a dedicated read-only connection (the value is only meaningful on
/// one connection). A poll is a few microseconds; the inbox polls every ~250 ms.
public final class ChangeWatcher {
    private let queue: DatabaseQueue
    private var last: Int

    public init(path: String) throws {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(AppDatabase.busyTimeout)
        queue = try DatabaseQueue(path: path, configuration: config)
        last = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// True when someone committed since the last call.
    public func poll() throws -> Bool {
        let now = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        defer { last = now }
        return now != last
    }
}
