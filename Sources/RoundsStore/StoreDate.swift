import Foundation
import GRDB
import RoundsCore
import RoundsIngest

/// Dates as GRDB stores them (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), written without `DateFormatter`,
/// which costs several microseconds a call on Linux and dominated bulk imports. GRDB reads the
/// text back as usual, and text comparison keeps time order.
enum StoreDate {
    static func text(_ date: Date) -> String {
        let f = RFC3339.fields(date)
        var bytes = [UInt8](repeating: 0, count: 23)
        func put(_ v: Int, _ at: Int, _ n: Int) {
            var v = v
            for k in stride(from: at + n - 1, through: at, by: -1) { bytes[k] = UInt8(48 + v % 10); v /= 10 }
        }
        put(f.year, 0, 4); bytes[4] = 45; put(f.month, 5, 2); bytes[7] = 45; put(f.day, 8, 2); bytes[10] = 32
        put(f.hour, 11, 2); bytes[13] = 58; put(f.minute, 14, 2); bytes[16] = 58; put(f.second, 17, 2); bytes[19] = 46
        put(f.millisecond, 20, 3)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func value(_ date: Date?) -> DatabaseValue { date.map { text($0).databaseValue } ?? .null }

    /// The date in `column`, read from the text the store writes without GRDB's general date
    /// parser (which builds each date through Foundation's calendar: ≈ 15 µs a queue row of
    /// seven dates on Linux); any other form of date through GRDB as before.
    static func date(_ row: Row, _ column: Int) -> Date {
        if let fast = fastDate(row[column] as DatabaseValue) { return fast }
        return row[column]
    }

    /// ``date(_:_:)`` for a column that may be NULL.
    static func optionalDate(_ row: Row, _ column: Int) -> Date? {
        let value = row[column] as DatabaseValue
        if value.isNull { return nil }
        return fastDate(value) ?? row[column]
    }

    private static func fastDate(_ value: DatabaseValue) -> Date? {
        guard case .string(let text) = value.storage, let ms = milliseconds(text) else { return nil }
        return date(ms: ms)
    }

    /// The instant `ms` milliseconds after 1970.
    static func date(ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}

/// Triage reasons as stored JSON (`[{"rule": …, "evidence": …}]`), without `JSONEncoder`.
enum ReasonsJSON {
    static func encode(_ reasons: [TriageReason]) -> String {
        var out = "["
        for (i, r) in reasons.enumerated() {
            if i > 0 { out += "," }
            out += "{\"rule\":" + quote(r.rule) + ",\"evidence\":" + quote(r.evidence)
            if let range = r.range { out += ",\"range\":[\(range.lowerBound),\(range.upperBound)]" }
            out += "}"
        }
        return out + "]"
    }

    static func quote(_ s: String) -> String { JSONText.quote(s) }
}
