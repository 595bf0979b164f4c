import Foundation
import Testing
@testable import RoundsCore

private let newYork = TimeZone(identifier: "America/New_York")!
private let utc = TimeZone(identifier: "UTC")!

/// An instant from an RFC 3339 literal (tests never read the system clock).
private func at(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Date {
    try #require(RFC3339.parse(text), "bad RFC 3339 literal \(text)", sourceLocation: sourceLocation)
}

private func span(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> OpeningSpan {
    try #require(OpeningSpan(parsing: text), "bad span literal \(text)", sourceLocation: sourceLocation)
}

/// The same spans on all seven weekdays.
private func everyDay(_ spans: [OpeningSpan], in zone: TimeZone, holidays: Set<String> = []) -> BusinessCalendar {
    BusinessCalendar(timeZone: zone, weekly: Dictionary(uniqueKeysWithValues: (1...7).map { ($0, spans) }), holidays: holidays)
}

@Suite("Opening spans")
struct OpeningSpanTests {
    @Test("Parses day spans, spans past midnight and a whole day", arguments: [
        ("09:00-17:00", 540, 1020, "09:00-17:00"),
        ("22:00-06:00", 1320, 1800, "22:00-06:00"),
        ("00:00-24:00", 0, 1440, "00:00-24:00"),
        ("08:30 - 12:15", 510, 735, "08:30-12:15"),
        ("23:30-00:00", 1410, 1440, "23:30-24:00"),
    ])
    func parses(_ text: String, start: Int, end: Int, description: String) throws {
        let s = try #require(OpeningSpan(parsing: text))
        #expect(s.start == start)
        #expect(s.end == end)
        #expect(s.description == description)
        // The printed form reads back as the same span.
        #expect(OpeningSpan(parsing: s.description) == s)
    }

    @Test("Refuses what is not a span", arguments: [
        "9-5", "25:00-26:00", "09:00", "", "09:00-", "-17:00", "24:00-08:00", "09:60-10:00",
        "09:0-17:00", "09:00-17:00-18:00", "nine-five",
    ])
    func refuses(_ text: String) {
        #expect(OpeningSpan(parsing: text) == nil)
    }
}

@Suite("Business calendar")
struct BusinessCalendarTests {
    // MARK: Office hours (the spec case)

    @Test("30 business minutes from Friday 16:45 end on Monday 09:15 (New York)")
    func fridayAfternoon() throws {
        // Given office hours Mon–Fri 09:00–17:00 in New York and an item on Friday 2026-11-20 16:45 EST
        let cal = BusinessCalendar.officeHours(newYork)
        let friday = try at("2026-11-20T16:45:00-05:00")
        // When 30 minutes of open time are added
        let due = try #require(cal.adding(30 * 60, to: friday))
        // Then 15 minutes run on Friday and 15 on Monday morning
        #expect(due == (try at("2026-11-23T09:15:00-05:00")))
        #expect(cal.businessTime(from: friday, to: due) == 1800)
        #expect(cal.businessTime(from: friday, to: try at("2026-11-21T12:00:00-05:00")) == 900)
    }

    @Test("Open exactly during the spans (start inclusive, end exclusive)", arguments: [
        ("2026-11-20T08:59:59-05:00", false),
        ("2026-11-20T09:00:00-05:00", true),
        ("2026-11-20T16:59:59-05:00", true),
        ("2026-11-20T17:00:00-05:00", false),
        ("2026-11-21T12:00:00-05:00", false),  // Saturday
        ("2026-11-22T12:00:00-05:00", false),  // Sunday
        ("2026-11-23T14:00:00Z", true),        // Monday 09:00 EST, written in UTC
        ("2026-11-23T13:59:00Z", false),
    ])
    func isOpen(_ time: String, open: Bool) throws {
        #expect(BusinessCalendar.officeHours(newYork).isOpen(at: try at(time)) == open)
    }

    @Test("Open time is zero when the end is not after the start")
    func businessTimeBackwards() throws {
        let cal = BusinessCalendar.officeHours(newYork)
        let a = try at("2026-11-23T10:00:00-05:00")
        #expect(cal.businessTime(from: a, to: a) == 0)
        #expect(cal.businessTime(from: a, to: a.addingTimeInterval(-3600)) == 0)
    }

    @Test("A duration that fills the day exactly ends at closing time, not the next morning")
    func endsAtClosing() throws {
        let cal = BusinessCalendar.officeHours(newYork)
        let due = cal.adding(8 * 3600, to: try at("2026-11-23T09:00:00-05:00"))
        #expect(due == (try at("2026-11-23T17:00:00-05:00")))
        // Starting while closed, the clock starts at the next opening.
        let fromSunday = cal.adding(3600, to: try at("2026-11-22T20:00:00-05:00"))
        #expect(fromSunday == (try at("2026-11-23T10:00:00-05:00")))
    }

    @Test("Around the clock counts every second")
    func always() throws {
        let start = try at("2026-11-21T03:00:00Z")
        #expect(BusinessCalendar.always.adding(5400, to: start) == start.addingTimeInterval(5400))
        #expect(BusinessCalendar.always.businessTime(from: start, to: start.addingTimeInterval(86_400 * 3)) == 86_400 * 3)
        #expect(BusinessCalendar.always.isOpen(at: start))
    }

    // MARK: Holidays

    @Test("Christmas Day as a holiday: Thursday 16:50 + 30 min is due Monday 09:20")
    func christmas() throws {
        let cal = BusinessCalendar.officeHours(newYork, holidays: ["2026-12-25"])
        let thursday = try at("2026-12-24T16:50:00-05:00")
        #expect(cal.adding(30 * 60, to: thursday) == (try at("2026-12-28T09:20:00-05:00")))
        #expect(!cal.isOpen(at: try at("2026-12-25T10:00:00-05:00")))
        #expect(cal.businessTime(from: thursday, to: try at("2026-12-28T09:00:00-05:00")) == 600)
        // Without the holiday the same item is due on Friday.
        let plain = BusinessCalendar.officeHours(newYork)
        #expect(plain.adding(30 * 60, to: thursday) == (try at("2026-12-25T09:20:00-05:00")))
    }

    @Test("A night span that starts the evening before a holiday still runs; the holiday's own span is skipped")
    func nightSpanIntoHoliday() throws {
        let cal = everyDay([try span("22:00-06:00")], in: newYork, holidays: ["2026-12-25"])
        #expect(cal.isOpen(at: try at("2026-12-25T05:00:00-05:00")))
        #expect(!cal.isOpen(at: try at("2026-12-25T23:00:00-05:00")))
        // 10 minutes before 06:00 on the 25th, the other 20 after 22:00 on the 26th.
        #expect(cal.adding(30 * 60, to: try at("2026-12-25T05:50:00-05:00")) == (try at("2026-12-26T22:20:00-05:00")))
    }

    // MARK: Spans past midnight

    @Test("Night line 22:00–06:00: an item at 05:50 with 30 min is due at 22:20 that evening")
    func nightLineEarlyMorning() throws {
        let cal = everyDay([try span("22:00-06:00")], in: newYork)
        let item = try at("2026-11-18T05:50:00-05:00")
        #expect(cal.isOpen(at: item))
        #expect(cal.adding(30 * 60, to: item) == (try at("2026-11-18T22:20:00-05:00")))
    }

    @Test("Night line 22:00–06:00: an item at 23:00 with 30 min is due at 23:30")
    func nightLineLateEvening() throws {
        let cal = everyDay([try span("22:00-06:00")], in: newYork)
        #expect(cal.adding(30 * 60, to: try at("2026-11-18T23:00:00-05:00")) == (try at("2026-11-18T23:30:00-05:00")))
        // Three hours from 23:00 cross midnight inside one span.
        #expect(cal.adding(3 * 3600, to: try at("2026-11-18T23:00:00-05:00")) == (try at("2026-11-19T02:00:00-05:00")))
    }

    @Test("Night line 22:00–06:00: open time across midnight", arguments: [
        ("2026-11-18T23:00:00-05:00", "2026-11-19T01:00:00-05:00", 7200.0),   // inside one span, across midnight
        ("2026-11-18T21:00:00-05:00", "2026-11-19T07:00:00-05:00", 28_800),   // the whole night
        ("2026-11-18T05:00:00-05:00", "2026-11-18T23:00:00-05:00", 7200),     // end of one night, start of the next
        ("2026-11-18T07:00:00-05:00", "2026-11-18T21:00:00-05:00", 0),        // daytime: closed
        ("2026-11-18T00:00:00-05:00", "2026-11-20T00:00:00-05:00", 57_600),   // two full days
    ])
    func nightLineBusinessTime(_ from: String, _ to: String, expected: TimeInterval) throws {
        let cal = everyDay([try span("22:00-06:00")], in: newYork)
        #expect(cal.businessTime(from: try at(from), to: try at(to)) == expected)
    }

    // MARK: Daylight saving (America/New_York: 2026-03-08 spring forward, 2026-11-01 fall back)

    @Test("24 business hours from Friday noon across the spring-forward weekend end Wednesday 12:00 EDT")
    func springForwardOfficeHours() throws {
        let cal = BusinessCalendar.officeHours(newYork)
        let friday = try at("2026-03-06T12:00:00-05:00")  // EST
        let due = try #require(cal.adding(24 * 3600, to: friday))
        // Fri 5 h + Mon 8 h + Tue 8 h + Wed 3 h, in local wall time: Wed 12:00 EDT (16:00Z).
        #expect(due == (try at("2026-03-11T12:00:00-04:00")))
        #expect(RFC3339.format(due) == "2026-03-11T16:00:00Z")
        #expect(cal.businessTime(from: friday, to: due) == 24 * 3600)
        // Monday opens at 09:00 EDT, not at 09:00 EST.
        #expect(cal.isOpen(at: try at("2026-03-09T09:00:00-04:00")))
        #expect(!cal.isOpen(at: try at("2026-03-09T08:30:00-04:00")))
    }

    @Test("24 business hours from Friday noon across the fall-back weekend end Wednesday 12:00 EST")
    func fallBackOfficeHours() throws {
        let cal = BusinessCalendar.officeHours(newYork)
        let friday = try at("2026-10-30T12:00:00-04:00")  // EDT
        let due = try #require(cal.adding(24 * 3600, to: friday))
        #expect(due == (try at("2026-11-04T12:00:00-05:00")))
        #expect(RFC3339.format(due) == "2026-11-04T17:00:00Z")
        #expect(cal.businessTime(from: friday, to: due) == 24 * 3600)
    }

    @Test("Whole-day spans count the real length of DST days (23 h and 25 h)", arguments: [
        ("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 82_800.0),
        ("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 90_000),
        ("2026-11-18T00:00:00-05:00", "2026-11-19T00:00:00-05:00", 86_400),
    ])
    func wholeDays(_ from: String, _ to: String, expected: TimeInterval) throws {
        let cal = everyDay([try span("00:00-24:00")], in: newYork)
        #expect(cal.businessTime(from: try at(from), to: try at(to)) == expected)
        // And a day of open time added at local midnight ends at the next local midnight.
        #expect(cal.adding(expected, to: try at(from)) == (try at(to)))
    }

    @Test("A night span across a DST change is 7 h (spring) or 9 h (autumn) of real time", arguments: [
        ("2026-03-07T21:00:00-05:00", "2026-03-08T07:00:00-04:00", 25_200.0),
        ("2026-10-31T21:00:00-04:00", "2026-11-01T07:00:00-05:00", 32_400),
    ])
    func nightSpanAcrossDST(_ from: String, _ to: String, expected: TimeInterval) throws {
        let cal = everyDay([try span("22:00-06:00")], in: newYork)
        #expect(cal.businessTime(from: try at(from), to: try at(to)) == expected)
        #expect(cal.isOpen(at: try at(to).addingTimeInterval(-3601)))  // 05:59:59 local
        #expect(!cal.isOpen(at: try at(to).addingTimeInterval(-3600)))  // 06:00 local
    }

    @Test("Around the clock, 2 h across the fall-back hour is exactly 7200 s of real time")
    func fallBackAroundTheClock() throws {
        let start = try at("2026-11-01T01:30:00-04:00")  // the first 01:30 (EDT)
        let due = try #require(BusinessCalendar.always.adding(7200, to: start))
        #expect(due.timeIntervalSince(start) == 7200)
        // On the wall clock that is only one hour later: 02:30 EST.
        #expect(due == (try at("2026-11-01T02:30:00-05:00")))
    }

    // MARK: No open hours

    @Test("A calendar with no open hours has no due instant and no open time")
    func noOpenHours() throws {
        let cal = BusinessCalendar(timeZone: newYork, weekly: [:])
        let start = try at("2026-11-20T16:45:00-05:00")
        #expect(cal.adding(1800, to: start) == nil)
        #expect(cal.businessTime(from: start, to: start.addingTimeInterval(30 * 86_400)) == 0)
        #expect(!cal.isOpen(at: start))
        // A holiday on the only open weekday skips to the same weekday a week later.
        let onlyXmas = BusinessCalendar(timeZone: utc, weekly: [6: [try span("09:00-17:00")]], holidays: ["2026-12-25"])
        #expect(onlyXmas.adding(60, to: try at("2026-12-24T12:00:00Z")) == (try at("2027-01-01T09:01:00Z")))
    }

    // MARK: Several spans a day

    @Test("Two spans a day (a lunch break) are both counted")
    func lunchBreak() throws {
        let cal = BusinessCalendar(timeZone: utc, weekly: [2: [try span("09:00-12:00"), try span("13:00-17:00")]])
        let monday = try at("2026-11-23T11:30:00Z")
        #expect(cal.adding(3600, to: monday) == (try at("2026-11-23T13:30:00Z")))
        #expect(cal.businessTime(from: try at("2026-11-23T08:00:00Z"), to: try at("2026-11-23T18:00:00Z")) == 7 * 3600)
        #expect(!cal.isOpen(at: try at("2026-11-23T12:30:00Z")))
    }

    @Test("Spans listed out of order in a day are still honoured")
    func unorderedSpans() throws {
        // Given the same lunch-break day, with the afternoon listed first (as a config file may do)
        let cal = BusinessCalendar(timeZone: utc, weekly: [2: [try span("13:00-17:00"), try span("09:00-12:00")]])
        // Then the morning still counts
        let due = try #require(cal.adding(3600, to: try at("2026-11-23T08:00:00Z")))
        #expect(RFC3339.format(due) == "2026-11-23T10:00:00Z")
        let open = cal.businessTime(from: try at("2026-11-23T08:00:00Z"), to: try at("2026-11-23T18:00:00Z"))
        #expect(open == 25_200)  // 3 h + 4 h
        #expect(cal.isOpen(at: try at("2026-11-23T10:00:00Z")))
    }

    @Test("A calendar that has seen many days (out of order, across DST and a holiday) answers as a fresh one")
    func warmCacheAgreesWithFresh() throws {
        // Given a night line and office hours in New York with a holiday, and instants spread over
        // seven weeks around the autumn DST change, asked in a scrambled order
        let night = try span("22:00-06:00")
        let week = try span("09:00-17:00")
        func make() -> BusinessCalendar {
            BusinessCalendar(timeZone: newYork, weekly: [1: [night], 2: [week, night], 3: [week], 4: [week], 5: [week, night], 6: [week]],
                             holidays: ["2026-11-26"])
        }
        let warm = make()
        let base = try at("2026-10-20T00:00:00Z")
        var instants: [Date] = []
        var x: UInt64 = 12345
        for _ in 0..<400 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            instants.append(base.addingTimeInterval(Double(x >> 40) / Double(1 << 24) * 49 * 86_400))
        }
        // Then every answer of the warm calendar equals that of a calendar that never saw another day
        for t in instants {
            let fresh = make()
            #expect(warm.adding(5400, to: t) == fresh.adding(5400, to: t), "adding at \(RFC3339.format(t))")
            #expect(warm.adding(30 * 3600, to: t) == make().adding(30 * 3600, to: t), "adding 30 h at \(RFC3339.format(t))")
            #expect(warm.isOpen(at: t) == make().isOpen(at: t), "isOpen at \(RFC3339.format(t))")
            let later = t.addingTimeInterval(3 * 86_400)
            #expect(warm.businessTime(from: t, to: later) == make().businessTime(from: t, to: later), "businessTime from \(RFC3339.format(t))")
        }
    }
}
