import CSV
import Foundation
import RoundsCore
import RoundsStore

/// The summary as CSV, written with CSV.swift: one file with a row per item in the report, and a
/// second, long-format file of totals (`figure,group,value`). UTF-8, LF line ends, a header row,
/// every row with the same number of fields; times are local with their offset
/// (`2026-11-24T09:05:00-05:00`); free text is cleaned and guarded against spreadsheet formulas
/// (``SummaryText/spreadsheet(_:)``). Pure functions of the summary.
public enum CSVExporter {
    /// The columns of the items file, in order (`text` only with texts included).
    public static let itemColumns = [
        "number", "id", "platform", "kind", "triage_route", "final_route", "urgent", "spam", "received", "first_response_at",
        "first_reply_minutes", "sla_policy", "sla_target_minutes", "sla_clock", "sla_due", "sla_result", "over_by_minutes",
        "channel", "agent", "identifiers_detected", "status_at_end",
    ]

    /// One row per item in the report.
    public static func items(_ s: ShiftSummary) throws -> String {
        let tz = s.window.timeZone
        func time(_ d: Date?) -> String { d.map { ReportTime.rfc3339($0, tz) } ?? "" }
        var rows: [[String]] = [itemColumns + (s.includesText ? ["text"] : [])]
        for i in s.items {
            var row = [
                String(i.number), SummaryText.spreadsheet(i.id), i.platform.rawValue, i.kind.rawValue, i.triageRoute.rawValue, i.finalRoute.rawValue,
                bool(i.urgent), bool(i.spam), time(i.receivedAt), time(i.firstResponseAt), minutes(i.firstReply),
                i.policy.map(SummaryText.spreadsheet) ?? "", minutes(i.target), i.clock?.rawValue ?? "", time(i.due), i.result.rawValue,
                minutes(i.over), i.channel?.rawValue ?? "", i.agent.map(SummaryText.spreadsheet) ?? "", bool(i.identifiersDetected),
                i.statusAtEnd.rawValue,
            ]
            if s.includesText { row.append(i.text.map(SummaryText.spreadsheet) ?? "") }
            rows.append(row)
        }
        return try write(rows)
    }

    /// The totals, one figure per row: `figure,group,value` (see `Docs/summary.md` for the figures).
    public static func totals(_ s: ShiftSummary) throws -> String {
        let tz = s.window.timeZone
        var rows: [[String]] = [["figure", "group", "value"]]
        func add(_ figure: String, _ group: String = "", _ value: String) { rows.append([figure, SummaryText.spreadsheet(group), value]) }
        add("schema", "", JSONExporter.schema)
        add("schema_version", "", "\(JSONExporter.schemaVersion)")
        add("window_start", "", ReportTime.rfc3339(s.window.start, tz))
        add("window_end", "", ReportTime.rfc3339(s.window.end, tz))
        add("time_zone", "", tz.identifier)
        add("agent", "", s.agent.map(SummaryText.spreadsheet) ?? "")
        add("generated_at", "", ReportTime.rfc3339(s.generatedAt, tz))
        let t = s.totals
        add("received", "", "\(t.received)")
        add("answered_in_thread", "", "\(t.answeredInThread)")
        for ch in [ResponseChannel.privateMessage, .email, .phone] { add("redirected", ch.rawValue, "\(t.redirected[ch] ?? 0)") }
        add("escalated", "", "\(t.escalated)")
        add("spam_hidden", "", "\(t.spamHidden)")
        add("no_reply_needed", "", "\(t.noReplyNeeded)")
        add("still_open", "", "\(t.stillOpen)")
        add("still_open_unanswered", "", "\(t.stillOpenUnanswered)")
        add("answered", "", "\(t.answered)")
        add("response_rate_percent", "", t.responseRate.map { String(format: "%.1f", $0 * 100) } ?? "")
        add("responses", "", "\(t.responses)")
        add("first_reply_count", "", "\(s.firstReply.count)")
        add("first_reply_median_minutes", "", minutes(s.firstReply.median))
        add("first_reply_p90_minutes", "", minutes(s.firstReply.p90))
        add("first_reply_max_minutes", "", minutes(s.firstReply.max))
        func sla(_ group: String, _ c: ShiftSummary.SLACount) {
            add("sla_met", group, "\(c.met)")
            add("sla_breached", group, "\(c.breached)")
            add("sla_met_percent", group, c.metPercent.map { String(format: "%.1f", $0) } ?? "")
        }
        sla("all", s.sla.overall)
        add("sla_pending", "all", "\(s.sla.pending)")
        for g in s.sla.byRoute { sla("route:" + g.key, g.count) }
        for g in s.sla.byPlatform { sla("platform:" + g.key, g.count) }
        for g in s.sla.byKind { sla("kind:" + g.key, g.count) }
        for g in s.sla.byAgent { sla("agent:" + g.key, g.count) }
        add("overrides", "", "\(s.overrides.count)")
        for d in s.overrides.byDirection { add("overrides", d.direction, "\(d.count)") }
        for b in s.hourly { add("first_replies_by_hour", ReportTime.two(b.hour) + ":00", "\(b.replies)") }
        add("handover", "", "\(s.handover.total)")
        return try write(rows)
    }

    /// The totals file that goes with an items file: `report.csv` → `report-totals.csv`.
    /// A path is kept as given (relative stays relative); only a final `.csv` (any case) is replaced.
    public static func totalsPath(for path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        let base = name.count > 4 && name.lowercased().hasSuffix(".csv") ? String(path.dropLast(4)) : path
        return base + "-totals.csv"
    }

    static func write(_ rows: [[String]]) throws -> String {
        let stream = OutputStream.toMemory()
        let csv = try CSVWriter(stream: stream)
        for row in rows { try csv.write(row: row) }
        csv.stream.close()
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { return "" }
        // CSVWriter ends the last row without a line break; files end with one.
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func bool(_ b: Bool) -> String { b ? "true" : "false" }

    static func minutes(_ t: TimeInterval?) -> String { t.map { String(format: "%.1f", $0 / 60) } ?? "" }
}
