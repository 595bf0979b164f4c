/// Sorts an item as answer-in-thread or redirect-private, flags urgent and spam, and says why.
///
/// Implements `POLICY.md`: the text alone decides. The vocabulary is data (``Lexicon``); the
/// rules below combine its tags by position, one sentence at a time:
///
/// ```swift
/// let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"]))
/// let decision = triage.classify("my dad was on the cardiac floor last week")
/// decision.route    // .redirectPrivate
/// decision.reasons  // [disclosure.third_party: "my dad was on the cardiac floor"]
/// ```
///
/// Deterministic, offline, and fast: one pass over the bytes to tokenise, hash lookups for words,
/// no regular expressions.
public struct Triage: Sendable {
    public let lexicon: Lexicon
    public let options: TriageOptions
    let cache: TriageOptionsCache

    public init(lexicon: Lexicon = .bundled, options: TriageOptions = TriageOptions()) {
        self.lexicon = lexicon
        self.options = options
        self.cache = TriageOptionsCache(options)
    }

    /// Classifies one item's text.
    public func classify(_ item: Item) -> TriageDecision { classify(item.text) }

    /// Classifies a text.
    public func classify(_ text: String) -> TriageDecision {
        var text = text
        return text.withUTF8 { bytes in
            let scratch = AnalysisScratch.borrow()
            let analysis = TextAnalysis(bytes: bytes, lexicon: lexicon, reusing: scratch)
            var rules = Rules(a: consume analysis, cache: cache)
            let decision = rules.decide()
            scratch?.giveBack(&rules.a)
            return decision
        }
    }
}

// MARK: - The rules

private let healthDetail = TagSet(.condition, .drug, .symptom, .procedure, .result, .pregnancy, .device, .treatment)
private let possessives = TagSet(.selfPossessive, .thirdPossessive)
private let subjects = TagSet(.selfSubject, .thirdSubject, .relationSolo)
private let thirdParty = TagSet(.relation, .relationSolo, .thirdPossessive, .thirdSubject)
private let personalAnchor = TagSet(.selfSubject, .selfPossessive, .selfObject, .relation, .relationSolo)
private let selfAnchor = TagSet(.selfSubject, .selfPossessive, .selfObject)
private let anyAnchor = TagSet(.selfSubject, .selfPossessive, .selfObject, .relation, .relationSolo, .thirdPossessive, .thirdSubject)
private let urgentKinds: [(LexiconTag, String)] = [
    (.urgentSuicide, "urgent.suicide"), (.urgentOverdose, "urgent.overdose"), (.urgentChest, "urgent.chest_pain"),
    (.urgentStroke, "urgent.stroke"), (.urgentBreathing, "urgent.breathing"), (.urgentCollapse, "urgent.collapse"),
    (.urgentAbuse, "urgent.abuse"),
]
private let urgentTags = TagSet(urgentKinds.map(\.0))
private let visitTags = TagSet(.appointment, .records, .billing)
/// A sentence without any of these tags fires no per-sentence rule.
private let sentenceRuleTags = healthDetail.union(visitTags).union(urgentTags).union(TagSet(.careEvent))
private let spamKinds: [(LexiconTag, String)] = [
    (.spamPromo, "spam.promotion"), (.spamCrypto, "spam.scheme"), (.spamPhishing, "spam.phishing"), (.spamCure, "spam.fake_cure"),
]
private let spamTags = TagSet(spamKinds.map(\.0))

struct Rules {
    var a: TextAnalysis
    let cache: TriageOptionsCache

    var privateReasons: [TriageReason] = []
    var urgentReasons: [TriageReason] = []

    init(a: TextAnalysis, cache: TriageOptionsCache) {
        self.a = a
        self.cache = cache
    }

    mutating func decide() -> TriageDecision {
        let identifiers = scanIdentifiers()
        for s in a.sentences { sentenceRules(s) }
        complaintRule()
        urgentCombos()
        // "I'm 37 weeks", "my wife is 30 weeks": a pregnancy disclosed by its term.
        if let g = gestation() {
            let third = a.has(TagSet(.relation, .relationSolo, .thirdSubject), from: g.first - 4, to: g.first)
            privateReasons.append(a.reason(third ? "disclosure.third_party" : "disclosure.self", g.first, g.last))
        }
        if !identifiers.isEmpty { privateReasons.append(contentsOf: identifiers) }

        let urgent = !urgentReasons.isEmpty
        let spamReasons = urgent ? [] : spamRule()
        let spam = !spamReasons.isEmpty
        if spam {
            return TriageDecision(route: .answerInThread, urgent: false, spam: true, reasons: spamReasons)
        }
        // Rule 16: urgency does not change the label by itself, but a danger to the writer or to
        // someone they name is their health disclosed; a bystander report stays in the thread.
        let bystander = a.allTags.contains(.generalSubject) && !a.allTags.intersects(TagSet(.selfPossessive, .selfObject, .relation, .relationSolo))
        if urgent && privateReasons.isEmpty && a.allTags.intersects(personalAnchor) && !bystander {
            privateReasons.append(urgentReasons[0].relabelled("disclosure.urgent"))
        }
        let route: Route = privateReasons.isEmpty ? .answerInThread : .redirectPrivate
        // Concatenated only when both sides have reasons: most items have one kind.
        var reasons = urgentReasons
        if !privateReasons.isEmpty {
            if reasons.isEmpty { reasons = dedupe(privateReasons) } else { reasons += dedupe(privateReasons) }
        }
        if route == .answerInThread {
            if reasons.isEmpty { reasons = threadReasons() } else { reasons += threadReasons() }
        }
        return TriageDecision(route: route, urgent: urgent, spam: false, reasons: reasons)
    }

    func dedupe(_ rs: [TriageReason]) -> [TriageReason] {
        guard rs.count > 1 else { return rs }
        var out: [TriageReason] = []
        out.reserveCapacity(rs.count)
        for r in rs where !out.contains(where: { $0.rule == r.rule && $0.range == r.range && $0.evidence == r.evidence }) {
            out.append(r)
        }
        return out
    }

    // MARK: Per sentence: disclosure, appointments, records, billing, urgency

    mutating func sentenceRules(_ s: Sentence) {
        // Each rule below looks for matches with a tag of its own: a sentence with none of them
        // (its tag union says so exactly) fires nothing, and most sentences are such.
        let tags = a.tags(of: s)
        guard tags.intersects(sentenceRuleTags) else { return }
        let ms = a.matches(in: s)
        guard !ms.isEmpty else { return }
        let question = s.isQuestion || a.opensWithQuestion(s)
        let educational = a.has(TagSet(.education), in: s)
            || (question && a.has(TagSet(.generalSubject), in: s) && !a.has(TagSet(.selfPossessive, .relation, .relationSolo, .thirdPossessive), in: s))
        let processQuestion = a.opensWithQuestion(s) && a.has(TagSet(.processVerb), in: s)
        let compliment = a.allTags.contains(.compliment)

        // Rule 5 / 6 / 12: health details tied to the writer or to someone they name.
        if tags.intersects(healthDetail) {
            for h in ms where h.tags.intersects(healthDetail) {
                if let r = disclosure(of: h, in: s, ms: ms, question: question, educational: educational, processQuestion: processQuestion) {
                    var r = r
                    if compliment && r.rule.hasPrefix("disclosure") { r.rule = "compliment.disclosure" }
                    privateReasons.append(r)
                }
            }
        }
        // Care events ("my stay", "I was in the ER"): private unless the post is a plain compliment.
        let plainCompliment = compliment && !a.allTags.contains(.negative)
        if tags.contains(.careEvent) && !plainCompliment && !educational {
            for c in ms where c.tags.contains(.careEvent) {
                if let anchor = possessiveAnchor(before: c, ms: ms, window: 3) ?? subjectAnchor(before: c, ms: ms, window: 6, question: question) {
                    let third = anchor.tags.intersects(thirdParty) || a.has(TagSet(.relation), from: anchor.first, to: c.first)
                    privateReasons.append(a.reason(third ? "disclosure.third_party" : "disclosure.self", min(anchor.first, c.first), max(anchor.last, c.last)))
                }
            }
        }
        if tags.intersects(visitTags) { visitRules(s, ms: ms, question: question, processQuestion: processQuestion) }
        // Rule 16: danger now.
        if tags.intersects(urgentTags) { urgentRules(s, ms: ms, educational: educational) }
    }

    /// Rules 7, 8 and 9: a particular visit, record or bill.
    mutating func visitRules(_ s: Sentence, ms: ArraySlice<PhraseMatch>, question: Bool, processQuestion: Bool) {
        let specifics = a.has(TagSet(.timeRef, .negative), in: s) || hasNumberOrDate(in: s)
        // Rule 7: a particular visit.
        for m in ms where m.tags.contains(.appointment) {
            let anchor = possessiveAnchor(before: m, ms: ms, window: 3) ?? subjectAnchor(before: m, ms: ms, window: 5, question: question)
                ?? a.firstMatch(TagSet(.selfPossessive, .thirdPossessive), startingIn: m.last + 1, m.last + 5, within: ms)
                ?? droppedSubject(s, before: m)
            let timed = a.has(TagSet(.timeRef), in: s) || hasMonthDate(in: s)
            if processQuestion && !specifics { continue }
            if anchor != nil || timed {
                let lo = anchor.map { min($0.first, m.first) } ?? m.first
                privateReasons.append(a.reason("appointment", lo, max(anchor?.last ?? m.last, m.last)))
                break
            }
        }
        // Rule 8: one's own results and records.
        for m in ms where m.tags.contains(.records) && !(processQuestion && !specifics) {
            if let anchor = possessiveAnchor(before: m, ms: ms, window: 3)
                ?? a.firstMatch(TagSet(.selfObject, .selfPossessive, .thirdPossessive), startingIn: m.last + 1, m.last + 5, within: ms) {
                privateReasons.append(a.reason("records", min(anchor.first, m.first), max(anchor.last, m.last)))
                break
            }
        }
        // Rule 9: a particular bill, claim or coverage.
        for m in ms where m.tags.contains(.billing) && !(processQuestion && !specifics) {
            let anchor = possessiveAnchor(before: m, ms: ms, window: 3)
                ?? a.lastMatch(personalAnchor, endingIn: m.first - 5, m.first, within: ms)
                ?? a.firstMatch(personalAnchor, startingIn: m.last + 1, m.last + 6, within: ms)
                ?? droppedSubject(s, before: m)
                ?? (hasAmount(in: s) || a.allTags.contains(.negative) ? m : nil)
            if let anchor {
                privateReasons.append(a.reason("billing", min(anchor.first, m.first), max(anchor.last, m.last)))
                break
            }
        }
    }

    func disclosure(of h: PhraseMatch, in s: Sentence, ms: ArraySlice<PhraseMatch>, question: Bool, educational: Bool, processQuestion: Bool) -> TriageReason? {
        // "How do I see my lab results?", "can my husband pick up my prescription?": process
        // questions (rule 4) about generic care words, not disclosures.
        let specificTerm = h.tags.intersects(TagSet(.condition, .drug, .symptom, .procedure, .pregnancy, .device))
        let generic = (h.tags.contains(.genericCare) || h.tags.contains(.result)) && !specificTerm
        if generic && processQuestion && !a.has(TagSet(.negative, .timeRef), in: s) && !hasMonthDate(in: s) { return nil }
        func reason(_ anchor: PhraseMatch) -> TriageReason {
            let lo = min(anchor.first, h.first)
            let hi = max(anchor.last, h.last)
            let third = anchor.tags.intersects(thirdParty) && !anchor.tags.contains(.selfPossessive)
                || a.has(TagSet(.relation, .relationSolo), from: lo, to: hi + 1)
            return a.reason(third ? "disclosure.third_party" : "disclosure.self", lo, hi)
        }
        // "my asthma", "her surgery", "mi diabetes", "my nipples are cracked"
        if let p = possessiveAnchor(before: h, ms: ms, window: 5) { return reason(p) }
        // "I have asthma", "my dad was diagnosed with", "she's on dialysis"
        if let subj = subjectAnchor(before: h, ms: ms, window: 8, question: question) { return reason(subj) }
        if educational { return nil }
        // A relative named in the sentence: "mi hija de 15 años quiere empezar anticonceptivos".
        if !generic, let rel = relativeAnchor(in: ms) { return reason(rel) }
        // A statement about oneself: "held my hand thru 6 rounds of chemo", "me quitaron el apéndice".
        if !question && !generic && !a.has(TagSet(.info), in: s),
           let me = ms.first(where: { $0.tags.intersects(selfAnchor) && abs(Int($0.first) - Int(h.first)) <= 10 }) {
            return reason(me)
        }
        // Dropped subject: "been having chest pains", "had surgery tuesday", "stepped on a rusty nail"
        let first = a.startTags[Int(s.firstToken)]
        let opensWithVerb = first.contains(.stateVerb) && !first.intersects(TagSet(.interrogative, .modal, .generalSubject))
        if (opensWithVerb || (h.first == s.firstToken && h.tags.contains(.symptom))) && h.first - s.firstToken <= 6 && !generic {
            return a.reason("disclosure.self", s.firstToken, h.last)
        }
        // "fever since yesterday", "dolor de cabeza desde el lunes"
        if h.tags.intersects(TagSet(.symptom, .condition)) && a.has(TagSet(.duration), in: s) && !a.has(TagSet(.generalSubject), in: s) {
            return a.reason("disclosure.self", h.first, h.last)
        }
        return nil
    }

    /// "my son", "mi hija", "grandma": a particular person named by relation.
    func relativeAnchor(in ms: ArraySlice<PhraseMatch>) -> PhraseMatch? {
        for m in ms where m.tags.contains(.relation) || m.tags.contains(.relationSolo) {
            if m.tags.contains(.relationSolo) { return m }
            if let p = a.lastMatch(possessives, endingIn: m.first - 3, m.first, within: ms), p.last < m.first {
                return PhraseMatch(first: p.first, last: m.last, tags: m.tags.union(p.tags))
            }
        }
        return nil
    }

    /// A possessive ("my", "her", "my dad's") ending at most `window` words before `m`.
    func possessiveAnchor(before m: PhraseMatch, ms: ArraySlice<PhraseMatch>, window: Int32) -> PhraseMatch? {
        guard let p = a.lastMatch(possessives.union(TagSet(.relationSolo)), endingIn: m.first - window, m.first, within: ms) else { return nil }
        // "your", "someone's" between them breaks the link.
        if a.has(TagSet(.generalSubject), from: p.last + 1, to: m.first) { return nil }
        if p.tags.contains(.relationSolo) && !p.tags.intersects(possessives) {
            // "mom's surgery": a relation word used as a name.
            return p
        }
        return p
    }

    /// A subject ("I", "she", "my husband") followed by a state verb ("have", "was", "is taking")
    /// before `m`, not inside a question frame ("can I", "should I") or a hypothesis ("if I").
    func subjectAnchor(before m: PhraseMatch, ms: ArraySlice<PhraseMatch>, window: Int32, question: Bool) -> PhraseMatch? {
        var best: PhraseMatch?
        for c in ms where c.last < m.first && m.first - c.last <= window {
            var isSubject = c.tags.intersects(subjects)
            // "my husband", "mi mamá": a relation after a possessive is a subject too.
            if c.tags.contains(.relation), let p = a.lastMatch(possessives, endingIn: c.first - 2, c.first, within: ms), p.last < c.first {
                isSubject = true
            }
            guard isSubject else { continue }
            // A question frame: "can I", "should I", "do I", "how do I".
            if !c.tags.contains(.relation) && (a.has(TagSet(.modal), from: c.first - 1, to: c.first) || a.has(TagSet(.hypothetical), from: c.first - 2, to: c.first)) {
                continue
            }
            // The verb: in the subject itself ("I'm", "tengo") or between subject and term.
            let verbInside = c.tags.contains(.stateVerb)
            let verb = verbInside ? c : a.firstMatch(TagSet(.stateVerb), startingIn: c.last + 1, m.first + (m.tags.contains(.stateVerb) ? 1 : 0), within: ms)
            guard let verb else { continue }
            // "I don't have", "no tengo"
            if verb.first > 0 && a.has(TagSet(.negation), from: max(c.first, verb.first - 2), to: verb.first) { continue }
            if a.has(TagSet(.generalSubject), from: c.last + 1, to: m.first) { continue }
            // "I read that you need a flu shot": the verb belongs to someone else.
            if !verbInside && a.has(TagSet(.otherSubject), from: c.last + 1, to: verb.first) { continue }
            best = c
        }
        return best
    }

    /// A sentence that opens with a verb and no subject ("got a collections letter", "been trying to get in").
    func droppedSubject(_ s: Sentence, before m: PhraseMatch) -> PhraseMatch? {
        let first = a.startTags[Int(s.firstToken)]
        guard first.contains(.stateVerb) || a.tokens[Int(s.firstToken)].length > 0 && isPastTenseOpening(s),
              !first.intersects(TagSet(.interrogative, .modal, .generalSubject)), m.first > s.firstToken, m.first - s.firstToken <= 6
        else { return nil }
        return PhraseMatch(first: s.firstToken, last: s.firstToken, tags: TagSet(.selfSubject))
    }

    /// "got", "been", "tried": an opening word ending in -ed or a common irregular past.
    func isPastTenseOpening(_ s: Sentence) -> Bool {
        let t = a.tokens[Int(s.firstToken)]
        guard t.length >= 4 else { return false }
        let b = a.bytes
        let e = Int(t.end)
        return (b[e - 2] | 0x20) == UInt8(ascii: "e") && (b[e - 1] | 0x20) == UInt8(ascii: "d")
    }

    /// "$4,000", "$45": money in the sentence.
    func hasAmount(in s: Sentence) -> Bool {
        var i = s.firstToken
        while i < s.endToken {
            let t = a.tokens[Int(i)]
            if t.flags & Token.hasDigit != 0, t.start > 0, a.bytes[Int(t.start) - 1] == UInt8(ascii: "$") { return true }
            i += 1
        }
        return false
    }

    func hasMonthDate(in s: Sentence) -> Bool {
        var i = s.firstToken
        while i + 1 < s.endToken {
            if a.wordTags[Int(i)].contains(.month), a.tokens[Int(i + 1)].flags & Token.hasDigit != 0 { return true }
            i += 1
        }
        return false
    }

    func hasNumberOrDate(in s: Sentence) -> Bool {
        var i = s.firstToken
        while i < s.endToken {
            let t = a.tokens[Int(i)]
            if t.flags & Token.hasDigit != 0 { return true }
            if a.wordTags[Int(i)].contains(.month), i + 1 < s.endToken, a.tokens[Int(i + 1)].flags & Token.hasDigit != 0 { return true }
            i += 1
        }
        return false
    }

    // MARK: Rule 11: complaints about specific care

    mutating func complaintRule() {
        guard a.allTags.contains(.negative), a.allTags.intersects(anyAnchor) || a.allTags.contains(.waitExperience) else { return }
        let care = TagSet(.careStaff, .careEvent, .treatment, .procedure)
        for (index, s) in a.sentences.enumerated() {
            guard let neg = a.matches(in: s).first(where: { $0.tags.contains(.negative) }) else { continue }
            let lo = index > 0 ? a.sentences[index - 1].firstToken : s.firstToken
            let hi = index + 1 < a.sentences.count ? a.sentences[index + 1].endToken : s.endToken
            let waited = neg.tags.contains(.waitExperience)
            guard a.has(care, from: lo, to: hi) || waited, a.has(anyAnchor, from: lo, to: hi) || waited else { continue }
            if a.has(TagSet(.education), in: s) { continue }
            privateReasons.append(a.reason("complaint.care", neg.first, neg.last))
            return
        }
    }

    // MARK: Rule 16: urgent

    mutating func urgentRules(_ s: Sentence, ms: ArraySlice<PhraseMatch>, educational: Bool) {
        let anchored = a.has(TagSet(.selfSubject, .selfPossessive, .selfObject, .relation, .relationSolo, .thirdSubject), in: s)
        let isQuestion = s.isQuestion || a.opensWithQuestion(s)
        let urgentEducational = a.has(TagSet(.education, .hypothetical), in: s)
        let present = a.allTags.contains(.presentMarker)
        let past = a.has(TagSet(.pastMarker), in: s) || (a.allTags.contains(.pastMarker) && !present)
        for m in ms where m.tags.intersects(urgentTags) {
            for (tag, rule) in urgentKinds where m.tags.contains(tag) {
                if urgentEducational && !(anchored && present) { continue }
                // "can stress cause chest pain?": a question about nobody in particular.
                if isQuestion && !anchored && !a.has(TagSet(.generalSubject, .presentMarker), in: s) { continue }
                if tag == .urgentSuicide {
                    // A resolved crisis is not urgent; an unresolved recent one is, even in the past tense.
                    if a.allTags.contains(.resolution) { continue }
                } else if past && !present {
                    continue
                }
                urgentReasons.append(a.reason(rule, m.first, m.last))
            }
        }
    }

    mutating func urgentCombos() {
        let present = a.allTags.contains(.presentMarker)
        let past = a.allTags.contains(.pastMarker) && !present
        if past { return }
        func firstMatch(_ tag: LexiconTag) -> PhraseMatch? { a.allTags.contains(tag) ? a.matches.first { $0.tags.contains(tag) } : nil }
        func educational(_ m: PhraseMatch) -> Bool {
            let s = a.sentences[Int(a.tokens[Int(m.first)].sentence)]
            return a.has(TagSet(.education, .hypothetical), in: s)
        }
        if let bye = firstMatch(.farewell), let cancel = firstMatch(.futureCancel), !a.allTags.contains(.resolution) {
            urgentReasons.append(a.reason("urgent.suicide", min(bye.first, cancel.first), max(bye.last, cancel.last)))
        }
        if let head = firstMatch(.headInjury), let thinner = firstMatch(.bloodThinner), !educational(head) {
            urgentReasons.append(a.reason("urgent.head_injury", min(head.first, thinner.first), max(head.last, thinner.last)))
        }
        if a.allTags.contains(.pregnancyWarning), let preg = firstMatch(.pregnancy) ?? gestation(), let warn = a.matches.first(where: { $0.tags.contains(.pregnancyWarning) && $0.first != preg.first }), !educational(warn) {
            urgentReasons.append(a.reason("urgent.pregnancy", min(preg.first, warn.first), max(preg.last, warn.last)))
        }
    }

    /// "I'm 33 weeks", "tengo 28 semanas", "my wife is 30 weeks": a number of weeks (4–42) said
    /// of a person. Returns a match spanning the number and the unit.
    func gestation() -> PhraseMatch? {
        guard a.allTags.contains(.gestationUnit) else { return nil }
        for m in a.matches where m.tags.contains(.gestationUnit) && m.first > 0 {
            let n = a.tokens[Int(m.first - 1)]
            guard n.isAllDigits, n.digits <= 2, let v = Int(a.text(m.first - 1, m.first - 1)), (4...42).contains(v) else { continue }
            // "2 weeks ago" is a time, not a pregnancy.
            if m.last + 1 < a.tokens.count, a.text(m.last + 1, m.last + 1).lowercased() == "ago" { continue }
            if a.has(personalAnchor.union(TagSet(.thirdSubject, .stateVerb)), from: m.first - 4, to: m.first - 1) {
                return PhraseMatch(first: m.first - 1, last: m.last, tags: TagSet(.pregnancy))
            }
        }
        return nil
    }

    // MARK: Rule 17: spam

    func spamRule() -> [TriageReason] {
        var out: [TriageReason] = []
        var score = 0
        var strong = false
        if a.allTags.intersects(spamTags) {
            for m in a.matches where m.tags.intersects(spamTags) {
                for (tag, rule) in spamKinds where m.tags.contains(tag) {
                    score += 1
                    if m.tags.contains(.spamStrong) { strong = true }
                    out.append(a.reason(rule, m.first, m.last))
                    break
                }
            }
        }
        if strong || score >= 2 { return dedupe(out) }
        // Abusive trolling: insults with no care of the writer's own behind them.
        let insults = a.allTags.contains(.insult) ? a.matches.filter { $0.tags.contains(.insult) } : []
        if !insults.isEmpty && privateReasons.isEmpty {
            return insults.map { a.reason("spam.abuse", $0.first, $0.last) }
        }
        return []
    }

    // MARK: Why a thread answer is safe

    func threadReasons() -> [TriageReason] {
        var out: [TriageReason] = []
        let educationTerms = healthDetail
        func first(_ tags: TagSet, where match: (PhraseMatch) -> Bool) -> PhraseMatch? {
            a.allTags.intersects(tags) ? a.matches.first(where: match) : nil
        }
        if let m = first(TagSet(.info), where: { $0.tags.contains(.info) }) {
            out.append(a.reason("general.info", m.first, m.last))
        }
        if let m = first(educationTerms.union(TagSet(.education)), where: { $0.tags.intersects(educationTerms) || $0.tags.contains(.education) }) {
            out.append(a.reason("general.health_education", m.first, m.last))
        }
        if let m = first(visitTags, where: { $0.tags.intersects(visitTags) }) {
            out.append(a.reason("general.process", m.first, m.last))
        }
        if let m = first(TagSet(.compliment), where: { $0.tags.contains(.compliment) }) {
            out.append(a.reason("compliment", m.first, m.last))
        }
        if let m = first(TagSet(.negative, .insult), where: { $0.tags.contains(.negative) || $0.tags.contains(.insult) }) {
            out.append(a.reason("complaint.general", m.first, m.last))
        }
        if out.isEmpty {
            out.append(TriageReason(rule: "general", evidence: ""))
        }
        return out
    }
}

extension TriageReason {
    func relabelled(_ rule: String) -> TriageReason {
        var r = self
        r.rule = rule
        return r
    }
}

extension TagSet {
    func union(_ other: TagSet) -> TagSet {
        var s = self
        s.formUnion(other)
        return s
    }
}

extension Triage {
    /// The lexicon phrases found in `text`, with their tags, in order: a tuning aid.
    public func matchedPhrases(_ text: String) -> [(phrase: String, tags: [LexiconTag])] {
        var text = text
        return text.withUTF8 { bytes in
            let a = TextAnalysis(bytes: bytes, lexicon: lexicon)
            return a.matches.map { (a.text($0.first, $0.last), $0.tags.tags) }
        }
    }
}
