/// Where an item should be answered.
public enum Route: String, Sendable, Hashable, Codable, CaseIterable {
    /// Safe to answer in public, in the thread where it was posted.
    case answerInThread = "answer_in_thread"
    /// Touches someone's own care or carries identifiers: move to DM, e-mail or phone.
    case redirectPrivate = "redirect_private"
}

/// Why triage decided what it did: a rule and the span of text that fired it.
public struct TriageReason: Sendable, Hashable, Codable {
    /// A stable rule id such as `identifier.phone` or `disclosure.self` (see Docs/triage.md).
    public var rule: String
    /// The text that fired the rule, as written in the item (empty for the default reason).
    public var evidence: String
    /// UTF-8 byte offsets of `evidence` in the item's text (`nil` for the default reason).
    public var range: Range<Int>?

    public init(rule: String, evidence: String, range: Range<Int>? = nil) {
        self.rule = rule
        self.evidence = evidence
        self.range = range
    }

    /// The POLICY.md rule number this reason applies.
    public var policyRule: Int {
        let family = rule.split(separator: ".").first.map(String.init) ?? rule
        switch family {
        case "general": return rule == "general.health_education" ? 3 : rule == "general.process" ? 4 : 2
        case "disclosure": return rule == "disclosure.third_party" ? 6 : 5
        case "appointment": return 7
        case "records": return 8
        case "billing": return 9
        case "identifier": return 10
        case "complaint": return 11
        case "compliment": return 12
        case "urgent": return 16
        case "spam": return 17
        default: return 1
        }
    }

    enum CodingKeys: String, CodingKey { case rule, evidence }
}

/// The outcome of triage for one item.
public struct TriageDecision: Sendable, Hashable, Codable {
    public var route: Route
    public var urgent: Bool
    public var spam: Bool
    /// Every rule that fired, most decisive first. Never empty.
    public var reasons: [TriageReason]

    public init(route: Route, urgent: Bool, spam: Bool, reasons: [TriageReason]) {
        self.route = route
        self.urgent = urgent
        self.spam = spam
        self.reasons = reasons
    }

    /// True when at least one reason names a personal identifier.
    public var identifiersDetected: Bool { reasons.contains { $0.rule.hasPrefix("identifier.") } }
}

/// What triage must know about the organisation: its own public contact details are never a
/// patient's identifiers.
public struct TriageOptions: Sendable, Hashable {
    /// The organisation's phone numbers (any format; compared by their last ten digits).
    public var organisationPhones: [String]
    /// The organisation's e-mail addresses or bare domains (`mercyvalley.example`).
    public var organisationEmails: [String]

    public init(organisationPhones: [String] = [], organisationEmails: [String] = []) {
        self.organisationPhones = organisationPhones
        self.organisationEmails = organisationEmails
    }

    var phoneKeys: Set<String> {
        Set(organisationPhones.map { String($0.filter(\.isNumber).suffix(10)) }.filter { $0.count >= 7 })
    }

    var emailDomains: Set<String> {
        Set(organisationEmails.map { e in
            let lower = e.lowercased()
            return lower.split(separator: "@").last.map(String.init) ?? lower
        })
    }
}
