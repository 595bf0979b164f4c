import Foundation
import RoundsCore
import TOMLKit

/// A problem in a config file, with its place: `config.toml: sla[2].first_reply: not a duration: "soon"`.
public struct ConfigProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    /// Line and column, when the TOML parser knows them.
    public var line: Int?
    public var column: Int?
    /// The key path at fault (`sla[2].first_reply`).
    public var key: String?
    public var message: String

    public var description: String {
        var s = source
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        if let key { s += ": \(key)" }
        return s + ": " + message
    }
}

/// Reads the TOML config. A syntax error is fatal (nothing can be trusted); a bad value is
/// reported and replaced by its default, so the rest of the file still applies.
public enum ConfigParser {
    public struct Result: Sendable {
        public var config: RoundsConfiguration
        public var problems: [ConfigProblem]
    }

    public static func parse(_ text: String, source: String) throws(ConfigProblem) -> Result {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigProblem(source: source, line: e.source.begin.line, column: e.source.begin.column, key: nil, message: e.description)
        } catch {
            throw ConfigProblem(source: source, message: "\(error)")
        }
        var p = Reader(source: source)
        let config = p.read(table)
        return Result(config: config, problems: p.problems)
    }

    private struct Reader {
        let source: String
        var problems: [ConfigProblem] = []

        init(source: String) { self.source = source }

        mutating func problem(_ key: String, _ message: String) {
            problems.append(ConfigProblem(source: source, key: key, message: message))
        }

        mutating func string(_ t: TOMLTable, _ key: String, _ path: String) -> String? {
            guard let v = t[key] else { return nil }
            guard let s = v.string else { problem(path + key, "expected a string"); return nil }
            return s
        }

        mutating func strings(_ t: TOMLTable, _ key: String, _ path: String) -> [String]? {
            guard let v = t[key] else { return nil }
            if let s = v.string { return [s] }
            guard let a = v.array else { problem(path + key, "expected a list of strings"); return nil }
            var out: [String] = []
            for (i, e) in a.enumerated() {
                guard let s = e.string else { problem("\(path)\(key)[\(i + 1)]", "expected a string"); continue }
                out.append(s)
            }
            return out
        }

        mutating func duration(_ t: TOMLTable, _ key: String, _ path: String) -> TimeInterval? {
            guard let v = t[key] else { return nil }
            if let n = v.int {  // a bare number means minutes
                guard n > 0 else { problem(path + key, "must be more than zero: \(n)"); return nil }
                return TimeInterval(n) * 60
            }
            guard let s = v.string, let d = DurationText.parse(s), d > 0 else {
                problem(path + key, "not a duration: \(v) (write e.g. \"15m\", \"2h\", \"1h30m\", \"1d\")")
                return nil
            }
            return d
        }

        mutating func read(_ root: TOMLTable) -> RoundsConfiguration {
            let known = ["organisation", "business_hours", "sla", "keys", "replies"]
            for key in root.keys where !known.contains(key) { problem(key, "unknown section (ignored)") }
            var org = Organisation()
            if let v = root["organisation"] {
                if let o = v.table { org = organisation(o) } else { problem("organisation", "expected a table") }
            }
            var calendar = BusinessCalendar.officeHours(org.timeZone)
            if let v = root["business_hours"] {
                if let b = v.table { calendar = businessHours(b, zone: org.timeZone) } else { problem("business_hours", "expected a table") }
            }
            var policies = SLAPolicy.hospitalDefaults
            if let v = root["sla"] {
                if let a = v.array {
                    var read: [SLAPolicy] = []
                    for (i, e) in a.enumerated() {
                        guard let t = e.table else { problem("sla[\(i + 1)]", "expected a table"); continue }
                        if let p = policy(t, index: i + 1) { read.append(p) }
                    }
                    if !read.isEmpty { policies = read } else { problem("sla", "no usable policy; using the defaults") }
                } else {
                    problem("sla", "expected [[sla]] tables")
                }
            }
            var config = RoundsConfiguration(organisation: org, policies: policies, calendar: calendar, source: source)
            if let v = root["keys"] {
                if let t = v.table {
                    for key in t.keys {
                        if let spec = t[key]?.string { config.keys[key] = spec } else { problem("keys.\(key)", "expected a key name in quotes, e.g. \"r\" or \"C-d\"") }
                    }
                } else {
                    problem("keys", "expected a table")
                }
            }
            if let v = root["replies"] {
                if let t = v.table {
                    unknownKeys(t, "replies.", known: ["jargon"])
                    config.extraJargon = strings(t, "jargon", "replies.") ?? []
                } else {
                    problem("replies", "expected a table")
                }
            }
            return config
        }

        mutating func unknownKeys(_ t: TOMLTable, _ path: String, known: [String]) {
            for key in t.keys where !known.contains(key) { problem(path + key, "unknown key (ignored)") }
        }

        mutating func organisation(_ t: TOMLTable) -> Organisation {
            var o = Organisation()
            let p = "organisation."
            unknownKeys(t, p, known: ["name", "phones", "phone", "emails", "email", "portal_url", "emergency_number", "crisis_line", "time_zone"])
            if let s = string(t, "name", p) { o.name = s }
            if let s = strings(t, "phones", p) ?? strings(t, "phone", p) { o.phones = s }
            if let s = strings(t, "emails", p) ?? strings(t, "email", p) { o.emails = s }
            o.portalURL = string(t, "portal_url", p)
            if let s = string(t, "emergency_number", p) { o.emergencyNumber = s }
            if let s = string(t, "crisis_line", p) { o.crisisLine = s }
            if let s = string(t, "time_zone", p) {
                if let z = TimeZone(identifier: s) { o.timeZone = z } else { problem(p + "time_zone", "unknown time zone \"\(s)\" (use an IANA name such as America/Chicago)") }
            }
            return o
        }

        static let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

        mutating func businessHours(_ t: TOMLTable, zone: TimeZone) -> BusinessCalendar {
            let p = "business_hours."
            var tz = zone
            if let s = string(t, "time_zone", p) {
                if let z = TimeZone(identifier: s) { tz = z } else { problem(p + "time_zone", "unknown time zone \"\(s)\"") }
            }
            var weekly: [Int: [OpeningSpan]] = [:]
            for (i, day) in Self.days.enumerated() {
                guard let spans = strings(t, day, p) else { continue }
                for (k, text) in spans.enumerated() {
                    guard let span = OpeningSpan(parsing: text) else {
                        problem("\(p)\(day)[\(k + 1)]", "not a span: \"\(text)\" (write \"09:00-17:00\")")
                        continue
                    }
                    weekly[i + 1, default: []].append(span)
                }
            }
            var holidays = Set<String>()
            if let v = t["holidays"], let one = v.string {
                if one.count == 10, RFC3339.parse(one + "T00:00:00Z") != nil { holidays.insert(one) } else { problem(p + "holidays", "not a date (write [\"2026-12-25\"])") }
            } else if let v = t["holidays"], let a = v.array {
                for (i, e) in a.enumerated() {
                    if let s = e.string, s.count == 10, RFC3339.parse(s + "T00:00:00Z") != nil {
                        holidays.insert(s)
                    } else if let d = e.date {
                        holidays.insert(String(format: "%04d-%02d-%02d", d.year, d.month, d.day))
                    } else {
                        problem("\(p)holidays[\(i + 1)]", "not a date (write \"2026-12-25\")")
                    }
                }
            }
            for key in t.keys where !(Self.days + ["time_zone", "holidays"]).contains(key) {
                problem(p + key, "unknown key (ignored)")
            }
            return BusinessCalendar(timeZone: tz, weekly: weekly, holidays: holidays)
        }

        mutating func policy(_ t: TOMLTable, index: Int) -> SLAPolicy? {
            let p = "sla[\(index)]."
            unknownKeys(t, p, known: ["name", "urgent", "route", "kinds", "platforms", "first_reply", "next_reply", "due_soon", "clock"])
            let name = string(t, "name", p) ?? "policy \(index)"
            var match = SLAMatch()
            if let v = t["urgent"] {
                if let b = v.bool { match.urgent = b } else { problem(p + "urgent", "expected true or false") }
            }
            if let s = string(t, "route", p) {
                if let r = Route(rawValue: s) { match.route = r } else { problem(p + "route", "unknown route \"\(s)\" (answer_in_thread or redirect_private)"); return nil }
            }
            if let ks = strings(t, "kinds", p) {
                var set = Set<ItemKind>()
                for k in ks {
                    if let kind = ItemKind(rawValue: k) { set.insert(kind) } else { problem(p + "kinds", "unknown kind \"\(k)\"") }
                }
                match.kinds = set
            }
            if let ps = strings(t, "platforms", p) {
                var set = Set<Platform>()
                for k in ps {
                    if let pl = Platform(rawValue: k) { set.insert(pl) } else { problem(p + "platforms", "unknown platform \"\(k)\"") }
                }
                match.platforms = set
            }
            guard let first = duration(t, "first_reply", p) else {
                if t["first_reply"] == nil { problem(p + "first_reply", "missing (policy \"\(name)\" skipped)") }
                return nil
            }
            let next = duration(t, "next_reply", p)
            let soon = duration(t, "due_soon", p)
            var clock = SLAClock.aroundTheClock
            if let s = string(t, "clock", p) {
                if let c = SLAClock(rawValue: s) { clock = c } else { problem(p + "clock", "unknown clock \"\(s)\" (around_the_clock or business_hours)") }
            }
            return SLAPolicy(name: name, match: match, firstReply: first, nextReply: next, dueSoon: soon, clock: clock)
        }
    }
}

/// Finds and loads the config file.
public enum ConfigLocator {
    /// `--config`, else `ROUNDS_CONFIG`, else `$XDG_CONFIG_HOME/rounds/config.toml`
    /// (`~/.config/rounds/config.toml`). Returns `nil` when no file exists there.
    public static func path(explicit: String?, environment: [String: String]) -> String? {
        if let explicit { return explicit }
        if let env = environment["ROUNDS_CONFIG"], !env.isEmpty { return env }
        let path = defaultPath(environment: environment)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    public static func defaultPath(environment: [String: String]) -> String {
        let base: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        }
        return base + "/rounds/config.toml"
    }

    /// Loads the config (or the built-in defaults when there is no file).
    public static func load(explicit: String?, environment: [String: String]) throws(ConfigProblem) -> ConfigParser.Result {
        guard let path = path(explicit: explicit, environment: environment) else {
            return ConfigParser.Result(config: .builtIn, problems: [])
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigProblem(source: path, message: "cannot read the config file (\((error as NSError).localizedDescription))")
        }
        return try ConfigParser.parse(text, source: path)
    }
}
