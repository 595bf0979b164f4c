#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds personal identifiers in a text (POLICY rule 10): phone numbers, e-mail addresses, dates
/// of birth and exact visit dates, record / member / account numbers, SSNs, home addresses and
/// full names given for someone seeking care.
///
/// Hard negatives it leaves alone: years, prices, clock times, room numbers, the organisation's
/// own phone numbers and e-mail domains, dates with no person or visit attached.
///
/// An extension of the rules rather than a struct of its own, so the analysis is not copied
/// (six array retains and releases) for it.
extension Rules {
    static let anchors = TagSet(.selfSubject, .selfPossessive, .selfObject, .relation, .relationSolo, .thirdPossessive, .thirdSubject)
    static let careContext = TagSet(.condition, .drug, .symptom, .procedure, .result, .pregnancy, .device,
                                    .treatment, .careEvent, .appointment, .records, .billing, .careStaff)

    func scanIdentifiers() -> [TriageReason] {
        var out: [TriageReason] = []
        emails(&out)
        numbers(&out)
        monthDates(&out)
        addresses(&out)
        names(&out)
        return out
    }

    // MARK: E-mail

    private func emails(_ out: inout [TriageReason]) {
        let b = a.bytes
        guard let base = b.baseAddress else { return }
        var i = 0
        while i < b.count {
            guard let at = memchr(base + i, Int32(UInt8(ascii: "@")), b.count - i) else { return }
            i = base.distance(to: at.assumingMemoryBound(to: UInt8.self))
            var s = i
            while s > 0, Self.isLocalByte(b[s - 1]) { s -= 1 }
            var e = i + 1
            var dots = 0
            var lastDot = -1
            while e < b.count, Self.isDomainByte(b[e]) {
                if b[e] == UInt8(ascii: ".") { dots += 1; lastDot = e }
                e += 1
            }
            // Trailing dots belong to the sentence, not the address; the last dot is then the one before them.
            while e > i + 1, b[e - 1] == UInt8(ascii: ".") { e -= 1; dots -= 1 }
            if lastDot >= e {
                lastDot = -1
                var d = e - 1
                while d > i { if b[d] == UInt8(ascii: ".") { lastDot = d; break }; d -= 1 }
            }
            if s < i, dots > 0, lastDot > i + 1, e - lastDot - 1 >= 2 {
                let domain = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<e]), as: UTF8.self).lowercased()
                if !cache.emailDomains.contains(domain) {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
                    out.append(TriageReason(rule: "identifier.email", evidence: text, range: s..<e))
                }
            }
            i = e
        }
    }

    static func isLocalByte(_ c: UInt8) -> Bool {
        Tokenizer.isWordByte(c) && c < 0x80 || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: "%")
    }

    static func isDomainByte(_ c: UInt8) -> Bool {
        (Tokenizer.isWordByte(c) && c < 0x80) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
    }

    // MARK: Digit runs: phones, SSNs, numeric dates, record numbers

    private struct Run {
        var first: Int
        var last: Int
        var groups: [Int] = []  // digit count of each token
        var seps = ""  // separators between tokens, one string
        var plus = false
        var totalDigits: Int { groups.reduce(0, +) }
    }

    private func numbers(_ out: inout [TriageReason]) {
        let t = a.tokens
        let b = a.bytes
        var i = 0
        while i < t.count {
            guard t[i].flags & Token.hasDigit != 0 else { i += 1; continue }
            if !t[i].isAllDigits {
                recordNumber(token: i, &out)
                i += 1
                continue
            }
            // Gather digit tokens joined by short runs of - . ( ) / space.
            var run = Run(first: i, last: i)
            run.groups.append(Int(t[i].digits))
            let startByte = Int(t[i].start)
            if startByte > 0 {
                let p = b[startByte - 1]
                if p == UInt8(ascii: "+") { run.plus = true }
                if p == UInt8(ascii: "$") { i += 1; continue }
            }
            var j = i + 1
            while j < t.count, t[j].isAllDigits {
                let gapStart = Int(t[j - 1].end)
                let gapEnd = Int(t[j].start)
                guard gapEnd - gapStart <= 3 else { break }
                var ok = true
                var sep = ""
                for k in gapStart..<gapEnd {
                    let c = b[k]
                    if c == 32 || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "/") {
                        sep.append(Character(Unicode.Scalar(c)))
                    } else { ok = false; break }
                }
                guard ok, !sep.isEmpty else { break }
                run.seps += sep + "|"
                run.groups.append(Int(t[j].digits))
                run.last = j
                j += 1
            }
            classify(run, &out)
            i = run.last + 1
        }
    }

    private func classify(_ run: Run, _ out: inout [TriageReason]) {
        let t = a.tokens
        let b = a.bytes
        let first = Int32(run.first)
        let last = Int32(run.last)
        let startByte = Int(t[run.first].start)
        let endByte = Int(t[run.last].end)
        // Clock times (3:30) and prices ($1,200) are never identifiers.
        if startByte > 0, b[startByte - 1] == UInt8(ascii: "$") { return }
        if endByte < b.count, b[endByte] == UInt8(ascii: ":") && run.groups.count == 1 { return }
        if startByte > 0, b[startByte - 1] == UInt8(ascii: ":") && run.groups.count == 1 { return }
        let digits = run.totalDigits
        let seps = run.seps

        // Numeric dates: m/d, m/d/yy, m/d/yyyy, m-d-yyyy, yyyy-mm-dd.
        let dotted = run.groups.count == 3 && seps == ".|.|" && (run.groups[2] == 2 || run.groups[2] == 4) && run.groups[0] <= 2 && run.groups[1] <= 2
        if run.groups.count >= 2 && run.groups.count <= 3 && (seps.utf8.contains(UInt8(ascii: "/")) || dotted || (seps.allSatisfy { $0 == "-" || $0 == "|" } && run.groups.count == 3 && (run.groups[2] == 4 || run.groups[0] == 4) && run.groups != [3, 2, 4])) {
            if isPlausibleDate(run) {
                dateIdentifier(first, last, &out)
                return
            }
        }
        // SSN: 3-2-4 with dashes, or nine digits after an SSN keyword.
        if run.groups == [3, 2, 4] && seps == "-|-|" {
            out.append(a.reason("identifier.ssn", first, last))
            return
        }
        if digits == 9 && run.groups.count <= 3 && keyword(.ssnKeyword, before: first, within: 5) {
            out.append(a.reason("identifier.ssn", first, last))
            return
        }
        // Phone numbers.
        let isPhone: Bool
        if run.plus && digits >= 8 && digits <= 15 {
            isPhone = true
        } else if digits == 10 && (run.groups.count == 1 || run.groups.count >= 2) && run.groups.allSatisfy({ $0 >= 2 }) && !seps.utf8.contains(UInt8(ascii: "/")) {
            isPhone = true
        } else if digits == 11 && (t[run.first].digits == 1 || b[startByte] == UInt8(ascii: "1")) && !seps.utf8.contains(UInt8(ascii: "/")) {
            isPhone = true
        } else if digits >= 11 && digits <= 13 && run.groups.count >= 3 && !seps.utf8.contains(UInt8(ascii: "/")) && keyword(.phoneKeyword, before: first, within: 6) {
            isPhone = true
        } else if digits == 7 && run.groups == [3, 4] && keyword(.phoneKeyword, before: first, within: 6) {
            isPhone = true
        } else {
            isPhone = false
        }
        if isPhone {
            var allDigits = ""
            for k in startByte..<endByte where b[k] >= 48 && b[k] <= 57 { allDigits.append(Character(Unicode.Scalar(b[k]))) }
            let key = String(allDigits.suffix(10))
            if cache.phoneKeys.contains(key) || cache.phoneKeys.contains(String(allDigits.suffix(7))) { return }
            var s = startByte
            if s > 0, b[s - 1] == UInt8(ascii: "+") || b[s - 1] == UInt8(ascii: "(") { s -= 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[s..<endByte]), as: UTF8.self)
            out.append(TriageReason(rule: "identifier.phone", evidence: text, range: s..<endByte))
            return
        }
        // Record, member and account numbers: five or more digits after a keyword.
        if run.groups.count == 1 {
            recordNumber(token: run.first, &out)
        } else if digits >= 6 && keyword(.idKeyword, before: first, within: 5) {
            out.append(a.reason("identifier.record_number", first, last))
        }
    }

    private func recordNumber(token i: Int, _ out: inout [TriageReason]) {
        let t = a.tokens[i]
        guard t.digits >= 5 || (t.digits >= 4 && t.flags & Token.hasLetter != 0 && t.length >= 6) else { return }
        let start = Int(t.start)
        if start > 0, a.bytes[start - 1] == UInt8(ascii: "$") { return }
        // Ordinals and measurements (1st, 500mg) are short; a record number is long.
        if keyword(.idKeyword, before: Int32(i), within: 5) {
            out.append(a.reason("identifier.record_number", Int32(i), Int32(i)))
        } else if t.digits >= 6, start > 0, a.bytes[start - 1] == UInt8(ascii: "#"),
                  a.has(Self.anchors, from: Int32(max(0, i - 8)), to: Int32(i)) {
            out.append(a.reason("identifier.record_number", Int32(i), Int32(i)))
        }
    }

    private func isPlausibleDate(_ run: Run) -> Bool {
        let t = a.tokens
        func value(_ k: Int) -> Int {
            Int(String(decoding: UnsafeBufferPointer(rebasing: a.bytes[Int(t[k].start)..<Int(t[k].end)]), as: UTF8.self)) ?? -1
        }
        let v = (run.first...run.last).map(value)
        if run.groups.first == 4 {  // yyyy-mm-dd
            return v.count == 3 && (1...12).contains(v[1]) && (1...31).contains(v[2])
        }
        guard (1...31).contains(v[0]), (1...31).contains(v[1]) else { return false }
        guard v[0] <= 12 || v[1] <= 12 else { return false }
        if v.count == 3 { return run.groups[2] == 2 || run.groups[2] == 4 }
        return true
    }

    /// A date is an identifier when it is a birth date, or the date of someone's visit or stay.
    private func dateIdentifier(_ first: Int32, _ last: Int32, _ out: inout [TriageReason]) {
        let sentence = a.sentences[Int(a.tokens[Int(first)].sentence)]
        if keyword(.dobKeyword, before: first, within: 5) {
            out.append(a.reason("identifier.date_of_birth", first, last))
            return
        }
        let hasAnchor = a.has(Self.anchors, in: sentence)
        let hasVisit = a.has(TagSet(.dateContext, .careEvent, .procedure, .appointment), in: sentence)
        if hasAnchor && hasVisit {
            out.append(a.reason("identifier.visit_date", first, last))
        }
    }

    /// `April 12, 1988`, `12 de abril`, `Nov 3rd`.
    private func monthDates(_ out: inout [TriageReason]) {
        guard a.allTags.contains(.month) else { return }
        let t = a.tokens
        for m in a.matches where m.tags.contains(.month) && m.first == m.last {
            let i = Int(m.first)
            // "may" is also a verb: only with a day number right after it.
            var dayToken: Int?
            if i + 1 < t.count, isDay(i + 1), t[i + 1].sentence == t[i].sentence { dayToken = i + 1 }
            else if i >= 1, isDay(i - 1) { dayToken = i - 1 }
            else if i >= 2, isDay(i - 2), a.text(Int32(i - 1), Int32(i - 1)).lowercased() == "de" { dayToken = i - 2 }
            guard let d = dayToken else { continue }
            var lo = min(i, d)
            var hi = max(i, d)
            if hi + 1 < t.count, t[hi + 1].isAllDigits, t[hi + 1].digits == 4 { hi += 1 }
            else if hi + 2 < t.count, t[hi + 2].isAllDigits, t[hi + 2].digits == 4, a.text(Int32(hi + 1), Int32(hi + 1)).lowercased() == "de" { hi += 2 }
            if lo > 0 && a.wordTags[lo - 1].contains(.timeRef) { lo -= 1 }
            dateIdentifier(Int32(lo), Int32(hi), &out)
        }
    }

    private func isDay(_ k: Int) -> Bool {
        let t = a.tokens[k]
        guard t.digits >= 1 && t.digits <= 2 else { return false }
        if t.isAllDigits { return true }
        // 3rd, 21st, 2nd, 4th
        let s = a.text(Int32(k), Int32(k)).lowercased()
        return s.hasSuffix("st") || s.hasSuffix("nd") || s.hasSuffix("rd") || s.hasSuffix("th")
    }

    // MARK: Addresses and names

    private func addresses(_ out: inout [TriageReason]) {
        guard a.allTags.contains(.streetSuffix) || a.allTags.contains(.streetPrefix) else { return }
        let t = a.tokens
        for m in a.matches where m.tags.contains(.streetSuffix) && m.first == m.last {
            let s = Int(m.first)
            // number, 1–3 words, suffix: "1234 W Maple St"
            var k = s - 1
            var words = 0
            while k >= 0, words < 4, !t[k].isAllDigits, t[k].sentence == t[s].sentence { k -= 1; words += 1 }
            guard k >= 0, words >= 1, words <= 3, t[k].isAllDigits, t[k].digits <= 6 else { continue }
            guard homeContext(near: Int32(k)) else { continue }
            out.append(a.reason("identifier.address", Int32(k), Int32(s)))
        }
        for m in a.matches where m.tags.contains(.streetPrefix) && m.first == m.last {
            let s = Int(m.first)
            var k = s + 1
            while k < t.count, k <= s + 4, !t[k].isAllDigits { k += 1 }
            guard k < t.count, k > s + 1, k <= s + 4, t[k].isAllDigits, t[k].digits <= 6 else { continue }
            guard homeContext(near: Int32(s)) else { continue }
            out.append(a.reason("identifier.address", Int32(s), Int32(k)))
        }
    }

    private func homeContext(near i: Int32) -> Bool {
        let sentence = a.sentences[Int(a.tokens[Int(i)].sentence)]
        return a.has(TagSet(.homeContext, .selfPossessive, .relation, .thirdPossessive), in: sentence)
    }

    private func names(_ out: inout [TriageReason]) {
        guard a.allTags.intersects(Self.careContext) else { return }
        let t = a.tokens
        let blocked = TagSet(.notName, .month, .timeRef, .careStaff, .abbrev, .info, .interrogative, .modal)
        var i = 0
        while i + 1 < t.count {
            guard isNameWord(i, blocked), isNameWord(i + 1, blocked), t[i + 1].sentence == t[i].sentence,
                  Int(t[i + 1].start) - Int(t[i].end) == 1
            else { i += 1; continue }
            var end = i + 1
            if end + 1 < t.count, isNameWord(end + 1, blocked), Int(t[end + 1].start) - Int(t[end].end) == 1 { end += 1 }
            // Staff are named in compliments and complaints: "Dr. Maria Lopez", "nurse Ann Lee".
            let staff = i > 0 && a.wordTags[i - 1].intersects(TagSet(.careStaff, .abbrev))
            let intro = i > 0 && (
                a.lastMatch(TagSet(.nameIntro, .relation, .relationSolo), endingIn: Int32(i - 1), Int32(i), within: a.matches[...]) != nil)
            let dob = end + 1 < t.count && a.has(TagSet(.dobKeyword), from: Int32(end + 1), to: Int32(end + 4))
            if !staff && (intro || dob) {
                out.append(a.reason("identifier.full_name", Int32(i), Int32(end)))
            }
            i = end + 1
        }
    }

    private func isNameWord(_ k: Int, _ blocked: TagSet) -> Bool {
        let t = a.tokens[k]
        guard t.isCapitalised, t.flags & Token.hasDigit == 0, t.length >= 2 else { return false }
        return !a.wordTags[k].intersects(blocked)
    }

    private func keyword(_ tag: LexiconTag, before i: Int32, within n: Int32) -> Bool {
        a.has(TagSet(tag), from: i - n, to: i)
    }
}

/// Organisation contact details, normalised once per ``Triage``.
struct TriageOptionsCache: Sendable {
    var phoneKeys: Set<String>
    var emailDomains: Set<String>

    init(_ options: TriageOptions) {
        var keys = options.phoneKeys
        for k in keys where k.count == 10 { keys.insert(String(k.suffix(7))) }
        phoneKeys = keys
        emailDomains = options.emailDomains
    }
}
