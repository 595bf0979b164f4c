import Foundation

/// A span of opening hours on one weekday, in minutes after local midnight. `end` may pass
/// midnight (a night shift 22:00–06:00 is `start: 1320, end: 1800`).
public struct OpeningSpan: Sendable, Hashable, Codable {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        precondition(start >= 0 && start < 1440 && end > start && end - start <= 1440, "bad opening span \(start)–\(end)")
        self.start = start
        self.end = end
    }

    /// Parses `09:00-17:00` or `22:00-06:00` (an end before the start passes midnight).
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let s = Self.minutes(parts[0]), let e0 = Self.minutes(parts[1]) else { return nil }
        var e = e0
        if e <= s { e += 1440 }  // past midnight ("24:00" = 1440 is allowed as an end)
        guard s < 1440, e - s <= 1440, e > s else { return nil }
        self.start = s
        self.end = e
    }

    static func minutes(_ t: String) -> Int? {
        let hm = t.split(separator: ":")
        guard hm.count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m) else { return nil }
        let v = h * 60 + m
        return v <= 1440 ? v : nil
    }

    public var description: String {
        func f(_ m: Int) -> String { String(format: "%02d:%02d", (m / 60) % 24 == 0 && m == 1440 ? 24 : (m / 60) % 24, m % 60) }
        return "\(f(start))-\(f(end))"
    }
}

/// When the clock runs for an SLA: around the clock, or in business hours.
///
/// Business hours are weekly spans in an IANA time zone, minus holidays (a span that starts on a
/// holiday is skipped). Daylight-saving changes are handled by computing every opening and closing
/// instant in the zone's local time.
public struct BusinessCalendar: Sendable, Hashable {
    // Immutable: copies share one cache of computed days.
    public let timeZone: TimeZone
    /// Opening spans by weekday, 1 = Sunday … 7 = Saturday (Foundation's numbering).
    public let weekly: [Int: [OpeningSpan]]
    /// Holidays as local dates `YYYY-MM-DD`.
    public let holidays: Set<String>
    /// True for a calendar that is always open (no spans needed).
    public let aroundTheClock: Bool

    public static func == (a: BusinessCalendar, b: BusinessCalendar) -> Bool {
        a.timeZone == b.timeZone && a.weekly == b.weekly && a.holidays == b.holidays && a.aroundTheClock == b.aroundTheClock
    }

    public func hash(into h: inout Hasher) {
        h.combine(timeZone)
        h.combine(holidays)
        h.combine(aroundTheClock)
    }

    public init(timeZone: TimeZone, weekly: [Int: [OpeningSpan]], holidays: Set<String> = []) {
        self.timeZone = timeZone
        // Spans may be listed in any order; the walk below needs them by start time.
        self.weekly = weekly.mapValues { $0.sorted { $0.start < $1.start } }
        self.holidays = holidays
        self.aroundTheClock = false
    }

    /// A clock that never stops.
    public static let always = BusinessCalendar(timeZone: TimeZone(identifier: "UTC")!, aroundTheClock: ())

    private init(timeZone: TimeZone, aroundTheClock: Void) {
        self.timeZone = timeZone
        weekly = [:]
        holidays = []
        self.aroundTheClock = true
    }

    /// Monday to Friday, 09:00–17:00 in `timeZone`.
    public static func officeHours(_ timeZone: TimeZone, holidays: Set<String> = []) -> BusinessCalendar {
        let span = OpeningSpan(start: 9 * 60, end: 17 * 60)
        return BusinessCalendar(timeZone: timeZone, weekly: [2: [span], 3: [span], 4: [span], 5: [span], 6: [span]], holidays: holidays)
    }

    /// How far ahead `adding` and `businessTime` look before giving up (a calendar with no hours).
    static let horizonDays = 800

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// Opening intervals by local day, computed once per day: Foundation's calendar arithmetic
    /// is the expensive part of a deadline, and an import asks about the same few days.
    private let cache = IntervalCache()

    /// The opening intervals (absolute instants) of the local day that starts at `dayStart`.
    private func intervals(onDayStarting dayStart: Date, _ cal: Calendar) -> [Range<Date>] {
        let comps = cal.dateComponents([.year, .month, .day, .weekday], from: dayStart)
        guard let y = comps.year, let m = comps.month, let d = comps.day, let wd = comps.weekday else { return [] }
        let key = String(format: "%04d-%02d-%02d", y, m, d)
        if holidays.contains(key) { return [] }
        guard let spans = weekly[wd] else { return [] }
        var out: [Range<Date>] = []
        for span in spans {
            guard let open = localTime(y, m, d, minutes: span.start, cal),
                  let close = localTime(y, m, d, minutes: span.end, cal), close > open else { continue }
            out.append(open..<close)
        }
        return out
    }

    /// The instant of local wall time `minutes` after midnight of y-m-d (minutes may exceed a day).
    private func localTime(_ y: Int, _ m: Int, _ d: Int, minutes: Int, _ cal: Calendar) -> Date? {
        var c = DateComponents()
        c.year = y; c.month = m; c.day = d + minutes / 1440
        c.hour = (minutes % 1440) / 60
        c.minute = minutes % 60
        // A wall time inside a spring-forward gap moves to the next valid time.
        return cal.date(from: c)
    }

    /// Opening intervals that may overlap `[from, …)`, in order, day by day.
    ///
    /// Days already computed are found by bisection in the cache, with no Foundation calendar
    /// call (each costs microseconds on Linux, and an import or a summary asks two deadlines per
    /// item); only a day not seen yet is computed.
    private func forEachInterval(from: Date, _ body: (Range<Date>) -> Bool) {
        var lazyCalendar: Calendar?
        func cal() -> Calendar {
            if let c = lazyCalendar { return c }
            let c = calendar
            lazyCalendar = c
            return c
        }
        /// The local day that holds `t`, from the cache or computed.
        func day(containing t: Date) -> LocalDay? {
            if let hit = cache.day(containing: t) { return hit }
            let c = cal()
            let start = c.startOfDay(for: t)
            let next = c.date(byAdding: .day, value: 1, to: start).map { c.startOfDay(for: $0.addingTimeInterval(3 * 3600)) }  // robust across DST days
            guard let next, next > start, t < next else { return nil }
            return cache.insert(LocalDay(start: start, next: next, ranges: intervals(onDayStarting: start, c)))
        }
        guard let first = day(containing: from) else { return }
        // Start a day early: yesterday's span may run past midnight into `from`.
        var current = day(containing: first.start.addingTimeInterval(-1)) ?? first
        for _ in 0..<Self.horizonDays {
            for r in current.ranges where r.upperBound > from {
                if !body(r) { return }
            }
            guard let next = day(containing: current.next) else { return }
            current = next
        }
    }

    /// The instant when `duration` of open time has passed since `start`.
    /// Returns `nil` if the calendar has no open time within its horizon.
    public func adding(_ duration: TimeInterval, to start: Date) -> Date? {
        if aroundTheClock { return start.addingTimeInterval(duration) }
        var remaining = duration
        var result: Date?
        var lastEnd = Date.distantPast
        forEachInterval(from: start) { r in
            let lo = max(r.lowerBound, start, lastEnd)
            guard r.upperBound > lo else { return true }
            lastEnd = r.upperBound
            let length = r.upperBound.timeIntervalSince(lo)
            if remaining <= length {
                result = lo.addingTimeInterval(remaining)
                return false
            }
            remaining -= length
            return true
        }
        if duration <= 0 { return start }
        return result
    }

    /// Open time between `from` and `to` (zero when `to` is not after `from`).
    public func businessTime(from: Date, to: Date) -> TimeInterval {
        guard to > from else { return 0 }
        if aroundTheClock { return to.timeIntervalSince(from) }
        var total: TimeInterval = 0
        var lastEnd = Date.distantPast
        forEachInterval(from: from) { r in
            if r.lowerBound >= to { return false }
            let lo = max(r.lowerBound, from, lastEnd)
            let hi = min(r.upperBound, to)
            if hi > lo { total += hi.timeIntervalSince(lo) }
            lastEnd = max(lastEnd, r.upperBound)
            return true
        }
        return total
    }

    /// True when `date` falls inside opening hours.
    public func isOpen(at date: Date) -> Bool {
        if aroundTheClock { return true }
        var open = false
        forEachInterval(from: date) { r in
            if r.lowerBound > date { return false }
            if r.contains(date) { open = true; return false }
            return true
        }
        return open
    }
}

/// One local day of a calendar: `[start, next)` in absolute time, and its opening intervals.
struct LocalDay: Sendable {
    var start: Date
    var next: Date
    var ranges: [Range<Date>]
}

/// A small thread-safe memo of a calendar's days, sorted by start, so the day holding an instant
/// is found by bisection.
final class IntervalCache: @unchecked Sendable {
    private let lock = NSLock()
    private var days: [LocalDay] = []

    /// The cached day with `start <= t < next`, if any.
    func day(containing t: Date) -> LocalDay? {
        lock.lock(); defer { lock.unlock() }
        let i = firstIndex(startingAfter: t)
        guard i > 0 else { return nil }
        let d = days[i - 1]
        return t < d.next ? d : nil
    }

    /// Adds a computed day (another thread may have added it meanwhile) and returns it.
    func insert(_ day: LocalDay) -> LocalDay {
        lock.lock(); defer { lock.unlock() }
        if days.count >= 4096 { days.removeAll(keepingCapacity: true) }
        let i = firstIndex(startingAfter: day.start)
        if i > 0, days[i - 1].start == day.start { return days[i - 1] }
        days.insert(day, at: i)
        return day
    }

    /// The index of the first day whose start is after `t` (bisection; the lock is held).
    private func firstIndex(startingAfter t: Date) -> Int {
        var lo = 0, hi = days.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid].start <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
