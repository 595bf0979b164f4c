import Foundation
import GRDB
import RoundsCore

// Queries for the end-of-shift summary (issue 5). Each one aggregates in SQL or walks a cursor of
// narrow rows: the summary of an 8-hour window over a million recorded responses reads only the
// window's rows, through the `response(createdAt)`, `event(createdAt)` and `item(receivedAt)`
// indexes, and never decodes full items.

/// One item touched in a summary window, as the summary needs it: no text unless asked for.
public struct SummaryItemRecord: Sendable, Hashable {
    /// The item's number in Rounds.
    public var number: Int64
    public var externalID: String
    public var platform: Platform
    public var kind: ItemKind
    public var receivedAt: Date
    /// The automatic triage, made on import.
    public var automaticRoute: Route
    public var automaticSpam: Bool
    /// The triage in force at the window's end (the latest decision recorded before it; the
    /// automatic one when the item was imported after the window).
    public var route: Route
    public var urgent: Bool
    public var spam: Bool
    /// Triage found personal identifiers in the text.
    public var identifiers: Bool
    /// The item's status now.
    public var statusNow: ItemStatus
    /// The latest status-changing event recorded before the window's end, if any.
    public var lastStatusEventBeforeEnd: EventKind?
    /// The first response that answered the writer (any time, not only in the window).
    public var firstResponseAt: Date?
    /// The response that decides the item's outcome in the window (escalated, then phone, e-mail,
    /// private message, public reply, no reply needed, internal note), its channel and agent.
    public var outcomeChannel: ResponseChannel?
    public var outcomeAgent: String?
    /// The agent of the first answering response made in the window, and when it was made.
    public var firstAnswerInWindowAgent: String?
    public var firstAnswerInWindowAt: Date?
    /// A manager hid it as spam (or overrode it to spam) in the window.
    public var hiddenAsSpamInWindow: Bool
    /// The text, only when the caller asked for it.
    public var text: String?
    /// Identifier spans the automatic triage found (UTF-8 byte ranges), only with the text.
    public var identifierReasons: [TriageReason]
}

/// A triage override recorded in a summary window, with the decision it replaced.
public struct SummaryOverrideRecord: Sendable, Hashable {
    public var number: Int64
    public var externalID: String
    public var platform: Platform
    public var agent: String?
    public var why: String?
    public var at: Date
    public var fromRoute: Route
    public var fromUrgent: Bool
    public var fromSpam: Bool
    public var toRoute: Route
    public var toUrgent: Bool
    public var toSpam: Bool
}

/// An item for the handover: still open now, or redirected to a phone call in the window.
public struct SummaryHandoverRecord: Sendable, Hashable {
    public var number: Int64
    public var externalID: String
    public var platform: Platform
    public var kind: ItemKind
    public var route: Route
    public var urgent: Bool
    public var receivedAt: Date
    public var status: ItemStatus
    /// The SLA subject, to time it.
    public var subject: SLASubject
    /// Who holds a claim on it now, if anyone.
    public var claimedBy: String?
    /// True when it is listed for a callback (a phone redirect in the window) rather than open.
    public var callback: Bool
    /// The latest internal note on the item: when and by whom; its text only when asked for.
    public var noteAt: Date?
    public var noteAgent: String?
    public var noteText: String?
    /// The item's text, only when asked for, with the identifier spans triage found.
    public var text: String?
    public var identifierReasons: [TriageReason]
}

/// How many responses one agent recorded on one channel in a window.
public struct SummaryResponseCount: Sendable, Hashable {
    public var agent: String
    public var channel: ResponseChannel
    public var count: Int
}

/// Everything the shift summary reads from the database for one window.
public struct SummaryRecords: Sendable, Hashable {
    public var items: [SummaryItemRecord] = []
    public var overrides: [SummaryOverrideRecord] = []
    /// The handover, in SLA order (open items first, as the queue sorts them; then callbacks).
    public var handover: [SummaryHandoverRecord] = []
    /// How many items the handover would list without its limit.
    public var handoverTotal = 0
    public var responseCounts: [SummaryResponseCount] = []
    public init() {}
}

/// What to read for a summary window.
public struct SummaryQuery: Sendable, Hashable {
    public var from: Date
    public var to: Date
    /// Only what this agent did (responses, events, overrides; the handover of their items).
    public var agent: String?
    /// Read item texts and internal notes (for `--include-text`).
    public var includeText: Bool
    /// At most this many handover rows (the total is still counted).
    public var handoverLimit: Int

    public init(from: Date, to: Date, agent: String? = nil, includeText: Bool = false, handoverLimit: Int = 500) {
        self.from = from
        self.to = to
        self.agent = agent
        self.includeText = includeText
        self.handoverLimit = handoverLimit
    }
}

extension AppDatabase {
    /// An instant as exact milliseconds since 1970 (SQLite's julianday keeps milliseconds exactly).
    private static func ms(_ column: String) -> String {
        "CAST(ROUND((julianday(\(column)) - 2440587.5) * 86400000.0) AS INTEGER)"
    }

    private static func date(_ row: Row, _ index: Int) -> Date? {
        guard let v: Int64 = row[index] else { return nil }
        return StoreDate.date(ms: v)
    }

    /// The start of both item queries of the summary: `spamNow` (items hidden as spam in the
    /// window, by an event or an override to spam) and the item's columns 0–7, as
    /// ``ItemsInSummaryOrder/append(_:_:_:slot:automatic:atEnd:statusEvent:hiddenAsSpam:text:reasonsJSON:)`` reads them.
    private static func spamNowAndItemColumns(agent: Bool) -> String {
        """
        WITH spamNow AS (
            SELECT itemId FROM event WHERE kind = 'hidden_as_spam' AND createdAt >= :from AND createdAt < :to \(agent ? "AND agent = :agent" : "")
            UNION SELECT t.itemId FROM event e JOIN triageDecision t ON t.itemId = e.itemId AND t.source = 'override' AND t.decidedAt = e.createdAt
            WHERE e.kind = 'overridden' AND e.createdAt >= :from AND e.createdAt < :to AND t.spam \(agent ? "AND e.agent = :agent" : ""))
        SELECT i.id, i.externalID, i.platform, i.kind, i.receivedAt, i.identifiers, i.status, i.firstResponseAt,
        """
    }

    /// Status-changing events, for the status an item had at the window's end.
    private static let statusEvents = "('replied','redirected','escalated','closed','resolved','reopened','hidden_as_spam')"

    /// Reads everything the shift summary needs for one window, in one read transaction (a
    /// consistent snapshot even while other managers write).
    public func summaryRecords(_ q: SummaryQuery, now: Date) throws -> SummaryRecords {
        try summaryRecords(q, now: now, reading: .automatic)
    }

    /// How ``summaryRecords(_:now:)`` reads the window's items: by id (a few lookups per item), or
    /// in one pass over each table in table order when the window touched most items.
    enum SummaryItemsReading { case automatic, byID, fullPasses }

    func summaryRecords(_ q: SummaryQuery, now: Date, reading: SummaryItemsReading) throws -> SummaryRecords {
        try writer.read { db in
            var out = SummaryRecords()
            let window = try SummaryWindowScan(db, q)
            let full = reading == .fullPasses || (reading == .automatic && window.touchesMostItems)
            let items = full ? try summaryItemsInPasses(db, q, window) : try summaryItems(db, q, window)
            out.items = items.map(\.record)
            out.overrides = try summaryOverrides(db, q)
            // Callbacks: answered now, with a phone response in the window (the window's items are in the summary's order).
            let callbacks = items.filter { $0.record.statusNow == .answered && window.items[$0.slot].phone }.map(\.record.number)
            (out.handover, out.handoverTotal) = try summaryHandover(db, q, now: now, callbacks: callbacks)
            out.responseCounts = window.responseCounts()
            return out
        }
    }

    /// The items touched in the window, in the summary's order (received, then number), each with
    /// its slot in `window`.
    private func summaryItems(_ db: Database, _ q: SummaryQuery, _ window: SummaryWindowScan) throws -> [(record: SummaryItemRecord, slot: Int)] {
        // Everything but the responses comes from SQL, one row per touched item (read in id order).
        let sql = """
            \(Self.spamNowAndItemColumns(agent: q.agent != nil))
                   a.route, a.spam, a.urgent, e.route, e.urgent, e.spam,
                   (SELECT kind FROM event ev WHERE ev.itemId = i.id AND ev.createdAt < :to AND ev.kind IN \(Self.statusEvents)
                    ORDER BY ev.id DESC LIMIT 1),
                   i.id IN spamNow,
                   CASE WHEN :withText THEN i.text END, CASE WHEN :withText THEN a.reasons END
            FROM item i
            JOIN triageDecision a ON a.id = (SELECT MIN(id) FROM triageDecision WHERE itemId = i.id)
            LEFT JOIN triageDecision e ON e.id = (SELECT MAX(id) FROM triageDecision WHERE itemId = i.id AND decidedAt < :to)
            WHERE i.id IN (SELECT value FROM json_each(:ids))
            """
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to, "withText": q.includeText, "ids": window.itemIDsJSON()]
        if let agent = q.agent { args["agent"] = agent }
        var out = ItemsInSummaryOrder(capacity: window.items.count)
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        while let row = try cursor.next() {
            guard let slot = window.slot(of: row[0]) else { continue }
            let automatic = DecisionFlags(route: row.text(8), urgent: row[10], spam: row[9])
            let endRoute: Route? = row.text(11)
            let atEnd = endRoute.map { DecisionFlags(route: $0, urgent: row[12], spam: row[13]) }
            try out.append(row, db, window, slot: slot, automatic: automatic, atEnd: atEnd, statusEvent: row[14],
                           hiddenAsSpam: row[15], text: row[16], reasonsJSON: row[17])
        }
        return out.sorted()
    }

    /// ``summaryItems(_:_:_:)`` in three passes in table order (items; triage decisions by item;
    /// status events by item), each row kept when its item is in the window: the same records,
    /// without a lookup per item. For windows that touch most items.
    private func summaryItemsInPasses(_ db: Database, _ q: SummaryQuery, _ window: SummaryWindowScan) throws -> [(record: SummaryItemRecord, slot: Int)] {
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to, "withText": q.includeText]
        if let agent = q.agent { args["agent"] = agent }
        let arguments = StatementArguments(args)
        let n = window.items.count
        // Per slot: the automatic decision (the first) and the one in force at the window's end
        // (the last decided before it), as (route, urgent, spam); the automatic reasons.
        var automatic = [DecisionFlags?](repeating: nil, count: n)
        var atEnd = [DecisionFlags?](repeating: nil, count: n)
        var reasons = [String?](repeating: nil, count: n)
        let decisions = try Row.fetchCursor(db, sql: """
            SELECT itemId, route, urgent, spam, decidedAt < :to, CASE WHEN :withText THEN reasons END
            FROM triageDecision ORDER BY itemId, id
            """, arguments: arguments)
        while let row = try decisions.next() {
            guard let slot = window.slot(of: row[0]) else { continue }
            let d = DecisionFlags(route: row.text(1), urgent: row[2], spam: row[3])
            if automatic[slot] == nil {
                automatic[slot] = d
                reasons[slot] = row[5]
            }
            if row[4] as Bool { atEnd[slot] = d }
        }
        // Per slot: the last status-changing event before the window's end.
        var statusEvent = [String?](repeating: nil, count: n)
        let events = try Row.fetchCursor(db, sql: """
            SELECT itemId, kind FROM event WHERE itemId IS NOT NULL AND createdAt < :to AND kind IN \(Self.statusEvents)
            ORDER BY itemId, id
            """, arguments: arguments)
        while let row = try events.next() {
            guard let slot = window.slot(of: row[0]) else { continue }
            statusEvent[slot] = row[1]
        }
        let sql = """
            \(Self.spamNowAndItemColumns(agent: q.agent != nil))
                   i.id IN spamNow, CASE WHEN :withText THEN i.text END
            FROM item i
            """
        var out = ItemsInSummaryOrder(capacity: n)
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try cursor.next() {
            // An item with no decision is left out, as the join by id leaves it out.
            guard let slot = window.slot(of: row[0]), let auto = automatic[slot] else { continue }
            try out.append(row, db, window, slot: slot, automatic: auto, atEnd: atEnd[slot], statusEvent: statusEvent[slot],
                           hiddenAsSpam: row[8], text: row[9], reasonsJSON: reasons[slot])
        }
        return out.sorted()
    }

    private func summaryOverrides(_ db: Database, _ q: SummaryQuery) throws -> [SummaryOverrideRecord] {
        // Through the event log's time index: an override writes its decision and its event at one instant.
        let sql = """
            SELECT i.id, i.externalID, i.platform, t.agent, t.why, \(Self.ms("t.decidedAt")),
                   p.route, p.urgent, p.spam, t.route, t.urgent, t.spam
            FROM event e
            JOIN triageDecision t ON t.itemId = e.itemId AND t.source = 'override' AND t.decidedAt = e.createdAt
            JOIN item i ON i.id = t.itemId
            JOIN triageDecision p ON p.id = (SELECT MAX(id) FROM triageDecision WHERE itemId = t.itemId AND id < t.id)
            WHERE e.kind = 'overridden' AND e.createdAt >= :from AND e.createdAt < :to \(q.agent == nil ? "" : "AND t.agent = :agent")
            GROUP BY t.id
            ORDER BY t.decidedAt, t.id
            """
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to]
        if let agent = q.agent { args["agent"] = agent }
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { row in
            SummaryOverrideRecord(number: row[0], externalID: row[1], platform: row[2], agent: row[3], why: row[4], at: Self.date(row, 5)!,
                                  fromRoute: row[6], fromUrgent: row[7], fromSpam: row[8], toRoute: row[9], toUrgent: row[10], toSpam: row[11])
        }
    }

    /// The handover: the open items (in queue order), then `callbacks` (answered items with a phone
    /// response in the window, in the summary's order).
    private func summaryHandover(_ db: Database, _ q: SummaryQuery, now: Date, callbacks: [Int64]) throws -> ([SummaryHandoverRecord], Int) {
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to, "now": now, "withText": q.includeText]
        var scope = ""
        if let agent = q.agent {
            args["agent"] = agent
            // An agent's handover: the open items they touched in the window or hold now.
            scope = """
                AND (i.id IN (SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
                     OR i.id IN (SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
                     OR i.id IN (SELECT itemId FROM claim WHERE agent = :agent AND expiresAt > :now))
                """
        }
        let ms = Self.ms
        let columns = """
            i.id, i.externalID, i.platform, i.kind, i.route, i.urgent, \(ms("i.receivedAt")), i.status, \(ms("i.waitingSince")), i.isFollowUp,
            (SELECT agent FROM claim c WHERE c.itemId = i.id AND c.expiresAt > :now),
            (SELECT id FROM response n WHERE n.itemId = i.id AND n.channel = 'internal_note' ORDER BY n.id DESC LIMIT 1),
            CASE WHEN :withText THEN i.text END,
            CASE WHEN :withText THEN (SELECT reasons FROM triageDecision WHERE itemId = i.id ORDER BY id LIMIT 1) END
            """
        let openTotal = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item i WHERE i.status = 'open' \(scope)", arguments: StatementArguments(args)) ?? 0
        var rows = try Row.fetchAll(db, sql: """
            SELECT \(columns), 0 FROM item i WHERE i.status = 'open' \(scope)
            ORDER BY i.queueKey, i.receivedAt, i.id LIMIT \(max(0, q.handoverLimit))
            """, arguments: StatementArguments(args))
        let room = max(0, q.handoverLimit - rows.count)
        if room > 0 && !callbacks.isEmpty {
            args["ids"] = SummaryWindowScan.json(callbacks.prefix(room))
            rows += try Row.fetchAll(db, sql: """
                SELECT \(columns), 1 FROM item i WHERE i.id IN (SELECT value FROM json_each(:ids)) ORDER BY i.receivedAt, i.id
                """, arguments: StatementArguments(args))
        }
        let out = try rows.map { row -> SummaryHandoverRecord in
            var note: (Date?, String?, String?) = (nil, nil, nil)
            if let noteID: Int64 = row[11], let n = try ResponseRecord.fetchOne(db, key: noteID) {
                note = (n.createdAt, n.agent, q.includeText ? n.text : nil)
            }
            let route: Route = row[4]
            let urgent: Bool = row[5]
            let kind: ItemKind = row[3]
            let platform: Platform = row[2]
            let status: ItemStatus = row[7]
            let subject = SLASubject(route: route, urgent: urgent, kind: kind, platform: platform, waitingSince: Self.date(row, 8)!,
                                     isFollowUp: row[9], answeredAt: nil)
            var reasons: [TriageReason] = []
            if let json: String = row[13] {
                reasons = TriageRecord.decodeReasons(json).filter { $0.rule.hasPrefix("identifier.") && $0.range != nil }
            }
            return SummaryHandoverRecord(number: row[0], externalID: row[1], platform: platform, kind: kind, route: route, urgent: urgent,
                                         receivedAt: Self.date(row, 6)!, status: status, subject: subject, claimedBy: row[10],
                                         callback: row[14], noteAt: note.0, noteAgent: note.1, noteText: note.2,
                                         text: row[12], identifierReasons: reasons)
        }
        return (out, openTotal + callbacks.count)
    }

    // MARK: Shift windows

    /// The latest shift `agent` started at or before `at`, if any.
    public func latestShift(agent: String, at: Date) throws -> Shift? {
        try writer.read { db in
            try Shift.fetchOne(db, sql: "SELECT * FROM shift WHERE agent = ? AND startedAt <= ? ORDER BY startedAt DESC, id DESC LIMIT 1",
                               arguments: [agent, at])
        }
    }

    /// When `agent` first acted (an event or a response of theirs) in `[from, to)`, if they did.
    public func firstAction(agent: String, from: Date, to: Date) throws -> Date? {
        try writer.read { db in
            let ms = try Int64.fetchOne(db, sql: """
                SELECT MIN(t) FROM (
                    SELECT MIN(\(Self.ms("createdAt"))) AS t FROM event WHERE createdAt >= :from AND createdAt < :to AND agent = :agent
                    UNION ALL SELECT MIN(\(Self.ms("createdAt"))) FROM response WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
                """, arguments: ["from": from, "to": to, "agent": agent])
            return ms.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
    }
}

/// The summary window's responses and events, each read in one pass of narrow rows: which items
/// they touched and, per item, what the summary needs of its responses (the outcome, the first
/// answer), and the number of responses per agent and channel. No `GROUP BY` over the window:
/// SQLite would sort every response of it (a million rows for a 30-day window).
/// A triage decision's route and flags.
struct DecisionFlags {
    var route: Route
    var urgent: Bool
    var spam: Bool
}

/// The summary's item records as they are read, then in the summary's order (received, then number).
struct ItemsInSummaryOrder {
    private var records: [(record: SummaryItemRecord, slot: Int)] = []
    private var keys: [(receivedAt: Int64, index: Int)] = []

    init(capacity: Int) {
        records.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
    }

    /// Adds the record of the item in `row` (columns 0–7: id, externalID, platform, kind,
    /// receivedAt, identifiers, status, firstResponseAt), with its decisions (the one in force at
    /// the window's end, when any, decides route and flags), its last status event before the end,
    /// and what the window's responses say of it. A row whose received time cannot be read is left out.
    mutating func append(_ row: Row, _ db: Database, _ window: SummaryWindowScan, slot: Int, automatic: DecisionFlags, atEnd: DecisionFlags?,
                         statusEvent: String?, hiddenAsSpam: Bool, text: String?, reasonsJSON: String?) throws {
        guard let receivedAt = try StoreDate.milliseconds(row, 4, db) else { return }
        let r = window.items[slot]
        var reasons: [TriageReason] = []
        if let reasonsJSON {
            reasons = TriageRecord.decodeReasons(reasonsJSON).filter { $0.rule.hasPrefix("identifier.") && $0.range != nil }
        }
        let hasOutcome = r.outcomeID != .max
        let hasAnswer = r.answerID != .max
        let date = StoreDate.date(ms:)
        keys.append((receivedAt, records.count))
        records.append((SummaryItemRecord(
            number: row[0], externalID: row[1], platform: row.text(2), kind: row.text(3), receivedAt: date(receivedAt),
            automaticRoute: automatic.route, automaticSpam: automatic.spam,
            route: atEnd?.route ?? automatic.route, urgent: atEnd?.urgent ?? automatic.urgent, spam: atEnd?.spam ?? automatic.spam,
            identifiers: row[5], statusNow: row.text(6),
            lastStatusEventBeforeEnd: statusEvent.flatMap(EventKind.init(rawValue:)),
            firstResponseAt: try StoreDate.milliseconds(row, 7, db).map(date),
            outcomeChannel: hasOutcome ? SummaryWindowScan.channels[r.outcomeRank] : nil,
            outcomeAgent: hasOutcome ? window.agents.names[Int(r.outcomeAgent)] : nil,
            firstAnswerInWindowAgent: hasAnswer ? window.agents.names[Int(r.answerAgent)] : nil,
            firstAnswerInWindowAt: hasAnswer ? date(r.answerAt) : nil,
            hiddenAsSpamInWindow: hiddenAsSpam, text: text, identifierReasons: reasons), slot))
    }

    func sorted() -> [(record: SummaryItemRecord, slot: Int)] {
        keys.sorted { $0.receivedAt != $1.receivedAt ? $0.receivedAt < $1.receivedAt : records[$0.index].record.number < records[$1.index].record.number }
            .map { records[$0.index] }
    }
}

struct SummaryWindowScan {
    /// What the window's responses say about one item.
    struct ItemResponses {
        var id: Int64
        /// The response that decides the outcome: the lowest (channel rank, id); `.max` when none.
        var outcomeRank = Int.max
        var outcomeID = Int64.max
        var outcomeAgent: Int32 = -1
        /// The first answering response (the lowest id among public reply, private message, e-mail, phone, escalated).
        var answerID = Int64.max
        var answerAgent: Int32 = -1
        var answerAt: Int64 = 0
        /// A phone response (a callback) in the window.
        var phone = false
    }

    /// Outcome rank (lower wins) → channel: escalated, then phone, e-mail, private message, public
    /// reply, no reply needed, internal note. Ranks 1–5 answer the writer.
    static let channels: [ResponseChannel?] = [nil, .escalated, .phone, .email, .privateMessage, .publicReply, .noReplyNeeded, .internalNote]

    /// The touched items, in the order first seen.
    private(set) var items: [ItemResponses] = []
    /// Item id → index in `items` + 1 (0: not touched), for ids below `dense.count`; above, `sparse`.
    private var dense: [Int32]
    private var sparse: [Int64: Int32] = [:]
    private(set) var agents = AgentNames()
    /// Responses per agent and channel rank: `counts[agent * 8 + rank]`.
    private var counts: [Int] = []

    /// The highest item id (≈ the number of items).
    private(set) var maxID: Int64 = 0

    /// True when the window touched at least half of the items: then one pass over each table
    /// costs less than lookups per item (at 100,000 items: ≈ 130 ms against ≈ 300 ms).
    var touchesMostItems: Bool { Int64(items.count) * 2 >= maxID && maxID > 0 }

    init(_ db: Database, _ q: SummaryQuery) throws {
        let maxID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM item") ?? 0
        self.maxID = maxID
        // A table of item ids (4 bytes each) up to 4M items; a dictionary beyond.
        dense = Array(repeating: 0, count: Int(min(max(maxID, 0), 4_000_000)) + 1)
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to]
        if let agent = q.agent { args["agent"] = agent }
        let byAgent = q.agent == nil ? "" : "AND agent = :agent"
        // A window holding most of the responses is read in table order: through the time index,
        // each row would cost a seek into the table. `+createdAt` compares the text as stored (the
        // column's numeric affinity would try to convert the bound text to a number on every row).
        let responses = try Self.mostResponses(db, q)
            ? "FROM response NOT INDEXED WHERE +createdAt >= :from AND +createdAt < :to"
            : "FROM response WHERE createdAt >= :from AND createdAt < :to"
        // Read through SQLite's C API: a million rows through `Row` cost ≈ 2× SQLite's own work.
        let rows = try RawRows(db, sql: "SELECT id, itemId, channel, agent, createdAt \(responses) \(byAgent)", arguments: StatementArguments(args))
        while let row = try rows.next() {
            let id = row.int64(0)
            let slot = touch(row.int64(1))
            let rank = Self.rank(row.text(2))
            guard rank > 0 else {
                throw DatabaseError(message: "response \(id) has an unknown channel")
            }
            let agent = agents.index(row.text(3))
            let c = Int(agent) * 8 + rank
            if c >= counts.count { counts += Array(repeating: 0, count: c + 8 - counts.count) }
            counts[c] += 1
            if rank < items[slot].outcomeRank || (rank == items[slot].outcomeRank && id < items[slot].outcomeID) {
                items[slot].outcomeRank = rank
                items[slot].outcomeID = id
                items[slot].outcomeAgent = agent
            }
            if rank <= 5 && id < items[slot].answerID {
                let stored = row.isText(4) ? StoreDate.milliseconds(utf8: row.text(4)) : nil
                guard let at = try stored ?? StoreDate.milliseconds(row.value(4), db) else { continue }
                items[slot].answerID = id
                items[slot].answerAgent = agent
                items[slot].answerAt = at
            }
            if rank == 2 { items[slot].phone = true }
        }
        let events = try Int64.fetchCursor(db, sql: """
            SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND itemId IS NOT NULL \(byAgent)
            """, arguments: StatementArguments(args))
        while let id = try events.next() { _ = touch(id) }
        // The items received in the window are touched last: the response pass then meets its
        // items in the order it first touched them (new slots are appended), not in the received
        // index's order, so `items[slot]` is mostly a sequential walk and not a cache miss per
        // response (at 1M responses over 100,000 items: ≈ 83 % of the pass's own time).
        if q.agent == nil {
            let received = try Int64.fetchCursor(db, sql: "SELECT id FROM item WHERE receivedAt >= :from AND receivedAt < :to",
                                                 arguments: StatementArguments(args))
            while let id = try received.next() { _ = touch(id) }
        }
    }

    /// True when the window spans at least half of the time over which responses were recorded.
    static func mostResponses(_ db: Database, _ q: SummaryQuery) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT (SELECT MIN(createdAt) FROM response), (SELECT MAX(createdAt) FROM response)"),
              let first = try StoreDate.milliseconds(row, 0, db), let last = try StoreDate.milliseconds(row, 1, db), last > first else { return false }
        let from = Int64((q.from.timeIntervalSince1970 * 1000).rounded()), to = Int64((q.to.timeIntervalSince1970 * 1000).rounded())
        return 2 * (min(to, last + 1) - max(from, first)) >= last + 1 - first
    }

    /// Outcome rank → the channel's stored text.
    private static let channelText: [[UInt8]] = channels.map { Array(($0?.rawValue ?? "").utf8) }

    /// The channel rank of a channel's stored text (0: not a channel).
    private static func rank(_ channel: UnsafeBufferPointer<UInt8>) -> Int {
        for rank in 1..<channelText.count where channelText[rank].count == channel.count {
            if channelText[rank].withUnsafeBufferPointer({ memcmp($0.baseAddress!, channel.baseAddress!, channel.count) == 0 }) { return rank }
        }
        return 0
    }

    private mutating func touch(_ id: Int64) -> Int {
        if id >= 0 && id < Int64(dense.count) {
            let v = dense[Int(id)]
            if v != 0 { return Int(v) - 1 }
            items.append(ItemResponses(id: id))
            dense[Int(id)] = Int32(items.count)
            return items.count - 1
        }
        if let v = sparse[id] { return Int(v) - 1 }
        items.append(ItemResponses(id: id))
        sparse[id] = Int32(items.count)
        return items.count - 1
    }

    func slot(of id: Int64) -> Int? {
        if id >= 0 && id < Int64(dense.count) {
            let v = dense[Int(id)]
            return v == 0 ? nil : Int(v) - 1
        }
        return sparse[id].map { Int($0) - 1 }
    }

    /// The touched items' ids as a JSON array, for `json_each`, in ascending order: the query
    /// then visits the item table and the indexes keyed by item id in their own order (a window
    /// of 100,000 items read them in first-seen order, at a page-cache miss per lookup).
    func itemIDsJSON() -> String { Self.json(items.map(\.id).sorted()) }

    static func json(_ ids: some Sequence<Int64>) -> String {
        var s = "["
        for id in ids {
            if s.utf8.count > 1 { s += "," }
            s += String(id)
        }
        return s + "]"
    }

    /// Responses per agent and channel, in agent then channel order (as SQL orders text).
    func responseCounts() -> [SummaryResponseCount] {
        var out: [SummaryResponseCount] = []
        for (agent, name) in agents.names.enumerated() {
            for rank in 1..<Self.channels.count {
                let c = agent * 8 + rank
                if c < counts.count && counts[c] > 0 {
                    out.append(SummaryResponseCount(agent: name, channel: Self.channels[rank]!, count: counts[c]))
                }
            }
        }
        return out.sorted { a, b in
            a.agent != b.agent ? Array(a.agent.utf8).lexicographicallyPrecedes(Array(b.agent.utf8))
                : Array(a.channel.rawValue.utf8).lexicographicallyPrecedes(Array(b.channel.rawValue.utf8))
        }
    }
}

/// Agent names seen in a pass, numbered in order of appearance. A team has a few dozen agents:
/// up to 32 names are compared in turn (equal small strings compare as two words; hashing a
/// name costs ~400 instructions a row), beyond that through a dictionary.
struct AgentNames {
    private(set) var names: [String] = []
    private var bytes: [[UInt8]] = []
    private var lookup: [String: Int32] = [:]

    mutating func index(_ name: String) -> Int32 {
        var name = name
        return name.withUTF8 { index($0) }
    }

    /// The number of the name whose UTF-8 bytes are `name`.
    mutating func index(_ name: UnsafeBufferPointer<UInt8>) -> Int32 {
        if names.count <= 32 {
            for i in bytes.indices where bytes[i].count == name.count {
                if name.isEmpty || bytes[i].withUnsafeBufferPointer({ memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }) { return Int32(i) }
            }
            if names.count < 32 { return append(name) }
        }
        let text = String(decoding: name, as: UTF8.self)
        if let i = lookup[text] { return i }
        return append(name)
    }

    private mutating func append(_ name: UnsafeBufferPointer<UInt8>) -> Int32 {
        let text = String(decoding: name, as: UTF8.self)
        names.append(text)
        bytes.append(Array(name))
        lookup[text] = Int32(names.count - 1)
        return Int32(names.count - 1)
    }
}

extension Row {
    /// A text enum read through `String`, GRDB's direct column path (a `RawRepresentable` decodes
    /// through `DatabaseValue`: ≈ 2,400 instructions a column, per item of a 100,000-item window).
    fileprivate func text<E: RawRepresentable & DatabaseValueConvertible>(_ index: Int) -> E where E.RawValue == String {
        E(rawValue: self[index] as String) ?? self[index]
    }

    fileprivate func text<E: RawRepresentable & DatabaseValueConvertible>(_ index: Int) -> E? where E.RawValue == String {
        guard let raw = self[index] as String? else { return nil }
        return E(rawValue: raw) ?? self[index]
    }
}

extension StoreDate {
    /// Milliseconds since 1970 of the date in column `index` (nil for NULL): stored dates
    /// (`YYYY-MM-DD HH:MM:SS.SSS`, UTC) are read from their text; anything else SQLite's
    /// `julianday` converts, with the same rounding as `AppDatabase`'s SQL.
    static func milliseconds(_ row: Row, _ index: Int, _ db: Database) throws -> Int64? {
        if row.hasNull(atIndex: index) { return nil }
        return try milliseconds(row[index] as DatabaseValue, db)
    }

    /// ``milliseconds(_:_:_:)`` of a value already read (nil for NULL).
    static func milliseconds(_ value: DatabaseValue, _ db: Database) throws -> Int64? {
        if value.isNull { return nil }
        if case .string(let text) = value.storage, let ms = milliseconds(text) { return ms }
        return try Int64.fetchOne(db, sql: "SELECT CAST(ROUND((julianday(?) - 2440587.5) * 86400000.0) AS INTEGER)", arguments: [value])
    }

    /// Where `YYYY-MM-DD HH:MM:SS.SSS` has `-`, `-`, ` `, `:`, `:`, `.`.
    private static let separators: [(at: Int, byte: UInt8)] = [(4, 45), (7, 45), (10, 32), (13, 58), (16, 58), (19, 46)]

    /// Milliseconds since 1970 of `YYYY-MM-DD HH:MM:SS.SSS` (UTC), or nil for any other text.
    static func milliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { milliseconds(utf8: $0) }
    }

    /// ``milliseconds(_:)`` of the text's UTF-8 bytes.
    static func milliseconds(utf8 p: UnsafeBufferPointer<UInt8>) -> Int64? {
        do {
            guard p.count == 23 else { return nil }
            func n(_ at: Int, _ count: Int) -> Int64? {
                var v: Int64 = 0
                for k in at..<(at + count) {
                    let d = Int64(p[k]) &- 48
                    guard d >= 0 && d <= 9 else { return nil }
                    v = v * 10 + d
                }
                return v
            }
            guard separators.allSatisfy({ p[$0.at] == $0.byte }),
                  let y = n(0, 4), let m = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let s = n(17, 2), let f = n(20, 3),
                  m >= 1, m <= 12, d >= 1, d <= 31, h <= 23, mi <= 59, s <= 59 else { return nil }
            // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
            let yy = m <= 2 ? y - 1 : y
            let era = (yy >= 0 ? yy : yy - 399) / 400
            let yoe = yy - era * 400
            let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            return ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + f
        }
    }
}
