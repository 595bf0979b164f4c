import Foundation

/// Where a reply goes.
public enum ReplyChannel: String, Sendable, Hashable, Codable, CaseIterable {
    /// A reply in the public thread, under the post: everyone can read it.
    case publicReply = "public_reply"
    /// A direct message on the same platform.
    case privateMessage = "private_message"
    case email
    case phone
    /// A note for colleagues, never sent.
    case internalNote = "internal_note"

    /// True for the one channel everyone can read.
    public var isPublic: Bool { self == .publicReply }

    /// A short label for the screen.
    public var label: String {
        switch self {
        case .publicReply: "public reply"
        case .privateMessage: "private message"
        case .email: "e-mail"
        case .phone: "phone"
        case .internalNote: "internal note"
        }
    }
}

/// Something wrong with a draft reply.
public struct ReplyIssue: Sendable, Hashable {
    public enum Severity: Sendable, Hashable {
        /// The reply must not be sent as it is.
        case block
        /// Worth a second look; sending is allowed.
        case warn
    }

    public var severity: Severity
    /// A stable code: `empty`, `repeats_identifier`, `repeats_health_detail`,
    /// `discloses_health_detail`, `jargon`, `too_long`.
    public var code: String
    /// One line a manager reads.
    public var message: String
    /// The span of the reply to highlight, when there is one.
    public var range: Range<String.Index>?

    public init(severity: Severity, code: String, message: String, range: Range<String.Index>? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.range = range
    }
}

/// Checks a draft reply before it is sent.
///
/// POLICY.md decides where a *patient's* post may be answered; this decides whether what *we*
/// wrote may go there. The goal is the same: never confirm in public that someone is a patient.
///
/// ```swift
/// let check = ReplyCheck(triage: Triage(options: config.triageOptions))
/// check.check(reply: "Sorry your asthma is flaring!", to: item, channel: .publicReply)
/// // [block repeats_health_detail "asthma", …]
/// ```
///
/// Public replies are blocked when they repeat an identifier (`repeats_identifier`), repeat a
/// health detail the post disclosed (`repeats_health_detail`) or talk about the person's own care
/// (`discloses_health_detail`). Every sent channel warns about corporate jargon; public replies
/// also warn when they are over the platform's length limit. An empty reply is always blocked.
/// Internal notes are only checked for being empty. See Docs/replies.md.
public struct ReplyCheck: Sendable {
    /// The same triage the inbox uses: its options exempt the organisation's own phones and e-mails.
    public let triage: Triage
    /// The jargon entries in use (`phrase` or `phrase -> plainer wording`).
    public let jargon: [String]
    let jargonPhrases: [JargonPhrase]

    public init(triage: Triage, jargon: [String] = ReplyCheck.defaultJargon) {
        self.triage = triage
        self.jargon = jargon
        self.jargonPhrases = jargon.compactMap(JargonPhrase.init(entry:))
    }

    /// The jargon list shipped in `Resources/jargon.txt`.
    public static var defaultJargon: [String] { bundledJargon }

    private static let bundledJargon: [String] = {
        guard let url = Bundle.module.url(forResource: "jargon", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            // The file is a declared resource and tested; a failure here is a packaging bug.
            assertionFailure("Resources/jargon.txt is missing from the RoundsCore bundle")
            return []
        }
        return parseJargonFile(text)
    }()

    /// The entries of a jargon file: one a line, `#` starts a comment line, blank lines ignored.
    public static func parseJargonFile(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            return line.isEmpty || line.hasPrefix("#") ? nil : line
        }
    }

    // MARK: - The check

    /// Checks a draft before it is sent. `item` is the post being answered (text and platform).
    ///
    /// Issues come blocks first, then warnings, each in reply order.
    public func check(reply: String, to item: Item, channel: ReplyChannel) -> [ReplyIssue] {
        if reply.allSatisfy({ $0.isWhitespace }) {
            return [ReplyIssue(severity: .block, code: "empty", message: "The reply is empty.")]
        }
        if channel == .internalNote { return [] }

        var blocks: [ReplyIssue] = []
        var warnings: [ReplyIssue] = []
        if channel.isPublic {
            blocks += identifierIssues(reply, item: item)
            let repeats = repeatedHealthDetails(reply, item: item)
            blocks += repeats.map(\.issue)
            blocks += disclosureIssues(reply, general: generalTerms(of: item)).filter { d in
                // "your asthma" when "asthma" is already flagged: one issue is enough.
                !repeats.contains { $0.bytes.overlaps(d.bytes) }
            }.map(\.issue)
        }
        warnings += jargonIssues(reply)
        if let limit = Self.lengthLimit(item.platform, channel: channel) {
            let (count, cut) = Self.measure(reply, on: item.platform, limit: limit)
            if count > limit, let cut {
                warnings.append(ReplyIssue(
                    severity: .warn, code: "too_long",
                    message: "Too long for \(Self.platformName(item.platform)): \(count) characters, the limit is \(limit).",
                    range: cut..<reply.endIndex))
            }
        }
        func start(_ i: ReplyIssue) -> String.Index { i.range?.lowerBound ?? reply.startIndex }
        return blocks.sorted { start($0) < start($1) } + warnings.sorted { start($0) < start($1) }
    }

    // MARK: Identifiers

    private func identifierIssues(_ reply: String, item: Item) -> [ReplyIssue] {
        // Read with "your" as "my" and the organisation's "we / our / us" left out: an identifier
        // rule that needs a person ("your visit on 3/12") sees one, and "our ER is open 24/7 at
        // 123 Main St" is not somebody's visit date and home address.
        let reasons = triage.identifierReasons(in: SecondPerson.rewrite(reply, lexicon: triage.lexicon).text)
        let itemDigits = item.text.filter(\.isNumber)
        let itemFolded = Fold.text(item.text)
        return reasons.compactMap { r in
            guard let bytes = r.range, let range = reply.indexRange(bytes) else { return nil }
            let evidence = String(reply[range])
            let kind = String(r.rule.dropFirst("identifier.".count))
            let digits = evidence.filter(\.isNumber)
            let repeated = digits.count >= 4 ? itemDigits.contains(digits) : itemFolded.contains(Fold.text(evidence))
            let what = Self.identifierName(kind)
            let verb = repeated ? "repeats the patient's \(what)" : "contains \(Self.article(what)) \(what)"
            return ReplyIssue(severity: .block, code: "repeats_identifier",
                              message: "Public reply \(verb) (\(evidence)): move it to a private channel.", range: range)
        }
    }

    static func identifierName(_ kind: String) -> String {
        switch kind {
        case "phone": "phone number"
        case "email": "e-mail address"
        case "date_of_birth": "date of birth"
        case "visit_date": "visit date"
        case "record_number": "record or account number"
        case "ssn": "Social Security number"
        case "address": "home address"
        case "full_name": "full name"
        default: kind.replacingOccurrences(of: "_", with: " ")
        }
    }

    private static func article(_ noun: String) -> String {
        guard let c = noun.first?.lowercased() else { return "a" }
        return "aeiou".contains(c) ? "an" : "a"
    }

    // MARK: Health details repeated from the post

    struct Located {
        var issue: ReplyIssue
        var bytes: Range<Int>
    }

    /// Health terms the post disclosed: the terms of every sentence that triage sent private.
    /// A post triage keeps in the thread (general questions, spam) discloses nothing.
    func disclosedTerms(of item: Item) -> [HealthTerm] {
        let decision = triage.classify(item.text)
        guard decision.route == .redirectPrivate else { return [] }
        let privateSpans = decision.reasons.filter { !$0.rule.hasPrefix("urgent.") }.compactMap(\.range)
        let scan = triage.healthTerms(in: item.text)
        let sensitive = Set(scan.sentences.indices.filter { s in
            privateSpans.contains { $0.overlaps(scan.sentences[s]) }
        })
        return scan.terms.filter { sensitive.contains($0.sentence) && $0.repeatable }
    }

    /// Health terms of a post triage keeps in the thread (not spam): asked about in general.
    func generalTerms(of item: Item) -> Set<String> {
        let decision = triage.classify(item.text)
        guard decision.route == .answerInThread, !decision.spam else { return [] }
        return Set(triage.healthTerms(in: item.text).terms.map(\.key))
    }

    private func repeatedHealthDetails(_ reply: String, item: Item) -> [Located] {
        let disclosed = disclosedTerms(of: item)
        guard !disclosed.isEmpty else { return [] }
        let keys = Set(disclosed.map(\.key))
        let nodes = Set(disclosed.map(\.node))
        // Greeting the writer by their handle ("Hi @asthma_mum") repeats nothing they did not already
        // show publicly as their name.
        let handles = Self.occurrences(of: item.author.handle, in: reply)
        let hits = triage.healthTerms(in: reply).terms.filter { t in
            t.repeatable && !t.insideInfo && (keys.contains(t.key) || nodes.contains(t.node))
                && !handles.contains { $0.lowerBound <= t.bytes.lowerBound && $0.upperBound >= t.bytes.upperBound }
        }
        // "heart attack" and "attack" at the same place: keep the longest.
        let kept = hits.filter { h in
            !hits.contains { o in o.bytes != h.bytes && o.bytes.lowerBound <= h.bytes.lowerBound && o.bytes.upperBound >= h.bytes.upperBound }
        }
        return kept.compactMap { t in
            guard let range = reply.indexRange(t.bytes) else { return nil }
            let text = String(reply[range])
            return Located(issue: ReplyIssue(
                severity: .block, code: "repeats_health_detail",
                message: "Public reply repeats a health detail from the post (\u{201C}\(text)\u{201D}): leave it out or move to a private channel.",
                range: range), bytes: t.bytes)
        }
    }

    /// UTF-8 byte ranges of `needle` in `text` (ASCII case ignored), with a leading `@` optional.
    static func occurrences(of needle: String, in text: String) -> [Range<Int>] {
        let n = Array((needle.hasPrefix("@") ? String(needle.dropFirst()) : needle).utf8).map(asciiLower)
        let t = Array(text.utf8).map(asciiLower)
        guard !n.isEmpty, n.count <= t.count else { return [] }
        var found: [Range<Int>] = []
        var i = 0
        while i + n.count <= t.count {
            if t[i] == n[0], Array(t[i..<i + n.count]) == n {
                found.append((i > 0 && t[i - 1] == UInt8(ascii: "@") ? i - 1 : i)..<i + n.count)
                i += n.count
            } else {
                i += 1
            }
        }
        return found
    }

    private static func asciiLower(_ b: UInt8) -> UInt8 { (65...90).contains(b) ? b + 32 : b }

    // MARK: The person's own care, in our words

    static let careRules: Set<String> = [
        "disclosure.self", "disclosure.third_party", "compliment.disclosure", "records", "appointment", "billing",
    ]

    /// `general`: comparison keys of the health terms of a post triage keeps in the thread (a
    /// general question): "How do I book a colonoscopy?" may be answered "You can book your
    /// colonoscopy online".
    private func disclosureIssues(_ reply: String, general: Set<String>) -> [Located] {
        let rewritten = SecondPerson.rewrite(reply, lexicon: triage.lexicon)
        guard !rewritten.markers.isEmpty else { return [] }
        let decision = triage.classify(rewritten.text)
        guard !decision.spam else { return [] }
        let frames = triage.sentenceFrames(in: rewritten.text, you: rewritten.youSubjects)
        let reply8 = Array(reply.utf8)
        var out: [Located] = []
        for r in decision.reasons where Self.careRules.contains(r.rule) || r.rule == "complaint.care" {
            guard var bytes = r.range else { continue }
            // A marker inside the evidence, or right before it: "you were seen" is read as
            // "i were seen", and triage anchors it on "were".
            var markers = rewritten.markers.filter { m in
                m.overlaps(bytes) || (m.upperBound <= bytes.lowerBound && bytes.lowerBound - m.upperBound <= 3
                    && reply8[m.upperBound..<bytes.lowerBound].allSatisfy { $0 == UInt8(ascii: " ") })
            }
            if r.rule == "complaint.care", markers.isEmpty,
               let frame = frames.first(where: { $0.bytes.overlaps(bytes) }),
               let nearest = rewritten.markers.filter({ frame.bytes.overlaps($0) })
                   .min(by: { abs($0.lowerBound - bytes.lowerBound) < abs($1.lowerBound - bytes.lowerBound) }) {
                // "we're sorry you were ignored": the complaint word, and who it happened to.
                markers = [nearest]
            }
            guard !markers.isEmpty else { continue }
            // The evidence ends inside a rewritten word ("you’re" read as "im"): take the whole word.
            for m in markers { bytes = min(bytes.lowerBound, m.lowerBound)..<max(bytes.upperBound, m.upperBound) }
            guard let frame = frames.first(where: { $0.bytes.overlaps(bytes) }) else { continue }
            // "If you have chest pain, call 911": advice for anyone.
            if frame.hypothetical { continue }
            // "Get your flu shot this Saturday": the health word is part of a service's name.
            if r.rule.hasPrefix("disclosure") || r.rule.hasPrefix("compliment"),
               !frame.healthTerms.contains(where: { $0.overlaps(bytes) }) { continue }
            // "You can request your records in the portal", "you don't need a referral to see a
            // dermatologist": how-to, as long as nothing specific (a day, a date, an amount, a
            // complaint) is said, and no condition, drug, procedure… is called "yours" — unless the
            // post asked about it in general.
            if frame.instructional && !frame.specific {
                let personal = frame.specificTerms.contains { t in
                    t.bytes.overlaps(bytes) && !general.contains(t.key)
                        && rewritten.possessives.contains { SecondPerson.isDirect($0, before: t.bytes, in: reply8) }
                }
                if !personal { continue }
            }
            if out.contains(where: { $0.bytes.overlaps(bytes) }) { continue }
            guard let range = reply.indexRange(bytes) else { continue }
            let text = String(reply[range])
            out.append(Located(issue: ReplyIssue(
                severity: .block, code: "discloses_health_detail",
                message: "Public reply talks about the person's own care (\u{201C}\(text)\u{201D}): move it to a private channel.",
                range: range), bytes: bytes))
        }
        return out
    }

    // MARK: Jargon

    private func jargonIssues(_ reply: String) -> [ReplyIssue] {
        let words = Fold.words(reply)
        var out: [ReplyIssue] = []
        var taken: [Range<Int>] = []
        // Longest phrases first: "as per our policy" wins over "as per".
        for p in jargonPhrases.sorted(by: { $0.words.count > $1.words.count }) {
            for (lo, hi) in p.matches(in: words) where !taken.contains(where: { $0.overlaps(lo..<hi + 1) }) {
                taken.append(lo..<hi + 1)
                let range = words[lo].range.lowerBound..<words[hi].range.upperBound
                let found = String(reply[range])
                let advice = p.suggestion.map { "try \u{201C}\($0)\u{201D}" } ?? "say it plainly"
                out.append(ReplyIssue(severity: .warn, code: "jargon",
                                      message: "\u{201C}\(found)\u{201D} sounds like a form letter: \(advice).", range: range))
            }
        }
        return out
    }

    // MARK: Length

    /// Platform length limits used for the warning, public replies only (private channels: `nil`).
    ///
    /// Approximate, from each platform's published limits for a comment or reply (2024–2025):
    /// X 280 (weighted: see ``measure(_:on:limit:)``), Instagram 2,200, Facebook 8,000,
    /// YouTube 10,000, Google reviews owner reply 4,096, LinkedIn comment 1,250. Platforms change
    /// them without notice; the warning never blocks.
    public static func lengthLimit(_ platform: Platform, channel: ReplyChannel) -> Int? {
        guard channel == .publicReply else { return nil }
        switch platform {
        case .x: return 280
        case .instagram: return 2200
        case .facebook: return 8000
        case .youtube: return 10000
        case .googleReviews: return 4096
        case .linkedin: return 1250
        }
    }

    /// The length of `text` as `platform` counts it, approximately.
    public static func length(_ text: String, on platform: Platform) -> Int {
        measure(text, on: platform, limit: Int.max).count
    }

    /// The length and the index of the first character past `limit`.
    ///
    /// X weighs text (its open-source `twitter-text` rules, approximated): a link counts 23
    /// whatever its length, an emoji 2, a character of Latin, Greek, Cyrillic and similar scripts
    /// 1, and other scripts (CJK…) 2 per code point. Elsewhere one character (grapheme) counts 1.
    static func measure(_ text: String, on platform: Platform, limit: Int) -> (count: Int, cut: String.Index?) {
        var count = 0
        var cut: String.Index?
        var i = text.startIndex
        while i < text.endIndex {
            var next = text.index(after: i)
            var weight = 1
            if platform == .x {
                if (i == text.startIndex || text[text.index(before: i)].isWhitespace),
                   text[i...].hasPrefix("http://") || text[i...].hasPrefix("https://") {
                    next = text[i...].firstIndex(where: \.isWhitespace) ?? text.endIndex
                    weight = 23
                } else {
                    weight = xWeight(text[i])
                }
            }
            count += weight
            if count > limit && cut == nil { cut = i }
            i = next
        }
        return (count, cut)
    }

    private static func xWeight(_ c: Character) -> Int {
        let scalars = c.unicodeScalars
        if let first = scalars.first, first.properties.isEmojiPresentation || scalars.contains(where: { $0.value == 0xFE0F }) {
            return 2
        }
        return scalars.reduce(0) { sum, s in
            let v = s.value
            let light = v <= 4351 || (8192...8205).contains(v) || (8208...8223).contains(v) || (8242...8247).contains(v)
            return sum + (light ? 1 : 2)
        }
    }

    static func platformName(_ p: Platform) -> String {
        switch p {
        case .facebook: "Facebook"
        case .instagram: "Instagram"
        case .x: "X"
        case .youtube: "YouTube"
        case .googleReviews: "Google reviews"
        case .linkedin: "LinkedIn"
        }
    }
}

// MARK: - Jargon phrases

/// One jargon entry: words matched in order with only spaces between them, case and accents
/// ignored; a last word ending in `*` matches any word with that prefix.
struct JargonPhrase: Sendable {
    var words: [String]
    var prefixLast: Bool
    var suggestion: String?

    init?(entry: String) {
        var line = entry.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
        var suggestion: String?
        if let arrow = line.range(of: "->") {
            let s = line[arrow.upperBound...].trimmingCharacters(in: .whitespaces)
            suggestion = s.isEmpty ? nil : s
            line = line[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
        }
        prefixLast = line.hasSuffix("*")
        if prefixLast { line.removeLast() }
        words = Fold.words(line).map(\.folded)
        guard !words.isEmpty else { return nil }
        self.suggestion = suggestion
    }

    /// Word index spans `(first, last)` where the phrase occurs.
    func matches(in text: [Fold.Word]) -> [(Int, Int)] {
        guard text.count >= words.count else { return [] }
        var out: [(Int, Int)] = []
        var i = 0
        while i + words.count <= text.count {
            var ok = true
            for (j, w) in words.enumerated() {
                let t = text[i + j]
                let last = j == words.count - 1
                if j > 0 && !t.spaceBefore { ok = false; break }
                if last && prefixLast ? !t.folded.hasPrefix(w) : t.folded != w { ok = false; break }
            }
            if ok {
                out.append((i, i + words.count - 1))
                i += words.count
            } else {
                i += 1
            }
        }
        return out
    }
}

// MARK: - Text folding

enum Fold {
    struct Word {
        var folded: String
        var range: Range<String.Index>
        /// Only whitespace (or a hyphen) separates it from the previous word.
        var spaceBefore: Bool
    }

    static func isApostrophe(_ c: Character) -> Bool { c == "'" || c == "\u{2019}" || c == "\u{2018}" || c == "\u{02BC}" }

    /// Words: letters and digits, with apostrophes inside a word dropped ("we're" → "were"),
    /// lowercased and accents folded.
    static func words(_ text: String) -> [Word] {
        var out: [Word] = []
        var start: String.Index?
        var raw = ""
        var gapIsSpace = true
        var i = text.startIndex
        func finish(_ end: String.Index) {
            guard let s = start else { return }
            out.append(Word(folded: fold(raw), range: s..<end, spaceBefore: gapIsSpace || out.isEmpty))
            start = nil
            raw = ""
            gapIsSpace = true
        }
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c.isLetter || c.isNumber {
                if start == nil { start = i }
                raw.append(c)
            } else if isApostrophe(c), start != nil, next < text.endIndex, text[next].isLetter {
                // inside a word: dropped
            } else {
                finish(i)
                if !(c.isWhitespace || c == "-") { gapIsSpace = false }
            }
            i = next
        }
        finish(text.endIndex)
        return out
    }

    static func fold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
    }

    /// The folded words of `s` joined by single spaces.
    static func text(_ s: String) -> String { words(s).map(\.folded).joined(separator: " ") }

    /// A comparison key for a health term: folded words, a plural ending dropped
    /// ("migraines" ~ "migraine", "surgeries" ~ "surgery").
    static func termKey(_ s: String) -> String {
        words(s).map { w -> String in
            var f = w.folded
            if f.count > 4 && f.hasSuffix("ies") { f.removeLast(3); f += "y" }
            else if f.count > 3 && f.hasSuffix("s") && !f.hasSuffix("ss") && !f.hasSuffix("us") && !f.hasSuffix("is") { f.removeLast() }
            return f
        }.joined(separator: " ")
    }
}

extension String {
    /// The string range of UTF-8 byte offsets, widened to whole characters when an offset falls
    /// inside one (a combining mark after a word).
    func indexRange(_ bytes: Range<Int>) -> Range<String.Index>? {
        guard bytes.lowerBound >= 0, bytes.upperBound <= utf8.count else { return nil }
        let lo = utf8.index(utf8.startIndex, offsetBy: bytes.lowerBound)
        let hi = utf8.index(utf8.startIndex, offsetBy: bytes.upperBound)
        let l = lo.samePosition(in: self) ?? self[..<lo].indices.last ?? startIndex
        var h = hi
        while h < endIndex && h.samePosition(in: self) == nil { h = utf8.index(after: h) }
        return l..<h
    }
}

// MARK: - Second person: "your" read as "my"

/// Triage reads a post in the first person ("my asthma", "I have"). A reply speaks in the second
/// person ("your asthma", "you have"), so the check rewrites the reply — "your" → "my",
/// "you" → "I"/"me", "tu" → "mi", "usted" → "yo" — and asks triage's own rules about the
/// result. Replacements are padded with spaces to the same byte length, so triage's byte ranges
/// are ranges in the reply as written.
///
/// The organisation's "our" becomes "the" (so "your visit to our ER" is anchored on "your"), and
/// a possessive in front of a word about the conversation itself ("your question", "su mensaje",
/// "your kind words") is blanked: it says nothing about care.
enum SecondPerson {
    struct Rewritten {
        var text: String
        /// Byte ranges of the second-person words ("your", "you", "su"…).
        var markers: [Range<Int>]
        /// Where "you" (and "usted") stood: the start byte of each.
        var youSubjects: Set<Int> = []
        /// Byte ranges of the second-person possessives ("your", "tu", "su").
        var possessives: [Range<Int>] = []
        var changed: Bool
    }

    static let possessive: [String: String] = [
        "your": "my", "yours": "mine", "yourself": "myself", "yourselves": "ourselves",
        "tu": "mi", "tus": "mis", "su": "su", "sus": "sus",
    ]
    static let subject: [String: String] = [
        "youre": "im", "youve": "ive", "youll": "ill", "youd": "id", "usted": "yo", "te": "me",
    ]
    static let organisation: [String: String] = [
        "our": "the", "ours": "the", "nuestro": "el", "nuestra": "la", "nuestros": "los", "nuestras": "las",
    ]
    /// The organisation's own voice: "we", "us", and (with an apostrophe) "we're", "we've", "we'll", "we'd".
    static let orgVoice: Set<String> = ["we", "us", "were", "weve", "well", "wed"]

    /// `possessive` is one word or none before `term`: "your colonoscopy", "your next colonoscopy".
    static func isDirect(_ possessive: Range<Int>, before term: Range<Int>, in bytes: [UInt8]) -> Bool {
        guard possessive.upperBound <= term.lowerBound else { return false }
        let gap = bytes[possessive.upperBound..<term.lowerBound]
        return gap.split(separator: UInt8(ascii: " ")).count <= 1
    }

    /// Words about the conversation, not about care: "your question", "sus comentarios".
    static let conversation: Set<String> = [
        "question", "questions", "comment", "comments", "message", "messages", "post", "posts", "feedback",
        "review", "reviews", "kind", "words", "note", "notes", "concern", "concerns", "inquiry", "enquiry",
        "patience", "understanding", "interest", "support", "time", "trust", "suggestion", "suggestions",
        "thoughts", "privacy", "email", "e", "dm", "inbox", "reply", "response", "name",
        "pregunta", "preguntas", "comentario", "comentarios", "mensaje", "mensajes", "paciencia",
        "privacidad", "confianza", "opinion", "resena", "correo", "respuesta", "nombre",
    ]

    /// Words after which "you" is a subject ("you have", "you can"); otherwise an object.
    static let subjectNext: Set<String> = [
        "have", "has", "had", "were", "are", "was", "got", "can", "could", "may", "might", "will", "would",
        "should", "need", "needed", "still", "dont", "didnt", "arent", "werent", "just", "recently", "also",
        "came", "went", "felt", "feel", "started", "stopped", "take", "took", "be", "been",
    ]

    static func rewrite(_ text: String, lexicon: Lexicon) -> Rewritten {
        var bytes = Array(text.utf8)
        var result = Rewritten(text: text, markers: [], changed: false)
        let words = tokens(bytes)
        for (k, w) in words.enumerated() {
            let next = k + 1 < words.count ? words[k + 1].folded : ""
            var replacement: String?
            var marker = false
            if let p = possessive[w.folded] {
                if conversation.contains(next) {
                    replacement = "zz"
                } else {
                    replacement = p
                    marker = true
                    result.possessives.append(w.range)
                }
            } else if let s = subject[w.folded] {
                replacement = s
                marker = true
                if w.folded == "usted" { result.youSubjects.insert(w.range.lowerBound) }
            } else if w.folded == "you" {
                replacement = subjectNext.contains(next) || w.sentenceBreakBefore ? "i" : "me"
                marker = true
                result.youSubjects.insert(w.range.lowerBound)
            } else if let o = organisation[w.folded] {
                replacement = o
            } else if orgVoice.contains(w.folded) && (w.folded == "we" || w.folded == "us" || w.raw.contains(where: Fold.isApostrophe)) {
                // "we", "us", "we're", "we'll": the organisation speaking, not a patient.
                replacement = "zz"
            }
            guard let r = replacement else { continue }
            let range = w.range
            if marker { result.markers.append(range) }
            if r == w.folded && w.raw.utf8.count == r.utf8.count { continue }
            var out = Array(r.utf8)
            guard out.count <= range.count else { continue }
            out += Array(repeating: UInt8(ascii: " "), count: range.count - out.count)
            bytes.replaceSubrange(range, with: out)
            result.changed = true
        }
        result.text = String(decoding: bytes, as: UTF8.self)
        return result
    }

    struct Word {
        var range: Range<Int>
        var raw: String
        var folded: String
        /// A sentence terminator (or nothing but spaces) precedes it.
        var sentenceBreakBefore: Bool
    }

    /// ASCII-and-Latin words with their byte ranges (enough for the pronouns above).
    static func tokens(_ bytes: [UInt8]) -> [Word] {
        let text = String(decoding: bytes, as: UTF8.self)
        var out: [Word] = []
        var sawBreak = true
        for w in Fold.words(text) {
            let lo = text.utf8.distance(from: text.utf8.startIndex, to: w.range.lowerBound)
            let hi = text.utf8.distance(from: text.utf8.startIndex, to: w.range.upperBound)
            if let last = out.last {
                let gap = bytes[last.range.upperBound..<lo]
                sawBreak = gap.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "?") || $0 == 10 || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";") }
            }
            out.append(Word(range: lo..<hi, raw: String(text[w.range]), folded: w.folded, sentenceBreakBefore: sawBreak))
        }
        return out
    }
}

// MARK: - What ReplyCheck asks of triage

/// A health-detail phrase of the lexicon found in a text.
struct HealthTerm: Sendable {
    /// UTF-8 byte offsets in the text.
    var bytes: Range<Int>
    var text: String
    /// Folded, plural-insensitive comparison key.
    var key: String
    /// The lexicon node the phrase ends at: the same phrase, however it was spelled.
    var node: Int32
    var tags: TagSet
    /// Index of its sentence.
    var sentence: Int
    /// Part of a longer general-information phrase ("flu shots", "cancer center" as a place).
    var insideInfo: Bool

    /// Words too common or too vague to count as repeating someone's health detail:
    /// well-wishes ("get well soon"), bare result words ("report", "levels"), "add".
    static let vague: Set<String> = [
        "add", "get well soon", "speedy recovery", "recuperate pronto", "report", "level", "number", "finding",
        "came back", "result", "resultado",
    ]

    var repeatable: Bool { !HealthTerm.vague.contains(key) }
}

/// Sentence-level facts about a reply, for the disclosure check.
struct SentenceFrame {
    var bytes: Range<Int>
    /// "if", "in case", "si": advice for a situation, not about the reader.
    var hypothetical: Bool
    /// "You can request…", "Book your…", "Puede ver…": how to do something.
    var instructional: Bool
    /// A day, a date, a number or a complaint word.
    var specific: Bool
    /// Byte ranges of condition, drug, symptom, procedure, pregnancy, device or non-generic
    /// treatment terms.
    var specificTerms: [(bytes: Range<Int>, key: String)]
    /// Byte ranges of every health-detail term that is not part of a service's name.
    var healthTerms: [Range<Int>]

    /// Words that may open an instruction before its verb.
    static let openers: Set<String> = ["please", "to", "just", "simply", "para", "por", "favor", "solo"]
    /// Modals that introduce a how-to ("you can…"), not a question frame ("is", "do").
    /// "will" and "should" are left out: "you will get your results" is about this person.
    static let abilityModals: Set<String> = ["can", "could", "may", "dont", "puede", "puedes", "pueden", "podra", "podras"]
}

let replyHealthTags = TagSet(.condition, .drug, .symptom, .procedure, .result, .pregnancy, .device, .treatment)

extension Triage {
    /// The health-detail phrases in `text` (lexicon tags condition, drug, symptom, procedure,
    /// result, pregnancy, device, treatment) and the byte range of each sentence.
    func healthTerms(in text: String) -> (terms: [HealthTerm], sentences: [Range<Int>]) {
        var text = text
        return text.withUTF8 { bytes in
            let a = TextAnalysis(bytes: bytes, lexicon: lexicon)
            let sentences = a.sentences.map { s in
                s.firstToken < s.endToken ? a.byteRange(s.firstToken, s.endToken - 1) : 0..<0
            }
            var terms: [HealthTerm] = []
            for m in a.matches where m.tags.intersects(replyHealthTags) {
                var node: Int32 = 0
                var k = m.first
                while k <= m.last {
                    let t = a.tokens[Int(k)]
                    guard let next = lexicon.child(of: node, word: t.exact) ?? lexicon.child(of: node, word: t.prefix) else { break }
                    node = next
                    k += 1
                }
                let inside = a.matches.contains { o in
                    o.tags.contains(.info) && o.first <= m.first && o.last >= m.last && o.last - o.first > m.last - m.first
                }
                let raw = a.text(m.first, m.last)
                terms.append(HealthTerm(bytes: a.byteRange(m.first, m.last), text: raw, key: Fold.termKey(raw), node: node,
                                        tags: m.tags, sentence: Int(a.tokens[Int(m.first)].sentence), insideInfo: inside))
            }
            return (terms, sentences)
        }
    }

    /// Identifier reasons (POLICY rule 10) in `text`, whatever else triage would decide (a reply
    /// that reads like a promotion still must not carry a phone number).
    func identifierReasons(in text: String) -> [TriageReason] {
        var text = text
        return text.withUTF8 { bytes in
            let a = TextAnalysis(bytes: bytes, lexicon: lexicon)
            return Rules(a: a, cache: cache).scanIdentifiers()
        }
    }

    /// `you`: the byte offsets where the reply said "you" (rewritten as "i").
    func sentenceFrames(in text: String, you: Set<Int> = []) -> [SentenceFrame] {
        var text = text
        return text.withUTF8 { bytes in
            let a = TextAnalysis(bytes: bytes, lexicon: lexicon)
            let specificTags = TagSet(.condition, .drug, .symptom, .procedure, .pregnancy, .device)
            return a.sentences.compactMap { s -> SentenceFrame? in
                guard s.firstToken < s.endToken else { return nil }
                let ms = a.matches(in: s)
                func word(_ k: Int32) -> String { Fold.words(a.text(k, k)).first?.folded ?? "" }
                func isYou(_ k: Int32) -> Bool { you.contains(Int(a.tokens[Int(k)].start)) }
                var first = s.firstToken
                while first + 1 < s.endToken, SentenceFrame.openers.contains(word(first)) || isYou(first) { first += 1 }
                // "Book your flu shot online", "Please request your records…", "Para pedir su cita…"
                var instructional = a.startTags[Int(first)].contains(.processVerb)
                // A number is a detail ("3/12", "$40", "room 4"), a phone number (7+ digits in a
                // run) is not: it is how to reach us.
                var digits = false
                var runDigits = 0
                var runEnd: Int32 = -1
                var k = s.firstToken
                while k <= s.endToken {
                    let t = k < s.endToken ? a.tokens[Int(k)] : nil
                    if let t, t.flags & Token.hasDigit != 0 {
                        if runEnd >= 0 && Int(t.start) - Int(a.tokens[Int(runEnd)].end) <= 3 {
                            runDigits += Int(t.digits)
                        } else {
                            if runEnd >= 0 && runDigits < 7 { digits = true }
                            runDigits = Int(t.digits)
                        }
                        runEnd = k
                    }
                    k += 1
                }
                if runEnd >= 0 && runDigits < 7 { digits = true }
                k = s.firstToken
                while k < s.endToken {
                    // "You can request…" (read as "i can"), "Puede ver…"
                    if SentenceFrame.abilityModals.contains(word(k)), k == first || (k > s.firstToken && isYou(k - 1)),
                       a.has(TagSet(.processVerb), from: k + 1, to: min(s.endToken, k + 6)) {
                        instructional = true
                    }
                    k += 1
                }
                let specific = digits || a.has(TagSet(.timeRef, .negative), in: s)
                // "flu shot", "cancer center": a service, not a condition.
                let care = ms.filter { m in
                    m.tags.intersects(replyHealthTags)
                        && !ms.contains { o in o.tags.contains(.info) && o.first <= m.first && o.last >= m.last && o.last - o.first > m.last - m.first }
                }
                let specificTerms = care.filter { m in
                    m.tags.intersects(specificTags) || (m.tags.contains(.treatment) && !m.tags.contains(.genericCare))
                }.map { (bytes: a.byteRange($0.first, $0.last), key: Fold.termKey(a.text($0.first, $0.last))) }
                return SentenceFrame(
                    bytes: a.byteRange(s.firstToken, s.endToken - 1),
                    hypothetical: a.has(TagSet(.hypothetical), in: s),
                    instructional: instructional, specific: specific, specificTerms: specificTerms,
                    healthTerms: care.map { a.byteRange($0.first, $0.last) })
            }
        }
    }
}
