/// A category a lexicon phrase belongs to. Section names in the lexicon files are these case names.
public enum LexiconTag: Int, CaseIterable, Sendable {
    // Who a sentence is about.
    case selfSubject, selfPossessive, selfObject, relation, relationSolo
    case thirdPossessive, thirdSubject, generalSubject
    // Sentence frames.
    case stateVerb, negation, modal, interrogative, processVerb, hypothetical, education
    case pastMarker, resolution, presentMarker, duration, timeRef, abbrev, otherSubject
    // Health details.
    case condition, drug, symptom, procedure, result, pregnancy, device, treatment
    case careEvent, careStaff, genericCare, gestationUnit
    // Topics and tone.
    case appointment, records, billing, negative, waitExperience, compliment, insult, info
    // Danger.
    case urgentSuicide, urgentOverdose, urgentChest, urgentStroke, urgentBreathing
    case urgentCollapse, urgentAbuse, headInjury, bloodThinner, pregnancyWarning, farewell, futureCancel
    // Spam.
    case spamPromo, spamCrypto, spamPhishing, spamCure, spamStrong
    // Identifier context.
    case idKeyword, ssnKeyword, dobKeyword, phoneKeyword, dateContext
    case streetSuffix, streetPrefix, homeContext, nameIntro, month, notName

    /// The tag whose section name is `name`, also accepting the derived files' names.
    public init?(sectionName name: String) {
        switch name {
        case "conditions": self = .condition
        case "drugs": self = .drug
        default:
            guard let tag = LexiconTag.allCases.first(where: { "\($0)" == name }) else { return nil }
            self = tag
        }
    }
}

/// A set of ``LexiconTag``s, as two machine words.
public struct TagSet: Hashable, Sendable {
    var lo: UInt64 = 0
    var hi: UInt64 = 0

    public init() {}

    public init(_ tags: LexiconTag...) {
        for t in tags { insert(t) }
    }

    public init<S: Sequence>(_ tags: S) where S.Element == LexiconTag {
        for t in tags { insert(t) }
    }

    @inline(__always)
    public mutating func insert(_ tag: LexiconTag) {
        let r = tag.rawValue
        if r < 64 { lo |= 1 << UInt64(r) } else { hi |= 1 << UInt64(r - 64) }
    }

    @inline(__always)
    public func contains(_ tag: LexiconTag) -> Bool {
        let r = tag.rawValue
        return r < 64 ? lo & (1 << UInt64(r)) != 0 : hi & (1 << UInt64(r - 64)) != 0
    }

    @inline(__always)
    public func intersects(_ other: TagSet) -> Bool { lo & other.lo != 0 || hi & other.hi != 0 }

    @inline(__always)
    public mutating func formUnion(_ other: TagSet) {
        lo |= other.lo
        hi |= other.hi
    }

    public var isEmpty: Bool { lo == 0 && hi == 0 }

    public var tags: [LexiconTag] { LexiconTag.allCases.filter(contains) }
}
