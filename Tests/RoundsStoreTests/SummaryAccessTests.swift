import Foundation
import GRDB
import Testing
@testable import RoundsCore
@testable import RoundsStore

// The shift summary's reads (`AppDatabase.summaryRecords`) walk the window's responses once in
// Swift instead of grouping them in SQL. These tests compare what they return with the plain SQL
// formulation the summary used before (kept here as the reference), on a database written through
// the real write API by several managers over three days.

/// A busy few days: items arriving, several managers answering on every channel, redirects,
/// overrides to and from spam, status changes, notes, claims.
private func busyStore() throws -> TempStore {
    let s = try TempStore(now: "2026-11-23T08:00:00Z")
    var random = SplitMix(seed: 42)
    let start = RFC3339.parse("2026-11-23T08:00:00Z")!
    let platforms: [Platform] = [.facebook, .instagram, .x, .youtube, .linkedin]
    let kinds: [ItemKind] = [.question, .comment, .dm, .mention]
    let texts = ["what time do you open?", "Please call me at 555-201-3344 about my appointment", "my father fell and is bleeding",
                 "Earn 500 a day from home, click my profile", "thank you to the nurses on ward 4", "is there parking?"]
    // Agents whose names sort differently as bytes and as words, one of them not ASCII.
    let agents = ["dana", "lee", "Zoë", "adam", "Lee"]
    let channels = ResponseChannel.allCases
    var numbers: [Int64] = []
    var at = start
    for step in 0..<420 {
        at = at.addingTimeInterval(Double(random.next(600)) + 1)
        s.clock.set(at)
        let agent = agents[random.next(agents.count)]
        if numbers.isEmpty || random.next(6) == 0 {
            let n = numbers.count
            let it = Item(id: "i\(n)", platform: platforms[n % platforms.count], kind: kinds[n % kinds.count], text: texts[n % texts.count],
                          receivedAt: at.addingTimeInterval(-Double(random.next(3600))), author: Author(handle: "@w\(n)"))
            _ = try s.db.importItems([(it, storeTriage.classify(it))], sla: storeSLA)
            numbers.append(try #require(try s.db.item(platform: it.platform, externalID: it.id)).id)
            continue
        }
        let number = numbers[random.next(numbers.count)]
        let current = try #require(try s.db.item(id: number))
        do {
            switch random.next(10) {
            case 0...4:
                let channel = channels[random.next(channels.count)]
                try s.db.recordResponses(itemID: number, expectedVersion: current.version, agent: agent, [(channel, "reply \(step)")], sla: storeSLA)
            case 5:
                // A redirect: the public acknowledgement and the private message at one instant.
                try s.db.recordResponses(itemID: number, expectedVersion: current.version, agent: agent,
                                         [(.publicReply, "sent you a message"), (.privateMessage, "hello")], sla: storeSLA)
            case 6:
                try s.db.overrideTriage(itemID: number, agent: agent, route: random.next(2) == 0 ? .answerInThread : .redirectPrivate,
                                        urgent: random.next(4) == 0, spam: random.next(3) == 0, why: "step \(step)", sla: storeSLA)
            case 7:
                let (status, kind): (ItemStatus, EventKind) = [(.hidden, .hiddenAsSpam), (.closed, .resolved), (.open, .reopened)][random.next(3)]
                try s.db.setStatus(itemID: number, agent: agent, status: status, event: kind)
            case 8:
                try s.db.log(.viewed, itemID: number, agent: agent)
            default:
                _ = try s.db.claim(itemID: number, agent: agent, ttl: Double(random.next(7200)))
            }
        } catch is StoreConflict {
            // Claimed by another manager: nothing written, as in real life.
        }
    }
    return s
}

/// SplitMix64, for a repeatable busy database.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

/// The summary's items as one SQL statement: the window's responses grouped per item in SQL.
private func referenceItems(_ db: Database, _ q: SummaryQuery) throws -> [SummaryItemRecord] {
    let agentResponse = q.agent == nil ? "" : "AND agent = :agent"
    let touched = q.agent == nil ? """
        SELECT id FROM item WHERE receivedAt >= :from AND receivedAt < :to
        UNION SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to
        UNION SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND itemId IS NOT NULL
        """ : """
        SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to AND agent = :agent
        UNION SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND itemId IS NOT NULL AND agent = :agent
        """
    func ms(_ c: String) -> String { "CAST(ROUND((julianday(\(c)) - 2440587.5) * 86400000.0) AS INTEGER)" }
    let sql = """
        WITH touched(id) AS (\(touched)),
        win AS (
            SELECT itemId,
                   MIN((CASE channel WHEN 'escalated' THEN 1 WHEN 'phone' THEN 2 WHEN 'email' THEN 3 WHEN 'private_message' THEN 4
                        WHEN 'public_reply' THEN 5 WHEN 'no_reply_needed' THEN 6 ELSE 7 END << 32) | id) AS outcomeKey,
                   MIN(CASE WHEN channel IN ('public_reply','private_message','email','phone','escalated') THEN id END) AS firstAnswerId
            FROM response WHERE createdAt >= :from AND createdAt < :to \(agentResponse)
            GROUP BY itemId),
        spamNow AS (
            SELECT itemId FROM event WHERE kind = 'hidden_as_spam' AND createdAt >= :from AND createdAt < :to \(agentResponse)
            UNION SELECT t.itemId FROM event e JOIN triageDecision t ON t.itemId = e.itemId AND t.source = 'override' AND t.decidedAt = e.createdAt
            WHERE e.kind = 'overridden' AND e.createdAt >= :from AND e.createdAt < :to AND t.spam \(q.agent == nil ? "" : "AND e.agent = :agent"))
        SELECT i.id, i.externalID, i.platform, i.kind, \(ms("i.receivedAt")), i.identifiers, i.status, \(ms("i.firstResponseAt")),
               a.route, a.spam, e.route, e.urgent, e.spam,
               (SELECT kind FROM event ev WHERE ev.itemId = i.id AND ev.createdAt < :to
                AND ev.kind IN ('replied','redirected','escalated','closed','resolved','reopened','hidden_as_spam') ORDER BY ev.id DESC LIMIT 1),
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
    func date(_ row: Row, _ i: Int) -> Date? { (row[i] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) } }
    return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { row in
        let autoRoute: Route = row[8]
        let autoSpam: Bool = row[9]
        let endRoute: Route? = row[10]
        var reasons: [TriageReason] = []
        if let json: String = row[20] {
            reasons = TriageRecord.decodeReasons(json).filter { $0.rule.hasPrefix("identifier.") && $0.range != nil }
        }
        let statusEvent: String? = row[13]
        let outcome: String? = row[14]
        return SummaryItemRecord(
            number: row[0], externalID: row[1], platform: row[2], kind: row[3], receivedAt: date(row, 4)!,
            automaticRoute: autoRoute, automaticSpam: autoSpam,
            route: endRoute ?? autoRoute, urgent: endRoute == nil ? row[21] : row[11], spam: endRoute == nil ? autoSpam : row[12],
            identifiers: row[5], statusNow: row[6], lastStatusEventBeforeEnd: statusEvent.flatMap(EventKind.init(rawValue:)),
            firstResponseAt: date(row, 7), outcomeChannel: outcome.flatMap(ResponseChannel.init(rawValue:)), outcomeAgent: row[15],
            firstAnswerInWindowAgent: row[16], firstAnswerInWindowAt: date(row, 17),
            hiddenAsSpamInWindow: row[18], text: row[19], identifierReasons: reasons)
    }
}

private func referenceCounts(_ db: Database, _ q: SummaryQuery) throws -> [SummaryResponseCount] {
    try Row.fetchAll(db, sql: """
        SELECT agent, channel, COUNT(*) FROM response WHERE createdAt >= ? AND createdAt < ? \(q.agent == nil ? "" : "AND agent = ?")
        GROUP BY agent, channel ORDER BY agent, channel
        """, arguments: StatementArguments([q.from, q.to] + (q.agent.map { [$0] } ?? []))).map {
        SummaryResponseCount(agent: $0[0], channel: $0[1], count: $0[2])
    }
}

/// How many items the handover lists as open (the agent's: those they touched in the window or hold now).
private func referenceOpenTotal(_ db: Database, _ q: SummaryQuery, now: Date) throws -> Int {
    let scope = q.agent == nil ? "" : """
        AND (i.id IN (SELECT itemId FROM response WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
             OR i.id IN (SELECT itemId FROM event WHERE createdAt >= :from AND createdAt < :to AND agent = :agent)
             OR i.id IN (SELECT itemId FROM claim WHERE agent = :agent AND expiresAt > :now))
        """
    return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item i WHERE i.status = 'open' \(scope)",
                            arguments: ["from": q.from, "to": q.to, "agent": q.agent, "now": now])!
}

/// The callbacks of the handover: answered items with a phone response (by the agent) in the window.
private func referenceCallbacks(_ db: Database, _ q: SummaryQuery) throws -> [Int64] {
    try Int64.fetchAll(db, sql: """
        SELECT i.id FROM item i WHERE i.status = 'answered' AND i.id IN (
            SELECT r.itemId FROM response r WHERE r.channel = 'phone' AND r.createdAt >= ? AND r.createdAt < ? \(q.agent == nil ? "" : "AND r.agent = ?"))
        ORDER BY i.receivedAt, i.id
        """, arguments: StatementArguments([q.from, q.to] + (q.agent.map { [$0] } ?? [])))
}

@Suite("Store: the shift summary's reads")
struct SummaryAccessTests {
    @Test("The summary's records are those of the SQL formulation, for every window, agent, text and handover limit")
    func sameAsSQL() throws {
        let s = try busyStore()
        let first = RFC3339.parse("2026-11-23T06:00:00Z")!, now = s.clock.now
        let windows: [(Date, Date)] = [
            (first, now.addingTimeInterval(1)),                                            // everything: read in table order
            (first.addingTimeInterval(9 * 3600), first.addingTimeInterval(17 * 3600)),     // one shift: through the time index
            (first.addingTimeInterval(30 * 3600), first.addingTimeInterval(30 * 3600 + 1)), // one second
            (now.addingTimeInterval(3600), now.addingTimeInterval(7200)),                  // nothing happened
        ]
        var checked = (items: 0, counts: 0, callbacks: 0, withAnswer: 0)
        for (from, to) in windows {
            for agent in [nil, "dana", "Zoë", "Lee", "nobody"] {
                for (includeText, limit) in [(false, 500), (true, 3), (false, 0)] {
                    let q = SummaryQuery(from: from, to: to, agent: agent, includeText: includeText, handoverLimit: limit)
                    let got = try s.db.summaryRecords(q, now: now)
                    // Both ways of reading the window's items give the same records.
                    #expect(try s.db.summaryRecords(q, now: now, reading: .byID) == got)
                    #expect(try s.db.summaryRecords(q, now: now, reading: .fullPasses) == got)
                    let (items, counts, callbacks, openTotal) = try s.db.writer.read { db in
                        (try referenceItems(db, q), try referenceCounts(db, q), try referenceCallbacks(db, q), try referenceOpenTotal(db, q, now: now))
                    }
                    let label = "\(from)…\(to) agent \(agent ?? "-") text \(includeText) limit \(limit)"
                    // The first item that differs (the arrays are long).
                    #expect(got.items.count == items.count, "\(label)")
                    let differ = zip(got.items, items).first { $0.0 != $0.1 }
                    #expect(differ == nil, "\(label): \(String(describing: differ))")
                    #expect(got.responseCounts == counts, "\(label)")
                    let gotCallbacks = got.handover.filter(\.callback).map(\.number)
                    let open = got.handover.count - gotCallbacks.count
                    #expect(gotCallbacks == Array(callbacks.prefix(max(0, limit - open))), "\(label)")
                    #expect(got.handover.prefix(open).allSatisfy { !$0.callback }, "\(label)")
                    #expect(got.handoverTotal == openTotal + callbacks.count, "\(label)")
                    #expect(open == min(limit, openTotal), "\(label)")
                    checked.items += items.count
                    checked.counts += counts.count
                    checked.callbacks += callbacks.count
                    checked.withAnswer += items.filter { $0.firstAnswerInWindowAt != nil }.count
                }
            }
        }
        // The comparison saw real data: items with answers, counts, callbacks.
        #expect(checked.items > 100 && checked.counts > 20 && checked.callbacks > 0 && checked.withAnswer > 50, "\(checked)")
    }

    @Test("The handover's total counts every callback, beyond its limit")
    func callbackTotal() throws {
        let s = try busyStore()
        let q = SummaryQuery(from: RFC3339.parse("2026-11-23T06:00:00Z")!, to: s.clock.now.addingTimeInterval(1), handoverLimit: 0)
        let got = try s.db.summaryRecords(q, now: s.clock.now)
        let (open, callbacks) = try s.db.writer.read { db in (try referenceOpenTotal(db, q, now: s.clock.now), try referenceCallbacks(db, q)) }
        #expect(got.handover.isEmpty)
        #expect(!callbacks.isEmpty)
        #expect(got.handoverTotal == open + callbacks.count)
    }

    @Test("A window over most of the recorded time is read in table order; a shift through the time index")
    func readOrder() throws {
        let s = try busyStore()
        let first = RFC3339.parse("2026-11-23T06:00:00Z")!
        let (all, shift) = try s.db.writer.read { db in
            (try SummaryWindowScan.mostResponses(db, SummaryQuery(from: first, to: s.clock.now.addingTimeInterval(1))),
             try SummaryWindowScan.mostResponses(db, SummaryQuery(from: first.addingTimeInterval(9 * 3600), to: first.addingTimeInterval(17 * 3600))))
        }
        #expect(all)
        #expect(!shift)
        // An empty response table: nothing to scan.
        let empty = try TempStore()
        let none = try empty.db.writer.read { db in try SummaryWindowScan.mostResponses(db, SummaryQuery(from: .distantPast, to: .distantFuture)) }
        #expect(!none)
    }

    @Test("The window's items are numbered as the response pass first meets them; items only received in the window come after")
    func slotOrder() throws {
        let s = try busyStore()
        let q = SummaryQuery(from: RFC3339.parse("2026-11-23T06:00:00Z")!, to: s.clock.now.addingTimeInterval(1))
        let (scan, answered, received) = try s.db.writer.read { db in
            (try SummaryWindowScan(db, q),
             Set(try Int64.fetchAll(db, sql: "SELECT itemId FROM response WHERE createdAt >= ? AND createdAt < ?", arguments: [q.from, q.to])),
             Set(try Int64.fetchAll(db, sql: "SELECT id FROM item WHERE receivedAt >= ? AND receivedAt < ?", arguments: [q.from, q.to])))
        }
        let ids = scan.items.map(\.id)
        // The store must hold items received in the window with no response, or this proves nothing.
        #expect(!received.subtracting(answered).isEmpty)
        #expect(Set(ids.prefix(answered.count)) == answered)
        #expect(Set(ids).isSuperset(of: received))
    }

    @Test("Agent names keep their first number, compared in turn or (past 32 names) through a dictionary")
    func agentNames() {
        var names = AgentNames()
        let team = (0..<40).map { "agent \($0)" } + ["Zoë", "zoe", ""]
        for (i, name) in team.enumerated() { #expect(names.index(name) == Int32(i)) }
        for (i, name) in team.enumerated().reversed() { #expect(names.index(name) == Int32(i), "\(name)") }
        #expect(names.names == team)
    }

    @Test("Stored dates are read as the milliseconds SQLite's julianday gives; other text through SQLite")
    func storedDates() throws {
        let s = try TempStore()
        var random = SplitMix(seed: 7)
        var texts: [String] = ["1970-01-01 00:00:00.000", "1969-12-31 23:59:59.999", "2000-02-29 12:00:00.500", "2100-03-01 00:00:00.001",
                               "1600-01-01 00:00:00.000", "2026-11-24 15:00:00.123"]
        for _ in 0..<300 {
            // Any instant between 1900 and 2100, written as the store writes dates.
            let d = Date(timeIntervalSince1970: Double(random.next(6_311_390_400_000)) / 1000 - 2_208_988_800)
            texts.append(StoreDate.text(d))
        }
        // Not the stored form: SQLite converts these.
        let others = ["2026-11-24T15:00:00Z", "2026-11-24 15:00", "2026-11-24 15:00:00", "not a date", "2026-13-01 00:00:00.000", "2026-11-24 15:00:00.12x"]
        // (text, SQLite's milliseconds, the store's) for each text, and the store's for NULL.
        let (read, null) = try s.db.writer.read { db in
            let read = try (texts + others).map { text -> (String, Int64?, Int64?) in
                let row = try Row.fetchOne(db, sql: "SELECT ?, CAST(ROUND((julianday(?) - 2440587.5) * 86400000.0) AS INTEGER)",
                                           arguments: [text, text])!
                return (text, row[1], try StoreDate.milliseconds(row, 0, db))
            }
            return (read, try StoreDate.milliseconds(try Row.fetchOne(db, sql: "SELECT NULL")!, 0, db))
        }
        for (text, expected, got) in read {
            #expect(got == expected, "\(text)")
            #expect(StoreDate.milliseconds(text) == (texts.contains(text) ? expected : nil), "\(text)")
        }
        #expect(read.filter { $0.1 != nil }.count == texts.count + 3)  // SQLite reads three of the other forms
        #expect(null == nil)
    }
}

@Suite("Store: rows read through SQLite's C API")
struct RawRowsTests {
    @Test("Each row's integers, text bytes and values in order, then nil; an error while stepping is thrown, not ended on")
    func rowsAndErrors() throws {
        let s = try TempStore()
        let (read, failure) = try s.db.writer.read { db -> ([String], (any Error)?) in
            let rows = try RawRows(db, sql: "SELECT value, 'n' || value, CASE WHEN value = 2 THEN NULL ELSE 'Zoë' END FROM json_each(?)",
                                   arguments: ["[1,2,3]"])
            var read: [String] = []
            while let row = try rows.next() {
                read.append("\(row.int64(0)) \(String(decoding: row.text(1), as: UTF8.self)) \(row.isText(2) ? String(decoding: row.text(2), as: UTF8.self) : "\(row.value(2))")")
            }
            #expect(try rows.next() == nil)
            let bad = try RawRows(db, sql: "SELECT json_extract(value, '$') FROM json_each(?)", arguments: [#"["{}", "not json"]"#])
            do {
                while try bad.next() != nil {}
                return (read, nil)
            } catch {
                return (read, error)
            }
        }
        #expect(read == ["1 n1 Zoë", "2 n2 NULL", "3 n3 Zoë"])
        let error = try #require(failure as? DatabaseError, "a malformed JSON text must fail the step")
        #expect(error.message?.contains("JSON") == true)
    }
}

@Suite("Store: dates read back")
struct StoredDateReadingTests {
    @Test("Dates in the stored form read as GRDB reads them, to the millisecond; other forms and NULL through GRDB")
    func sameAsGRDB() throws {
        let s = try TempStore()
        var random = SplitMix(seed: 9)
        var texts: [String] = ["1970-01-01 00:00:00.000", "2000-02-29 12:00:00.500", "2026-11-24 15:00:00.123", "2026-11-24 15:00"]
        for _ in 0..<500 {
            texts.append(StoreDate.text(Date(timeIntervalSince1970: Double(random.next(4_102_444_800_000)) / 1000)))
        }
        try s.db.writer.read { db in
            for text in texts {
                let row = try Row.fetchOne(db, sql: "SELECT ? AS d, NULL AS n", arguments: [text])!
                let grdb: Date = row["d"]
                let ours = StoreDate.date(row, 0)
                #expect(abs(ours.timeIntervalSince(grdb)) < 0.000_5, "\(text): \(ours) vs \(grdb)")
                #expect(StoreDate.text(ours) == StoreDate.text(grdb), "\(text)")
                #expect(StoreDate.optionalDate(row, 0) == ours)
                #expect(StoreDate.optionalDate(row, 1) == nil)
            }
        }
    }
}

@Suite("Store: item rows read by column position")
struct ItemColumnsTests {
    @Test("An item reads the same whatever its columns' order, as it was imported; a row without a column is an error that names it")
    func positionsAndMissingColumn() throws {
        let s = try TempStore()
        _ = try s.db.importItems([(item("p1", "Where do I park for the asthma clinic?"), storeTriage.classify(item("p1", "x")))], sla: storeSLA)
        try s.db.writer.read { db in
            // Columns in another order than the table's, and an extra one in front.
            let row = try #require(try Row.fetchOne(db, sql: "SELECT 7 AS extra, importedAt, text, * FROM item"))
            let viaPositions = try StoredItem(row: row)
            let viaTable = try #require(try StoredItem.fetchOne(db, sql: "SELECT * FROM item"))
            #expect(viaPositions == viaTable)
            #expect(viaPositions.item.text == "Where do I park for the asthma clinic?")
            #expect(viaPositions.item.id == "p1" && viaPositions.item.author.handle == "@p1" && viaPositions.status == .open)
            #expect(viaPositions.item.receivedAt == RFC3339.parse("2026-11-24T14:00:00Z"))
            let queue = try QueueRow.all(try Row.fetchAll(db, sql: QueueRow.selectSQL), at: s.clock.now)
            #expect(queue.map(\.stored) == [viaTable])
            let partial = try #require(try Row.fetchOne(db, sql: "SELECT id, platform FROM item"))
            #expect { try StoredItem(row: partial) } throws: { ($0 as? DatabaseError)?.message?.contains("externalID") == true }
        }
    }
}
