import Foundation
import RoundsCore
import RoundsIngest
import RoundsStore

/// The summary as JSON, schema `rounds.summary/1`, `"schema_version": 1` (documented field by
/// field in `Docs/summary.md`). Keys come in a fixed order, two-space indented; durations are whole
/// seconds; times are local RFC 3339 with their offset; absent values are `null`. A later
/// incompatible change will name a new schema (`rounds.summary/2`); fields may be added to
/// version 1 without a new name. A pure function of the summary.
public enum JSONExporter {
    /// The schema's name, the first key of every document.
    public static let schema = "rounds.summary/1"
    /// The schema's version number (the `schema_version` key, second in every document): bumped
    /// with ``schema`` on an incompatible change.
    public static let schemaVersion = 1

    /// Renders `summary`; the text ends with a newline.
    public static func render(_ s: ShiftSummary) -> String {
        let tz = s.window.timeZone
        func time(_ d: Date?) -> JSON { d.map { .string(ReportTime.rfc3339($0, tz)) } ?? .null }
        func secs(_ t: TimeInterval?) -> JSON { t.map { .int(Int($0.rounded())) } ?? .null }
        func pct(_ p: Double?) -> JSON { p.map { .raw(String(format: "%.1f", $0)) } ?? .null }
        func str(_ v: String?) -> JSON { v.map { .string(SummaryText.clean($0)) } ?? .null }

        let source: (String, String?) = {
            switch s.window.source {
            case .shift(_, let a): ("shift", a)
            case .firstAction(let a): ("first_action", a)
            case .startOfDay(let a): ("start_of_day", a)
            case .range: ("range", nil)
            }
        }()
        let t = s.totals
        func slaCount(_ c: ShiftSummary.SLACount) -> [(String, JSON)] {
            [("met", .int(c.met)), ("breached", .int(c.breached)), ("met_percent", pct(c.metPercent))]
        }
        func groups(_ g: [ShiftSummary.SLAGroup]) -> JSON {
            .array(g.map { .object([("key", .string($0.key))] + slaCount($0.count)) })
        }
        let doc: JSON = .object([
            ("schema", .string(schema)),
            ("schema_version", .int(schemaVersion)),
            ("organisation", .string(SummaryText.clean(s.organisation))),
            ("generated_at", time(s.generatedAt)),
            ("window", .object([
                ("start", time(s.window.start)), ("end", time(s.window.end)), ("time_zone", .string(tz.identifier)),
                ("source", .string(source.0)), ("shift_agent", str(source.1)),
            ])),
            ("agent", str(s.agent)),
            ("includes_text", .bool(s.includesText)),
            ("totals", .object([
                ("received", .int(t.received)), ("answered_in_thread", .int(t.answeredInThread)),
                ("redirected", .object([ResponseChannel.privateMessage, .email, .phone].map { ($0.rawValue, .int(t.redirected[$0] ?? 0)) })),
                ("escalated", .int(t.escalated)), ("spam_hidden", .int(t.spamHidden)), ("no_reply_needed", .int(t.noReplyNeeded)),
                ("still_open", .int(t.stillOpen)), ("still_open_unanswered", .int(t.stillOpenUnanswered)), ("answered", .int(t.answered)),
                ("response_rate_percent", pct(t.responseRate.map { $0 * 100 })), ("responses", .int(t.responses)),
            ])),
            ("first_reply", .object([
                ("count", .int(s.firstReply.count)), ("median_seconds", secs(s.firstReply.median)), ("p90_seconds", secs(s.firstReply.p90)),
                ("max_seconds", secs(s.firstReply.max)), ("percentile_method", .string("nearest-rank")),
            ])),
            ("sla", .object(slaCount(s.sla.overall) + [
                ("pending", .int(s.sla.pending)), ("by_route", groups(s.sla.byRoute)), ("by_platform", groups(s.sla.byPlatform)),
                ("by_kind", groups(s.sla.byKind)), ("by_agent", groups(s.sla.byAgent)),
            ])),
            ("breaches", .array(s.breaches.map { b in
                .object([
                    ("number", .int(Int(b.number))), ("id", str(b.id)), ("platform", .string(b.platform.rawValue)), ("kind", .string(b.kind.rawValue)),
                    ("route", .string(b.route.rawValue)), ("urgent", .bool(b.urgent)), ("policy", str(b.policy)),
                    ("target_seconds", secs(b.target)), ("clock", .string(b.clock.rawValue)), ("due", time(b.due)),
                    ("answered_at", time(b.answeredAt)), ("over_seconds", secs(b.over)), ("agent", str(b.agent)),
                ])
            })),
            ("overrides", .object([
                ("count", .int(s.overrides.count)),
                ("by_direction", .array(s.overrides.byDirection.map { .object([("direction", .string($0.direction)), ("count", .int($0.count))]) })),
                ("list", .array(s.overrides.list.map { o in
                    .object([
                        ("number", .int(Int(o.number))), ("id", str(o.id)), ("platform", .string(o.platform.rawValue)), ("at", time(o.at)),
                        ("agent", str(o.agent)), ("from", .string(o.from.rawValue)), ("to", .string(o.to.rawValue)),
                        ("directions", .array(o.directions.map { .string($0) })), ("why", str(o.why)),
                    ])
                })),
            ])),
            ("first_replies_by_hour", .array(s.hourly.map { b in
                .object([("hour", .int(b.hour)), ("replies", .int(b.replies)), ("median_seconds", secs(b.median)), ("max_seconds", secs(b.max))])
            })),
            ("responses", .array(s.responses.map { r in
                .object([("agent", str(r.agent)), ("channel", .string(r.channel.rawValue)), ("count", .int(r.count))])
            })),
            ("handover", .object([
                ("total", .int(s.handover.total)),
                ("items", .array(s.handover.items.map { h in
                    var fields: [(String, JSON)] = [
                        ("number", .int(Int(h.number))), ("id", str(h.id)), ("platform", .string(h.platform.rawValue)), ("kind", .string(h.kind.rawValue)),
                        ("route", .string(h.route.rawValue)), ("urgent", .bool(h.urgent)), ("received_at", time(h.receivedAt)),
                        ("callback", .bool(h.callback)), ("sla", .string(h.slaLabel)), ("timer_seconds", secs(h.timer)), ("due", time(h.due)),
                        ("claimed_by", str(h.claimedBy)), ("note_at", time(h.noteAt)), ("note_agent", str(h.noteAgent)),
                    ]
                    if s.includesText { fields += [("note", str(h.note)), ("text", str(h.text))] }
                    return .object(fields)
                })),
            ])),
            ("items", .array(s.items.map { i in
                var fields: [(String, JSON)] = [
                    ("number", .int(Int(i.number))), ("id", str(i.id)), ("platform", .string(i.platform.rawValue)), ("kind", .string(i.kind.rawValue)),
                    ("triage_route", .string(i.triageRoute.rawValue)), ("final_route", .string(i.finalRoute.rawValue)), ("urgent", .bool(i.urgent)),
                    ("spam", .bool(i.spam)), ("received_at", time(i.receivedAt)), ("first_response_at", time(i.firstResponseAt)),
                    ("first_reply_seconds", secs(i.firstReply)), ("first_reply_in_window", .bool(i.firstReplyInWindow)),
                    ("sla_policy", str(i.policy)), ("sla_target_seconds", secs(i.target)), ("sla_clock", i.clock.map { .string($0.rawValue) } ?? .null),
                    ("sla_due", time(i.due)), ("sla_result", .string(i.result.rawValue)), ("over_seconds", secs(i.over)),
                    ("channel", i.channel.map { .string($0.rawValue) } ?? .null), ("agent", str(i.agent)),
                    ("identifiers_detected", .bool(i.identifiersDetected)), ("status_at_end", .string(i.statusAtEnd.rawValue)),
                ]
                if s.includesText { fields.append(("text", str(i.text))) }
                return .object(fields)
            })),
        ])
        var out = ""
        doc.write(to: &out, indent: 0)
        return out + "\n"
    }
}

/// A tiny ordered JSON tree and writer (keys in the order given).
enum JSON {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case int(Int)
    /// A number already formatted.
    case raw(String)
    case bool(Bool)
    case null

    func write(to out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1), close = String(repeating: "  ", count: indent)
        switch self {
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in fields.enumerated() {
                out += pad + Self.quote(k) + ": "
                v.write(to: &out, indent: indent + 1)
                out += i + 1 < fields.count ? ",\n" : "\n"
            }
            out += close + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, v) in items.enumerated() {
                out += pad
                v.write(to: &out, indent: indent + 1)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += close + "]"
        case .string(let s): out += Self.quote(s)
        case .int(let n): out += String(n)
        case .raw(let r): out += r
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }

    /// A JSON string literal: the one quoter of the project (`JSONText`), which escapes control
    /// characters, C1 controls, bidi controls and U+2028 / U+2029.
    static func quote(_ s: String) -> String { JSONText.quote(s) }
}
