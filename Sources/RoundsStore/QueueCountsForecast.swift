import Foundation

/// The status-bar counts over a span of time, computed in memory from one snapshot of the store
/// (``AppDatabase/countsForecast(horizon:)``): what the open inbox shows every few seconds
/// without reading the database while nothing is written.
///
/// An open item is breached once `dueAt <= t`, and due soon while `warnAt <= t < dueAt`; so
/// between two instants only the items whose `dueAt` or `warnAt` falls between them change
/// class. The forecast keeps those few (their times as the store writes them, compared as the
/// store compares them) and the counts of all the others.
public struct QueueCountsForecast: Sendable, Hashable {
    /// The due and warning times of one item, as stored (`YYYY-MM-DD HH:MM:SS.SSS`, UTC).
    struct Times: Sendable, Hashable {
        var due: String?
        var warn: String?
    }

    /// The span the forecast answers for, inclusive.
    public let from: Date
    public let until: Date
    /// The counts of the items that do not change class in the span.
    private var steady: QueueCounts
    /// The items that do.
    private let changing: [Times]

    init(from: Date, until: Date, countsAtStart: QueueCounts, changing: [Times]) {
        self.from = from
        self.until = until
        self.changing = changing
        var steady = countsAtStart
        let start = StoreDate.text(from)
        for t in changing {
            let (breached, dueSoon) = Self.classify(t, at: start)
            if breached { steady.breached -= 1 }
            if dueSoon { steady.dueSoon -= 1 }
        }
        self.steady = steady
    }

    /// How many items the span's changes concern (for tests and the benchmark).
    public var changingCount: Int { changing.count }

    /// The counts at `date`, or nil when `date` is outside the span (ask the store again).
    public func counts(at date: Date) -> QueueCounts? {
        guard date >= from, date <= until else { return nil }
        let at = StoreDate.text(date)
        var c = steady
        for t in changing {
            let (breached, dueSoon) = Self.classify(t, at: at)
            if breached { c.breached += 1 }
            if dueSoon { c.dueSoon += 1 }
        }
        return c
    }

    /// The same comparisons as the counting query's SQL, on the same text.
    private static func classify(_ t: Times, at: String) -> (breached: Bool, dueSoon: Bool) {
        guard let due = t.due else { return (false, false) }
        if due <= at { return (true, false) }
        guard let warn = t.warn else { return (false, false) }
        return (false, warn <= at)
    }
}
