import Foundation
import RoundsCore
import RoundsStore
import Testing

/// `rounds summary` and `rounds shift` through the real binary, on a database written in the test
/// with a fixed clock (the binary's own clock only sets `generated_at` and the handover timers).
@Suite("rounds summary (the real binary)", .serialized)
struct SummaryCommandTests {
    static let since = "2026-11-24T09:00:00-05:00"
    static let until = "2026-11-24T17:00:00-05:00"
    static let post = "My MRN is 4839201, please call me on 555-201-3344 or write to jane.doe@example.com about my scan"

    /// The built-in config's SLA (New York; urgent 15 m, private 1 h, questions 2 h, others 24 business hours).
    static let sla: SLAEngine = {
        let week = OpeningSpan(start: 8 * 60, end: 18 * 60)
        let zone = TimeZone(identifier: "America/New_York")!
        return SLAEngine(calendar: BusinessCalendar(timeZone: zone, weekly: [2: [week], 3: [week], 4: [week], 5: [week], 6: [week],
                                                                            7: [OpeningSpan(start: 9 * 60, end: 13 * 60)]]))
    }()

    final class Fixture {
        let dir: URL
        let db: String
        init() throws {
            dir = try RoundsBinary.temporaryFolder("rounds-summary-cli")
            db = dir.appendingPathComponent("rounds.sqlite").path
            let clock = FixedClock(RFC3339.parse("2026-11-24T08:00:00-05:00")!)
            let store = try AppDatabase.open(path: db, clock: clock)
            let triage = Triage()
            func add(_ id: String, _ kind: ItemKind, _ text: String, _ at: String, handle: String) throws -> StoredItem {
                clock.set(RFC3339.parse(at)!)
                let item = Item(id: id, platform: .facebook, kind: kind, text: text, receivedAt: RFC3339.parse(at)!, author: Author(handle: handle))
                _ = try store.importItems([(item, triage.classify(item))], sla: SummaryCommandTests.sla)
                return try #require(try store.item(platform: .facebook, externalID: id))
            }
            func respond(_ item: StoredItem, _ agent: String, _ channel: ResponseChannel, _ at: String) throws {
                clock.set(RFC3339.parse(at)!)
                let current = try #require(try store.item(id: item.id))
                try store.recordResponse(itemID: item.id, expectedVersion: current.version, agent: agent, channel: channel,
                                         text: "Thank you, we have replied.", sla: SummaryCommandTests.sla)
            }
            let a = try add("fb-1", .question, "Is the pharmacy open on Sunday?", "2026-11-24T09:30:00-05:00", handle: "@pat_smith_77")
            try respond(a, "dana", .publicReply, "2026-11-24T10:00:00-05:00")
            let b = try add("fb-2", .comment, SummaryCommandTests.post, "2026-11-24T11:00:00-05:00", handle: "@jane_doe_1988")
            try respond(b, "lee", .privateMessage, "2026-11-24T12:30:00-05:00")
            _ = try add("fb-3", .question, "Do you offer flu shots for children?", "2026-11-24T13:00:00-05:00", handle: "@sam")
        }
        deinit { try? FileManager.default.removeItem(at: dir) }

        func run(_ args: [String], env: [String: String] = [:]) throws -> RoundsBinary.Output {
            try RoundsBinary.run(["summary", "--db", db] + args, env: env)
        }
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text.prefix(200))")
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Nothing the patients wrote, and none of their handles.
    static func expectPrivate(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in ["4839201", "555-201-3344", "jane.doe", "jane_doe_1988", "pat_smith_77", "pharmacy", "my scan", "flu shots"] {
            #expect(!text.contains(secret), "\(secret) leaked", sourceLocation: sourceLocation)
        }
    }

    @Test("JSON for a --since / --until period: local times in the configured zone, the versioned schema")
    func jsonRange() throws {
        let f = try Fixture()
        let out = try f.run(["--since", Self.since, "--until", "2026-11-24 17:00", "--format", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let doc = try Self.json(out.stdout)
        #expect(doc["schema"] as? String == "rounds.summary/1")
        #expect(doc["schema_version"] as? Int == 1)
        #expect(doc["organisation"] as? String == "Mercy Valley Health")
        let window = try #require(doc["window"] as? [String: Any])
        #expect(window["start"] as? String == "2026-11-24T09:00:00-05:00")
        #expect(window["end"] as? String == "2026-11-24T17:00:00-05:00")
        #expect(window["source"] as? String == "range")
        let totals = try #require(doc["totals"] as? [String: Any])
        #expect(totals["received"] as? Int == 3)
        #expect(totals["answered_in_thread"] as? Int == 1)
        #expect((totals["redirected"] as? [String: Any])?["private_message"] as? Int == 1)
        #expect(totals["still_open"] as? Int == 1)
        let first = try #require(doc["first_reply"] as? [String: Any])
        #expect(first["count"] as? Int == 2)
        #expect(first["median_seconds"] as? Int == 1800)
        #expect(first["max_seconds"] as? Int == 5400)
        let items = try #require(doc["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == ["fb-1", "fb-2", "fb-3"])
        #expect(items[1]["identifiers_detected"] as? Bool == true)
        #expect(items[1]["text"] == nil)
        Self.expectPrivate(out.stdout)
        Self.expectPrivate(out.stderr)
    }

    @Test("Markdown on standard output by default")
    func markdown() throws {
        let f = try Fixture()
        let out = try f.run(["--since", Self.since, "--until", Self.until])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("# Shift summary: Mercy Valley Health\n"))
        #expect(out.stdout.contains("| Received | 3 |"))
        #expect(out.stdout.contains("No patient text and no author handles."))
        #expect(out.stderr.isEmpty, "\(out.stderr)")
        Self.expectPrivate(out.stdout)
    }

    @Test("CSV to a file: the items and a totals file beside it, both mode 0600")
    func csvFiles() throws {
        let f = try Fixture()
        let path = f.dir.appendingPathComponent("report.csv").path
        // An existing, world-readable file is made private when it is overwritten.
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old\n".utf8), attributes: [.posixPermissions: 0o644]))
        let out = try f.run(["--since", Self.since, "--until", Self.until, "--format", "csv", "--output", path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.isEmpty)
        let totalsPath = f.dir.appendingPathComponent("report-totals.csv").path
        #expect(try Self.mode(path) == 0o600)
        #expect(try Self.mode(totalsPath) == 0o600)
        #expect(out.stderr.contains("wrote \(path) and \(totalsPath) (mode 0600): 3 items"))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 5, "a header, three items and the final line break")
        #expect(lines.first?.hasPrefix("number,id,platform,kind,triage_route,final_route,urgent,") == true)
        let totals = try String(contentsOfFile: totalsPath, encoding: .utf8)
        #expect(totals.hasPrefix("figure,group,value\nschema,,rounds.summary/1\nschema_version,,1\n"))
        #expect(totals.contains("\nreceived,,3\n"))
        Self.expectPrivate(try String(contentsOfFile: path, encoding: .utf8) + totals + out.stderr)
    }

    @Test("JSON to a file with mode 0600; Markdown too")
    func otherFiles() throws {
        let f = try Fixture()
        for (format, name) in [("json", "r.json"), ("markdown", "r.md")] {
            let path = f.dir.appendingPathComponent(name).path
            let out = try f.run(["--since", Self.since, "--until", Self.until, "--format", format, "-o", path])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(try Self.mode(path) == 0o600)
            #expect(!FileManager.default.fileExists(atPath: f.dir.appendingPathComponent("r-totals.csv").path))
        }
        _ = try Self.json(try String(contentsOfFile: f.dir.appendingPathComponent("r.json").path, encoding: .utf8))
    }

    @Test("--include-text adds texts with the identifiers redacted")
    func includeText() throws {
        let f = try Fixture()
        let out = try f.run(["--since", Self.since, "--until", Self.until, "--format", "json", "--include-text"])
        #expect(out.status == 0, "\(out.stderr)")
        let doc = try Self.json(out.stdout)
        #expect(doc["includes_text"] as? Bool == true)
        let items = try #require(doc["items"] as? [[String: Any]])
        let text = try #require(items[1]["text"] as? String)
        #expect(text.contains("about my scan"))
        #expect(text.contains("[phone]") && text.contains("[e-mail]") && text.contains("[record number]"))
        for secret in ["4839201", "555-201-3344", "jane.doe", "jane_doe_1988", "pat_smith_77"] {
            #expect(!out.stdout.contains(secret), "\(secret) leaked")
        }
        let md = try f.run(["--since", Self.since, "--until", Self.until, "--include-text"])
        #expect(md.stdout.contains("## Texts (identifiers redacted)"))
        #expect(!md.stdout.contains("555-201-3344"))
    }

    @Test("--agent: one agent's work")
    func agent() throws {
        let f = try Fixture()
        let out = try f.run(["--since", Self.since, "--until", Self.until, "--format", "json", "--agent", "lee"])
        #expect(out.status == 0, "\(out.stderr)")
        let doc = try Self.json(out.stdout)
        #expect(doc["agent"] as? String == "lee")
        let items = try #require(doc["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == ["fb-2"])
    }

    @Test("Bad input: a clear error naming the option, exit status 64, no report")
    func badInput() throws {
        let f = try Fixture()
        let cases: [([String], [String])] = [
            (["--since", Self.until, "--until", Self.since], ["--until (2026-11-24T09:00:00-05:00) must be after --since (2026-11-24T17:00:00-05:00)"]),
            (["--since", Self.since, "--until", Self.since], ["must be after --since"]),
            (["--since", "yesterday"], ["--since: not a time: \"yesterday\""]),
            (["--since", Self.since, "--until", "25:00"], ["--until: not a time: \"25:00\""]),
            (["--since", "2026-02-31"], ["--since: not a time"]),
            (["--until", Self.until], ["--until needs --since"]),
            (["--since", "2999-01-01"], ["--since (2999-01-01T00:00:00-05:00) is not in the past"]),
            (["--format", "xml"], ["--format must be markdown, csv or json (not \"xml\")"]),
            (["--shift", "last"], ["--shift: only \"current\" is supported"]),
            (["--shift", "current", "--since", Self.since], ["--shift cannot be combined with --since / --until"]),
            (["--output", ""], ["--output: give a file name"]),
            (["--agent", " "], ["--agent: give a name"]),
        ]
        for (args, needles) in cases {
            let out = try f.run(args)
            #expect(out.status == 64, "\(args): status \(out.status), \(out.stderr)")
            #expect(out.stdout.isEmpty, "\(args) printed a report")
            for needle in needles { #expect(out.stderr.contains(needle), "\(args): \(out.stderr)") }
            Self.expectPrivate(out.stderr)
        }
    }

    @Test("An output file that cannot be written: exit status 1, the path and the reason")
    func unwritable() throws {
        let f = try Fixture()
        let path = f.dir.appendingPathComponent("no/such/folder/r.md").path
        let out = try f.run(["--since", Self.since, "--until", Self.until, "--output", path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("--output: \(path): No such file or directory"), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
        Self.expectPrivate(out.stderr)
    }

    @Test("An empty period is a clear, valid report")
    func empty() throws {
        let f = try Fixture()
        let md = try f.run(["--since", "2026-11-20 09:00", "--until", "2026-11-20 17:00"])
        #expect(md.status == 0, "\(md.stderr)")
        #expect(md.stdout.contains("Nothing happened in this window"))
        let json = try Self.json(try f.run(["--since", "2026-11-20 09:00", "--until", "2026-11-20 17:00", "--format", "json"]).stdout)
        #expect((json["items"] as? [Any])?.isEmpty == true)
        let csv = try f.run(["--since", "2026-11-20 09:00", "--until", "2026-11-20 17:00", "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.split(separator: "\n").count == 1, "the header only")
        #expect(csv.stderr.contains("give --output FILE for FILE-totals.csv"))
    }

    @Test("The current shift: rounds shift start / show / end, then rounds summary")
    func currentShift() throws {
        let f = try Fixture()
        let env = ["ROUNDS_AGENT": "dana"]
        let start = try RoundsBinary.run(["shift", "start", "--db", f.db], env: env)
        #expect(start.status == 0, "\(start.stderr)")
        #expect(start.stdout.hasPrefix("shift started for dana at "))
        let show = try RoundsBinary.run(["shift", "--db", f.db], env: env)
        #expect(show.stdout.contains("(shift started with `rounds shift start`)"), "\(show.stdout)")
        let out = try f.run(["--format", "json", "--shift", "current"], env: env)
        #expect(out.status == 0, "\(out.stderr)")
        let window = try #require(try Self.json(out.stdout)["window"] as? [String: Any])
        #expect(window["source"] as? String == "shift")
        #expect(window["shift_agent"] as? String == "dana")
        let end = try RoundsBinary.run(["shift", "end", "--db", f.db], env: env)
        #expect(end.status == 0, "\(end.stderr)")
        #expect(end.stdout.contains("`rounds summary` reports on it"))
        let again = try RoundsBinary.run(["shift", "end", "--db", f.db], env: env)
        #expect(again.status == 1)
        #expect(again.stderr.contains("no open shift for dana"))
        let after = try f.run(["--format", "json"], env: env)
        let w2 = try #require(try Self.json(after.stdout)["window"] as? [String: Any])
        #expect(w2["source"] as? String == "shift")
        #expect(w2["start"] as? String == window["start"] as? String)
    }
}
