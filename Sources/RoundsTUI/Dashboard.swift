import Foundation
import RoundsCore
import RoundsStore
import RoundsSummary
import RoundsTerminal

// The shift dashboard: the summary's figures as lines, two bar charts drawn with Unicode block
// characters, and the handover list. Rendered like every view: into the frame's buffer.

/// A bar of `value / maximum` in `width` columns, in eighths of a column (`█▉▊▋▌▍▎▏`).
/// Any value above zero shows at least one eighth, so "a few" never looks like "none".
func bar(_ value: Double, of maximum: Double, width: Int) -> String {
    guard width > 0, maximum > 0, value > 0 else { return "" }
    let eighths = max(1, min(width * 8, Int((value / maximum * Double(width * 8)).rounded())))
    let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    return String(repeating: "█", count: eighths / 8) + partials[eighths % 8]
}

/// `83 %`, or `–` without a value.
func percentText(_ p: Double?) -> String { p.map { String(format: "%.0f %%", $0) } ?? "–" }

func durationText(_ t: TimeInterval?) -> String { t.map { DurationText.format($0) } ?? "–" }

/// The dashboard as lines of (text, style), before scrolling.
func dashboardLines(_ s: InboxState) -> [(String, Style)] {
    guard let sum = s.summary else { return [("Computing the shift summary…", Theme.dim)] }
    let tz = s.timeZone
    var out: [(String, Style)] = []
    let source: String
    switch sum.window.source {
    case .shift: source = "recorded shift"
    case .firstAction: source = "since your first action today"
    case .startOfDay: source = "since midnight (no action yet today)"
    case .range: source = "chosen window"
    }
    let start = sum.window.start, end = sum.window.end
    out.append(("Shift \(ReportTime.day(start, tz)) \(ReportTime.clock(start, tz))–\(ReportTime.short(end, tz, sameDayAs: start)) · \(s.agent) · \(source)", Theme.title))
    let t = sum.totals
    let redirected = [ResponseChannel.privateMessage, .email, .phone].compactMap { ch -> String? in
        guard let n = t.redirected[ch], n > 0 else { return nil }
        return "\(n) \(ch == .privateMessage ? "DM" : ch == .email ? "e-mail" : "phone")"
    }
    out.append(("Received \(t.received) · still open (of the items touched) \(t.stillOpen) · response rate \(percentText(t.responseRate.map { $0 * 100 }))", .plain))
    out.append(("Answered in thread \(t.answeredInThread) · redirected \(t.redirectedTotal)"
        + (redirected.isEmpty ? "" : " (\(redirected.joined(separator: ", ")))")
        + " · escalated \(t.escalated) · spam \(t.spamHidden) · no reply \(t.noReplyNeeded)", .plain))
    let f = sum.firstReply
    out.append(("First reply: median \(durationText(f.median)) · p90 \(durationText(f.p90)) · max \(durationText(f.max)) (\(f.count) item\(f.count == 1 ? "" : "s"))", .plain))
    out.append(("SLA: met \(sum.sla.overall.met) · breached \(sum.sla.overall.breached) · \(percentText(sum.sla.overall.metPercent)) met"
        + (sum.breaches.isEmpty ? "" : " · worst +\(DurationText.format(sum.breaches.map(\.over).max() ?? 0))"), .plain))
    out.append(("", .plain))

    // Two charts side by side when there is room, one under the other otherwise.
    let chartWidth = s.width >= 84 ? (s.width - 4) / 2 : s.width - 4
    var hourly: [(String, Style)] = [("First replies by hour (median time)", Theme.title)]
    let busy = sum.hourly.filter { $0.replies > 0 }
    if busy.isEmpty {
        hourly.append(("no first replies yet", Theme.dim))
    } else {
        let longest = busy.compactMap(\.median).max() ?? 0
        for h in busy {
            let label = String(format: "%02d:00", h.hour)
            let value = " \(durationText(h.median)) (\(h.replies))"
            let room = max(1, chartWidth - label.count - 1 - value.count)
            hourly.append(("\(label) \(bar(h.median ?? 0, of: longest, width: room).padding(toLength: room, withPad: " ", startingAt: 0))\(value)", .plain))
        }
    }
    var byRoute: [(String, Style)] = [("SLA met by route", Theme.title)]
    if sum.sla.byRoute.isEmpty {
        byRoute.append(("no replies or breaches yet", Theme.dim))
    } else {
        for g in sum.sla.byRoute {
            let label = (g.key == Route.redirectPrivate.rawValue ? "PRIVATE" : g.key == Route.answerInThread.rawValue ? "PUBLIC" : g.key)
                .padding(toLength: 8, withPad: " ", startingAt: 0)
            let value = " \(percentText(g.count.metPercent)) (\(g.count.met)/\(g.count.met + g.count.breached))"
            let room = max(1, chartWidth - 9 - value.count)
            byRoute.append(("\(label) \(bar(g.count.metPercent ?? 0, of: 100, width: room).padding(toLength: room, withPad: " ", startingAt: 0))\(value)", .plain))
        }
    }
    if s.width >= 84 {
        for i in 0..<max(hourly.count, byRoute.count) {
            let left = i < hourly.count ? hourly[i].0 : ""
            let right = i < byRoute.count ? byRoute[i].0 : ""
            let pad = max(0, chartWidth + 2 - DisplayWidth.of(left))
            out.append((left + String(repeating: " ", count: pad) + right, i == 0 ? Theme.title : .plain))
        }
    } else {
        out += hourly + [("", .plain)] + byRoute
    }
    out.append(("", .plain))

    let h = sum.handover
    out.append(("Handover: \(h.total) item\(h.total == 1 ? "" : "s") still open or promised a callback", Theme.title))
    if h.items.isEmpty { out.append(("nothing to hand over", Theme.dim)) }
    for item in h.items {
        let timer: String
        if item.callback {
            timer = "callback"
        } else if let left = item.timer {
            timer = left < 0 ? "+" + DurationText.format(-left) : "⏱ " + DurationText.format(left)
        } else {
            timer = "no target"
        }
        var line = timer.padding(toLength: 10, withPad: " ", startingAt: 0)
            + " #\(item.number) \(item.platform.shortLabel) \(kindLabel(item.kind)) \(item.route == .redirectPrivate ? "PRIVATE" : "PUBLIC ")\(item.urgent ? " !" : "  ")"
        if let who = item.claimedBy { line += " ⚑\(who)" }
        if let at = item.noteAt { line += " · note \(ReportTime.short(at, tz, sameDayAs: sum.generatedAt))\(item.noteAgent.map { " by \($0)" } ?? "")" }
        let style = item.callback ? Theme.info : (item.timer ?? 1) < 0 ? Theme.breached : item.slaLabel == "due soon" ? Theme.dueSoon : Theme.info
        out.append((line, style))
    }
    if h.total > h.items.count { out.append(("… and \(h.total - h.items.count) more (see the export)", Theme.dim)) }

    if sum.overrides.count > 0 {
        out.append(("", .plain))
        let directions = sum.overrides.byDirection.map { "\($0.direction) \($0.count)" }.joined(separator: ", ")
        out.append(("Triage overridden \(sum.overrides.count) time\(sum.overrides.count == 1 ? "" : "s"): \(directions)", Theme.title))
    }
    return out
}

func renderDashboard(_ b: inout Buffer, _ s: InboxState) {
    let lines = dashboardLines(s)
    let height = s.listHeight
    let start = min(s.dashboardScroll, max(0, lines.count - height))
    for (i, (text, style)) in lines.dropFirst(start).prefix(height).enumerated() {
        b.put(text, x: 1, y: 1 + i, style: style, maxWidth: s.width - 1, ellipsis: true)
    }
}
