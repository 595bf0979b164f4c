import Foundation
import RoundsCore
import RoundsStore

/// The stretch of time a summary covers: `[start, end)`, shown in a local time zone.
///
/// Build one with ``currentShift(agent:db:clock:timeZone:)`` (what `rounds summary` does by
/// default) or ``range(since:until:timeZone:)`` (`--since` / `--until`). Instants are UTC inside;
/// `timeZone` (the configured business calendar's zone) only changes how they are shown and how
/// "today" and the hourly buckets are cut.
public struct SummaryWindow: Sendable, Equatable {
    /// Where the window's start came from.
    public enum Source: Sendable, Equatable {
        /// A shift recorded with `rounds shift start` (and, if it has ended, `rounds shift end`).
        case shift(id: Int64, agent: String)
        /// No shift recorded today: from the agent's first action of the (local) day.
        case firstAction(agent: String)
        /// No shift and no action today: from local midnight.
        case startOfDay(agent: String)
        /// Given on the command line.
        case range
    }

    public var start: Date
    public var end: Date
    public var timeZone: TimeZone
    public var source: Source

    /// Errors building a window; each names the option at fault.
    public enum WindowError: Error, Equatable, CustomStringConvertible {
        case endNotAfterStart(start: Date, end: Date)
        case unreadableTime(option: String, text: String)

        public var description: String {
            switch self {
            case .endNotAfterStart(let s, let e):
                "--until (\(ReportTime.rfc3339(e, .gmt))) must be after --since (\(ReportTime.rfc3339(s, .gmt)))"
            case .unreadableTime(let option, let text):
                "\(option): not a time: \"\(text)\" (give 2026-11-24T09:00:00-05:00, 2026-11-24 09:00, 2026-11-24 or 09:00; local times are in the configured time zone)"
            }
        }
    }

    public init(start: Date, end: Date, timeZone: TimeZone, source: Source = .range) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.source = source
    }

    /// A window from `since` to `until`.
    /// - Throws: ``WindowError/endNotAfterStart(start:end:)`` when `until` is not after `since`.
    public static func range(since: Date, until: Date, timeZone: TimeZone) throws -> SummaryWindow {
        guard until > since else { throw WindowError.endNotAfterStart(start: since, end: until) }
        return SummaryWindow(start: since, end: until, timeZone: timeZone, source: .range)
    }

    /// The current shift of `agent`, as of `clock.now`:
    /// 1. their latest shift, if it is still open (`[start, now)`, even from yesterday: a night
    ///    shift) or ended today (`[start, end)`);
    /// 2. otherwise from their first action today (an event or a response) to now;
    /// 3. otherwise from local midnight to now.
    public static func currentShift(agent: String, db: AppDatabase, clock: any RoundsCore.Clock, timeZone: TimeZone) throws -> SummaryWindow {
        let now = clock.now
        let midnight = ReportTime.startOfDay(now, timeZone)
        if let shift = try db.latestShift(agent: agent, at: now), let id = shift.id {
            if let ended = shift.endedAt {
                if ended >= midnight, ended > shift.startedAt {
                    return SummaryWindow(start: shift.startedAt, end: ended, timeZone: timeZone, source: .shift(id: id, agent: agent))
                }
            } else if now > shift.startedAt {
                return SummaryWindow(start: shift.startedAt, end: now, timeZone: timeZone, source: .shift(id: id, agent: agent))
            }
        }
        if let first = try db.firstAction(agent: agent, from: midnight, to: now), first < now {
            return SummaryWindow(start: first, end: now, timeZone: timeZone, source: .firstAction(agent: agent))
        }
        // Midnight itself: a zero-length window would hide the day's figures.
        return SummaryWindow(start: midnight, end: max(now, midnight.addingTimeInterval(1)), timeZone: timeZone, source: .startOfDay(agent: agent))
    }

    /// Reads a time given on the command line: RFC 3339 with an offset, or a local
    /// `YYYY-MM-DD HH:MM[:SS]` (a `T` instead of the space also works), `YYYY-MM-DD` (midnight), or
    /// `HH:MM` (today, relative to `now`), in `timeZone`.
    public static func parseTime(_ text: String, option: String, now: Date, timeZone: TimeZone) throws -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let d = RFC3339.parse(t) { return d }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Date? {
            guard (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), (0...59).contains(s) else { return nil }
            let c = DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
            // A day that does not exist (2026-02-31) would roll over: refuse it.
            guard let date = cal.date(from: c) else { return nil }
            let back = cal.dateComponents([.year, .month, .day], from: date)
            return back.year == y && back.month == mo && back.day == d ? date : nil
        }
        func ints(_ s: Substring, _ sep: Character) -> [Int]? {
            let parts = s.split(separator: sep, omittingEmptySubsequences: false)
            let values = parts.compactMap { p in p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) && !p.isEmpty ? Int(p) : nil }
            return values.count == parts.count ? values : nil
        }
        let halves = t.split(whereSeparator: { $0 == " " || $0 == "T" })
        var result: Date?
        if halves.count == 1, let hm = ints(halves[0], ":"), hm.count == 2 || hm.count == 3 {
            let today = cal.dateComponents([.year, .month, .day], from: now)
            result = local(today.year!, today.month!, today.day!, hm[0], hm[1], hm.count == 3 ? hm[2] : 0)
        } else if halves.count == 1, let ymd = ints(halves[0], "-"), ymd.count == 3 {
            result = local(ymd[0], ymd[1], ymd[2], 0, 0, 0)
        } else if halves.count == 2, let ymd = ints(halves[0], "-"), ymd.count == 3, let hm = ints(halves[1], ":"), hm.count == 2 || hm.count == 3 {
            result = local(ymd[0], ymd[1], ymd[2], hm[0], hm[1], hm.count == 3 ? hm[2] : 0)
        }
        guard let result else { throw WindowError.unreadableTime(option: option, text: text) }
        return result
    }
}

/// Local times for reports: RFC 3339 with the zone's offset, and short human forms.
public enum ReportTime {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    struct Fields {
        var year, month, day, hour, minute, second, weekday, offset: Int
    }

    static func fields(_ date: Date, _ tz: TimeZone) -> Fields {
        let offset = tz.secondsFromGMT(for: date)
        // Whole seconds: reports never show milliseconds.
        let local = Date(timeIntervalSince1970: (date.timeIntervalSince1970 + Double(offset)).rounded(.down))
        let f = RFC3339.fields(local)
        let days = Int((local.timeIntervalSince1970 / 86_400).rounded(.down))
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        return Fields(year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second, weekday: weekday, offset: offset)
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let m = abs(seconds) / 60
        return "\(sign)\(two(m / 60)):\(two(m % 60))"
    }

    /// `2026-11-24T09:05:00-05:00`.
    public static func rfc3339(_ date: Date, _ tz: TimeZone) -> String {
        let f = fields(date, tz)
        return "\(f.year)-\(two(f.month))-\(two(f.day))T\(two(f.hour)):\(two(f.minute)):\(two(f.second))" + offsetText(f.offset)
    }

    /// `09:05`.
    public static func clock(_ date: Date, _ tz: TimeZone) -> String {
        let f = fields(date, tz)
        return "\(two(f.hour)):\(two(f.minute))"
    }

    /// `Tue 24 Nov 2026`.
    public static func day(_ date: Date, _ tz: TimeZone) -> String {
        let f = fields(date, tz)
        return "\(weekdays[f.weekday]) \(f.day) \(months[f.month - 1]) \(f.year)"
    }

    /// `09:05` when `date` falls on the same local day as `reference`, else `Mon 23 Nov 17:40`.
    public static func short(_ date: Date, _ tz: TimeZone, sameDayAs reference: Date) -> String {
        let f = fields(date, tz), r = fields(reference, tz)
        if f.year == r.year && f.month == r.month && f.day == r.day { return clock(date, tz) }
        return "\(weekdays[f.weekday]) \(f.day) \(months[f.month - 1]) \(two(f.hour)):\(two(f.minute))"
    }

    /// `UTC-05:00`.
    public static func utcOffset(_ date: Date, _ tz: TimeZone) -> String { "UTC" + offsetText(tz.secondsFromGMT(for: date)) }

    /// Local midnight of the day `date` falls on.
    public static func startOfDay(_ date: Date, _ tz: TimeZone) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        return cal.startOfDay(for: date)
    }

    /// The local hour (0–23) `date` falls in.
    public static func hour(_ date: Date, _ tz: TimeZone) -> Int { fields(date, tz).hour }
}
