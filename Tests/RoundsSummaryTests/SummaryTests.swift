import CSV
import Foundation
import RoundsCore
import RoundsStore
import RoundsSummary
import Testing

private let minute: TimeInterval = 60
private let hour: TimeInterval = 3600

/// Parses CSV text with CSV.swift (as a spreadsheet would read it): the header and the rows.
func parseCSV(_ text: String) throws -> (header: [String], rows: [[String]]) {
    let reader = try CSVReader(string: text, hasHeaderRow: true)
    var rows: [[String]] = []
    while let row = reader.next() { rows.append(row) }
    return (reader.headerRow ?? [], rows)
}

func parseJSON(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("Shift summary: the figures of a fixed shift")
struct FixtureFigureTests {
    @Test("Totals, first reply, SLA, breaches, overrides, handover and hours match the hand-worked figures")
    func fixtureFigures() throws {
        let f = try TuesdayShift.build()
        let s = try TuesdayShift.summary(f)

        // In the report: touched in [09:00, 17:00): received, answered, or any event. fb-13 (17:00:00) and ig-12 are not.
        #expect(s.items.map(\.id) == ["ig-9", "fb-10", "fb-1", "ig-2", "x-3", "fb-4", "yt-5", "gr-6", "li-7", "yt-11", "fb-8"])
        #expect(s.generatedAt == t(TuesdayShift.now))

        let tot = s.totals
        #expect(tot.received == 9)
        #expect(tot.answeredInThread == 2)
        #expect(tot.redirected == [.privateMessage: 1, .phone: 1])
        #expect(tot.escalated == 1)
        #expect(tot.spamHidden == 2)
        #expect(tot.noReplyNeeded == 1)
        #expect(tot.stillOpen == 2)
        #expect(tot.responses == 8)
        #expect(tot.answered == 5)
        #expect(tot.responseRate == 5.0 / 7.0)

        // First replies in the window: 20, 40, 60, 90 minutes and 17 h 05 m (the Monday comment).
        #expect(s.firstReply.count == 5)
        #expect(s.firstReply.median == 60 * minute)
        #expect(s.firstReply.p90 == 17 * hour + 5 * minute)
        #expect(s.firstReply.max == 17 * hour + 5 * minute)

        #expect(s.sla.overall == ShiftSummary.SLACount(met: 3, breached: 3))
        #expect(s.sla.pending == 1)
        #expect(s.sla.byRoute.map(\.key) == ["answer_in_thread", "redirect_private"])
        #expect(s.sla.byRoute.map(\.count) == [ShiftSummary.SLACount(met: 3, breached: 2), ShiftSummary.SLACount(met: 0, breached: 1)])
        #expect(s.sla.byAgent.map(\.key) == ["(unanswered)", "dana", "lee"])
        #expect(s.sla.byAgent.map(\.count) == [.init(met: 0, breached: 1), .init(met: 1, breached: 2), .init(met: 2, breached: 0)])
        #expect(s.sla.byPlatform.map(\.key) == ["facebook", "instagram", "linkedin", "x"])
        #expect(s.sla.byKind.map(\.key) == ["comment", "dm", "question"])

        // Most overdue first: li-7 (due 15:00, still open at 17:00), x-3 (due 11:00, answered 11:30), fb-4 (due 11:15, escalated 11:20).
        #expect(s.breaches.map(\.id) == ["li-7", "x-3", "fb-4"])
        #expect(s.breaches.map(\.over) == [2 * hour, 30 * minute, 5 * minute])
        #expect(s.breaches.map(\.answeredAt) == [nil, t("2026-11-24T11:30:00-05:00"), t("2026-11-24T11:20:00-05:00")])
        #expect(s.breaches.map(\.agent) == [nil, "dana", "dana"])

        // The Monday comment's 24 business hours: Mon 16–18, Tue 08–18, Wed 08–18, Thu 08–10.
        let ig9 = try #require(s.items.first { $0.id == "ig-9" })
        #expect(ig9.due == t("2026-11-26T10:00:00-05:00"))
        #expect(ig9.result == .met)
        #expect(ig9.clock == .businessHours)
        #expect(ig9.channel == .phone)
        let fb10 = try #require(s.items.first { $0.id == "fb-10" })
        #expect(fb10.result == .notMeasured)
        #expect(fb10.firstReplyInWindow == false)
        #expect(fb10.firstReply == 30 * minute)
        let fb8 = try #require(s.items.first { $0.id == "fb-8" })
        #expect(fb8.triageRoute == .answerInThread)
        #expect(fb8.finalRoute == .redirectPrivate)
        #expect(fb8.result == .pending)
        #expect(fb8.policy == "private")
        let x3 = try #require(s.items.first { $0.id == "x-3" })
        #expect(x3.identifiersDetected)
        #expect(x3.channel == .privateMessage)
        let yt5 = try #require(s.items.first { $0.id == "yt-5" })
        #expect(yt5.spam && yt5.statusAtEnd == .hidden && yt5.result == .notMeasured)

        #expect(s.overrides.count == 3)
        #expect(s.overrides.list.map(\.id) == ["li-7", "yt-11", "fb-8"])
        #expect(s.overrides.list.map(\.directions) == [["unchanged"], ["spam added"], ["PUBLIC->PRIVATE"]])
        #expect(s.overrides.byDirection.map(\.direction) == ["PUBLIC->PRIVATE", "spam added", "unchanged"])

        // Handover as of 17:20: open items in SLA order, then the callback.
        #expect(s.handover.total == 5)
        #expect(s.handover.items.map(\.id) == ["li-7", "fb-8", "fb-13", "ig-12", "ig-9"])
        #expect(s.handover.items.map(\.slaLabel) == ["breached", "due soon", "ok", "ok", "callback"])
        #expect(s.handover.items.map(\.timer) == [-(2 * hour + 20 * minute), 10 * minute, 100 * minute, 23 * hour + 50 * minute, nil])
        #expect(s.handover.items[0].claimedBy == "lee")
        #expect(s.handover.items[0].noteAgent == "lee")
        #expect(s.handover.items[0].note == nil, "no note text without --include-text")

        #expect(s.hourly.map(\.hour) == Array(9...16))
        #expect(s.hourly.map(\.replies) == [2, 1, 2, 0, 0, 0, 0, 0])
        #expect(s.hourly[0].median == 40 * minute)
        #expect(s.hourly[2].median == 20 * minute)
        #expect(s.hourly[2].max == 90 * minute)

        #expect(s.responses.map { "\($0.agent) \($0.channel.rawValue) \($0.count)" } ==
                ["dana escalated 1", "dana private_message 1", "dana public_reply 2", "lee internal_note 1", "lee no_reply_needed 1",
                 "lee phone 1", "lee public_reply 1"])
    }

    @Test("Computing twice gives equal summaries; the record-level initialiser is pure")
    func deterministic() throws {
        let f = try TuesdayShift.build()
        let a = try TuesdayShift.summary(f), b = try TuesdayShift.summary(f)
        #expect(a == b)
        let records = try f.db.summaryRecords(SummaryQuery(from: t(TuesdayShift.since), to: t(TuesdayShift.until)), now: t(TuesdayShift.now))
        let c = ShiftSummary(records: records, window: a.window, sla: f.sla, now: t(TuesdayShift.now),
                             options: SummaryOptions(organisation: "Mercy Valley Health"))
        #expect(c == a)
    }

    @Test("One agent's work: only what lee did in the window")
    func agentFilter() throws {
        let f = try TuesdayShift.build()
        let s = try TuesdayShift.summary(f, agent: "lee")
        #expect(s.agent == "lee")
        #expect(s.items.map(\.id) == ["ig-9", "fb-10", "ig-2", "gr-6", "li-7", "yt-11"])
        #expect(s.totals.responses == 4)
        #expect(s.firstReply.count == 2)
        #expect(s.totals.spamHidden == 1, "the spam lee hid, not the spam that arrived")
        #expect(s.overrides.list.map(\.id) == ["yt-11"])
        #expect(s.sla.byAgent.map(\.key) == ["(unanswered)", "lee"])
        #expect(s.responses.allSatisfy { $0.agent == "lee" })
        // Lee's handover: li-7 (claimed and touched) and the callback.
        #expect(s.handover.items.map(\.id) == ["li-7", "ig-9"])
        let md = MarkdownExporter.render(s)
        #expect(md.contains("agent **lee** only"))
        #expect(!md.contains("dana"), "another agent's work leaks into lee's report")
    }
}

@Suite("Shift summary: golden files (byte for byte; ROUNDS_UPDATE_GOLDEN=1 rewrites them)")
struct GoldenTests {
    @Test("Markdown")
    func markdown() throws {
        let s = try TuesdayShift.summary(try TuesdayShift.build())
        try Golden.check(MarkdownExporter.render(s), "tuesday.md")
    }

    @Test("CSV: items and totals")
    func csv() throws {
        let s = try TuesdayShift.summary(try TuesdayShift.build())
        try Golden.check(try CSVExporter.items(s), "tuesday.csv")
        try Golden.check(try CSVExporter.totals(s), "tuesday-totals.csv")
    }

    @Test("JSON")
    func json() throws {
        let s = try TuesdayShift.summary(try TuesdayShift.build())
        try Golden.check(JSONExporter.render(s), "tuesday.json")
    }

    @Test("With --include-text, in every format")
    func withText() throws {
        let s = try TuesdayShift.summary(try TuesdayShift.build(), includeText: true)
        try Golden.check(MarkdownExporter.render(s), "tuesday-text.md")
        try Golden.check(try CSVExporter.items(s), "tuesday-text.csv")
        try Golden.check(JSONExporter.render(s), "tuesday-text.json")
    }

    @Test("An empty shift, in every format")
    func empty() throws {
        let f = try FixtureDB()
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:20:00-05:00")
        try Golden.check(MarkdownExporter.render(s), "empty.md")
        try Golden.check(try CSVExporter.items(s), "empty.csv")
        try Golden.check(try CSVExporter.totals(s), "empty-totals.csv")
        try Golden.check(JSONExporter.render(s), "empty.json")
    }

    @Test("Docs/summary.md shows the golden files verbatim")
    func documentation() throws {
        guard !Golden.updating else { return }
        let docURL = Golden.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/summary.md")
        let doc = try String(contentsOf: docURL, encoding: .utf8)
        for (fence, name) in [("markdown", "tuesday.md"), ("csv", "tuesday.csv"), ("csv", "tuesday-totals.csv"), ("json", "empty.json")] {
            let golden = try String(contentsOf: Golden.folder.appendingPathComponent(name), encoding: .utf8)
            #expect(doc.contains("```\(fence)\n" + golden + "```\n"), "Docs/summary.md does not show Golden/\(name) as it is now")
        }
    }

    @Test("The goldens hold what the fixture says (they are not just whatever the code printed)")
    func goldenContent() throws {
        guard !Golden.updating else { return }
        func read(_ name: String) throws -> String {
            try String(contentsOf: Golden.folder.appendingPathComponent(name), encoding: .utf8)
        }
        let json = try parseJSON(try read("tuesday.json"))
        #expect(json["schema_version"] as? Int == 1)
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["received"] as? Int == 9)
        #expect(totals["still_open"] as? Int == 2)
        let first = try #require(json["first_reply"] as? [String: Any])
        #expect(first["median_seconds"] as? Int == 3600)
        let csv = try parseCSV(try read("tuesday.csv"))
        #expect(csv.rows.count == 11)
        #expect(csv.rows.allSatisfy { $0.count == csv.header.count })
        let md = try read("tuesday.md")
        #expect(md.contains("| Received | 9 |"))
    }
}

@Suite("Percentiles: nearest rank")
struct PercentileTests {
    @Test("No value: no percentile")
    func none() {
        #expect(Percentile.nearestRank([], 50) == nil)
        #expect(Percentile.nearestRank([], 0) == nil)
    }

    @Test("One value: every percentile is that value")
    func one() {
        for p in [0.0, 1, 50, 90, 99, 100] { #expect(Percentile.nearestRank([7], p) == 7) }
    }

    @Test("Two values: the median is the smaller, the 90th the larger")
    func two() {
        #expect(Percentile.nearestRank([9, 3], 50) == 3)
        #expect(Percentile.nearestRank([9, 3], 90) == 9)
        #expect(Percentile.nearestRank([9, 3], 0) == 3)
        #expect(Percentile.nearestRank([9, 3], 100) == 9)
    }

    @Test("Odd and even counts; input order does not matter")
    func oddEven() {
        #expect(Percentile.nearestRank([5, 1, 3], 50) == 3)
        #expect(Percentile.nearestRank([4, 1, 3, 2], 50) == 2, "even count: the lower middle value")
        #expect(Percentile.nearestRank([4, 1, 3, 2], 90) == 4)
        let ten = (1...10).map(Double.init).shuffled()
        #expect(Percentile.nearestRank(ten, 50) == 5)
        #expect(Percentile.nearestRank(ten, 90) == 9, "rank ⌈0.9 × 10⌉ = 9, exactly")
        #expect(Percentile.nearestRank(ten, 91) == 10)
        let eleven = (1...11).map(Double.init)
        #expect(Percentile.nearestRank(eleven, 50) == 6)
        #expect(Percentile.nearestRank(eleven, 90) == 10)
        let twenty = (1...20).map(Double.init)
        #expect(Percentile.nearestRank(twenty, 90) == 18)
        #expect(Percentile.nearestRank(twenty, 95) == 19)
    }

    @Test("Ties")
    func ties() {
        #expect(Percentile.nearestRank([2, 2, 2, 2], 50) == 2)
        #expect(Percentile.nearestRank([1, 1, 1, 5], 50) == 1)
        #expect(Percentile.nearestRank([1, 1, 1, 5], 90) == 5)
        #expect(Percentile.nearestRank([1, 5, 5, 5], 50) == 5)
    }

    @Test("A percentile outside 0...100 is refused")
    func outOfRange() {
        #expect(Percentile.nearestRank([1, 2], -1) == nil)
        #expect(Percentile.nearestRank([1, 2], 101) == nil)
        #expect(Percentile.nearestRank([1, 2], .nan) == nil)
    }

    @Test("The summary's median and p90 are nearest-rank over the items first answered in the window")
    func throughTheSummary() throws {
        let f = try FixtureDB()
        // Four questions answered after 10, 20, 20 and 50 minutes: median 20 (lower middle, a tie), p90 50.
        for (i, wait) in [10, 20, 20, 50].enumerated() {
            let n = try f.add("q-\(i)", .facebook, .question, "Question \(i)?", received: "2026-11-24T10:0\(i):00-05:00")
            let answered = t("2026-11-24T10:0\(i):00-05:00").addingTimeInterval(Double(wait) * minute)
            try f.respond(n, "dana", .publicReply, at: RFC3339.format(answered))
        }
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:00:00-05:00")
        #expect(s.firstReply.count == 4)
        #expect(s.firstReply.median == 20 * minute)
        #expect(s.firstReply.p90 == 50 * minute)
        #expect(s.firstReply.max == 50 * minute)
        let json = try parseJSON(JSONExporter.render(s))
        let first = try #require(json["first_reply"] as? [String: Any])
        #expect(first["median_seconds"] as? Int == 1200)
        #expect(first["p90_seconds"] as? Int == 3000)
        #expect(first["percentile_method"] as? String == "nearest-rank")
    }
}

@Suite("Time zones and business time")
struct TimeZoneTests {
    @Test("A window across the autumn DST change: UTC inside, local offsets outside, the repeated hour folds")
    func fallBack() throws {
        let f = try FixtureDB()
        // 2026-11-01: at 02:00 EDT the clocks go back to 01:00 EST.
        let a = try f.add("a", .facebook, .question, "Question a?", received: "2026-11-01T00:30:00-04:00")
        try f.respond(a, "dana", .publicReply, at: "2026-11-01T01:30:00-04:00")
        let b = try f.add("b", .facebook, .question, "Question b?", received: "2026-11-01T01:10:00-05:00")
        try f.respond(b, "dana", .publicReply, at: "2026-11-01T01:30:00-05:00")
        let s = try f.summary(since: "2026-11-01T00:00:00-04:00", until: "2026-11-01T03:00:00-05:00", now: "2026-11-01T03:00:00-05:00")
        // Four real hours, not three: durations are UTC arithmetic.
        #expect(s.window.end.timeIntervalSince(s.window.start) == 4 * hour)
        #expect(s.firstReply.count == 2)
        #expect(s.items.map(\.firstReply) == [60 * minute, 20 * minute])
        // Local hours 00, 01 (twice, folded), 02.
        #expect(s.hourly.map(\.hour) == [0, 1, 2])
        #expect(s.hourly.map(\.replies) == [0, 2, 0])

        let json = try parseJSON(JSONExporter.render(s))
        let window = try #require(json["window"] as? [String: Any])
        #expect(window["start"] as? String == "2026-11-01T00:00:00-04:00")
        #expect(window["end"] as? String == "2026-11-01T03:00:00-05:00")
        #expect(window["time_zone"] as? String == "America/New_York")
        let items = try #require(json["items"] as? [[String: Any]])
        #expect(items.map { $0["first_response_at"] as? String } == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"])

        let csv = try parseCSV(try CSVExporter.items(s))
        let col = try #require(csv.header.firstIndex(of: "first_response_at"))
        #expect(csv.rows.map { $0[col] } == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"])

        let md = MarkdownExporter.render(s)
        #expect(md.contains("UTC-04:00 to UTC-05:00"), "the Markdown header must show both offsets of a window across a DST change")
    }

    @Test("A window across the spring DST change skips the missing hour")
    func springForward() throws {
        let f = try FixtureDB()
        // 2026-03-08: at 02:00 EST the clocks jump to 03:00 EDT.
        let s = try f.summary(since: "2026-03-08T00:00:00-05:00", until: "2026-03-08T04:00:00-04:00", now: "2026-03-08T04:00:00-04:00")
        #expect(s.window.end.timeIntervalSince(s.window.start) == 3 * hour)
        #expect(s.hourly.map(\.hour) == [0, 1, 3])
        #expect(JSONExporter.render(s).contains("\"start\": \"2026-03-08T00:00:00-05:00\""))
    }

    @Test("A business-hours breach is measured in business time, across a DST weekend")
    func businessTimeAcrossDST() throws {
        let f = try FixtureDB()
        // Saturday 31 Oct 12:30 EDT; 24 business hours: Sat 12:30–13:00, Mon 10 h, Tue 10 h, Wed 08:00–11:30 EST.
        let c = try f.add("c", .instagram, .comment, "Nice event", received: "2026-10-31T12:30:00-04:00")
        // Answered Thursday 08:30 EST: Wed 11:30–18:00 (6 h 30 m) + Thu 08:00–08:30 = 7 business hours late.
        try f.respond(c, "lee", .publicReply, at: "2026-11-05T08:30:00-05:00")
        let s = try f.summary(since: "2026-10-31T00:00:00-04:00", until: "2026-11-05T12:00:00-05:00", now: "2026-11-05T12:00:00-05:00")
        let line = try #require(s.items.first)
        #expect(line.due == t("2026-11-04T11:30:00-05:00"))
        #expect(line.result == .breached)
        #expect(line.over == 7 * hour)
        // Wall clock from arrival: 5 days less the 3 h to 08:30, plus the hour the clocks went back.
        #expect(line.firstReply == 117 * hour)
        #expect(s.breaches.map(\.over) == [7 * hour])
        let md = MarkdownExporter.render(s)
        #expect(md.contains("24h business"), "a business-hours target says so, in hours")
        #expect(md.contains("| 7h 00m |"), "over by, in business hours")
        // More than a day: every hour of the day is a slot, once.
        #expect(s.hourly.count == 24)
        #expect(Set(s.hourly.map(\.hour)) == Set(0...23))
    }

    @Test("Local-time display: other zones show the same instants with their own offsets")
    func otherZone() throws {
        let f = try TuesdayShift.build()
        var s = try TuesdayShift.summary(f)
        s.window.timeZone = TimeZone(identifier: "Asia/Kolkata")!
        let json = try parseJSON(JSONExporter.render(s))
        let window = try #require(json["window"] as? [String: Any])
        #expect(window["start"] as? String == "2026-11-24T19:30:00+05:30")
        #expect(ReportTime.rfc3339(t("2026-11-24T14:00:00Z"), newYork) == "2026-11-24T09:00:00-05:00")
        #expect(ReportTime.rfc3339(t("2026-07-01T14:00:00.750Z"), newYork) == "2026-07-01T10:00:00-04:00")
        #expect(ReportTime.day(t("2026-11-24T14:00:00Z"), newYork) == "Tue 24 Nov 2026")
        #expect(ReportTime.day(t("2026-11-25T03:00:00Z"), newYork) == "Tue 24 Nov 2026", "22:00 local is still Tuesday")
        #expect(ReportTime.short(t("2026-11-25T06:00:00Z"), newYork, sameDayAs: t("2026-11-24T14:00:00Z")) == "Wed 25 Nov 01:00")
        #expect(ReportTime.day(t("1969-12-31T12:00:00Z"), .gmt) == "Wed 31 Dec 1969")
    }
}

@Suite("An empty shift")
struct EmptyShiftTests {
    @Test("Clear and valid in every format")
    func empty() throws {
        let f = try FixtureDB()
        // Something outside the window must not leak in.
        let n = try f.add("early", .facebook, .question, "Earlier question?", received: "2026-11-24T07:00:00-05:00")
        try f.respond(n, "dana", .publicReply, at: "2026-11-24T07:30:00-05:00")
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:20:00-05:00")
        #expect(s.items.isEmpty)
        #expect(s.totals.responseRate == nil)
        #expect(s.firstReply.count == 0 && s.firstReply.median == nil && s.firstReply.p90 == nil && s.firstReply.max == nil)

        let md = MarkdownExporter.render(s)
        #expect(md.contains("Nothing happened in this window"))
        #expect(md.contains("No item was first answered in this window."))
        #expect(md.contains("Nothing to hand over"))
        #expect(md.hasSuffix("\n"))

        let json = try parseJSON(JSONExporter.render(s))
        #expect(json["schema"] as? String == "rounds.summary/1")
        #expect(json["schema_version"] as? Int == 1)
        #expect((json["items"] as? [Any])?.isEmpty == true)
        let first = try #require(json["first_reply"] as? [String: Any])
        #expect(first["median_seconds"] is NSNull)
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(totals["response_rate_percent"] is NSNull)

        let items = try parseCSV(try CSVExporter.items(s))
        #expect(items.header == CSVExporter.itemColumns)
        #expect(items.rows.isEmpty)
        let tot = try parseCSV(try CSVExporter.totals(s))
        #expect(tot.header == ["figure", "group", "value"])
        #expect(tot.rows.allSatisfy { $0.count == 3 })
        #expect(tot.rows.contains(["received", "", "0"]))
        #expect(tot.rows.contains(["first_reply_median_minutes", "", ""]))
    }
}

@Suite("Privacy")
struct PrivacyTests {
    static let post = "Hi, my MRN is 4839201, call me on 555-201-3344 or write to jane.doe@example.com about my scan"

    func build() throws -> (FixtureDB, TriageDecision) {
        let f = try FixtureDB()
        let (n, decision) = try f.addTriaged("fb-77", .facebook, .comment, Self.post, received: "2026-11-24T10:00:00-05:00", handle: "@jane_doe_1988")
        try f.respond(n, "dana", .internalNote, "She asked us to telephone 555-777-1234 after 5pm", at: "2026-11-24T10:10:00-05:00")
        try f.override(n, "dana", route: .redirectPrivate, urgent: false, spam: false, why: "posted her number 555-201-3344", at: "2026-11-24T10:15:00-05:00")
        return (f, decision)
    }

    func outputs(_ s: ShiftSummary) throws -> [String] {
        [MarkdownExporter.render(s), try CSVExporter.items(s), try CSVExporter.totals(s), JSONExporter.render(s)]
    }

    @Test("By default: no patient text, no author handle, in any format")
    func byDefault() throws {
        let (f, decision) = try build()
        #expect(decision.identifiersDetected, "the fixture post must carry identifiers triage finds")
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:00:00-05:00")
        #expect(s.items.count == 1)
        #expect(s.items[0].text == nil)
        #expect(s.items[0].identifiersDetected)
        for out in try outputs(s) {
            for secret in ["4839201", "555-201-3344", "jane.doe", "example.com", "jane_doe_1988", "my scan", "telephone", "555-777-1234"] {
                #expect(!out.contains(secret), "\(secret) leaked into a default report")
            }
        }
        // The override's reason is shown, redacted.
        #expect(s.overrides.list.first?.why == "posted her number [phone]")
    }

    @Test("--include-text: texts and notes included, with the identifiers redacted")
    func includeText() throws {
        let (f, _) = try build()
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:00:00-05:00",
                              includeText: true)
        let text = try #require(s.items.first?.text)
        #expect(text.contains("about my scan"))
        #expect(text.contains("[phone]"))
        #expect(text.contains("[e-mail]"))
        #expect(text.contains("[record number]"))
        let note = try #require(s.handover.items.first?.note)
        #expect(note.contains("[phone]"))
        for out in try outputs(s) {
            for secret in ["4839201", "555-201-3344", "jane.doe", "jane_doe_1988", "555-777-1234"] {
                #expect(!out.contains(secret), "\(secret) leaked into an --include-text report")
            }
        }
        let md = MarkdownExporter.render(s)
        #expect(md.contains("## Texts (identifiers redacted)"))
        #expect(md.contains("about my scan"))
        let csv = try parseCSV(try CSVExporter.items(s))
        #expect(csv.header.last == "text")
        #expect(csv.rows.first?.last?.contains("[phone]") == true)
        let json = try parseJSON(JSONExporter.render(s))
        #expect(json["includes_text"] as? Bool == true)
        let items = try #require(json["items"] as? [[String: Any]])
        #expect((items.first?["text"] as? String)?.contains("[e-mail]") == true)
    }

    @Test("Redaction: spans replaced by their kind; overlapping and out-of-range spans are safe")
    func redaction() {
        let text = "call 555-201-3344 now"
        #expect(Redaction.redact(text, reasons: [TriageReason(rule: "identifier.phone", evidence: "", range: 5..<17)]) == "call [phone] now")
        #expect(Redaction.redact(text, reasons: [TriageReason(rule: "identifier.phone", evidence: "", range: 5..<17),
                                                 TriageReason(rule: "identifier.record_number", evidence: "", range: 9..<17)]) == "call [phone] now")
        #expect(Redaction.redact(text, reasons: [TriageReason(rule: "identifier.phone", evidence: "", range: 18..<400)]) == "call 555-201-3344 [phone]")
        #expect(Redaction.redact(text, reasons: [TriageReason(rule: "urgent.x", evidence: "", range: 0..<4)]) == text)
        #expect(Redaction.redact("é 12345", reasons: [TriageReason(rule: "identifier.record_number", evidence: "", range: 3..<8)]) == "é [record number]")
    }

    @Test("Report files are written with mode 0600, an existing file is made private, links are not followed")
    func fileMode() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-summary-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        let fresh = dir.appendingPathComponent("report.md").path
        let old = umask(0)
        defer { umask(old) }
        try SummaryFile.write("hello\n", to: fresh)
        #expect(try mode(fresh) == 0o600)
        #expect(try String(contentsOfFile: fresh, encoding: .utf8) == "hello\n")

        let existing = dir.appendingPathComponent("old.csv").path
        #expect(FileManager.default.createFile(atPath: existing, contents: Data("a much longer old content\n".utf8), attributes: [.posixPermissions: 0o644]))
        try SummaryFile.write("new\n", to: existing)
        #expect(try mode(existing) == 0o600)
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "new\n", "the old content is truncated")

        let target = dir.appendingPathComponent("target").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data("keep\n".utf8), attributes: [.posixPermissions: 0o644]))
        let link = dir.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: SummaryFile.WriteError.self) { try SummaryFile.write("secret\n", to: link) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep\n")

        let missing = dir.appendingPathComponent("no/such/folder/x.md").path
        do {
            try SummaryFile.write("x", to: missing)
            Issue.record("writing into a missing folder must fail")
        } catch let e as SummaryFile.WriteError {
            #expect(e.description.hasPrefix(missing + ": "))
        }
    }
}

@Suite("CSV for spreadsheets")
struct CSVTests {
    @Test("Commas, quotes, newlines and formula-like values survive a round trip and cannot run")
    func hostileCells() throws {
        let f = try FixtureDB()
        let text = "Hello, \"world\" | col\n=HYPERLINK(\"http://evil.example\",\"x\")\r\nline 3 \u{1B}[2J"
        let n = try f.add("=HYPERLINK(\"http://evil.example\",\"click\")", .facebook, .comment, text, received: "2026-11-24T10:00:00-05:00")
        try f.respond(n, "+lee, the \"night\" nurse", .publicReply, at: "2026-11-24T10:05:00-05:00")
        let m = try f.add("-2+3", .instagram, .comment, "\t@SUM(A1:A9)", received: "2026-11-24T10:10:00-05:00")
        try f.respond(m, "@dana", .publicReply, at: "2026-11-24T10:15:00-05:00")
        let w = try f.add("\u{FF1D}1+1", .x, .comment, "=1+1", received: "2026-11-24T10:20:00-05:00")
        try f.respond(w, "dana", .publicReply, at: "2026-11-24T10:25:00-05:00")
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:00:00-05:00",
                              includeText: true)
        let raw = try CSVExporter.items(s)
        #expect(raw.hasSuffix("\n") && !raw.contains("\r"))
        #expect(raw.components(separatedBy: "\n").count == 1 + 3 + 1, "a header, three rows, a final line break: no row is split")
        let csv = try parseCSV(raw)
        #expect(csv.rows.count == 3)
        #expect(csv.rows.allSatisfy { $0.count == csv.header.count })
        let id = try #require(csv.header.firstIndex(of: "id")), agent = try #require(csv.header.firstIndex(of: "agent"))
        let textCol = try #require(csv.header.firstIndex(of: "text"))
        #expect(csv.rows.map { $0[id] } == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'-2+3", "'\u{FF1D}1+1"])
        #expect(csv.rows.map { $0[agent] } == ["'+lee, the \"night\" nurse", "'@dana", "dana"])
        #expect(csv.rows.map { $0[textCol] } == ["Hello, \"world\" | col =HYPERLINK(\"http://evil.example\",\"x\") line 3 [2J", "'@SUM(A1:A9)", "'=1+1"])
        // No cell a spreadsheet would evaluate.
        for row in csv.rows {
            for cell in row {
                if let first = cell.unicodeScalars.first { #expect(!"=+-@\t\r\u{FF1D}\u{FF0B}\u{FF0D}\u{FF20}".unicodeScalars.contains(first), "\(cell)") }
            }
        }
        // The Markdown tables keep their columns whatever the texts hold.
        let md = MarkdownExporter.render(s)
        var columns: Int?
        for line in md.split(separator: "\n") {
            guard line.hasPrefix("|") else { columns = nil; continue }
            var pipes = 0, escaped = false
            for ch in line {
                if ch == "|" && !escaped { pipes += 1 }
                escaped = ch == "\\" && !escaped
            }
            if let columns { #expect(pipes == columns, "a table row lost its shape: \(line)") } else { columns = pipes }
        }
        #expect(!md.contains("\u{1B}") && !md.contains("\r"))
        // Totals are a second file with the same guard on its group column.
        let totals = try parseCSV(try CSVExporter.totals(s))
        #expect(totals.rows.contains(["sla_met", "agent:+lee, the \"night\" nurse", "1"]))
    }

    @Test("Numbers are plain: minutes with one decimal, negative nowhere, booleans as true/false")
    func columns() throws {
        let s = try TuesdayShift.summary(try TuesdayShift.build())
        let csv = try parseCSV(try CSVExporter.items(s))
        #expect(csv.header == CSVExporter.itemColumns)
        let row = try #require(csv.rows.first { $0[1] == "x-3" })
        let record = Dictionary(uniqueKeysWithValues: zip(csv.header, row))
        #expect(record["platform"] == "x")
        #expect(record["triage_route"] == "redirect_private")
        #expect(record["received"] == "2026-11-24T10:00:00-05:00")
        #expect(record["first_response_at"] == "2026-11-24T11:30:00-05:00")
        #expect(record["first_reply_minutes"] == "90.0")
        #expect(record["sla_target_minutes"] == "60.0")
        #expect(record["sla_result"] == "breached")
        #expect(record["over_by_minutes"] == "30.0")
        #expect(record["channel"] == "private_message")
        #expect(record["agent"] == "dana")
        #expect(record["identifiers_detected"] == "true")
        #expect(record["urgent"] == "false")
    }

    @Test("The totals file sits beside the items file")
    func totalsPath() {
        #expect(CSVExporter.totalsPath(for: "/tmp/report.csv") == "/tmp/report-totals.csv")
        #expect(CSVExporter.totalsPath(for: "/tmp/report.CSV") == "/tmp/report-totals.csv")
        #expect(CSVExporter.totalsPath(for: "report") == "report-totals.csv")
        #expect(CSVExporter.totalsPath(for: "out/report.txt") == "out/report.txt-totals.csv")
    }
}

@Suite("Summary windows")
struct WindowTests {
    @Test("--until must be after --since")
    func range() throws {
        #expect(throws: SummaryWindow.WindowError.self) { try SummaryWindow.range(since: t("2026-11-24T17:00:00Z"), until: t("2026-11-24T09:00:00Z"), timeZone: newYork) }
        #expect(throws: SummaryWindow.WindowError.self) { try SummaryWindow.range(since: t("2026-11-24T09:00:00Z"), until: t("2026-11-24T09:00:00Z"), timeZone: newYork) }
        do {
            _ = try SummaryWindow.range(since: t("2026-11-24T17:00:00Z"), until: t("2026-11-24T09:00:00Z"), timeZone: newYork)
        } catch let e as SummaryWindow.WindowError {
            #expect(e.description.contains("--until") && e.description.contains("--since"))
        }
    }

    @Test("Times on the command line: RFC 3339, local date and time, a date, a time today")
    func parseTimes() throws {
        let now = t("2026-11-24T15:00:00-05:00")
        func p(_ s: String) throws -> Date { try SummaryWindow.parseTime(s, option: "--since", now: now, timeZone: newYork) }
        #expect(try p("2026-11-24T09:00:00-05:00") == t("2026-11-24T14:00:00Z"))
        #expect(try p("2026-11-24T14:00:00Z") == t("2026-11-24T14:00:00Z"))
        #expect(try p("2026-11-24 09:00") == t("2026-11-24T09:00:00-05:00"))
        #expect(try p("2026-11-24T09:00:30") == t("2026-11-24T09:00:30-05:00"))
        #expect(try p(" 2026-11-24 ") == t("2026-11-24T00:00:00-05:00"))
        #expect(try p("09:00") == t("2026-11-24T09:00:00-05:00"))
        #expect(try p("2026-07-01 09:00") == t("2026-07-01T09:00:00-04:00"), "summer time in July")
        #expect(try p("2026-11-01 01:30") == t("2026-11-01T01:30:00-04:00"), "an ambiguous autumn time is its first occurrence")
        #expect(try p("2026-03-08 02:30") == t("2026-03-08T03:30:00-04:00"), "a time in the spring gap moves forward")
        // Late evening UTC is still "today" in New York.
        #expect(try SummaryWindow.parseTime("09:00", option: "--since", now: t("2026-11-25T03:00:00Z"), timeZone: newYork) == t("2026-11-24T09:00:00-05:00"))
        for bad in ["", "yesterday", "2026-02-31", "2026-13-01", "25:00", "09:60", "2026-11-24 9", "2026/11/24", "١٢:٠٠", "-1:00", "2026-11-24 09:00 extra"] {
            do {
                _ = try p(bad)
                Issue.record("\"\(bad)\" was accepted")
            } catch let e as SummaryWindow.WindowError {
                #expect(e == .unreadableTime(option: "--since", text: bad))
                #expect(e.description.hasPrefix("--since: not a time"))
            }
        }
    }

    @Test("The current shift: an open shift, an ended one, the first action, midnight")
    func currentShift() throws {
        let f = try FixtureDB()
        let now = FixedClock(t("2026-11-24T12:00:00-05:00"))
        // Nothing today: from local midnight.
        var w = try SummaryWindow.currentShift(agent: "dana", db: f.db, clock: now, timeZone: newYork)
        #expect(w.start == t("2026-11-24T00:00:00-05:00") && w.end == now.now && w.source == .startOfDay(agent: "dana"))
        // A first action today.
        let n = try f.add("q", .facebook, .question, "Question?", received: "2026-11-24T08:00:00-05:00")
        try f.log(.viewed, n, "dana", at: "2026-11-24T08:15:00-05:00")
        try f.log(.viewed, n, "lee", at: "2026-11-24T07:15:00-05:00")
        w = try SummaryWindow.currentShift(agent: "dana", db: f.db, clock: now, timeZone: newYork)
        #expect(w.start == t("2026-11-24T08:15:00-05:00") && w.source == .firstAction(agent: "dana"))
        // A shift started (an open shift wins).
        f.clock.set(t("2026-11-24T09:00:00-05:00"))
        let shift = try f.db.startShift(agent: "dana")
        w = try SummaryWindow.currentShift(agent: "dana", db: f.db, clock: now, timeZone: newYork)
        #expect(w.start == t("2026-11-24T09:00:00-05:00") && w.end == now.now && w.source == .shift(id: shift.id!, agent: "dana"))
        // Ended: the window stops at its end.
        f.clock.set(t("2026-11-24T11:00:00-05:00"))
        _ = try f.db.endShift(agent: "dana")
        w = try SummaryWindow.currentShift(agent: "dana", db: f.db, clock: now, timeZone: newYork)
        #expect(w.start == t("2026-11-24T09:00:00-05:00") && w.end == t("2026-11-24T11:00:00-05:00"))
        // Next day: yesterday's ended shift no longer counts.
        let tomorrow = FixedClock(t("2026-11-25T10:00:00-05:00"))
        w = try SummaryWindow.currentShift(agent: "dana", db: f.db, clock: tomorrow, timeZone: newYork)
        #expect(w.source == .startOfDay(agent: "dana") && w.start == t("2026-11-25T00:00:00-05:00"))
        // A night shift still open from yesterday evening.
        f.clock.set(t("2026-11-24T22:00:00-05:00"))
        _ = try f.db.startShift(agent: "sam")
        w = try SummaryWindow.currentShift(agent: "sam", db: f.db, clock: FixedClock(t("2026-11-25T06:00:00-05:00")), timeZone: newYork)
        #expect(w.start == t("2026-11-24T22:00:00-05:00") && w.end == t("2026-11-25T06:00:00-05:00"))
        // At midnight exactly the window is not empty.
        w = try SummaryWindow.currentShift(agent: "nobody", db: f.db, clock: FixedClock(t("2026-11-25T00:00:00-05:00")), timeZone: newYork)
        #expect(w.end > w.start)
    }
}

@Suite("Text hygiene in reports")
struct SummaryTextTests {
    @Test("clean: controls, escapes and bidi out; lines joined; idempotent")
    func clean() {
        #expect(SummaryText.clean("  a\u{1B}[31mb\u{7}\n\tc\u{202E}d\u{200B}e  ") == "a[31mb cde")
        #expect(SummaryText.clean("👨‍👩‍👧 ok") == "👨‍👩‍👧 ok")
        for s in ["x\r\n\r\ny", "\u{2028}a\u{85}b", "é\u{0301}"] { #expect(SummaryText.clean(SummaryText.clean(s)) == SummaryText.clean(s)) }
    }

    @Test("markdown: no table breaking, no channel-wide mentions")
    func markdown() {
        #expect(SummaryText.markdown("a|b *c* @here #1") == "a\\|b \\*c\\* @\u{200B}here \\#1")
    }

    @Test("An @channel in an organisation name or agent cannot ping a chat channel")
    func noPing() throws {
        let f = try FixtureDB()
        let n = try f.add("q", .facebook, .question, "Question?", received: "2026-11-24T10:00:00-05:00")
        try f.respond(n, "@channel", .publicReply, at: "2026-11-24T10:05:00-05:00")
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:00:00-05:00",
                              organisation: "@here | Team")
        let md = MarkdownExporter.render(s)
        #expect(!md.contains("@here") && !md.contains("@channel"))
    }
}

@Suite("Edge cases of the figures")
struct FigureEdgeTests {
    static let since = "2026-11-24T09:00:00-05:00", until = "2026-11-24T17:00:00-05:00"

    @Test("Spam counts only when still hidden at the window's end")
    func spamUnhidden() throws {
        let f = try FixtureDB()
        // Arrived as spam, then a manager said it was not: not spam hidden.
        let a = try f.add("a", .youtube, .comment, "Free prizes", received: "2026-11-24T10:00:00-05:00", spam: true)
        try f.override(a, "dana", route: .answerInThread, urgent: false, spam: false, why: "a real patient", at: "2026-11-24T10:30:00-05:00")
        // Hidden by a manager, then un-hidden: not spam hidden.
        let b = try f.add("b", .youtube, .comment, "Visit my page", received: "2026-11-24T11:00:00-05:00")
        try f.override(b, "lee", route: .answerInThread, urgent: false, spam: true, why: "looks like spam", at: "2026-11-24T11:10:00-05:00")
        try f.override(b, "lee", route: .answerInThread, urgent: false, spam: false, why: "it was not", at: "2026-11-24T11:20:00-05:00")
        // Hidden with the spam action: counted.
        let c = try f.add("c", .youtube, .comment, "Cheap pills", received: "2026-11-24T12:00:00-05:00")
        f.clock.set(t("2026-11-24T12:05:00-05:00"))
        try f.db.setStatus(itemID: c, agent: "dana", status: .hidden, event: .hiddenAsSpam)
        let s = try f.summary(since: Self.since, until: Self.until, now: Self.until)
        #expect(s.totals.spamHidden == 1)
        #expect(s.items.map(\.statusAtEnd) == [.open, .open, .hidden])
        #expect(s.overrides.list.map(\.directions) == [["spam removed"], ["spam added"], ["spam removed"]])
        #expect(s.overrides.byDirection.map(\.direction) == ["spam removed", "spam added"])
        #expect(s.totals.stillOpen == 2)
    }

    @Test("An item answered and then reopened by a follow-up counts once in the response rate")
    func followUp() throws {
        let f = try FixtureDB()
        let p = try f.add("p", .facebook, .comment, "When is the open day?", received: "2026-11-24T09:10:00-05:00")
        try f.respond(p, "dana", .publicReply, at: "2026-11-24T09:30:00-05:00")
        // The writer replies in the thread: the parent reopens for a next reply.
        f.clock.set(t("2026-11-24T10:00:00-05:00"))
        let child = Item(id: "p-1", platform: .facebook, kind: .comment, text: "And is parking free?", receivedAt: t("2026-11-24T10:00:00-05:00"),
                         author: Author(handle: "@w"), parentID: "p")
        _ = try f.db.importItems([(child, TriageDecision(route: .answerInThread, urgent: false, spam: false, reasons: []))], sla: f.sla)
        let s = try f.summary(since: Self.since, until: Self.until, now: Self.until)
        let parent = try #require(s.items.first { $0.id == "p" })
        #expect(parent.statusAtEnd == .open)
        #expect(parent.result == .met, "its first reply was in time")
        #expect(s.totals.answeredInThread == 1)
        #expect(s.totals.stillOpen == 2)
        #expect(s.totals.stillOpenUnanswered == 1, "the child only: the parent was answered in the window")
        #expect(s.totals.responseRate == 0.5)
        #expect(MarkdownExporter.render(s).contains("| Response rate | 50 % (1 answered of 2) |"))
    }

    @Test("Window edges: the start is in, the end is out, whatever the sub-second part")
    func edges() throws {
        let f = try FixtureDB()
        let a = try f.add("a", .facebook, .question, "Start?", received: "2026-11-24T09:00:00.000-05:00")
        try f.respond(a, "dana", .publicReply, at: "2026-11-24T16:59:59.999-05:00")
        let b = try f.add("b", .facebook, .question, "End?", received: "2026-11-24T16:59:59.999-05:00")
        try f.respond(b, "dana", .publicReply, at: "2026-11-24T17:00:00.000-05:00")
        try f.add("c", .facebook, .question, "After?", received: "2026-11-24T17:00:00.000-05:00")
        try f.add("d", .facebook, .question, "Before?", received: "2026-11-24T08:59:59.999-05:00")
        let s = try f.summary(since: Self.since, until: Self.until, now: "2026-11-24T18:00:00-05:00")
        #expect(s.items.map(\.id) == ["a", "b"])
        #expect(s.totals.received == 2)
        #expect(s.firstReply.count == 1, "b's reply at 17:00:00.000 is after the window")
        let b1 = try #require(s.items.last)
        #expect(b1.firstResponseAt == nil && b1.statusAtEnd == .open && b1.result == .pending)
        #expect(s.totals.responses == 1)
    }

    @Test("A back-filled import: items received in the window but imported after it use their automatic triage")
    func backfill() throws {
        let f = try FixtureDB()
        try f.add("late", .facebook, .comment, "Someone collapsed by the lifts", received: "2026-11-24T10:00:00-05:00", urgent: true,
                  imported: "2026-11-25T08:00:00-05:00")
        let s = try f.summary(since: Self.since, until: Self.until, now: "2026-11-25T08:05:00-05:00")
        let line = try #require(s.items.first)
        #expect(line.urgent && line.policy == "urgent")
        #expect(line.statusAtEnd == .open)
        #expect(line.result == .breached)
        #expect(line.over == 7 * hour - 15 * minute, "due 10:15, still open at 17:00")
        #expect(s.totals.received == 1 && s.totals.stillOpen == 1)
    }

    @Test("An item with no matching policy has no target")
    func noPolicy() throws {
        let engine = SLAEngine(policies: [SLAPolicy(name: "urgent only", match: SLAMatch(urgent: true), firstReply: 900)], calendar: fixtureSLA.calendar)
        let f = try FixtureDB(sla: engine)
        let a = try f.add("a", .facebook, .question, "Hello?", received: "2026-11-24T10:00:00-05:00")
        try f.respond(a, "dana", .publicReply, at: "2026-11-24T10:30:00-05:00")
        try f.add("b", .facebook, .question, "Still there?", received: "2026-11-24T11:00:00-05:00")
        let s = try f.summary(since: Self.since, until: Self.until, now: Self.until)
        #expect(s.items.map(\.result) == [.noTarget, .noTarget])
        #expect(s.items.map(\.policy) == [nil, nil])
        #expect(s.sla.overall == ShiftSummary.SLACount())
        #expect(s.firstReply.count == 1)
        #expect(s.handover.items.map(\.slaLabel) == ["no deadline"])
        let csv = try parseCSV(try CSVExporter.items(s))
        let col = try #require(csv.header.firstIndex(of: "sla_result"))
        #expect(csv.rows.map { $0[col] } == ["no_target", "no_target"])
    }

    @Test("The handover limit cuts the list, not the count")
    func handoverLimit() throws {
        let f = try FixtureDB()
        for i in 0..<5 { try f.add("q\(i)", .facebook, .question, "Question \(i)?", received: "2026-11-24T10:0\(i):00-05:00") }
        let window = try SummaryWindow.range(since: t(Self.since), until: t(Self.until), timeZone: newYork)
        let s = try ShiftSummary.compute(db: f.db, window: window, sla: f.sla, clock: FixedClock(t(Self.until)),
                                         options: SummaryOptions(handoverLimit: 2))
        #expect(s.handover.total == 5)
        #expect(s.handover.items.map(\.id) == ["q0", "q1"])
        #expect(MarkdownExporter.render(s).contains("showing the first 2"))
    }
}

@Suite("Residual redaction (what triage missed)")
struct ResidualRedactionTests {
    @Test("E-mail addresses and long digit runs go, whatever triage found")
    func residual() {
        #expect(Redaction.residual("it should be r.delgado.1975@example.com. thanks") == "it should be [e-mail]. thanks")
        #expect(Redaction.residual("WhatsApp +1 (302) 555-0177 now") == "WhatsApp [number] now")
        #expect(Redaction.residual("call +44 7700 900461") == "call [number]")
        #expect(Redaction.residual("acct 4839201, DOB 1975-03-02") == "acct [number], DOB [number]")
        #expect(Redaction.residual("card 4111-1111-1111-1111.") == "card [number].")
        #expect(Redaction.residual("mail a@b.co or x@y") == "mail [e-mail] or x@y")
        #expect(Redaction.residual("ring (555) 201-3344 or (ref 1234567)") == "ring [number] or (ref [number])")
        #expect(Redaction.residual("\u{FF15}\u{FF15}\u{FF15}\u{FF12}\u{FF10}\u{FF11}\u{FF13}\u{FF13}") == "[number]", "full-width digits")
        // What must stay: short numbers, amounts, times, counts.
        for keep in ["$1,480 for the ER", "room 214 at 10:00", "3 days, 40 min", "10/10 would wait", "page 1 of 2", "#IHI2026", "@here"] {
            #expect(Redaction.residual(keep) == keep)
        }
        for s in ["x 555-201-3344 y z@w.org", "[phone] and [e-mail]"] {
            #expect(Redaction.residual(Redaction.residual(s)) == Redaction.residual(s))
        }
    }

    @Test("A spam post keeps no identifier reasons; its number is still redacted with --include-text")
    func spamPost() throws {
        let f = try FixtureDB()
        let (_, decision) = try f.addTriaged("ig-9", .instagram, .comment,
                                             "Make $500/day from home!! No experience needed. Message Tasha on WhatsApp +1 (302) 555-0177",
                                             received: "2026-11-24T10:00:00-05:00")
        #expect(decision.spam)
        let s = try f.summary(since: "2026-11-24T09:00:00-05:00", until: "2026-11-24T17:00:00-05:00", now: "2026-11-24T17:00:00-05:00",
                              includeText: true)
        let text = try #require(s.items.first?.text)
        #expect(text.hasSuffix("on WhatsApp [number]"))
        #expect(!JSONExporter.render(s).contains("555-0177"))
    }
}
