import Foundation

/// Which items an SLA policy applies to. A `nil` condition matches anything.
public struct SLAMatch: Sendable, Hashable {
    public var route: Route?
    public var urgent: Bool?
    public var kinds: Set<ItemKind>?
    public var platforms: Set<Platform>?

    public init(route: Route? = nil, urgent: Bool? = nil, kinds: Set<ItemKind>? = nil, platforms: Set<Platform>? = nil) {
        self.route = route
        self.urgent = urgent
        self.kinds = kinds
        self.platforms = platforms
    }

    public func matches(_ s: SLASubject) -> Bool {
        if let route, route != s.route { return false }
        if let urgent, urgent != s.urgent { return false }
        if let kinds, !kinds.contains(s.kind) { return false }
        if let platforms, !platforms.contains(s.platform) { return false }
        return true
    }
}

/// When the SLA clock runs for a policy.
public enum SLAClock: String, Sendable, Hashable, Codable {
    /// Every second counts (urgent items).
    case aroundTheClock = "around_the_clock"
    /// Only the configured business hours count.
    case businessHours = "business_hours"
}

/// A response-time target. Policies are checked in order; the first that matches applies.
public struct SLAPolicy: Sendable, Hashable {
    public var name: String
    public var match: SLAMatch
    /// Target for the first reply, from when the item was received.
    public var firstReply: TimeInterval
    /// Target for the next reply, from a follow-up that arrived after our reply.
    public var nextReply: TimeInterval
    /// "Due soon" starts when this much (open) time is left.
    public var dueSoon: TimeInterval
    public var clock: SLAClock

    public init(name: String, match: SLAMatch, firstReply: TimeInterval, nextReply: TimeInterval? = nil,
                dueSoon: TimeInterval? = nil, clock: SLAClock = .aroundTheClock) {
        self.name = name
        self.match = match
        self.firstReply = firstReply
        self.nextReply = nextReply ?? firstReply
        self.dueSoon = dueSoon ?? min(firstReply * 0.25, 3600)
        self.clock = clock
    }

    /// Defaults that fit a hospital: urgent 15 min around the clock; private 1 h; questions 2 h;
    /// everything else (comments, reviews, mentions) 24 h of business hours.
    public static let hospitalDefaults: [SLAPolicy] = [
        SLAPolicy(name: "urgent", match: SLAMatch(urgent: true), firstReply: 15 * 60, nextReply: 15 * 60, dueSoon: 5 * 60, clock: .aroundTheClock),
        SLAPolicy(name: "private", match: SLAMatch(route: .redirectPrivate), firstReply: 3600, nextReply: 3600, dueSoon: 15 * 60, clock: .aroundTheClock),
        SLAPolicy(name: "questions", match: SLAMatch(kinds: [.question, .dm]), firstReply: 2 * 3600, nextReply: 2 * 3600, dueSoon: 30 * 60, clock: .aroundTheClock),
        SLAPolicy(name: "comments and reviews", match: SLAMatch(), firstReply: 24 * 3600, nextReply: 24 * 3600, dueSoon: 2 * 3600, clock: .businessHours),
    ]
}

/// What the SLA engine needs to know about an item.
public struct SLASubject: Sendable, Hashable {
    public var route: Route
    public var urgent: Bool
    public var kind: ItemKind
    public var platform: Platform
    /// When the clock started: the item's arrival, or the follow-up that reopened it.
    public var waitingSince: Date
    /// True when this wait is for a next reply (we had answered before).
    public var isFollowUp: Bool
    /// When the wait was answered, if it was.
    public var answeredAt: Date?

    public init(route: Route, urgent: Bool, kind: ItemKind, platform: Platform, waitingSince: Date,
                isFollowUp: Bool = false, answeredAt: Date? = nil) {
        self.route = route
        self.urgent = urgent
        self.kind = kind
        self.platform = platform
        self.waitingSince = waitingSince
        self.isFollowUp = isFollowUp
        self.answeredAt = answeredAt
    }
}

/// Where an item stands against its target.
public enum SLAStatus: Sendable, Hashable {
    /// Time left (of open time, for business-hours policies).
    case ok(remaining: TimeInterval, due: Date)
    case dueSoon(remaining: TimeInterval, due: Date)
    /// Time over since the due instant.
    case breached(overdue: TimeInterval, due: Date)
    /// Answered: when, and whether that was within the target.
    case met(at: Date, withinTarget: Bool, due: Date?)
    /// The calendar has no open time ahead: no due instant can be computed.
    case noDeadline

    public var label: String {
        switch self {
        case .ok: "ok"
        case .dueSoon: "due soon"
        case .breached: "breached"
        case .met(_, let within, _): within ? "met" : "met late"
        case .noDeadline: "no deadline"
        }
    }

    /// Sort key: most urgent first (breached by most overdue, then least time left).
    public var urgencyKey: Double {
        switch self {
        case .breached(let over, _): -over - 1e12
        case .dueSoon(let left, _), .ok(let left, _): left
        case .noDeadline: 1e13
        case .met: 1e14
        }
    }
}

/// Computes SLA status: a pure function of the item, the policies, the calendar and `now`.
public struct SLAEngine: Sendable {
    public var policies: [SLAPolicy]
    public var calendar: BusinessCalendar

    public init(policies: [SLAPolicy] = SLAPolicy.hospitalDefaults, calendar: BusinessCalendar) {
        self.policies = policies
        self.calendar = calendar
    }

    /// The first policy that matches, or `nil` when none does (then there is no target).
    public func policy(for s: SLASubject) -> SLAPolicy? { policies.first { $0.match.matches(s) } }

    /// The instant a reply is due, or `nil` when no policy applies or no open time lies ahead.
    public func due(for s: SLASubject) -> Date? {
        guard let p = policy(for: s) else { return nil }
        let target = s.isFollowUp ? p.nextReply : p.firstReply
        return clock(for: p).adding(target, to: s.waitingSince)
    }

    func clock(for p: SLAPolicy) -> BusinessCalendar { p.clock == .aroundTheClock ? .always : calendar }

    public func status(_ s: SLASubject, now: Date) -> SLAStatus {
        guard let p = policy(for: s) else {
            if let at = s.answeredAt { return .met(at: at, withinTarget: true, due: nil) }
            return .noDeadline
        }
        let cal = clock(for: p)
        let target = s.isFollowUp ? p.nextReply : p.firstReply
        let due = cal.adding(target, to: s.waitingSince)
        if let at = s.answeredAt {
            return .met(at: at, withinTarget: due.map { at <= $0 } ?? true, due: due)
        }
        guard let due else { return .noDeadline }
        if now >= due {
            return .breached(overdue: cal.businessTime(from: due, to: now), due: due)
        }
        let left = cal.businessTime(from: now, to: due)
        return left <= p.dueSoon ? .dueSoon(remaining: left, due: due) : .ok(remaining: left, due: due)
    }
}

/// Durations as people write them in config files: `15m`, `2h`, `1h30m`, `1d`, `90s`.
public enum DurationText {
    public static func parse(_ text: String) -> TimeInterval? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !s.isEmpty else { return nil }
        var total: TimeInterval = 0
        var number = ""
        var sawUnit = false
        for ch in s {
            if ch.isNumber { number.append(ch); continue }
            if ch == " " { continue }
            guard let n = Double(number) else { return nil }
            switch ch {
            case "d": total += n * 86_400
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        return total
    }

    /// `1h 05m`, `12m`, `45s`, `2d 3h`: compact, for timers and reports.
    public static func format(_ t: TimeInterval) -> String {
        let secs = Int(t.rounded())
        if secs < 60 { return "\(secs)s" }
        let m = secs / 60
        if m < 60 { return "\(m)m" }
        let h = m / 60
        if h < 24 { return String(format: "%dh %02dm", h, m % 60) }
        return "\(h / 24)d \(h % 24)h"
    }
}
