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
        return Date(timeIntervalSince1970: Double(v) / 1000)
    }

    /// Outcome priority of a response channel (lower wins) for the summary.
    private static let outcomeRank = """
        CASE channel WHEN 'escalated' THEN 1 WHEN 'phone' THEN 2 WHEN 'email' THEN 3 WHEN 'private_message' THEN 4
        WHEN 'public_reply' THEN 5 WHEN 'no_reply_needed' THEN 6 ELSE 7 END
        """

    /// Status-changing events, for the status an item had at the window's end.
    private static let statusEvents = "('replied','redirected','escalated','closed','resolved','reopened','hidden_as_spam')"

    /// Reads everything the shift summary needs for one window, in one read transaction (a
    /// consistent snapshot even while other managers write).
    public func summaryRecords(_ q: SummaryQuery, now: Date) throws -> SummaryRecords {
        try writer.read { db in
            var out = SummaryRecords()
            out.items = try summaryItems(db, q)
            out.overrides = try summaryOverrides(db, q)
            (out.handover, out.handoverTotal) = try summaryHandover(db, q, now: now)
            out.responseCounts = try summaryResponseCounts(db, q)
            return out
        }
    }

    private func summaryItems(_ db: Database, _ q: SummaryQuery) throws -> [SummaryItemRecord] {
        let agentResponse = q.agent == nil ? "" : "AND agent = :agent"
        let touched: String
        if q.agent == nil {
            touched = """
                SELECT id FROM item WHERE receivedAt >= :from AND receivedAt < :to
                UNION SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to
                UNION SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND itemId IS NOT NULL
                """
        } else {
            touched = """
                SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to AND agent = :agent
                UNION SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND itemId IS NOT NULL AND agent = :agent
                """
        }
        let ms = Self.ms
        let sql = """
            WITH touched(id) AS (\(touched)),
            win AS (
                SELECT itemId,
                       MIN((\(Self.outcomeRank) << 32) | id) AS outcomeKey,
                       MIN(CASE WHEN channel IN ('public_reply','private_message','email','phone','escalated') THEN id END) AS firstAnswerId
                FROM response WHERE createdAt >= :from AND createdAt < :to \(agentResponse)
                GROUP BY itemId),
            spamNow AS (
                SELECT itemId FROM event WHERE kind = 'hidden_as_spam' AND createdAt >= :from AND createdAt < :to \(agentResponse)
                UNION SELECT t.itemId FROM event e JOIN triageDecision t ON t.itemId = e.itemId AND t.source = 'override' AND t.decidedAt = e.createdAt
                WHERE e.kind = 'overridden' AND e.createdAt >= :from AND e.createdAt < :to AND t.spam \(q.agent == nil ? "" : "AND e.agent = :agent"))
            SELECT i.id, i.externalID, i.platform, i.kind, \(ms("i.receivedAt")), i.identifiers, i.status, \(ms("i.firstResponseAt")),
                   a.route, a.spam, e.route, e.urgent, e.spam,
                   (SELECT kind FROM event ev WHERE ev.itemId = i.id AND ev.createdAt < :to AND ev.kind IN \(Self.statusEvents)
                    ORDER BY ev.id DESC LIMIT 1),
                   ob.channel, ob.agent, fa.agent, \(ms("fa.createdAt")),
                   i.id IN spamNow,
                   CASE WHEN :withText THEN i.text END, CASE WHEN :withText THEN a.reasons END, a.urgent
            FROM touched
            JOIN item i ON i.id = touched.id
            JOIN triageDecision a ON a.id = (SELECT MIN(id) FROM triageDecision WHERE itemId = i.id)
            LEFT JOIN triageDecision e ON e.id = (SELECT MAX(id) FROM triageDecision WHERE itemId = i.id AND decidedAt < :to)
            LEFT JOIN win w ON w.itemId = i.id
            LEFT JOIN response ob ON ob.id = (w.outcomeKey & 4294967295)
            LEFT JOIN response fa ON fa.id = w.firstAnswerId
            ORDER BY i.receivedAt, i.id
            """
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to, "withText": q.includeText]
        if let agent = q.agent { args["agent"] = agent }
        var out: [SummaryItemRecord] = []
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        while let row = try cursor.next() {
            let autoRoute: Route = row[8]
            let autoSpam: Bool = row[9]
            let endRoute: Route? = row[10]
            var reasons: [TriageReason] = []
            if let json: String = row[20] {
                reasons = TriageRecord.decodeReasons(json).filter { $0.rule.hasPrefix("identifier.") && $0.range != nil }
            }
            let statusEvent: String? = row[13]
            let outcome: String? = row[14]
            out.append(SummaryItemRecord(
                number: row[0], externalID: row[1], platform: row[2], kind: row[3], receivedAt: Self.date(row, 4)!,
                automaticRoute: autoRoute, automaticSpam: autoSpam,
                route: endRoute ?? autoRoute, urgent: endRoute == nil ? row[21] : row[11], spam: endRoute == nil ? autoSpam : row[12],
                identifiers: row[5], statusNow: row[6],
                lastStatusEventBeforeEnd: statusEvent.flatMap(EventKind.init(rawValue:)),
                firstResponseAt: Self.date(row, 7),
                outcomeChannel: outcome.flatMap(ResponseChannel.init(rawValue:)), outcomeAgent: row[15],
                firstAnswerInWindowAgent: row[16], firstAnswerInWindowAt: Self.date(row, 17),
                hiddenAsSpamInWindow: row[18], text: row[19], identifierReasons: reasons))
        }
        return out
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

    private func summaryHandover(_ db: Database, _ q: SummaryQuery, now: Date) throws -> ([SummaryHandoverRecord], Int) {
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to, "now": now, "withText": q.includeText]
        var scope = ""
        var callbackScope = ""
        if let agent = q.agent {
            args["agent"] = agent
            // An agent's handover: the open items they touched in the window or hold now.
            scope = """
                AND (i.id IN (SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
                     OR i.id IN (SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
                     OR i.id IN (SELECT itemId FROM claim WHERE agent = :agent AND expiresAt > :now))
                """
            callbackScope = "AND r.agent = :agent"
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
        let callbackSQL = """
            FROM item i WHERE i.status = 'answered' AND i.id IN (
                SELECT r.itemId FROM response r WHERE r.channel = 'phone' AND r.createdAt >= :from AND r.createdAt < :to \(callbackScope))
            """
        let callbackTotal = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(callbackSQL)", arguments: StatementArguments(args)) ?? 0
        let room = max(0, q.handoverLimit - rows.count)
        if room > 0 {
            rows += try Row.fetchAll(db, sql: "SELECT \(columns), 1 \(callbackSQL) ORDER BY i.receivedAt, i.id LIMIT \(room)",
                                     arguments: StatementArguments(args))
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
        return (out, openTotal + callbackTotal)
    }

    private func summaryResponseCounts(_ db: Database, _ q: SummaryQuery) throws -> [SummaryResponseCount] {
        var args: [String: (any DatabaseValueConvertible)?] = ["from": q.from, "to": q.to]
        if let agent = q.agent { args["agent"] = agent }
        return try Row.fetchAll(db, sql: """
            SELECT agent, channel, COUNT(*) FROM response
            WHERE createdAt >= :from AND createdAt < :to \(q.agent == nil ? "" : "AND agent = :agent")
            GROUP BY agent, channel ORDER BY agent, channel
            """, arguments: StatementArguments(args)).map { row in
            SummaryResponseCount(agent: row[0], channel: row[1], count: row[2])
        }
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
