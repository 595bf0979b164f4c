import Foundation
import RoundsCore
import Testing
@testable import RoundsConfig

/// Parses text that must be valid TOML; a syntax error fails the test.
private func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ConfigParser.Result {
    do {
        return try ConfigParser.parse(text, source: "test.toml")
    } catch {
        Issue.record("unexpected syntax error: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The syntax error a text must raise.
private func syntaxError(_ text: String, source: String = "bad.toml", sourceLocation: SourceLocation = #_sourceLocation) -> ConfigProblem? {
    do {
        _ = try ConfigParser.parse(text, source: source)
        Issue.record("expected a syntax error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private func span(_ text: String) -> OpeningSpan? { OpeningSpan(parsing: text) }

@Suite("Config parser")
struct ConfigParserTests {
    // MARK: The bundled file

    @Test("The bundled config parses with no problems")
    func bundledHasNoProblems() throws {
        let text = RoundsConfiguration.defaultFileText
        #expect(!text.isEmpty)
        let result = try parse(text)
        #expect(result.problems == [])
        #expect(result.config.source == "test.toml")
    }

    @Test("The bundled config: organisation, channels and time zone")
    func bundledOrganisation() throws {
        let org = try parse(RoundsConfiguration.defaultFileText).config.organisation
        #expect(org.name == "Mercy Valley Health")
        #expect(org.phones == ["(555) 010-4000"])
        #expect(org.emails == ["hello@mercyvalley.example"])
        #expect(org.portalURL == "https://portal.mercyvalley.example")
        #expect(org.emergencyNumber == "911")
        #expect(org.crisisLine == "988")
        #expect(org.timeZone.identifier == "America/New_York")
    }

    @Test("The bundled config: four policies, in order, equal to the hospital defaults")
    func bundledPolicies() throws {
        let policies = try parse(RoundsConfiguration.defaultFileText).config.policies
        #expect(policies.map(\.name) == ["urgent", "private", "questions", "comments and reviews"])
        #expect(policies == SLAPolicy.hospitalDefaults)
        #expect(policies.first?.match.urgent == true)
        #expect(policies.first?.dueSoon == 300)
        #expect(policies.last?.clock == .businessHours)
        #expect(policies.last?.firstReply == 86_400)
    }

    @Test("The bundled config: business hours, Saturday morning, Sunday closed, holidays")
    func bundledCalendar() throws {
        let cal = try parse(RoundsConfiguration.defaultFileText).config.calendar
        #expect(cal.timeZone.identifier == "America/New_York")
        #expect(!cal.aroundTheClock)
        for weekday in 2...6 { #expect(cal.weekly[weekday] == [span("08:00-18:00")!], "weekday \(weekday)") }
        #expect(cal.weekly[7] == [OpeningSpan(start: 9 * 60, end: 13 * 60)])
        #expect((cal.weekly[1] ?? []).isEmpty)
        #expect(cal.holidays.count == 7)
        #expect(cal.holidays.contains("2026-12-25"))
        #expect(cal.holidays.contains("2027-01-01"))
        // The parsed calendar behaves: Christmas Day is closed, the Saturday after is open in the morning.
        #expect(!cal.isOpen(at: RFC3339.parse("2026-12-25T15:00:00Z")!))
        #expect(cal.isOpen(at: RFC3339.parse("2026-12-26T15:00:00Z")!))   // Sat 10:00 EST
        #expect(!cal.isOpen(at: RFC3339.parse("2026-12-26T19:00:00Z")!))  // Sat 14:00 EST
    }

    @Test("The built-in configuration is the bundled file")
    func builtIn() {
        let config = RoundsConfiguration.builtIn
        #expect(config.source == "built-in defaults")
        #expect(config.organisation.name == "Mercy Valley Health")
        #expect(config.slaEngine.policies.count == 4)
    }

    // MARK: Syntax errors

    @Test("A TOML syntax error throws with line and column; the description starts with the source")
    func syntaxErrorHasPlace() throws {
        let text = """
            [organisation]
            name = "Mercy"
            phones = ["a" "b"]
            time_zone = "UTC"
            """
        let problem = try #require(syntaxError(text))
        #expect(problem.source == "bad.toml")
        #expect(problem.line == 3)
        #expect(problem.column != nil)
        #expect(problem.key == nil)
        #expect(problem.description.hasPrefix("bad.toml:3:"))
        #expect(!problem.message.isEmpty)
    }

    @Test("Other syntax errors are fatal too", arguments: [
        "[organisation\nname = \"x\"",
        "name = \"unterminated\n",
        "[organisation]\nname = \"a\"\nname = \"b\"\n",  // duplicate key
        "first_reply = \n",
    ])
    func otherSyntaxErrors(_ text: String) throws {
        let problem = try #require(syntaxError(text, source: "x.toml"))
        #expect(problem.line != nil)
        #expect(problem.description.hasPrefix("x.toml:"))
    }

    // MARK: Bad values: reported, skipped, the rest applies

    @Test("A bad duration skips that policy only; the key path names it")
    func badDuration() throws {
        let text = """
            [[sla]]
            name = "urgent"
            urgent = true
            first_reply = "15m"

            [[sla]]
            name = "vague"
            first_reply = "soon"

            [[sla]]
            name = "rest"
            first_reply = "1d"
            clock = "business_hours"
            """
        let result = try parse(text)
        #expect(result.problems.map(\.key) == ["sla[2].first_reply"])
        let problem = try #require(result.problems.first)
        #expect(problem.message.contains("soon"))
        #expect(problem.line == nil)
        #expect(problem.description.hasPrefix("test.toml: sla[2].first_reply: not a duration"))
        #expect(result.config.policies.map(\.name) == ["urgent", "rest"])
        #expect(result.config.policies.map(\.firstReply) == [900, 86_400])
        #expect(result.config.policies.last?.clock == .businessHours)
    }

    @Test("A bare integer duration means minutes")
    func bareMinutes() throws {
        let result = try parse("""
            [[sla]]
            name = "plain"
            first_reply = 30
            next_reply = 90
            """)
        #expect(result.problems == [])
        let p = try #require(result.config.policies.first)
        #expect(p.firstReply == 1800)
        #expect(p.nextReply == 5400)
        #expect(p.dueSoon == 450)  // the default: a quarter of the target
        #expect(p.clock == .aroundTheClock)
    }

    @Test("A zero or negative duration is refused, whether written as a number or as text", arguments: [
        "0", "-30", "\"0m\"",
    ])
    func nonPositiveDuration(_ value: String) throws {
        let result = try parse("""
            [[sla]]
            name = "broken"
            first_reply = \(value)

            [[sla]]
            name = "fine"
            first_reply = "1h"
            """)
        #expect(result.problems.map(\.key) == ["sla[1].first_reply"])
        #expect(result.config.policies.map(\.name) == ["fine"])
    }

    @Test("A missing first_reply skips the policy and says so")
    func missingFirstReply() throws {
        let result = try parse("""
            [[sla]]
            name = "no target"
            urgent = true

            [[sla]]
            name = "ok"
            first_reply = "2h"
            """)
        #expect(result.problems.map(\.key) == ["sla[1].first_reply"])
        #expect(result.problems.first?.message.contains("no target") == true)
        #expect(result.config.policies.map(\.name) == ["ok"])
    }

    @Test("When no policy is usable the defaults apply and a problem says so")
    func allPoliciesBad() throws {
        let result = try parse("""
            [[sla]]
            name = "a"
            first_reply = "soon"

            [[sla]]
            name = "b"
            route = "somewhere"
            first_reply = "1h"
            """)
        #expect(result.config.policies == SLAPolicy.hospitalDefaults)
        #expect(result.problems.map(\.key) == ["sla[1].first_reply", "sla[2].route", "sla"])
        #expect(result.problems.last?.message.contains("defaults") == true)
    }

    @Test("Conditions: route, kinds, platforms, urgent and clock are read")
    func conditions() throws {
        let result = try parse("""
            [[sla]]
            name = "private reviews"
            route = "redirect_private"
            urgent = false
            kinds = ["review", "comment"]
            platforms = ["google_reviews", "facebook"]
            first_reply = "1h30m"
            due_soon = "10m"
            clock = "business_hours"
            """)
        #expect(result.problems == [])
        let p = try #require(result.config.policies.first)
        #expect(p.name == "private reviews")
        #expect(p.match == SLAMatch(route: .redirectPrivate, urgent: false, kinds: [.review, .comment], platforms: [.googleReviews, .facebook]))
        #expect(p.firstReply == 5400)
        #expect(p.nextReply == 5400)
        #expect(p.dueSoon == 600)
        #expect(p.clock == .businessHours)
    }

    @Test("A bad value is reported with its key path", arguments: [
        ("[organisation]\ntime_zone = \"Mars/Olympus_Mons\"", "organisation.time_zone", "Mars/Olympus_Mons"),
        ("[organisation]\nname = 42", "organisation.name", "expected a string"),
        ("[organisation]\nphones = [\"1\", 2]", "organisation.phones[2]", "expected a string"),
        ("[business_hours]\nmonday = [\"9-5\"]", "business_hours.monday[1]", "9-5"),
        ("[business_hours]\nmonday = [\"09:00-12:00\", \"25:00-26:00\"]", "business_hours.monday[2]", "25:00-26:00"),
        ("[business_hours]\ntime_zone = \"Nowhere/Land\"", "business_hours.time_zone", "Nowhere/Land"),
        ("[business_hours]\nholidays = [\"25/12/2026\"]", "business_hours.holidays[1]", "not a date"),
        ("[business_hours]\nfunday = [\"09:00-17:00\"]", "business_hours.funday", "(ignored)"),
        ("[[sla]]\nroute = \"dm_me\"\nfirst_reply = \"1h\"", "sla[1].route", "dm_me"),
        ("[[sla]]\nclock = \"sundial\"\nfirst_reply = \"1h\"", "sla[1].clock", "sundial"),
        ("[[sla]]\nurgent = \"yes\"\nfirst_reply = \"1h\"", "sla[1].urgent", "true or false"),
        ("[[sla]]\nkinds = [\"story\"]\nfirst_reply = \"1h\"", "sla[1].kinds", "story"),
        ("[[sla]]\nplatforms = [\"myspace\"]\nfirst_reply = \"1h\"", "sla[1].platforms", "myspace"),
        ("[[sla]]\nfirst_reply = 1.5", "sla[1].first_reply", "not a duration"),
        ("[extras]\nx = 1", "extras", "(ignored)"),
        ("organisation = \"Mercy\"", "organisation", "expected a table"),
        ("sla = \"fast\"", "sla", "expected [[sla]] tables"),
    ])
    func badValue(_ text: String, key: String, messageContains: String) throws {
        let result = try parse(text)
        let problem = try #require(result.problems.first { $0.key == key }, "problems: \(result.problems)")
        #expect(problem.message.contains(messageContains))
        #expect(problem.source == "test.toml")
        #expect(problem.description.hasPrefix("test.toml: \(key): "))
    }

    @Test("An unknown time zone keeps the default (UTC) and the rest of the organisation")
    func unknownTimeZone() throws {
        let result = try parse("""
            [organisation]
            name = "Test Clinic"
            time_zone = "Mars/Olympus_Mons"
            phones = "555-0100"
            """)
        #expect(result.problems.count == 1)
        #expect(result.config.organisation.timeZone == TimeZone(identifier: "UTC"))
        #expect(result.config.organisation.name == "Test Clinic")
        #expect(result.config.organisation.phones == ["555-0100"])  // a single string is a list of one
        #expect(result.config.calendar.timeZone == TimeZone(identifier: "UTC"))
    }

    @Test("A bad span drops that span only; other days and spans still apply")
    func badSpanKeepsOthers() throws {
        let result = try parse("""
            [business_hours]
            time_zone = "Europe/London"
            monday = ["9-5", "13:00-17:00"]
            tuesday = "08:00-12:00"
            saturday = ["22:00-06:00"]
            holidays = [2026-12-25, "2026-12-26"]
            """)
        #expect(result.problems.map(\.key) == ["business_hours.monday[1]"])
        let cal = result.config.calendar
        #expect(cal.timeZone.identifier == "Europe/London")
        #expect(cal.weekly[2] == [span("13:00-17:00")!])
        #expect(cal.weekly[3] == [span("08:00-12:00")!])
        #expect(cal.weekly[7] == [OpeningSpan(start: 22 * 60, end: 30 * 60)])
        #expect(cal.weekly[4] == nil)
        #expect(cal.holidays == ["2026-12-25", "2026-12-26"])  // a TOML date and a string
    }

    @Test("holidays written as a single string is honoured or reported, never silently dropped")
    func holidaysNotAList() throws {
        let result = try parse("""
            [business_hours]
            monday = ["09:00-17:00"]
            holidays = "2026-12-25"
            """)
        let honoured = result.config.calendar.holidays == ["2026-12-25"]
        let reported = result.problems.contains { $0.key == "business_hours.holidays" }
        #expect(honoured || reported, "holidays: \(result.config.calendar.holidays), problems: \(result.problems)")
    }

    @Test("A misspelt key in an [[sla]] table is reported (it would silently widen the match)")
    func unknownPolicyKey() throws {
        // Given "kind" for "kinds": without a report the policy quietly becomes a catch-all.
        let result = try parse("""
            [[sla]]
            name = "questions"
            kind = ["question"]
            first_reply = "2h"
            """)
        #expect(result.problems.map(\.key) == ["sla[1].kind"])
        #expect(result.problems.first?.message.contains("unknown key") == true)
    }

    @Test("A misspelt key in [organisation] is reported")
    func unknownOrganisationKey() throws {
        let result = try parse("""
            [organisation]
            time_zome = "America/Chicago"
            """)
        #expect(result.problems.map(\.key) == ["organisation.time_zome"])
    }

    @Test("An empty file gives the defaults with no problems")
    func emptyFile() throws {
        let result = try parse("")
        #expect(result.problems == [])
        #expect(result.config.policies == SLAPolicy.hospitalDefaults)
        #expect(result.config.organisation == Organisation())
        #expect(result.config.calendar == BusinessCalendar.officeHours(TimeZone(identifier: "UTC")!))
    }
}

@Suite("Config locator")
struct ConfigLocatorTests {
    /// A fresh temporary directory, removed afterwards.
    private func withTempDir(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    private func createConfig(under base: String, text: String = "") throws -> String {
        try FileManager.default.createDirectory(atPath: base + "/rounds", withIntermediateDirectories: true)
        let path = base + "/rounds/config.toml"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test("--config wins over ROUNDS_CONFIG, which wins over XDG_CONFIG_HOME")
    func precedence() throws {
        try withTempDir { dir in
            let xdgFile = try createConfig(under: dir)
            #expect(xdgFile == dir + "/rounds/config.toml")
            let env = ["XDG_CONFIG_HOME": dir, "ROUNDS_CONFIG": "/elsewhere/env.toml", "HOME": "/nonexistent-home"]
            #expect(ConfigLocator.path(explicit: "/explicit/cli.toml", environment: env) == "/explicit/cli.toml")
            #expect(ConfigLocator.path(explicit: nil, environment: env) == "/elsewhere/env.toml")
            var noEnvVar = env
            noEnvVar["ROUNDS_CONFIG"] = ""  // empty counts as unset
            #expect(ConfigLocator.path(explicit: nil, environment: noEnvVar) == xdgFile)
            noEnvVar["ROUNDS_CONFIG"] = nil
            #expect(ConfigLocator.path(explicit: nil, environment: noEnvVar) == xdgFile)
        }
    }

    @Test("No file at the default place: nil")
    func noFile() throws {
        try withTempDir { dir in
            #expect(ConfigLocator.path(explicit: nil, environment: ["XDG_CONFIG_HOME": dir]) == nil)
            #expect(ConfigLocator.path(explicit: nil, environment: ["HOME": dir]) == nil)
        }
    }

    @Test("HOME/.config/rounds/config.toml is found when XDG_CONFIG_HOME is not set")
    func homeConfig() throws {
        try withTempDir { dir in
            let file = try createConfig(under: dir + "/.config")
            #expect(ConfigLocator.path(explicit: nil, environment: ["HOME": dir]) == file)
        }
    }

    @Test("defaultPath: XDG_CONFIG_HOME when absolute, else HOME/.config", arguments: [
        (["XDG_CONFIG_HOME": "/xdg", "HOME": "/home/dana"], "/xdg/rounds/config.toml"),
        (["XDG_CONFIG_HOME": "relative/xdg", "HOME": "/home/dana"], "/home/dana/.config/rounds/config.toml"),
        (["XDG_CONFIG_HOME": "", "HOME": "/home/dana"], "/home/dana/.config/rounds/config.toml"),
        (["HOME": "/home/dana"], "/home/dana/.config/rounds/config.toml"),
    ])
    func defaultPath(_ env: [String: String], expected: String) {
        #expect(ConfigLocator.defaultPath(environment: env) == expected)
    }

    @Test("load: no file gives the built-in config; a file is parsed with its path as source")
    func load() throws {
        try withTempDir { dir in
            let none = try ConfigLocator.load(explicit: nil, environment: ["XDG_CONFIG_HOME": dir])
            #expect(none.config.source == "built-in defaults")
            #expect(none.problems == [])

            let path = try createConfig(under: dir, text: "[organisation]\nname = \"Test Clinic\"\n[[sla]]\nfirst_reply = \"soon\"\nname = \"x\"\n")
            let loaded = try ConfigLocator.load(explicit: nil, environment: ["XDG_CONFIG_HOME": dir])
            #expect(loaded.config.source == path)
            #expect(loaded.config.organisation.name == "Test Clinic")
            #expect(loaded.problems.first?.description.hasPrefix(path + ": sla[1].first_reply") == true)
        }
    }

    @Test("load: an explicit file that does not exist or is not TOML throws with the path")
    func loadErrors() throws {
        try withTempDir { dir in
            let missing = dir + "/missing.toml"
            do throws(ConfigProblem) {
                _ = try ConfigLocator.load(explicit: missing, environment: [:])
                Issue.record("expected an error")
            } catch {
                #expect(error.source == missing)
                #expect(error.message.contains("cannot read"))
            }
            let bad = dir + "/bad.toml"
            try "[organisation\n".write(toFile: bad, atomically: false, encoding: .utf8)
            do throws(ConfigProblem) {
                _ = try ConfigLocator.load(explicit: bad, environment: [:])
                Issue.record("expected an error")
            } catch {
                #expect(error.source == bad)
                #expect(error.line == 1)
            }
        }
    }
}
