import Foundation
import GRDB
import RoundsCore

/// A write the store refused, with what the manager needs to know.
public enum StoreConflict: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another manager holds the claim.
    case claimedByOther(agent: String, until: Date)
    /// The item changed since the manager opened it (version `expected`, now `actual`).
    case itemChanged(expected: Int, actual: Int, what: String)
    case noSuchItem(Int64)

    public var description: String {
        switch self {
        case .claimedByOther(let agent, let until):
            return "claimed by \(agent) until \(Self.clockTime(until))"
        case .itemChanged(_, _, let what):
            return "the item changed since you opened it (\(what)); nothing was recorded, your draft is kept"
        case .noSuchItem(let id):
            return "no item #\(id)"
        }
    }

    static func clockTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm"
        f.timeZone = .current
        return f.string(from: date)
    }
}

/// What one import batch did.
public struct ImportBatchResult: Sendable, Equatable {
    public var inserted = 0
    public var alreadyKnown = 0
    public init() {}
}

/// An item and its decision with every value the insert needs computed beforehand (deadlines,
/// queue key, dates as stored text, the reasons' JSON): pure work, done by the importer's reader
/// thread so the writer thread, the import's bottleneck, only writes.
struct ImportRow: Sendable {
    let item: Item
    let decision: TriageDecision
    let received: DatabaseValue
    let warnAt: DatabaseValue
    let dueAt: DatabaseValue
    let queueKey: Double
    let status: ItemStatus
    let reasons: DatabaseValue

    init(_ item: Item, _ decision: TriageDecision, sla: SLAEngine) {
        self.item = item
        self.decision = decision
        let subject = SLASubject(route: decision.route, urgent: decision.urgent, kind: item.kind, platform: item.platform, waitingSince: item.receivedAt)
        let (warn, due) = AppDatabase.deadlines(subject, sla)
        received = StoreDate.text(item.receivedAt).databaseValue
        warnAt = StoreDate.value(warn)
        dueAt = StoreDate.value(due)
        queueKey = AppDatabase.queueKey(due, urgent: decision.urgent)
        // Spam is hidden on arrival: it needs no reply and must not fill the queue.
        status = decision.spam ? .hidden : .open
        reasons = ReasonsJSON.encode(decision.reasons).databaseValue
    }
}

extension AppDatabase {
    var now: Date { clock.now }

    // MARK: Import

    /// Inserts items with their automatic triage in one transaction. Items already known (same
    /// platform and id) are left untouched and counted. A follow-up (an item whose parent is
    /// known) bumps the parent's version and, if the parent was answered, reopens it for a
    /// next reply.
    public func importItems(_ items: [(Item, TriageDecision)], sla: SLAEngine) throws -> ImportBatchResult {
        try importRows(items.map { ImportRow($0.0, $0.1, sla: sla) }, sla: sla)
    }

    /// ``importItems(_:sla:)`` for rows already prepared (by the importer's reader thread, so the
    /// writer only writes).
    func importRows(_ rows: [ImportRow], sla: SLAEngine) throws -> ImportBatchResult {
        let at = now
        return try writer.write { db in try insertRows(db, rows, sla: sla, at: at) }
    }

    /// Runs `body` in one write transaction whose secondary indexes of `item` and
    /// `triageDecision` are dropped at its start and created again, each from its own SQL in
    /// `sqlite_master`, just before it commits: each index is then built by one sort instead of
    /// a million inserts at random places (`Docs/performance.md`). `body` gets a function that
    /// inserts rows as ``importRows(_:sla:)`` does, inside this transaction.
    ///
    /// Other connections read the last committed state, indexes included, for the whole
    /// transaction, so an inbox open meanwhile keeps working (on the items it had); other
    /// writers wait for the lock, and fail after their busy timeout. If `body` or the rebuild
    /// throws, the transaction is rolled back: the database is as it was, indexes and all.
    func bulkImport<T>(sla: SLAEngine, _ body: (_ insert: ([ImportRow]) throws -> ImportBatchResult) throws -> T) throws -> T {
        let at = now
        return try writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                let indexes = try Row.fetchAll(db, sql: """
                    SELECT name, sql FROM sqlite_master
                    WHERE type = 'index' AND tbl_name IN ('item', 'triageDecision') AND sql IS NOT NULL ORDER BY name
                    """).map { (name: $0["name"] as String, sql: $0["sql"] as String) }
                for index in indexes { try db.execute(sql: "DROP INDEX \(index.name.quotedDatabaseIdentifier)") }
                result = try body { rows in try insertRows(db, rows, sla: sla, at: at) }
                for index in indexes { try db.execute(sql: index.sql) }
                return .commit
            }
            return result!
        }
    }

    /// The inserts of one import batch, in the caller's transaction.
    private func insertRows(_ db: Database, _ rows: [ImportRow], sla: SLAEngine, at: Date) throws -> ImportBatchResult {
        var result = ImportBatchResult()
        let insert = try db.cachedStatement(sql: """
            INSERT INTO item (platform, externalID, kind, text, receivedAt, authorHandle, authorName, threadID,
                              parentID, url, lang, route, urgent, spam, identifiers, status, waitingSince, isFollowUp,
                              warnAt, dueAt, queueKey, version, importedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 1, ?)
            ON CONFLICT (platform, externalID) DO NOTHING
            """)
        let insertTriage = try db.cachedStatement(sql: """
            INSERT INTO triageDecision (itemId, source, route, urgent, spam, reasons, decidedAt)
            VALUES (?, 'automatic', ?, ?, ?, ?, ?)
            """)
        let atText = StoreDate.text(at).databaseValue
        for row in rows {
            let item = row.item, decision = row.decision
            insert.setUncheckedArguments([
                item.platform.rawValue.databaseValue, item.id.databaseValue, item.kind.rawValue.databaseValue, item.text.databaseValue,
                row.received, item.author.handle.databaseValue, item.author.name.databaseValue,
                item.threadID.databaseValue, item.parentID.databaseValue, item.url.databaseValue, item.lang.databaseValue,
                decision.route.rawValue.databaseValue, decision.urgent.databaseValue, decision.spam.databaseValue,
                decision.identifiersDetected.databaseValue, row.status.rawValue.databaseValue, row.received, row.warnAt, row.dueAt,
                row.queueKey.databaseValue, atText,
            ])
            try insert.execute()
            guard db.changesCount > 0 else {
                result.alreadyKnown += 1
                continue
            }
            result.inserted += 1
            insertTriage.setUncheckedArguments([db.lastInsertedRowID.databaseValue, decision.route.rawValue.databaseValue,
                                                decision.urgent.databaseValue, decision.spam.databaseValue, row.reasons, atText])
            try insertTriage.execute()
            if let parent = item.parentID {
                try noteFollowUp(db, platform: item.platform, parentExternalID: parent, child: item, sla: sla, at: at)
            }
        }
        return result
    }

    private func noteFollowUp(_ db: Database, platform: Platform, parentExternalID: String, child: Item, sla: SLAEngine, at: Date) throws {
        guard let parent = try StoredItem.fetchOne(db, sql: "SELECT * FROM item WHERE platform = ? AND externalID = ?", arguments: [platform, parentExternalID]) else { return }
        var event = EventRecord(id: nil, itemId: parent.id, agent: nil, kind: .followUp, detail: "follow-up \(child.id)", createdAt: at)
        try event.insert(db)
        if parent.status == .answered && child.receivedAt > (parent.lastResponseAt ?? .distantPast) {
            var subject = parent.slaSubject
            subject.waitingSince = child.receivedAt
            subject.isFollowUp = true
            subject.answeredAt = nil
            let (warn, due) = Self.deadlines(subject, sla)
            try db.execute(sql: """
                UPDATE item SET status = 'open', waitingSince = ?, isFollowUp = 1, warnAt = ?, dueAt = ?, queueKey = ?, version = version + 1
                WHERE id = ?
                """, arguments: [child.receivedAt, warn, due, Self.queueKey(due, urgent: parent.urgent), parent.id])
            var reopened = EventRecord(id: nil, itemId: parent.id, agent: nil, kind: .reopened, detail: "follow-up \(child.id)", createdAt: at)
            try reopened.insert(db)
        } else {
            try db.execute(sql: "UPDATE item SET version = version + 1 WHERE id = ?", arguments: [parent.id])
        }
    }

    /// When the item turns "due soon" and when it is due, per the first matching policy.
    static func deadlines(_ s: SLASubject, _ sla: SLAEngine) -> (warn: Date?, due: Date?) {
        guard let policy = sla.policy(for: s) else { return (nil, nil) }
        let cal = policy.clock == .aroundTheClock ? BusinessCalendar.always : sla.calendar
        let target = s.isFollowUp ? policy.nextReply : policy.firstReply
        let due = cal.adding(target, to: s.waitingSince)
        let warn = cal.adding(max(0, target - policy.dueSoon), to: s.waitingSince)
        return (warn, due)
    }

    /// The queue's sort key: the due instant (seconds since 1970), or 1e14 when there is none;
    /// urgent items are shifted 1e15 earlier, so every emergency comes before every ordinary item
    /// (a possible crisis must not wait behind yesterday's breached billing question).
    static func queueKey(_ due: Date?, urgent: Bool) -> Double {
        let base = due?.timeIntervalSince1970 ?? 1e14
        return urgent ? base - 1e15 : base
    }

    /// Recomputes the deadlines of every open item (after the SLA policies changed).
    public func recomputeDeadlines(sla: SLAEngine) throws -> Int {
        try writer.write { db in
            let open = try StoredItem.fetchAll(db, sql: "SELECT * FROM item WHERE status = 'open'")
            let update = try db.makeStatement(sql: "UPDATE item SET warnAt = ?, dueAt = ?, queueKey = ? WHERE id = ?")
            for item in open {
                let (warn, due) = Self.deadlines(item.slaSubject, sla)
                try update.execute(arguments: [warn, due, Self.queueKey(due, urgent: item.urgent), item.id])
            }
            return open.count
        }
    }

    // MARK: Claims

    /// Claims an item for `agent` until `ttl` seconds from now. Atomic across processes: the
    /// write lock is taken at BEGIN, so two managers can never both win. Re-claiming one's own
    /// claim extends it; an expired claim can be taken over.
    @discardableResult
    public func claim(itemID: Int64, agent: String, ttl: TimeInterval) throws -> Claim {
        let at = now
        return try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM item WHERE id = ?", arguments: [itemID]) != nil else {
                throw StoreConflict.noSuchItem(itemID)
            }
            if let existing = try Claim.fetchOne(db, key: itemID), existing.agent != agent, existing.expiresAt > at {
                throw StoreConflict.claimedByOther(agent: existing.agent, until: existing.expiresAt)
            }
            let claim = Claim(itemId: itemID, agent: agent, claimedAt: at, expiresAt: at.addingTimeInterval(ttl))
            try claim.save(db)
            var event = EventRecord(id: nil, itemId: itemID, agent: agent, kind: .claimed, detail: "until \(RFC3339.format(claim.expiresAt))", createdAt: at)
            try event.insert(db)
            return claim
        }
    }

    /// Releases `agent`'s claim (no effect when the claim is someone else's or gone).
    public func release(itemID: Int64, agent: String) throws {
        let at = now
        try writer.write { db in
            try db.execute(sql: "DELETE FROM claim WHERE itemId = ? AND agent = ?", arguments: [itemID, agent])
            if db.changesCount > 0 {
                var event = EventRecord(id: nil, itemId: itemID, agent: agent, kind: .released, detail: nil, createdAt: at)
                try event.insert(db)
            }
        }
    }

    /// The claim in force on an item, if any (expired claims are not in force).
    public func activeClaim(itemID: Int64) throws -> Claim? {
        let at = now
        return try writer.read { db in
            try Claim.fetchOne(db, key: itemID).flatMap { $0.expiresAt > at ? $0 : nil }
        }
    }

    // MARK: Responses

    /// Records a response, in one transaction with its event, if and only if the item is still
    /// at `expectedVersion` and no other manager holds a claim on it. Returns the stored record:
    /// the caller may say "sent" only after this returns.
    @discardableResult
    public func recordResponse(itemID: Int64, expectedVersion: Int, agent: String, channel: ResponseChannel,
                               text: String, sla: SLAEngine) throws -> ResponseRecord {
        try recordResponses(itemID: itemID, expectedVersion: expectedVersion, agent: agent, [(channel, text)], sla: sla)[0]
    }

    /// Records several responses to one item atomically (a redirect: the public acknowledgement and
    /// the private message): all of them, or none when the item changed or is claimed by another.
    @discardableResult
    public func recordResponses(itemID: Int64, expectedVersion: Int, agent: String, _ parts: [(ResponseChannel, String)],
                                sla: SLAEngine) throws -> [ResponseRecord] {
        let at = now
        return try writer.write { db in
            guard let item = try StoredItem.fetchOne(db, key: itemID) else { throw StoreConflict.noSuchItem(itemID) }
            if let claim = try Claim.fetchOne(db, key: itemID), claim.agent != agent, claim.expiresAt > at {
                throw StoreConflict.claimedByOther(agent: claim.agent, until: claim.expiresAt)
            }
            guard item.version == expectedVersion else {
                let what = try Self.changesSince(db, item: item, version: expectedVersion)
                throw StoreConflict.itemChanged(expected: expectedVersion, actual: item.version, what: what)
            }
            var records: [ResponseRecord] = []
            var newStatus: ItemStatus?
            var answers = false
            for (channel, text) in parts {
                let state: String
                if channel.answers, item.status == .open, let due = item.dueAt {
                    state = at <= due ? "met" : "late"
                } else {
                    state = "none"
                }
                var response = ResponseRecord(id: nil, itemId: itemID, agent: agent, channel: channel, text: text,
                                              createdAt: at, slaState: state, itemVersion: item.version)
                try response.insert(db)
                records.append(response)
                let kind: EventKind
                switch channel {
                case .publicReply: kind = .replied
                case .privateMessage, .email, .phone: kind = .redirected
                case .escalated: kind = .escalated
                case .noReplyNeeded: kind = .closed
                case .internalNote: kind = .noted
                }
                var event = EventRecord(id: nil, itemId: itemID, agent: agent, kind: kind, detail: channel.rawValue, createdAt: at)
                try event.insert(db)
                if let st = channel.resultingStatus, newStatus == nil || st == .escalated { newStatus = st }
                answers = answers || channel.answers
            }
            if let status = newStatus {
                try db.execute(sql: """
                    UPDATE item SET status = ?, version = version + 1,
                        firstResponseAt = CASE WHEN ? AND firstResponseAt IS NULL THEN ? ELSE firstResponseAt END,
                        lastResponseAt = CASE WHEN ? THEN ? ELSE lastResponseAt END
                    WHERE id = ?
                    """, arguments: [status, answers, at, answers, at, itemID])
            } else {
                try db.execute(sql: "UPDATE item SET version = version + 1 WHERE id = ?", arguments: [itemID])
            }
            return records
        }
    }

    /// A readable account of what happened to an item after `version`.
    static func changesSince(_ db: Database, item: StoredItem, version: Int) throws -> String {
        let events = try EventRecord.fetchAll(db, sql: """
            SELECT * FROM event WHERE itemId = ? AND kind IN ('replied','redirected','escalated','closed','overridden','follow_up','reopened','hidden_as_spam','noted')
            ORDER BY id DESC LIMIT 3
            """, arguments: [item.id])
        guard !events.isEmpty else { return "version \(version) → \(item.version)" }
        return events.map { e in
            let who = e.agent.map { " by \($0)" } ?? ""
            return "\(e.kind.rawValue.replacingOccurrences(of: "_", with: " "))\(who)"
        }.joined(separator: ", ")
    }

    // MARK: Triage override, status changes, notes

    /// Records a manager's override of the triage, with who and why, and applies it.
    public func overrideTriage(itemID: Int64, agent: String, route: Route, urgent: Bool, spam: Bool, why: String, sla: SLAEngine) throws {
        let at = now
        try writer.write { db in
            guard let item = try StoredItem.fetchOne(db, key: itemID) else { throw StoreConflict.noSuchItem(itemID) }
            let decision = TriageDecision(route: route, urgent: urgent, spam: spam, reasons: [TriageReason(rule: "override", evidence: why)])
            var record = TriageRecord(itemId: itemID, source: "override", decision: decision, agent: agent, why: why, at: at)
            try record.insert(db)
            var subject = item.slaSubject
            subject.route = route
            subject.urgent = urgent
            let (warn, due) = Self.deadlines(subject, sla)
            try db.execute(sql: """
                UPDATE item SET route = ?, urgent = ?, spam = ?, warnAt = ?, dueAt = ?, queueKey = ?, version = version + 1,
                    status = CASE WHEN ? THEN 'hidden' WHEN status = 'hidden' THEN 'open' ELSE status END
                WHERE id = ?
                """, arguments: [route, urgent, spam, warn, due, Self.queueKey(due, urgent: urgent), spam, itemID])
            var event = EventRecord(id: nil, itemId: itemID, agent: agent, kind: .overridden,
                                    detail: "\(item.route.rawValue)→\(route.rawValue) urgent=\(urgent) spam=\(spam): \(why)", createdAt: at)
            try event.insert(db)
        }
    }

    /// Sets an item's status with an event (hide as spam, resolve, reopen).
    public func setStatus(itemID: Int64, agent: String, status: ItemStatus, event kind: EventKind) throws {
        let at = now
        try writer.write { db in
            guard try StoredItem.fetchOne(db, key: itemID) != nil else { throw StoreConflict.noSuchItem(itemID) }
            try db.execute(sql: "UPDATE item SET status = ?, version = version + 1 WHERE id = ?", arguments: [status, itemID])
            var event = EventRecord(id: nil, itemId: itemID, agent: agent, kind: kind, detail: nil, createdAt: at)
            try event.insert(db)
        }
    }

    /// Appends an event that changes nothing else (e.g. `viewed`).
    public func log(_ kind: EventKind, itemID: Int64?, agent: String?, detail: String? = nil) throws {
        let at = now
        try writer.write { db in
            var event = EventRecord(id: nil, itemId: itemID, agent: agent, kind: kind, detail: detail, createdAt: at)
            try event.insert(db)
        }
    }

    // MARK: Shifts

    /// Starts a shift for `agent` (ending any open one first).
    @discardableResult
    public func startShift(agent: String) throws -> Shift {
        let at = now
        return try writer.write { db in
            try db.execute(sql: "UPDATE shift SET endedAt = ? WHERE agent = ? AND endedAt IS NULL", arguments: [at, agent])
            var shift = Shift(id: nil, agent: agent, startedAt: at, endedAt: nil)
            try shift.insert(db)
            return shift
        }
    }

    public func endShift(agent: String) throws -> Shift? {
        let at = now
        return try writer.write { db in
            guard var shift = try Shift.fetchOne(db, sql: "SELECT * FROM shift WHERE agent = ? AND endedAt IS NULL ORDER BY id DESC", arguments: [agent]) else { return nil }
            shift.endedAt = at
            try shift.update(db)
            return shift
        }
    }
}
