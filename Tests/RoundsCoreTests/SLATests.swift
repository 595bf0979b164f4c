import Foundation
import Testing
@testable import RoundsCore

private let newYork = TimeZone(identifier: "America/New_York")!

/// An instant from an RFC 3339 literal (tests never read the system clock).
private func at(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Date {
    try #require(RFC3339.parse(text), "bad RFC 3339 literal \(text)", sourceLocation: sourceLocation)
}

private func subject(
    _ waitingSince: Date, route: Route = .answerInThread, urgent: Bool = false, kind: ItemKind = .comment,
    platform: Platform = .facebook, isFollowUp: Bool = false, answeredAt: Date? = nil
) -> SLASubject {
    SLASubject(route: route, urgent: urgent, kind: kind, platform: platform, waitingSince: waitingSince,
               isFollowUp: isFollowUp, answeredAt: answeredAt)
}

/// The status as (label, remaining-or-overdue seconds, due) for compact assertions.
private func parts(_ s: SLAStatus) -> (label: String, seconds: TimeInterval?, due: Date?) {
    switch s {
    case .ok(let left, let due), .dueSoon(let left, let due): (s.label, left, due)
    case .breached(let over, let due): (s.label, over, due)
    case .met(_, _, let due): (s.label, nil, due)
    case .noDeadline: (s.label, nil, nil)
    }
}

@Suite("SLA engine")
struct SLAEngineTests {
    /// The spec case: 30 min of business hours, Mon–Fri 09:00–17:00 New York, due soon in the last 10 min.
    static let thirtyMinutes = SLAEngine(
        policies: [SLAPolicy(name: "office", match: SLAMatch(), firstReply: 30 * 60, dueSoon: 10 * 60, clock: .businessHours)],
        calendar: .officeHours(newYork))

    @Test("Friday 16:45 + 30 business minutes: status over the weekend counts business time only", arguments: [
        ("2026-11-20T16:45:00-05:00", "ok", 1800.0),       // just arrived
        ("2026-11-20T16:55:00-05:00", "ok", 1200),
        ("2026-11-20T17:30:00-05:00", "ok", 900),          // closed: the clock has stopped
        ("2026-11-21T12:00:00-05:00", "ok", 900),          // Saturday noon
        ("2026-11-23T08:59:00-05:00", "ok", 900),          // Monday before opening
        ("2026-11-23T09:05:00-05:00", "due soon", 600),    // exactly the due-soon threshold
        ("2026-11-23T09:14:00-05:00", "due soon", 60),
        ("2026-11-23T09:15:00-05:00", "breached", 0),      // at the due instant
        ("2026-11-23T10:15:00-05:00", "breached", 3600),
        ("2026-11-23T18:00:00-05:00", "breached", 27_900), // 09:15–17:00; after closing nothing more
        ("2026-11-24T09:30:00-05:00", "breached", 29_700), // + Tuesday 09:00–09:30
    ])
    func fridayAfternoon(_ now: String, label: String, seconds: TimeInterval) throws {
        let item = subject(try at("2026-11-20T16:45:00-05:00"))
        let status = Self.thirtyMinutes.status(item, now: try at(now))
        let p = parts(status)
        #expect(p.label == label)
        #expect(p.seconds == seconds)
        #expect(p.due == (try at("2026-11-23T09:15:00-05:00")))
    }

    @Test("Hospital defaults: a comment on Friday 16:45 gets 24 business hours, due Wednesday 16:45")
    func hospitalComment() throws {
        let engine = SLAEngine(calendar: .officeHours(newYork))
        let due = engine.due(for: subject(try at("2026-11-20T16:45:00-05:00"), kind: .comment))
        // Fri 15 min + Mon 8 h + Tue 8 h + Wed 7 h 45 min.
        #expect(due == (try at("2026-11-25T16:45:00-05:00")))
        // An urgent item at the same moment runs around the clock: 15 minutes, on Friday evening.
        let urgent = engine.due(for: subject(try at("2026-11-20T16:45:00-05:00"), urgent: true))
        #expect(urgent == (try at("2026-11-20T17:00:00-05:00")))
    }

    // MARK: Daylight saving

    @Test("24 business hours across the spring-forward weekend: due Wednesday 12:00 EDT; remaining counts open time")
    func springForward() throws {
        let engine = SLAEngine(
            policies: [SLAPolicy(name: "day", match: SLAMatch(), firstReply: 24 * 3600, dueSoon: 3600, clock: .businessHours)],
            calendar: .officeHours(newYork))
        let item = subject(try at("2026-03-06T12:00:00-05:00"))
        #expect(engine.due(for: item) == (try at("2026-03-11T12:00:00-04:00")))
        // Monday noon EDT: Fri 5 h + Mon 3 h used, 16 h left.
        let p = parts(engine.status(item, now: try at("2026-03-09T12:00:00-04:00")))
        #expect(p.label == "ok")
        #expect(p.seconds == 57_600)  // 16 h
    }

    @Test("Around the clock, 2 h across the fall-back hour is 7200 s of real time (02:30 EST after 01:30 EDT)")
    func fallBackAroundTheClock() throws {
        let engine = SLAEngine(
            policies: [SLAPolicy(name: "2h", match: SLAMatch(), firstReply: 7200, clock: .aroundTheClock)],
            calendar: .officeHours(newYork))
        let start = try at("2026-11-01T01:30:00-04:00")
        let due = try #require(engine.due(for: subject(start)))
        #expect(due.timeIntervalSince(start) == 7200)
        #expect(due == (try at("2026-11-01T02:30:00-05:00")))
        // At the second 01:30 (EST) an hour of real time is left, though the wall clock shows the start time.
        let p = parts(engine.status(subject(start), now: try at("2026-11-01T01:30:00-05:00")))
        #expect(p.label == "ok")
        #expect(p.seconds == 3600)
    }

    // MARK: Policy choice

    @Test("Hospital defaults: the first matching policy wins", arguments: [
        (Route.redirectPrivate, true, ItemKind.question, "urgent"),   // urgent beats private and questions
        (.answerInThread, true, .comment, "urgent"),
        (.redirectPrivate, false, .question, "private"),               // private beats questions
        (.redirectPrivate, false, .review, "private"),
        (.answerInThread, false, .question, "questions"),
        (.answerInThread, false, .dm, "questions"),
        (.answerInThread, false, .comment, "comments and reviews"),   // the catch-all
        (.answerInThread, false, .review, "comments and reviews"),
        (.answerInThread, false, .mention, "comments and reviews"),
    ])
    func policyOrder(_ route: Route, urgent: Bool, kind: ItemKind, expected: String) throws {
        let engine = SLAEngine(calendar: .officeHours(newYork))
        let s = subject(try at("2026-11-24T16:42:10Z"), route: route, urgent: urgent, kind: kind)
        #expect(engine.policy(for: s)?.name == expected)
    }

    @Test("Order matters: a catch-all listed first shadows everything after it")
    func catchAllFirst() throws {
        let engine = SLAEngine(policies: [SLAPolicy(name: "all", match: SLAMatch(), firstReply: 60)] + SLAPolicy.hospitalDefaults,
                               calendar: .officeHours(newYork))
        #expect(engine.policy(for: subject(try at("2026-11-24T16:42:10Z"), urgent: true))?.name == "all")
    }

    @Test("Platform and kind conditions must all hold", arguments: [
        (Platform.googleReviews, ItemKind.review, "google reviews"),
        (.facebook, .review, "fallback"),
        (.googleReviews, .comment, "fallback"),
        (.youtube, .comment, "fallback"),
        (.linkedin, .comment, "linkedin"),
        (.linkedin, .dm, "linkedin"),
    ])
    func conditions(_ platform: Platform, kind: ItemKind, expected: String) throws {
        let engine = SLAEngine(policies: [
            SLAPolicy(name: "google reviews", match: SLAMatch(kinds: [.review], platforms: [.googleReviews]), firstReply: 3600),
            SLAPolicy(name: "linkedin", match: SLAMatch(platforms: [.linkedin]), firstReply: 7200),
            SLAPolicy(name: "fallback", match: SLAMatch(), firstReply: 86_400),
        ], calendar: .always)
        let s = subject(try at("2026-11-24T16:42:10Z"), kind: kind, platform: platform)
        #expect(engine.policy(for: s)?.name == expected)
    }

    @Test("Route and urgency conditions: false is a condition, nil is not")
    func urgentFalse() throws {
        let notUrgent = SLAMatch(urgent: false)
        let t = try at("2026-11-24T16:42:10Z")
        #expect(notUrgent.matches(subject(t, urgent: false)))
        #expect(!notUrgent.matches(subject(t, urgent: true)))
        #expect(SLAMatch(route: .answerInThread).matches(subject(t, route: .answerInThread)))
        #expect(!SLAMatch(route: .answerInThread).matches(subject(t, route: .redirectPrivate)))
        #expect(SLAMatch().matches(subject(t, route: .redirectPrivate, urgent: true, kind: .dm, platform: .x)))
    }

    @Test("No matching policy: no deadline, and an answer counts as met")
    func noPolicy() throws {
        let engine = SLAEngine(policies: [SLAPolicy.hospitalDefaults[0]], calendar: .officeHours(newYork))  // urgent only
        let start = try at("2026-11-24T16:42:10Z")
        let s = subject(start, urgent: false)
        #expect(engine.policy(for: s) == nil)
        #expect(engine.due(for: s) == nil)
        #expect(engine.status(s, now: start.addingTimeInterval(10 * 86_400)) == .noDeadline)
        let answered = start.addingTimeInterval(3 * 86_400)
        let status = engine.status(subject(start, answeredAt: answered), now: answered)
        #expect(status == .met(at: answered, withinTarget: true, due: nil))
        #expect(status.label == "met")
    }

    // MARK: Met and follow-ups

    @Test("Answered before or at the due instant is met within target; after it, met late", arguments: [
        (-60.0, true), (0, true), (1, false), (3600, false),
    ])
    func met(answeredRelativeToDue offset: TimeInterval, within: Bool) throws {
        let engine = SLAEngine(calendar: .officeHours(newYork))
        let start = try at("2026-11-24T16:42:10Z")
        let due = start.addingTimeInterval(7200)  // questions: 2 h around the clock
        let answered = due.addingTimeInterval(offset)
        // `now` long after: an answered item is never breached.
        let status = engine.status(subject(start, kind: .question, answeredAt: answered), now: due.addingTimeInterval(86_400))
        #expect(status == .met(at: answered, withinTarget: within, due: due))
        #expect(status.label == (within ? "met" : "met late"))
    }

    @Test("A follow-up is timed with next_reply, a first message with first_reply")
    func followUp() throws {
        let engine = SLAEngine(policies: [
            SLAPolicy(name: "chat", match: SLAMatch(), firstReply: 2 * 3600, nextReply: 30 * 60, clock: .aroundTheClock),
        ], calendar: .officeHours(newYork))
        let start = try at("2026-11-24T16:42:10Z")
        #expect(engine.due(for: subject(start)) == start.addingTimeInterval(7200))
        #expect(engine.due(for: subject(start, isFollowUp: true)) == start.addingTimeInterval(1800))
        let s = engine.status(subject(start, isFollowUp: true), now: start.addingTimeInterval(2000))
        #expect(s == .breached(overdue: 200, due: start.addingTimeInterval(1800)))
        // Answered 40 minutes after a follow-up: late against next_reply, though within first_reply.
        let late = engine.status(subject(start, isFollowUp: true, answeredAt: start.addingTimeInterval(2400)), now: start)
        #expect(late == .met(at: start.addingTimeInterval(2400), withinTarget: false, due: start.addingTimeInterval(1800)))
    }

    @Test("Policy defaults: next reply = first reply; due soon = a quarter of the target, at most 1 h")
    func policyDefaults() {
        let short = SLAPolicy(name: "a", match: SLAMatch(), firstReply: 1800)
        #expect(short.nextReply == 1800)
        #expect(short.dueSoon == 450)
        #expect(short.clock == .aroundTheClock)
        let long = SLAPolicy(name: "b", match: SLAMatch(), firstReply: 24 * 3600)
        #expect(long.dueSoon == 3600)
    }

    // MARK: No open hours

    @Test("A business-hours policy on a calendar with no open hours has no deadline")
    func noOpenHours() throws {
        let engine = SLAEngine(calendar: BusinessCalendar(timeZone: newYork, weekly: [:]))
        let start = try at("2026-11-24T16:42:10Z")
        let comment = subject(start, kind: .comment)
        #expect(engine.due(for: comment) == nil)
        #expect(engine.status(comment, now: start.addingTimeInterval(3600)) == .noDeadline)
        #expect(engine.status(comment, now: start).label == "no deadline")
        // Answered: met (there was no target to miss).
        let answered = engine.status(subject(start, kind: .comment, answeredAt: start), now: start)
        #expect(answered == .met(at: start, withinTarget: true, due: nil))
        // Around-the-clock policies are unaffected.
        #expect(engine.due(for: subject(start, urgent: true)) == start.addingTimeInterval(900))
    }

    // MARK: Sorting

    @Test("urgencyKey sorts breached (most overdue first), then due soon, ok, no deadline, met")
    func urgencyOrder() throws {
        let due = try at("2026-11-24T16:42:10Z")
        let expected: [SLAStatus] = [
            .breached(overdue: 86_400 * 30, due: due),
            .breached(overdue: 3600, due: due),
            .breached(overdue: 0, due: due),
            .dueSoon(remaining: 0, due: due),
            .dueSoon(remaining: 60, due: due),
            .ok(remaining: 600, due: due),
            .ok(remaining: 86_400 * 700, due: due),
            .noDeadline,
            .met(at: due, withinTarget: false, due: due),
        ]
        // Shuffle deterministically: reversed and interleaved.
        let scrambled = expected.enumerated().sorted { ($0.offset * 5) % 9 < ($1.offset * 5) % 9 }.map(\.element)
        #expect(scrambled != expected)
        #expect(scrambled.sorted { $0.urgencyKey < $1.urgencyKey } == expected)
        #expect(expected.map(\.label) == ["breached", "breached", "breached", "due soon", "due soon", "ok", "ok", "no deadline", "met late"])
    }
}

@Suite("Duration text")
struct DurationTextTests {
    @Test("Parses durations as people write them", arguments: [
        ("15m", 900.0), ("2h", 7200), ("1h30m", 5400), ("1d", 86_400), ("90s", 90),
        (" 2 h ", 7200), ("1h 30m", 5400), ("2H", 7200), ("1d2h3m4s", 93_784), ("0m", 0),
    ])
    func parses(_ text: String, seconds: TimeInterval) {
        #expect(DurationText.parse(text) == seconds)
    }

    @Test("Refuses what is not a duration", arguments: [
        "", "   ", "soon", "15", "m", "1x", "h1", "1.5h", "-5m", "15 minutes", "2h30",
    ])
    func refuses(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("Formats compactly", arguments: [
        (45.0, "45s"), (0, "0s"), (59.6, "1m"), (12 * 60, "12m"), (3900, "1h 05m"),
        (23 * 3600 + 59 * 60, "23h 59m"), (2 * 86_400 + 3 * 3600, "2d 3h"), (86_400, "1d 0h"),
    ] as [(TimeInterval, String)])
    func formats(_ seconds: TimeInterval, text: String) {
        #expect(DurationText.format(seconds) == text)
    }
}
