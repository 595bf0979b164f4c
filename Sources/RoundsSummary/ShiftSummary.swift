import Foundation
import RoundsCore
import RoundsStore

/// The end-of-shift summary: every figure of one window, ready for the exporters and the inbox's
/// dashboard. A pure value: computing it twice from the same records gives equal summaries.
///
/// ```swift
/// let window = try SummaryWindow.currentShift(agent: "dana", db: db, clock: clock, timeZone: zone)
/// let summary = try ShiftSummary.compute(db: db, window: window, sla: config.slaEngine, clock: clock)
/// print(MarkdownExporter.render(summary))
/// ```
///
/// Every figure is defined in `Docs/summary.md`. In short: an item is *in the report* when it
/// was received, answered or otherwise touched (any event) in the window; with an agent filter,
/// when that agent recorded a response or an event on it in the window.
public struct ShiftSummary: Sendable, Equatable {
    public var window: SummaryWindow
    /// When the summary was made (the injected clock's `now`).
    public var generatedAt: Date
    /// The organisation's name, for the title.
    public var organisation: String
    /// Only this agent's work, when set.
    public var agent: String?
    /// True when texts (redacted) are included: item texts, notes.
    public var includesText: Bool
    public var totals: Totals
    public var firstReply: FirstReplyStats
    public var sla: SLABreakdown
    /// First replies that missed their target, and open items past due at the window's end, most overdue first.
    public var breaches: [Breach]
    public var overrides: Overrides
    public var handover: Handover
    /// First replies by local hour of the reply, in the window's hour order.
    public var hourly: [HourBucket]
    /// Responses recorded in the window, by agent and channel.
    public var responses: [ResponseCount]
    /// One line per item in the report, in order of arrival.
    public var items: [ItemLine]

    /// Item counts for the window. Each item counts once per line, by its outcome in the window.
    public struct Totals: Sendable, Equatable {
        /// Items in the report that arrived in the window (spam included).
        public var received = 0
        /// Items whose outcome in the window was a public reply and nothing more private.
        public var answeredInThread = 0
        /// Items redirected to a private channel in the window, by channel (`private_message`, `email`, `phone`).
        public var redirected: [ResponseChannel: Int] = [:]
        /// Items escalated in the window.
        public var escalated = 0
        /// Items hidden as spam at the window's end: on arrival in the window (team reports only), or by a manager in the window.
        public var spamHidden = 0
        /// Items closed as needing no reply in the window.
        public var noReplyNeeded = 0
        /// Items in the report still open at the window's end.
        public var stillOpen = 0
        /// Of those, the items with no answer in the window (an item answered and then reopened by a
        /// follow-up counts as answered, not here): the other half of ``responseRate``.
        public var stillOpenUnanswered = 0
        /// Responses recorded in the window (every channel, notes included).
        public var responses = 0

        public init() {}

        /// All redirected items.
        public var redirectedTotal: Int { redirected.values.reduce(0, +) }
        /// Items that got an answer (in thread, redirected or escalated).
        public var answered: Int { answeredInThread + redirectedTotal + escalated }
        /// `answered / (answered + stillOpenUnanswered)`, or `nil` when both are zero: of the items that
        /// needed an answer in the window, the share that got one. Each item counts once.
        public var responseRate: Double? {
            let d = answered + stillOpenUnanswered
            return d == 0 ? nil : Double(answered) / Double(d)
        }
    }

    /// Wall-clock time from arrival to the first answering response, over the items first answered in the window.
    public struct FirstReplyStats: Sendable, Equatable {
        /// How many items were first answered in the window.
        public var count: Int
        /// Seconds; `nil` when `count` is 0. Percentiles by the nearest-rank method (see ``Percentile``).
        public var median: TimeInterval?
        public var p90: TimeInterval?
        public var max: TimeInterval?
    }

    /// Met and breached first-reply targets.
    public struct SLACount: Sendable, Equatable {
        public var met = 0
        public var breached = 0
        public init(met: Int = 0, breached: Int = 0) { self.met = met; self.breached = breached }
        /// `met / (met + breached)` as a percentage, or `nil` when nothing was measured.
        public var metPercent: Double? { met + breached == 0 ? nil : Double(met) * 100 / Double(met + breached) }
    }

    /// One group of an SLA breakdown (a route, a platform, a kind or an agent).
    public struct SLAGroup: Sendable, Equatable {
        public var key: String
        public var count: SLACount
    }

    public struct SLABreakdown: Sendable, Equatable {
        public var overall = SLACount()
        /// Items still open and not yet due at the window's end (not counted above).
        public var pending = 0
        public var byRoute: [SLAGroup] = []
        public var byPlatform: [SLAGroup] = []
        public var byKind: [SLAGroup] = []
        /// By the agent of the first reply; open items past due count under `(unanswered)`.
        public var byAgent: [SLAGroup] = []
    }

    /// One missed target.
    public struct Breach: Sendable, Equatable {
        public var number: Int64
        public var id: String
        public var platform: Platform
        public var kind: ItemKind
        public var route: Route
        public var urgent: Bool
        public var policy: String
        public var target: TimeInterval
        public var clock: SLAClock
        public var due: Date
        /// The first reply, or `nil` when the item was still open at the window's end.
        public var answeredAt: Date?
        /// Time past the due instant, counted in the policy's clock (business time for business-hours policies).
        public var over: TimeInterval
        public var agent: String?
    }

    /// Triage overrides recorded in the window.
    public struct Overrides: Sendable, Equatable {
        public var count: Int { list.count }
        /// Direction → count, most frequent first: `PUBLIC->PRIVATE`, `PRIVATE->PUBLIC`, `urgent added`, `urgent removed`, `spam added`, `spam removed`, `unchanged` (route, urgency and spam unchanged).
        public var byDirection: [(direction: String, count: Int)]
        public var list: [Override]

        public static func == (a: Overrides, b: Overrides) -> Bool {
            a.list == b.list && a.byDirection.map(\.direction) == b.byDirection.map(\.direction) && a.byDirection.map(\.count) == b.byDirection.map(\.count)
        }
    }

    public struct Override: Sendable, Equatable {
        public var number: Int64
        public var id: String
        public var platform: Platform
        public var at: Date
        public var agent: String?
        public var from: Route
        public var to: Route
        /// Every direction this override took (see ``Overrides/byDirection``).
        public var directions: [String]
        /// The manager's reason, cleaned, with identifiers triage finds redacted.
        public var why: String
    }

    /// What the next shift must pick up.
    public struct Handover: Sendable, Equatable {
        /// Open items (in SLA order, as the queue sorts them), then items redirected to a phone call in the window.
        public var items: [HandoverItem]
        /// How many there are in all (the list may be cut at the limit).
        public var total: Int
    }

    public struct HandoverItem: Sendable, Equatable {
        public var number: Int64
        public var id: String
        public var platform: Platform
        public var kind: ItemKind
        public var route: Route
        public var urgent: Bool
        public var receivedAt: Date
        /// True for a callback (redirected to the phone in the window), false for an open item.
        public var callback: Bool
        /// `ok`, `due soon`, `breached`, `no deadline` (open items); `callback`.
        public var slaLabel: String
        /// Seconds left (positive) or over (negative) at `generatedAt`, in the policy's clock; `nil` without a deadline.
        public var timer: TimeInterval?
        public var due: Date?
        public var claimedBy: String?
        public var noteAt: Date?
        public var noteAgent: String?
        /// The latest internal note, only with text included; redacted.
        public var note: String?
        /// The item's text, only with text included; redacted.
        public var text: String?
    }

    /// First replies made in one local hour.
    public struct HourBucket: Sendable, Equatable {
        /// 0–23, local.
        public var hour: Int
        public var replies: Int
        /// Seconds, nearest-rank; `nil` without replies.
        public var median: TimeInterval?
        public var max: TimeInterval?
    }

    public struct ResponseCount: Sendable, Equatable {
        public var agent: String
        public var channel: ResponseChannel
        public var count: Int
    }

    /// The SLA result of an item in the window.
    public enum SLAResult: String, Sendable, Equatable {
        /// First answered in the window, within target.
        case met
        /// First answered in the window after its target, or still open and past due at the window's end.
        case breached
        /// Still open at the window's end, not yet due.
        case pending
        /// No policy applies, or the calendar has no open time ahead.
        case noTarget = "no_target"
        /// Not measured in this window (answered before it, closed without a reply, spam, a follow-up).
        case notMeasured = "not_measured"
    }

    /// One item of the report (a CSV row).
    public struct ItemLine: Sendable, Equatable {
        public var number: Int64
        public var id: String
        public var platform: Platform
        public var kind: ItemKind
        /// The automatic triage's route.
        public var triageRoute: Route
        /// The route in force at the window's end (after any override).
        public var finalRoute: Route
        public var urgent: Bool
        public var spam: Bool
        public var receivedAt: Date
        /// The first answering response, when it was made before the window's end.
        public var firstResponseAt: Date?
        /// Wall-clock seconds from arrival to `firstResponseAt`.
        public var firstReply: TimeInterval?
        /// True when the first reply was made in the window (and, with an agent filter, by that agent).
        public var firstReplyInWindow: Bool
        public var policy: String?
        public var target: TimeInterval?
        public var clock: SLAClock?
        public var due: Date?
        public var result: SLAResult
        /// Time past due (policy clock) for a breach.
        public var over: TimeInterval?
        /// The outcome channel in the window (`nil`: no response in the window).
        public var channel: ResponseChannel?
        /// The agent of that outcome (or of the first reply when there is no outcome).
        public var agent: String?
        public var identifiersDetected: Bool
        /// The status at the window's end.
        public var statusAtEnd: ItemStatus
        /// The text, only with text included; redacted.
        public var text: String?
    }
}

/// What goes into a summary beyond the window.
public struct SummaryOptions: Sendable {
    /// Only this agent's work.
    public var agent: String?
    /// Include item texts and internal notes, with identifiers redacted. Off by default.
    public var includeText: Bool
    /// At most this many handover items are listed (all are counted).
    public var handoverLimit: Int
    /// The organisation's name, for the title.
    public var organisation: String
    /// Finds identifiers to redact in notes and override reasons (texts use the stored triage).
    public var triage: Triage

    public init(agent: String? = nil, includeText: Bool = false, handoverLimit: Int = 500, organisation: String = "",
                triage: Triage = Triage()) {
        self.agent = agent
        self.includeText = includeText
        self.handoverLimit = handoverLimit
        self.organisation = organisation
        self.triage = triage
    }
}

extension ShiftSummary {
    /// Reads the window's records from `db` and computes the summary as of `clock.now`.
    ///
    /// - Parameters:
    ///   - db: the Rounds database (one read transaction: a consistent snapshot).
    ///   - window: the period; see ``SummaryWindow``.
    ///   - sla: the SLA policies and business calendar in force (`RoundsConfiguration.slaEngine`).
    ///   - clock: "now", for the handover's timers and `generatedAt`. Nothing here reads the system clock.
    ///   - options: agent filter, texts, handover limit, organisation name.
    public static func compute(db: AppDatabase, window: SummaryWindow, sla: SLAEngine, clock: any RoundsCore.Clock,
                               options: SummaryOptions = SummaryOptions()) throws -> ShiftSummary {
        let now = clock.now
        let records = try db.summaryRecords(
            SummaryQuery(from: window.start, to: window.end, agent: options.agent, includeText: options.includeText,
                         handoverLimit: options.handoverLimit), now: now)
        return ShiftSummary(records: records, window: window, sla: sla, now: now, options: options)
    }

    /// Computes the summary from records already read: a pure function of its arguments.
    public init(records: SummaryRecords, window: SummaryWindow, sla: SLAEngine, now: Date, options: SummaryOptions = SummaryOptions()) {
        self.window = window
        generatedAt = now
        organisation = options.organisation
        agent = options.agent
        includesText = options.includeText

        var totals = Totals()
        var lines: [ItemLine] = []
        lines.reserveCapacity(records.items.count)
        var replyTimes: [TimeInterval] = []
        var byHour: [Int: [TimeInterval]] = [:]
        var slaAll = SLACount(), pending = 0
        var byRoute: [String: SLACount] = [:], byPlatform: [String: SLACount] = [:], byKind: [String: SLACount] = [:], byAgent: [String: SLACount] = [:]
        var breaches: [Breach] = []

        for r in records.items {
            let statusAtEnd = Self.statusAtEnd(r)
            if r.receivedAt >= window.start && r.receivedAt < window.end { totals.received += 1 }
            switch r.outcomeChannel {
            case .publicReply: totals.answeredInThread += 1
            case .privateMessage, .email, .phone: totals.redirected[r.outcomeChannel!, default: 0] += 1
            case .escalated: totals.escalated += 1
            case .noReplyNeeded: totals.noReplyNeeded += 1
            case .internalNote, nil: break
            }
            // Spam still hidden at the window's end: arrived as spam in the window (team reports only)
            // or hidden by a manager in it. Spam a manager un-hid before the end does not count.
            let arrivedAsSpam = options.agent == nil && r.automaticSpam && r.spam && r.receivedAt >= window.start && r.receivedAt < window.end
            if statusAtEnd == .hidden && (r.hiddenAsSpamInWindow || arrivedAsSpam) { totals.spamHidden += 1 }
            if statusAtEnd == .open {
                totals.stillOpen += 1
                if !(r.outcomeChannel.map(Self.isAnswer) ?? false) { totals.stillOpenUnanswered += 1 }
            }

            var line = ItemLine(
                number: r.number, id: r.externalID, platform: r.platform, kind: r.kind, triageRoute: r.automaticRoute, finalRoute: r.route,
                urgent: r.urgent, spam: r.spam, receivedAt: r.receivedAt, firstResponseAt: nil, firstReply: nil, firstReplyInWindow: false,
                policy: nil, target: nil, clock: nil, due: nil, result: .notMeasured, over: nil, channel: r.outcomeChannel,
                agent: r.outcomeAgent ?? r.firstAnswerInWindowAgent, identifiersDetected: r.identifiers, statusAtEnd: statusAtEnd,
                text: options.includeText ? r.text.map { SummaryText.clean(Redaction.residual(Redaction.redact($0, reasons: r.identifierReasons))) } : nil)
            if let first = r.firstResponseAt, first < window.end {
                line.firstResponseAt = first
                line.firstReply = max(0, first.timeIntervalSince(r.receivedAt))
            }
            let firstInWindow = r.firstResponseAt.map { $0 >= window.start && $0 < window.end && r.firstAnswerInWindowAt == $0 } ?? false
            line.firstReplyInWindow = firstInWindow
            if firstInWindow, let t = line.firstReply {
                replyTimes.append(t)
                byHour[ReportTime.hour(r.firstResponseAt!, window.timeZone), default: []].append(t)
            }

            // The first-reply target, timed from arrival with the triage in force at the window's end.
            let subject = SLASubject(route: r.route, urgent: r.urgent, kind: r.kind, platform: r.platform, waitingSince: r.receivedAt)
            if let policy = sla.policy(for: subject) {
                let cal = policy.clock == .aroundTheClock ? BusinessCalendar.always : sla.calendar
                line.policy = policy.name
                line.target = policy.firstReply
                line.clock = policy.clock
                line.due = cal.adding(policy.firstReply, to: r.receivedAt)
                let unansweredAtEnd = statusAtEnd == .open && (r.firstResponseAt.map { $0 >= window.end } ?? true)
                if let due = line.due {
                    if firstInWindow, let at = r.firstResponseAt {
                        if at <= due { line.result = .met } else { line.result = .breached; line.over = cal.businessTime(from: due, to: at) }
                    } else if unansweredAtEnd {
                        if due <= window.end { line.result = .breached; line.over = cal.businessTime(from: due, to: window.end) } else { line.result = .pending }
                    }
                } else if firstInWindow || unansweredAtEnd {
                    line.result = .noTarget
                }
            } else if firstInWindow || (statusAtEnd == .open && r.firstResponseAt == nil) {
                line.result = .noTarget
            }

            switch line.result {
            case .met, .breached:
                let met = line.result == .met
                func bump(_ d: inout [String: SLACount], _ key: String) {
                    if met { d[key, default: SLACount()].met += 1 } else { d[key, default: SLACount()].breached += 1 }
                }
                if met { slaAll.met += 1 } else { slaAll.breached += 1 }
                bump(&byRoute, r.route.rawValue)
                bump(&byPlatform, r.platform.rawValue)
                bump(&byKind, r.kind.rawValue)
                bump(&byAgent, firstInWindow ? (r.firstAnswerInWindowAgent ?? "(unknown)") : "(unanswered)")
                if !met {
                    breaches.append(Breach(number: r.number, id: r.externalID, platform: r.platform, kind: r.kind, route: r.route, urgent: r.urgent,
                                           policy: line.policy ?? "", target: line.target ?? 0, clock: line.clock ?? .aroundTheClock, due: line.due!,
                                           answeredAt: firstInWindow ? r.firstResponseAt : nil, over: line.over ?? 0,
                                           agent: firstInWindow ? r.firstAnswerInWindowAgent : nil))
                }
            case .pending: pending += 1
            case .noTarget, .notMeasured: break
            }
            lines.append(line)
        }
        totals.responses = records.responseCounts.reduce(0) { $0 + $1.count }
        self.totals = totals
        items = lines
        firstReply = FirstReplyStats(count: replyTimes.count, median: Percentile.nearestRank(replyTimes, 50),
                                     p90: Percentile.nearestRank(replyTimes, 90), max: replyTimes.max())
        func groups(_ d: [String: SLACount]) -> [SLAGroup] { d.keys.sorted().map { SLAGroup(key: $0, count: d[$0]!) } }
        self.sla = SLABreakdown(overall: slaAll, pending: pending, byRoute: groups(byRoute), byPlatform: groups(byPlatform), byKind: groups(byKind),
                           byAgent: groups(byAgent))
        self.breaches = breaches.sorted { $0.over != $1.over ? $0.over > $1.over : $0.number < $1.number }
        hourly = Self.hourSlots(window).map { h in
            let ts = byHour[h] ?? []
            return HourBucket(hour: h, replies: ts.count, median: Percentile.nearestRank(ts, 50), max: ts.max())
        }
        responses = records.responseCounts.map { ResponseCount(agent: $0.agent, channel: $0.channel, count: $0.count) }

        // Overrides.
        var overrideList: [Override] = []
        var directionCounts: [String: Int] = [:]
        for o in records.overrides {
            var dirs: [String] = []
            if o.fromRoute != o.toRoute { dirs.append(o.toRoute == .redirectPrivate ? "PUBLIC->PRIVATE" : "PRIVATE->PUBLIC") }
            if o.fromUrgent != o.toUrgent { dirs.append(o.toUrgent ? "urgent added" : "urgent removed") }
            if o.fromSpam != o.toSpam { dirs.append(o.toSpam ? "spam added" : "spam removed") }
            if dirs.isEmpty { dirs.append("unchanged") }
            for d in dirs { directionCounts[d, default: 0] += 1 }
            let why = SummaryText.clean(Redaction.residual(Redaction.redact(o.why ?? "", using: options.triage)))
            overrideList.append(Override(number: o.number, id: o.externalID, platform: o.platform, at: o.at, agent: o.agent,
                                         from: o.fromRoute, to: o.toRoute, directions: dirs, why: why))
        }
        overrides = Overrides(byDirection: directionCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                                  .map { (direction: $0.key, count: $0.value) },
                              list: overrideList)

        // Handover, timed now.
        let handoverItems = records.handover.map { h -> HandoverItem in
            var label = "callback", timer: TimeInterval?, due: Date?
            if !h.callback {
                switch sla.status(h.subject, now: now) {
                case .ok(let left, let d): label = "ok"; timer = left; due = d
                case .dueSoon(let left, let d): label = "due soon"; timer = left; due = d
                case .breached(let over, let d): label = "breached"; timer = -over; due = d
                case .met(_, _, let d): label = "met"; due = d
                case .noDeadline: label = "no deadline"
                }
            }
            return HandoverItem(number: h.number, id: h.externalID, platform: h.platform, kind: h.kind, route: h.route, urgent: h.urgent,
                                receivedAt: h.receivedAt, callback: h.callback, slaLabel: label, timer: timer, due: due, claimedBy: h.claimedBy,
                                noteAt: h.noteAt, noteAgent: h.noteAgent,
                                note: options.includeText ? h.noteText.map { SummaryText.clean(Redaction.residual(Redaction.redact($0, using: options.triage))) } : nil,
                                text: options.includeText ? h.text.map { SummaryText.clean(Redaction.residual(Redaction.redact($0, reasons: h.identifierReasons))) } : nil)
        }
        handover = Handover(items: handoverItems, total: records.handoverTotal)
    }

    /// Whether an outcome counts as an answer in the totals (in thread, redirected, escalated).
    static func isAnswer(_ c: ResponseChannel) -> Bool {
        switch c {
        case .publicReply, .privateMessage, .email, .phone, .escalated: true
        case .internalNote, .noReplyNeeded: false
        }
    }

    /// The status an item had at the window's end, from the records: spam in force → hidden; else the
    /// latest status-changing event before the end; else open.
    static func statusAtEnd(_ r: SummaryItemRecord) -> ItemStatus {
        if r.spam { return .hidden }
        switch r.lastStatusEventBeforeEnd {
        case .replied, .redirected: return .answered
        case .escalated: return .escalated
        case .closed, .resolved: return .closed
        case .hiddenAsSpam: return .hidden
        case .reopened, nil: return .open
        default: return .open
        }
    }

    /// The local hours the window covers, in order from its start (at most 24: a longer window
    /// folds onto the hours of the day).
    static func hourSlots(_ w: SummaryWindow) -> [Int] {
        var hours: [Int] = []
        var t = w.start
        let hourStart = t.timeIntervalSince1970 - Double(Int(t.timeIntervalSince1970 + Double(w.timeZone.secondsFromGMT(for: t))) % 3600)
        t = Date(timeIntervalSince1970: hourStart)
        while t < w.end && hours.count < 24 {
            let h = ReportTime.hour(t, w.timeZone)
            if !hours.contains(h) { hours.append(h) }
            t = t.addingTimeInterval(3600)
        }
        return hours
    }
}

/// Percentiles by the **nearest-rank** method: the p-th percentile of n sorted values is the value
/// at rank ⌈p/100 × n⌉ (1-based), so it is always one of the values. For n = 0 there is none; for
/// n = 1 every percentile is that value; the median of an even count is the lower of the two middle
/// values (for 2 values: the smaller).
public enum Percentile {
    public static func nearestRank(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty, p >= 0, p <= 100 else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count) / 100).rounded(.up))  // p × n first: exact for whole p
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
