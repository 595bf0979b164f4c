import Foundation
import GRDB
import RoundsCore

/// Where an item stands in the manager's workflow.
public enum ItemStatus: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    /// Waiting for a reply.
    case open
    /// Replied to, in public or in private.
    case answered
    /// Handed to the clinical or crisis team.
    case escalated
    /// Needs no reply.
    case closed
    /// Spam, hidden.
    case hidden
}

/// How a response reached (or did not reach) the writer.
public enum ResponseChannel: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case publicReply = "public_reply"
    case privateMessage = "private_message"
    case email, phone
    case internalNote = "internal_note"
    case noReplyNeeded = "no_reply_needed"
    case escalated

    /// The status an item takes after a response on this channel (`nil`: unchanged).
    var resultingStatus: ItemStatus? {
        switch self {
        case .publicReply, .privateMessage, .email, .phone: .answered
        case .escalated: .escalated
        case .noReplyNeeded: .closed
        case .internalNote: nil
        }
    }

    /// Whether this response answers the writer (and so stops the SLA clock).
    public var answers: Bool { resultingStatus == .answered || resultingStatus == .escalated }
}

/// Everything that is recorded in the event log.
public enum EventKind: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    case viewed, claimed, released, triaged, overridden, replied, redirected, resolved, reopened, escalated
    case hiddenAsSpam = "hidden_as_spam"
    case noted, closed
    case followUp = "follow_up"
}

extension Platform: DatabaseValueConvertible {}
extension ItemKind: DatabaseValueConvertible {}
extension Route: DatabaseValueConvertible {}

/// One row of the `item` table: the item and its current state.
public struct StoredItem: Sendable, Hashable, Identifiable, FetchableRecord, TableRecord {
    public static let databaseTableName = "item"
    public var id: Int64
    public var item: Item
    public var route: Route
    public var urgent: Bool
    public var spam: Bool
    public var identifiers: Bool
    public var status: ItemStatus
    public var waitingSince: Date
    public var isFollowUp: Bool
    public var warnAt: Date?
    public var dueAt: Date?
    public var firstResponseAt: Date?
    public var lastResponseAt: Date?
    public var version: Int
    public var importedAt: Date
}

// In an extension, so that the memberwise initialiser stays (tests build items without a database).
extension StoredItem {
    public init(row: Row) throws {
        try self.init(row: row, columns: ItemColumns(row))
    }

    /// The item in `row`, its columns at the places `columns` found in a row of the same
    /// statement (by position: GRDB's lookup by name lowercases the name at every call, half the
    /// cost of a queue row).
    init(row: Row, columns c: ItemColumns) throws {
        id = row[c.id]
        item = Item(
            id: row[c.externalID], platform: row[c.platform], kind: row[c.kind], text: row[c.text],
            receivedAt: StoreDate.date(row, c.receivedAt), author: Author(handle: row[c.authorHandle], name: row[c.authorName]),
            threadID: row[c.threadID], parentID: row[c.parentID], url: row[c.url], lang: row[c.lang])
        route = row[c.route]
        urgent = row[c.urgent]
        spam = row[c.spam]
        identifiers = row[c.identifiers]
        status = row[c.status]
        waitingSince = StoreDate.date(row, c.waitingSince)
        isFollowUp = row[c.isFollowUp]
        warnAt = StoreDate.optionalDate(row, c.warnAt)
        dueAt = StoreDate.optionalDate(row, c.dueAt)
        firstResponseAt = StoreDate.optionalDate(row, c.firstResponseAt)
        lastResponseAt = StoreDate.optionalDate(row, c.lastResponseAt)
        version = row[c.version]
        importedAt = StoreDate.date(row, c.importedAt)
    }

    /// The subject the SLA engine times.
    public var slaSubject: SLASubject {
        SLASubject(route: route, urgent: urgent, kind: item.kind, platform: item.platform, waitingSince: waitingSince,
                   isFollowUp: isFollowUp, answeredAt: status == .open ? nil : lastResponseAt)
    }
}

/// Where the item table's columns are in the rows of one statement, looked up by name once.
struct ItemColumns {
    let id, externalID, platform, kind, text, receivedAt, authorHandle, authorName, threadID, parentID, url, lang: Int
    let route, urgent, spam, identifiers, status, waitingSince, isFollowUp, warnAt, dueAt, firstResponseAt, lastResponseAt: Int
    let version, importedAt: Int

    /// The places of the columns in `row`; an error names a column the row does not have.
    init(_ row: Row) throws {
        let names = Array(row.columnNames.map { $0.lowercased() })
        func at(_ name: String) throws -> Int {
            guard let i = names.firstIndex(of: name.lowercased()) else { throw DatabaseError(message: "an item row without the column \(name)") }
            return i
        }
        (id, externalID, platform, kind, text) = (try at("id"), try at("externalID"), try at("platform"), try at("kind"), try at("text"))
        (receivedAt, authorHandle, authorName, threadID) = (try at("receivedAt"), try at("authorHandle"), try at("authorName"), try at("threadID"))
        (parentID, url, lang, route, urgent) = (try at("parentID"), try at("url"), try at("lang"), try at("route"), try at("urgent"))
        (spam, identifiers, status, waitingSince) = (try at("spam"), try at("identifiers"), try at("status"), try at("waitingSince"))
        (isFollowUp, warnAt, dueAt, firstResponseAt) = (try at("isFollowUp"), try at("warnAt"), try at("dueAt"), try at("firstResponseAt"))
        (lastResponseAt, version, importedAt) = (try at("lastResponseAt"), try at("version"), try at("importedAt"))
    }
}

/// A claim: one manager is working on an item until `expiresAt`.
public struct Claim: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "claim"
    public var itemId: Int64
    public var agent: String
    public var claimedAt: Date
    public var expiresAt: Date
}

/// A recorded response. Append-only.
public struct ResponseRecord: Sendable, Hashable, Codable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "response"
    public var id: Int64?
    public var itemId: Int64
    public var agent: String
    public var channel: ResponseChannel
    public var text: String
    public var createdAt: Date
    public var slaState: String
    public var itemVersion: Int

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An entry of the event log. Append-only.
public struct EventRecord: Sendable, Hashable, Codable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var itemId: Int64?
    public var agent: String?
    public var kind: EventKind
    public var detail: String?
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A triage decision as recorded: the automatic one, or a manager's override. Append-only.
public struct TriageRecord: Sendable, Hashable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "triageDecision"
    public var id: Int64?
    public var itemId: Int64
    public var source: String
    public var route: Route
    public var urgent: Bool
    public var spam: Bool
    public var reasons: [TriageReason]
    public var agent: String?
    public var why: String?
    public var decidedAt: Date

    public init(row: Row) throws {
        id = row["id"]
        itemId = row["itemId"]
        source = row["source"]
        route = row["route"]
        urgent = row["urgent"]
        spam = row["spam"]
        let json: String = row["reasons"]
        reasons = Self.decodeReasons(json)
        agent = row["agent"]
        why = row["why"]
        decidedAt = row["decidedAt"]
    }

    init(itemId: Int64, source: String, decision: TriageDecision, agent: String?, why: String?, at: Date) {
        self.itemId = itemId
        self.source = source
        route = decision.route
        urgent = decision.urgent
        spam = decision.spam
        reasons = decision.reasons
        self.agent = agent
        self.why = why
        decidedAt = at
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["itemId"] = itemId
        container["source"] = source
        container["route"] = route
        container["urgent"] = urgent
        container["spam"] = spam
        container["reasons"] = ReasonsJSON.encode(reasons)
        container["agent"] = agent
        container["why"] = why
        container["decidedAt"] = decidedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    static func decodeReasons(_ json: String) -> [TriageReason] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else { return [] }
        return array.map { o in
            var range: Range<Int>?
            if let r = o["range"] as? [Int], r.count == 2, r[0] <= r[1] { range = r[0]..<r[1] }
            return TriageReason(rule: o["rule"] as? String ?? "", evidence: o["evidence"] as? String ?? "", range: range)
        }
    }
}

/// A manager's shift.
public struct Shift: Sendable, Hashable, Codable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "shift"
    public var id: Int64?
    public var agent: String
    public var startedAt: Date
    public var endedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
