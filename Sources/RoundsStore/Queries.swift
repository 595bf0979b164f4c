import Foundation
import GRDB
import RoundsCore

/// Which items the queue shows.
public struct QueueFilter: Sendable, Hashable {
    public enum Statuses: String, Sendable, Hashable, CaseIterable { case open, answered, all }
    public enum Ownership: String, Sendable, Hashable, CaseIterable { case anyone, mine, unclaimed }

    public var statuses: Statuses = .open
    public var route: Route?
    public var platform: Platform?
    public var urgentOnly = false
    public var ownership: Ownership = .anyone
    /// Case-insensitive text search over the post, the author and the id.
    public var search: String = ""

    public init(statuses: Statuses = .open, route: Route? = nil, platform: Platform? = nil, urgentOnly: Bool = false,
                ownership: Ownership = .anyone, search: String = "") {
        self.statuses = statuses
        self.route = route
        self.platform = platform
        self.urgentOnly = urgentOnly
        self.ownership = ownership
        self.search = search
    }
}

/// How the queue is sorted.
public enum QueueOrder: String, Sendable, Hashable, CaseIterable {
    /// Breached first (most overdue first), then least time left; urgent items first on ties.
    case urgency
    /// Oldest first.
    case age
    case platform
}

/// One row of the queue: the item and who holds it.
public struct QueueRow: Sendable, Hashable, Identifiable {
    public var stored: StoredItem
    public var claim: Claim?
    public var id: Int64 { stored.id }
}

extension QueueRow {
    /// The SELECT and FROM of a queue row, for ``init(row:at:)``; the caller adds WHERE.
    static let selectSQL = """
        SELECT item.*, claim.agent AS claimAgent, claim.claimedAt AS claimAt, claim.expiresAt AS claimUntil
        FROM item LEFT JOIN claim ON claim.itemId = item.id
        """

    /// Where a queue row's columns are, found once per statement.
    struct Columns {
        let item: ItemColumns
        let claimAgent, claimAt, claimUntil: Int

        init(_ row: Row) throws {
            item = try ItemColumns(row)
            let names = Array(row.columnNames)
            guard let agent = names.firstIndex(of: "claimAgent"), let at = names.firstIndex(of: "claimAt"),
                  let until = names.firstIndex(of: "claimUntil") else { throw DatabaseError(message: "a queue row without its claim's columns") }
            (claimAgent, claimAt, claimUntil) = (agent, at, until)
        }
    }

    /// A row of the queue's SELECT (`item.*` and the claim's `claimAgent`, `claimAt`,
    /// `claimUntil`), its columns where `columns` found them; a claim that expired by `at` is no claim.
    init(row: Row, at: Date, columns c: Columns) throws {
        stored = try StoredItem(row: row, columns: c.item)
        if let agent: String = row[c.claimAgent], let until: Date = row[c.claimUntil], until > at {
            claim = Claim(itemId: stored.id, agent: agent, claimedAt: row[c.claimAt], expiresAt: until)
        }
    }

    /// The queue rows of `rows`, all of one statement.
    static func all(_ rows: [Row], at: Date) throws -> [QueueRow] {
        guard let first = rows.first else { return [] }
        let columns = try Columns(first)
        return try rows.map { try QueueRow(row: $0, at: at, columns: columns) }
    }
}

/// Counts for the status bar.
public struct QueueCounts: Sendable, Hashable {
    public var open = 0
    public var breached = 0
    public var dueSoon = 0
    public var urgent = 0
    public init() {}
}

/// The number of items per status, route, platform and urgency: a snapshot of the store that
/// answers ``AppDatabase/queueSize(_:agent:)`` for most filters without reading the database.
/// Stale once anything is written; the holder drops it then (``EffectRunner`` does, on every
/// write and on every "the store changed" reload).
public struct QueueTally: Sendable, Hashable {
    struct Group: Sendable, Hashable {
        var status: String
        var route: String
        var platform: String
        var urgent: Bool
        var count: Int
    }
    var groups: [Group] = []

    public init() {}

    /// Whether a tally can count `filter`: not a text search, nor "mine" / "unclaimed" (claims
    /// expire with time).
    public static func canCount(_ filter: QueueFilter) -> Bool {
        filter.ownership == .anyone && filter.search.trimmingCharacters(in: .whitespaces).isEmpty
    }

    /// The size of the queue under `filter`, or nil when the filter needs the database (see
    /// ``canCount(_:)``).
    public func count(_ filter: QueueFilter) -> Int? {
        guard Self.canCount(filter) else { return nil }
        var n = 0
        for g in groups {
            switch filter.statuses {
            case .open: guard g.status == "open" else { continue }
            case .answered: guard ["answered", "escalated", "closed"].contains(g.status) else { continue }
            case .all: guard g.status != "hidden" else { continue }
            }
            if let r = filter.route, g.route != r.rawValue { continue }
            if let p = filter.platform, g.platform != p.rawValue { continue }
            if filter.urgentOnly, !g.urgent { continue }
            n += g.count
        }
        return n
    }
}

/// An item with everything the detail pane shows.
public struct ItemDetail: Sendable {
    public var stored: StoredItem
    public var thread: [StoredItem]
    public var triage: [TriageRecord]
    public var events: [EventRecord]
    public var responses: [ResponseRecord]
    public var claim: Claim?
}

extension AppDatabase {
    func whereClause(_ f: QueueFilter, agent: String, at: Date) -> (String, StatementArguments) {
        var clauses: [String] = []
        var args: StatementArguments = []
        switch f.statuses {
        case .open: clauses.append("item.status = 'open'")
        case .answered: clauses.append("item.status IN ('answered', 'escalated', 'closed')")
        case .all: clauses.append("item.status != 'hidden'")
        }
        if let r = f.route { clauses.append("item.route = ?"); args += [r] }
        if let p = f.platform { clauses.append("item.platform = ?"); args += [p] }
        if f.urgentOnly { clauses.append("item.urgent") }
        switch f.ownership {
        case .anyone: break
        case .mine: clauses.append("claim.agent = ? AND claim.expiresAt > ?"); args += [agent, at]
        case .unclaimed: clauses.append("(claim.agent IS NULL OR claim.expiresAt <= ?)"); args += [at]
        }
        let needle = f.search.trimmingCharacters(in: .whitespaces)
        if !needle.isEmpty {
            let pattern = "%" + needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            clauses.append("(item.text LIKE ? ESCAPE '\\' OR item.authorHandle LIKE ? ESCAPE '\\' OR item.externalID LIKE ? ESCAPE '\\')")
            args += [pattern, pattern, pattern]
        }
        return (clauses.joined(separator: " AND "), args)
    }

    /// The queue's order, a total one (the id breaks the last ties), so that walking it backwards
    /// gives exactly the reverse. `descending` reverses every key; each order is still a walk of
    /// its index, forwards or backwards.
    static func orderClause(_ o: QueueOrder, descending: Bool = false) -> String {
        let keys: [String] = switch o {
        case .urgency: ["item.queueKey", "item.receivedAt", "item.id"]
        case .age: ["item.receivedAt", "item.id"]
        case .platform: ["item.platform", "item.queueKey", "item.receivedAt", "item.id"]
        }
        return keys.map { descending ? $0 + " DESC" : $0 }.joined(separator: ", ")
    }

    /// One page of the queue. Only the page is fetched, whatever the queue's size.
    ///
    /// SQLite reaches an offset by stepping over every row before it, so with `total` (the
    /// queue's size under `filter`, when the caller knows it) a page in the second half is read
    /// from the end, walking the index backwards: `G` at 100,000 items costs what `g` does. A
    /// `total` that is out of date shifts the page by as many rows as it is wrong.
    public func queue(_ filter: QueueFilter, order: QueueOrder = .urgency, agent: String, offset: Int, limit: Int,
                      total: Int? = nil) throws -> [QueueRow] {
        let at = now
        let (whereSQL, args) = whereClause(filter, agent: agent, at: at)
        // From the end: the rows [offset, offset + limit) are the reversed rows [total - offset - limit, total - offset).
        let fromEnd = total.map { offset > $0 / 2 && offset < $0 } ?? false
        let end = min(offset + limit, total ?? 0)
        return try writer.read { db in
            var rows = try Row.fetchAll(db, sql: """
                \(QueueRow.selectSQL)
                WHERE \(whereSQL)
                ORDER BY \(Self.orderClause(order, descending: fromEnd))
                LIMIT ? OFFSET ?
                """, arguments: args + (fromEnd ? [end - offset, total! - end] : [limit, offset]))
            if fromEnd { rows.reverse() }
            return try QueueRow.all(rows, at: at)
        }
    }

    /// How many items the filter selects.
    public func queueSize(_ filter: QueueFilter, agent: String) throws -> Int {
        let (whereSQL, args) = whereClause(filter, agent: agent, at: now)
        return try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item LEFT JOIN claim ON claim.itemId = item.id WHERE \(whereSQL)", arguments: args) ?? 0
        }
    }

    /// How many items each combination of status, route, platform and urgency holds, read from
    /// the counting index in one pass: the size of the queue under any filter without a search
    /// or an ownership condition, with no query of its own (see ``QueueTally/count(_:)``).
    public func tally() throws -> QueueTally {
        try writer.read { db in
            var tally = QueueTally()
            let rows = try Row.fetchCursor(db, sql: """
                SELECT status, route, platform, urgent, COUNT(*) FROM item INDEXED BY item_open_counts
                GROUP BY status, route, platform, urgent
                """)
            while let row = try rows.next() {
                tally.groups.append(QueueTally.Group(status: row[0], route: row[1], platform: row[2], urgent: row[3], count: row[4]))
            }
            return tally
        }
    }

    /// Open, breached, due-soon and urgent counts over all open items.
    public func counts() throws -> QueueCounts {
        let at = now
        return try writer.read { db in try Self.openCounts(db, at: at) }
    }

    /// The counts at `at`, read from the item_open_counts index only, never the rows; `at` is
    /// compared as the store writes its dates (``StoreDate``).
    static func openCounts(_ db: Database, at: Date) throws -> QueueCounts {
        let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(*), SUM(dueAt IS NOT NULL AND dueAt <= ?1), SUM(dueAt > ?1 AND warnAt <= ?1), SUM(urgent)
            FROM item INDEXED BY item_open_counts WHERE status = 'open'
            """, arguments: [StoreDate.text(at)])!
        var c = QueueCounts()
        c.open = row[0] ?? 0
        c.breached = row[1] ?? 0
        c.dueSoon = row[2] ?? 0
        c.urgent = row[3] ?? 0
        return c
    }

    /// The status-bar counts for every instant of `[now, now + horizon]`, from two reads of the
    /// counting index made now: the counts at `now`, and the due and warning times of the few
    /// items whose state changes in that span (an item turns due-soon at its `warnAt` and breached
    /// at its `dueAt`; nothing else about the counts moves with time). The inbox's 5-s refresh
    /// asks it instead of reading the index again. Stale once anything is written.
    public func countsForecast(horizon: TimeInterval = 600) throws -> QueueCountsForecast {
        let at = now
        let until = at.addingTimeInterval(max(0, horizon))
        return try writer.read { db in
            let now = try Self.openCounts(db, at: at)
            var changing: [QueueCountsForecast.Times] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT dueAt, warnAt FROM item INDEXED BY item_open_counts
                WHERE status = 'open' AND ((dueAt > ?1 AND dueAt <= ?2) OR (warnAt > ?1 AND warnAt <= ?2))
                """, arguments: [StoreDate.text(at), StoreDate.text(until)])
            while let r = try rows.next() { changing.append(.init(due: r[0], warn: r[1])) }
            return QueueCountsForecast(from: at, until: until, countsAtStart: now, changing: changing)
        }
    }

    public func item(id: Int64) throws -> StoredItem? {
        try writer.read { db in try StoredItem.fetchOne(db, key: id) }
    }

    public func item(platform: Platform, externalID: String) throws -> StoredItem? {
        try writer.read { db in
            try StoredItem.fetchOne(db, sql: "SELECT * FROM item WHERE platform = ? AND externalID = ?", arguments: [platform, externalID])
        }
    }

    /// One item with its thread, triage history, events, responses and claim.
    public func detail(id: Int64) throws -> ItemDetail? {
        let at = now
        return try writer.read { db in
            guard let stored = try StoredItem.fetchOne(db, key: id) else { return nil }
            var thread: [StoredItem] = []
            if let t = stored.item.threadID {
                thread = try StoredItem.fetchAll(db, sql: "SELECT * FROM item WHERE platform = ? AND threadID = ? ORDER BY receivedAt LIMIT 200",
                                                 arguments: [stored.item.platform, t])
            }
            return ItemDetail(
                stored: stored, thread: thread,
                triage: try TriageRecord.fetchAll(db, sql: "SELECT * FROM triageDecision WHERE itemId = ? ORDER BY id", arguments: [id]),
                events: try EventRecord.fetchAll(db, sql: "SELECT * FROM event WHERE itemId = ? ORDER BY id", arguments: [id]),
                responses: try ResponseRecord.fetchAll(db, sql: "SELECT * FROM response WHERE itemId = ? ORDER BY id", arguments: [id]),
                claim: try Claim.fetchOne(db, key: id).flatMap { $0.expiresAt > at ? $0 : nil })
        }
    }

    // MARK: For the shift summary

    /// Items received, responded to, or otherwise touched (an event) in `[from, to)`.
    public func itemsTouched(from: Date, to: Date) throws -> [StoredItem] {
        try writer.read { db in
            try StoredItem.fetchAll(db, sql: """
                SELECT * FROM item WHERE id IN (
                    SELECT id FROM item WHERE receivedAt >= ?1 AND receivedAt < ?2
                    UNION SELECT itemId FROM response WHERE createdAt >= ?1 AND createdAt < ?2
                    UNION SELECT itemId FROM event WHERE createdAt >= ?1 AND createdAt < ?2 AND itemId IS NOT NULL)
                ORDER BY receivedAt
                """, arguments: [from, to])
        }
    }

    public func responses(from: Date, to: Date) throws -> [ResponseRecord] {
        try writer.read { db in
            try ResponseRecord.fetchAll(db, sql: "SELECT * FROM response WHERE createdAt >= ? AND createdAt < ? ORDER BY createdAt", arguments: [from, to])
        }
    }

    public func events(from: Date, to: Date) throws -> [EventRecord] {
        try writer.read { db in
            try EventRecord.fetchAll(db, sql: "SELECT * FROM event WHERE createdAt >= ? AND createdAt < ? ORDER BY id", arguments: [from, to])
        }
    }

    public func itemCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") ?? 0 }
    }
}
