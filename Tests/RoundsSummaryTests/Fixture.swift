import Foundation
import RoundsCore
import RoundsStore
import RoundsSummary
import Testing

/// The local zone of every fixture: the built-in config's.
let newYork = TimeZone(identifier: "America/New_York")!

/// An instant written with its offset: `t("2026-11-24T09:00:00-05:00")`.
func t(_ rfc3339: String) -> Date {
    guard let d = RFC3339.parse(rfc3339) else { fatalError("bad fixture time \(rfc3339)") }
    return d
}

/// The built-in config's calendar (Mon–Fri 08:00–18:00, Sat 09:00–13:00, New York) and the
/// hospital default policies: urgent 15 m, private 1 h, questions 2 h (around the clock),
/// everything else 24 h of business hours.
let fixtureSLA: SLAEngine = {
    let week = OpeningSpan(start: 8 * 60, end: 18 * 60)
    let saturday = OpeningSpan(start: 9 * 60, end: 13 * 60)
    let calendar = BusinessCalendar(timeZone: newYork, weekly: [2: [week], 3: [week], 4: [week], 5: [week], 6: [week], 7: [saturday]],
                                    holidays: ["2026-12-25"])
    return SLAEngine(policies: SLAPolicy.hospitalDefaults, calendar: calendar)
}()

/// A fresh database in a temporary folder, written only through `AppDatabase`'s real write API,
/// with a fixed clock that each step sets before it writes.
final class FixtureDB {
    let dir: URL
    let path: String
    let clock: FixedClock
    let db: AppDatabase
    let sla: SLAEngine

    init(sla: SLAEngine = fixtureSLA) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-summary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("rounds.sqlite").path
        clock = FixedClock(t("2026-01-01T00:00:00Z"))
        db = try AppDatabase.open(path: path, clock: clock)
        self.sla = sla
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// Imports one item at `imported` (default: when it was received) with the given triage.
    @discardableResult
    func add(_ id: String, _ platform: Platform, _ kind: ItemKind, _ text: String, received: String, route: Route = .answerInThread,
             urgent: Bool = false, spam: Bool = false, reasons: [TriageReason] = [], handle: String = "@someone",
             imported: String? = nil) throws -> Int64 {
        clock.set(t(imported ?? received))
        let item = Item(id: id, platform: platform, kind: kind, text: text, receivedAt: t(received), author: Author(handle: handle))
        _ = try db.importItems([(item, TriageDecision(route: route, urgent: urgent, spam: spam, reasons: reasons))], sla: sla)
        return try #require(try db.item(platform: platform, externalID: id)).id
    }

    /// Imports one item with the real automatic triage.
    @discardableResult
    func addTriaged(_ id: String, _ platform: Platform, _ kind: ItemKind, _ text: String, received: String, handle: String = "@someone",
                    triage: Triage = Triage()) throws -> (number: Int64, decision: TriageDecision) {
        clock.set(t(received))
        let item = Item(id: id, platform: platform, kind: kind, text: text, receivedAt: t(received), author: Author(handle: handle))
        let decision = triage.classify(item)
        _ = try db.importItems([(item, decision)], sla: sla)
        return (try #require(try db.item(platform: platform, externalID: id)).id, decision)
    }

    /// Records responses (all at `at`) against the item's current version.
    func respond(_ number: Int64, _ agent: String, _ parts: [(ResponseChannel, String)], at: String) throws {
        clock.set(t(at))
        let item = try #require(try db.item(id: number))
        try db.recordResponses(itemID: number, expectedVersion: item.version, agent: agent, parts, sla: sla)
    }

    func respond(_ number: Int64, _ agent: String, _ channel: ResponseChannel, _ text: String = "Thank you for your message.", at: String) throws {
        try respond(number, agent, [(channel, text)], at: at)
    }

    func override(_ number: Int64, _ agent: String, route: Route, urgent: Bool, spam: Bool, why: String, at: String) throws {
        clock.set(t(at))
        try db.overrideTriage(itemID: number, agent: agent, route: route, urgent: urgent, spam: spam, why: why, sla: sla)
    }

    func log(_ kind: EventKind, _ number: Int64, _ agent: String, at: String) throws {
        clock.set(t(at))
        try db.log(kind, itemID: number, agent: agent)
    }

    func claim(_ number: Int64, _ agent: String, ttl: TimeInterval, at: String) throws {
        clock.set(t(at))
        try db.claim(itemID: number, agent: agent, ttl: ttl)
    }

    func summary(since: String, until: String, now: String, agent: String? = nil, includeText: Bool = false,
                 organisation: String = "Mercy Valley Health") throws -> ShiftSummary {
        let window = try SummaryWindow.range(since: t(since), until: t(until), timeZone: newYork)
        let options = SummaryOptions(agent: agent, includeText: includeText, organisation: organisation)
        return try ShiftSummary.compute(db: db, window: window, sla: sla, clock: FixedClock(t(now)), options: options)
    }
}

/// The shift of Tuesday 24 November 2026 (EST, UTC-05:00), window 09:00–17:00, summary made at 17:20.
/// Every write happens in time order, as it would in real life. The expected figures are worked
/// out by hand in `SummaryTests.fixtureFigures`.
enum TuesdayShift {
    static let since = "2026-11-24T09:00:00-05:00"
    static let until = "2026-11-24T17:00:00-05:00"
    static let now = "2026-11-24T17:20:00-05:00"

    static func build() throws -> FixtureDB {
        let f = try FixtureDB()
        // Monday: a comment that waits overnight (24 business hours: due Thursday 10:00).
        let ig9 = try f.add("ig-9", .instagram, .comment, "Loved the new garden by the east entrance", received: "2026-11-23T16:00:00-05:00")
        // Before the window: asked and answered.
        let fb10 = try f.add("fb-10", .facebook, .question, "What are the visiting hours on the maternity ward?", received: "2026-11-24T08:00:00-05:00")
        try f.respond(fb10, "dana", .publicReply, at: "2026-11-24T08:30:00-05:00")
        // The window opens at 09:00:00 sharp: this item is in it.
        let fb1 = try f.add("fb-1", .facebook, .question, "Is the pharmacy open on Sunday?", received: "2026-11-24T09:00:00-05:00")
        try f.respond(ig9, "lee", .phone, "Called back about the garden tour.", at: "2026-11-24T09:05:00-05:00")
        let ig2 = try f.add("ig-2", .instagram, .comment, "Thank you to the night nurses on ward 4!", received: "2026-11-24T09:20:00-05:00")
        try f.respond(fb1, "dana", .publicReply, at: "2026-11-24T09:40:00-05:00")
        let x3 = try f.add("x-3", .x, .dm, "Please call me at 555-201-3344 about my appointment", received: "2026-11-24T10:00:00-05:00",
                           route: .redirectPrivate,
                           reasons: [TriageReason(rule: "identifier.phone", evidence: "555-201-3344", range: 18..<30),
                                     TriageReason(rule: "private.appointment", evidence: "my appointment")])
        try f.respond(ig2, "lee", .publicReply, at: "2026-11-24T10:20:00-05:00")
        try f.log(.viewed, fb10, "lee", at: "2026-11-24T10:30:00-05:00")
        let fb4 = try f.add("fb-4", .facebook, .comment, "My father fell in your parking lot and is bleeding", received: "2026-11-24T11:00:00-05:00",
                            urgent: true, reasons: [TriageReason(rule: "urgent.injury", evidence: "bleeding")])
        try f.respond(fb4, "dana", .escalated, "Passed to the emergency department.", at: "2026-11-24T11:20:00-05:00")
        try f.respond(x3, "dana", [(.publicReply, "We have sent you a private message."), (.privateMessage, "Hello, we can help with that.")],
                      at: "2026-11-24T11:30:00-05:00")
        try f.add("yt-5", .youtube, .comment, "Earn 500 a day from home, click my profile", received: "2026-11-24T12:00:00-05:00", spam: true)
        let gr6 = try f.add("gr-6", .googleReviews, .review, "Parking was easy and the staff were kind.", received: "2026-11-24T12:30:00-05:00")
        try f.respond(gr6, "lee", .noReplyNeeded, "", at: "2026-11-24T12:45:00-05:00")
        let li7 = try f.add("li-7", .linkedin, .question, "Do you offer flu shots for children this season?", received: "2026-11-24T13:00:00-05:00")
        try f.override(li7, "dana", route: .answerInThread, urgent: false, spam: false, why: "checked: a routine question", at: "2026-11-24T13:10:00-05:00")
        try f.claim(li7, "lee", ttl: 8 * 3600, at: "2026-11-24T13:15:00-05:00")
        let yt11 = try f.add("yt-11", .youtube, .comment, "Best crypto tips, follow me", received: "2026-11-24T14:00:00-05:00")
        try f.respond(li7, "lee", .internalNote, "Asked the clinic for this season's dates.", at: "2026-11-24T14:00:00-05:00")
        try f.override(yt11, "lee", route: .answerInThread, urgent: false, spam: true, why: "crypto promotion", at: "2026-11-24T14:05:00-05:00")
        let fb8 = try f.add("fb-8", .facebook, .mention, "my mum's new tablets make her dizzy", received: "2026-11-24T16:30:00-05:00")
        try f.override(fb8, "dana", route: .redirectPrivate, urgent: false, spam: false, why: "mentions her medication", at: "2026-11-24T16:40:00-05:00")
        // At 17:00:00 sharp the window has closed: not in the report, but in the handover.
        try f.add("fb-13", .facebook, .question, "Where do I park for the cancer centre?", received: "2026-11-24T17:00:00-05:00")
        try f.add("ig-12", .instagram, .comment, "Great talk on heart health today", received: "2026-11-24T17:10:00-05:00")
        return f
    }

    static func summary(_ f: FixtureDB, agent: String? = nil, includeText: Bool = false) throws -> ShiftSummary {
        try f.summary(since: since, until: until, now: now, agent: agent, includeText: includeText)
    }
}

/// Compares `actual` byte for byte with `Golden/<name>`; with `ROUNDS_UPDATE_GOLDEN=1` in the
/// environment it (re)writes the file instead (then review the diff before committing).
enum Golden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var updating: Bool { ProcessInfo.processInfo.environment["ROUNDS_UPDATE_GOLDEN"] == "1" }

    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        let bytes = Data(actual.utf8)
        if updating {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try bytes.write(to: url)
            return
        }
        guard let expected = FileManager.default.contents(atPath: url.path) else {
            Issue.record("missing golden file Golden/\(name): run `ROUNDS_UPDATE_GOLDEN=1 swift test --filter RoundsSummaryTests`",
                         sourceLocation: sourceLocation)
            return
        }
        guard expected != bytes else { return }
        let want = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
        let got = actual.components(separatedBy: "\n")
        let at = (0..<min(want.count, got.count)).first { want[$0] != got[$0] } ?? min(want.count, got.count)
        let wantLine = at < want.count ? want[at] : "<end of file>", gotLine = at < got.count ? got[at] : "<end of file>"
        Issue.record("""
            Golden/\(name) differs (\(expected.count) bytes expected, \(bytes.count) produced); first difference at line \(at + 1):
              expected: \(wantLine)
              produced: \(gotLine)
            If the change is intended: ROUNDS_UPDATE_GOLDEN=1 swift test --filter RoundsSummaryTests, then review the diff.
            """, sourceLocation: sourceLocation)
    }
}
