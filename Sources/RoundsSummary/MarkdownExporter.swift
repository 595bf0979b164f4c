import Foundation
import RoundsCore
import RoundsStore

/// The summary as Markdown, ready to paste into an e-mail, Slack or Teams: headings, short
/// tables, bar charts drawn with block characters. Every piece of outside text goes through
/// ``SummaryText/markdown(_:)``. A pure function of the summary.
public enum MarkdownExporter {
    /// Renders `summary`; the text ends with a newline.
    public static func render(_ s: ShiftSummary) -> String {
        var out: [String] = []
        let tz = s.window.timeZone
        let ref = s.window.start
        func t(_ d: Date) -> String { ReportTime.short(d, tz, sameDayAs: ref) }
        let md = SummaryText.markdown

        // Title and window.
        out.append("# Shift summary" + (s.organisation.isEmpty ? "" : ": " + md(s.organisation)))
        out.append("")
        let span = ReportTime.day(s.window.start, tz) + ", " + ReportTime.clock(s.window.start, tz) + "–" + t(s.window.end)
        var who: String
        switch s.window.source {
        case .shift(_, let agent): who = "shift of \(md(agent)) (from `rounds shift start`)"
        case .firstAction(let agent): who = "shift of \(md(agent)) (from their first action today)"
        case .startOfDay(let agent): who = "today so far (no shift or action recorded for \(md(agent)))"
        case .range: who = "chosen period"
        }
        // A window across a DST change has two offsets: show both.
        let startOffset = ReportTime.utcOffset(s.window.start, tz), endOffset = ReportTime.utcOffset(s.window.end, tz)
        let offsets = startOffset == endOffset ? startOffset : "\(startOffset) to \(endOffset)"
        out.append("**\(span)** (\(md(tz.identifier)), \(offsets)) · \(who) · " +
                   (s.agent.map { "agent **\(md($0))** only" } ?? "all agents") + "  ")
        out.append("Made \(ReportTime.day(s.generatedAt, tz)) \(ReportTime.clock(s.generatedAt, tz)) by Rounds. " +
                   (s.includesText ? "Includes post texts and notes, with the identifiers triage found redacted." : "No patient text and no author handles."))
        out.append("")
        if s.items.isEmpty && s.totals.responses == 0 {
            out.append("> Nothing happened in this window: no item was received, answered or touched.")
            out.append("")
        }

        // Totals.
        let tot = s.totals
        out.append("## Totals")
        out.append("")
        out.append("| | items |")
        out.append("| --- | ---: |")
        out.append("| Received | \(tot.received) |")
        out.append("| Answered in thread | \(tot.answeredInThread) |")
        for ch in [ResponseChannel.privateMessage, .email, .phone] {
            out.append("| Redirected: \(channelName(ch)) | \(tot.redirected[ch] ?? 0) |")
        }
        out.append("| Escalated | \(tot.escalated) |")
        out.append("| Spam hidden | \(tot.spamHidden) |")
        out.append("| No reply needed | \(tot.noReplyNeeded) |")
        out.append("| Still open at the end | \(tot.stillOpen) |")
        out.append("| Response rate | " + (tot.responseRate.map { "\(percent($0 * 100)) (\(tot.answered) answered of \(tot.answered + tot.stillOpenUnanswered))" } ?? "—") + " |")
        out.append("| Responses recorded | \(tot.responses) |")
        out.append("")

        // First reply.
        out.append("## First reply")
        out.append("")
        let fr = s.firstReply
        if fr.count == 0 {
            out.append("No item was first answered in this window.")
        } else {
            out.append("\(fr.count) \(fr.count == 1 ? "item" : "items") first answered in the window: median **\(dur(fr.median))**, " +
                       "90th percentile **\(dur(fr.p90))**, maximum **\(dur(fr.max))** " +
                       "(wall-clock time from arrival; nearest-rank percentiles).")
        }
        out.append("")

        // SLA.
        out.append("## SLA (first reply)")
        out.append("")
        let all = s.sla.overall
        if all.met + all.breached == 0 {
            out.append("No first-reply target was met or missed in this window" + (s.sla.pending > 0 ? "; \(s.sla.pending) open \(s.sla.pending == 1 ? "item is" : "items are") not yet due." : "."))
        } else {
            out.append("Met **\(all.met)** of \(all.met + all.breached) (\(percent(all.metPercent!))), breached **\(all.breached)**" +
                       (s.sla.pending > 0 ? "; \(s.sla.pending) open not yet due." : "."))
            out.append("")
            out.append("| by | group | met | breached | met % |")
            out.append("| --- | --- | ---: | ---: | ---: |")
            for (by, groups) in [("route", s.sla.byRoute), ("platform", s.sla.byPlatform), ("kind", s.sla.byKind), ("agent", s.sla.byAgent)] {
                for g in groups {
                    let key = by == "route" ? (Route(rawValue: g.key).map(routeName) ?? md(g.key)) : md(g.key)
                    out.append("| \(by) | \(key) | \(g.count.met) | \(g.count.breached) | \(g.count.metPercent.map(percent) ?? "—") |")
                }
            }
            out.append("")
            out.append("### Breaches")
            out.append("")
            out.append("| item | platform | kind | route | target | due | answered | over by | agent |")
            out.append("| --- | --- | --- | --- | --- | --- | --- | ---: | --- |")
            for b in s.breaches {
                out.append("| \(itemRef(b.number, b.id)) | \(b.platform.rawValue) | \(b.kind.rawValue) | \(routeName(b.route))\(b.urgent ? " urgent" : "") | " +
                           "\(md(b.policy)) (\(target(b.target))\(b.clock == .businessHours ? " business" : "")) | \(t(b.due)) | " +
                           "\(b.answeredAt.map(t) ?? "still open") | \(over(b.over, b.clock)) | \(b.agent.map(md) ?? "—") |")
            }
        }
        out.append("")

        // Triage overrides.
        out.append("## Triage overrides")
        out.append("")
        if s.overrides.count == 0 {
            out.append("No triage decision was overridden in this window.")
        } else {
            out.append("\(s.overrides.count) \(s.overrides.count == 1 ? "override" : "overrides"): " +
                       s.overrides.byDirection.map { "\($0.direction) \($0.count)" }.joined(separator: ", ") + ".")
            out.append("")
            out.append("| item | at | agent | change | reason |")
            out.append("| --- | --- | --- | --- | --- |")
            for o in s.overrides.list {
                out.append("| \(itemRef(o.number, o.id)) | \(t(o.at)) | \(o.agent.map(md) ?? "—") | \(o.directions.joined(separator: ", ")) | \(o.why.isEmpty ? "—" : md(o.why)) |")
            }
        }
        out.append("")

        // First replies by hour.
        out.append("## First replies by hour")
        out.append("")
        if fr.count == 0 {
            out.append("No first replies to chart.")
        } else {
            let peak = max(1, s.hourly.map(\.replies).max() ?? 1)
            out.append("| hour | replies | median | |")
            out.append("| --- | ---: | ---: | --- |")
            for b in s.hourly {
                let bar = String(repeating: "█", count: b.replies == 0 ? 0 : max(1, (b.replies * 20 + peak / 2) / peak))
                out.append("| \(ReportTime.two(b.hour)):00 | \(b.replies) | \(b.median.map { DurationText.format($0) } ?? "—") | \(bar) |")
            }
        }
        out.append("")

        // Handover.
        let h = s.handover
        let open = h.items.filter { !$0.callback }.count, calls = h.items.count - open
        out.append("## Handover")
        out.append("")
        if h.total == 0 {
            out.append("Nothing to hand over: no open item, no callback.")
        } else {
            out.append("\(h.total) to hand over (\(open) open, \(calls) \(calls == 1 ? "callback" : "callbacks") listed), most urgent first" +
                       (h.items.count < h.total ? "; showing the first \(h.items.count)." : ".") + " Timers as of \(ReportTime.clock(s.generatedAt, tz)).")
            out.append("")
            var header = "| item | platform | kind | route | SLA | timer | claimed by | latest note |"
            var rule = "| --- | --- | --- | --- | --- | ---: | --- | --- |"
            if s.includesText { header += " text |"; rule += " --- |" }
            out.append(header)
            out.append(rule)
            for i in h.items {
                var note = "—"
                if let at = i.noteAt {
                    note = t(at) + (i.noteAgent.map { " " + md($0) } ?? "") + (i.note.map { ": " + md($0) } ?? "")
                }
                var row = "| \(itemRef(i.number, i.id)) | \(i.platform.rawValue) | \(i.kind.rawValue) | \(routeName(i.route))\(i.urgent ? " urgent" : "") | " +
                          "\(i.slaLabel) | \(timer(i.timer)) | \(i.claimedBy.map(md) ?? "—") | \(note) |"
                if s.includesText { row += " \(i.text.map(md) ?? "—") |" }
                out.append(row)
            }
        }
        out.append("")

        if s.includesText {
            out.append("## Texts (identifiers redacted)")
            out.append("")
            let withText = s.items.filter { $0.text != nil }
            if withText.isEmpty { out.append("No item in the report.") }
            for i in withText { out.append("- \(itemRef(i.number, i.id)): \(md(i.text!))") }
            out.append("")
        }
        out.append("_Figures are defined in Rounds' Docs/summary.md._")
        return out.joined(separator: "\n") + "\n"
    }

    static func itemRef(_ number: Int64, _ id: String) -> String { "#\(number) \(SummaryText.markdown(id))" }

    static func routeName(_ r: Route) -> String { r == .redirectPrivate ? "PRIVATE" : "PUBLIC" }

    static func channelName(_ c: ResponseChannel) -> String {
        switch c {
        case .publicReply: "public reply"
        case .privateMessage: "private message"
        case .email: "e-mail"
        case .phone: "phone"
        case .internalNote: "internal note"
        case .noReplyNeeded: "no reply needed"
        case .escalated: "escalated"
        }
    }

    /// An SLA target: `15m`, `2h`, `24h`, else the compact form (`1h 30m`). Hours, never days: 24
    /// business hours are not one day.
    static func target(_ t: TimeInterval) -> String {
        let secs = Int(t.rounded())
        if secs >= 3600 && secs % 3600 == 0 { return "\(secs / 3600)h" }
        if secs >= 60 && secs < 3600 && secs % 60 == 0 { return "\(secs / 60)m" }
        return secs >= 86_400 ? hours(t) : DurationText.format(t)
    }

    /// Time over a target, in the policy's clock: business time in hours (`27h 30m`), around the
    /// clock in the compact form (`1d 3h`).
    static func over(_ t: TimeInterval, _ clock: SLAClock) -> String {
        clock == .businessHours && t >= 86_400 ? hours(t) : DurationText.format(t)
    }

    /// `27h 05m`.
    static func hours(_ t: TimeInterval) -> String {
        let m = Int(t.rounded()) / 60
        return String(format: "%dh %02dm", m / 60, m % 60)
    }

    static func dur(_ t: TimeInterval?) -> String { t.map { DurationText.format($0) } ?? "—" }

    static func percent(_ p: Double) -> String { String(format: "%.0f %%", p) }

    static func timer(_ t: TimeInterval?) -> String {
        guard let t else { return "—" }
        return t >= 0 ? "\(DurationText.format(t)) left" : "\(DurationText.format(-t)) over"
    }
}
