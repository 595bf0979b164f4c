import Foundation
import RoundsCore

/// Text hygiene for reports: outside text (post texts, notes, reasons, agent names) is made
/// single-line and inert before it reaches a Markdown report, a CSV cell or a JSON string.
///
/// RoundsSummary does not depend on the terminal layer, so it has its own small sanitiser.
public enum SummaryText {
    /// Makes text safe to paste anywhere: C0 and C1 control characters (escape sequences included)
    /// and DEL are removed, except that tab, newline, carriage return and the Unicode line and
    /// paragraph separators become a space; bidirectional embeddings, overrides, isolates and marks
    /// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and other invisible format characters
    /// (zero-width space, BOM, soft hyphen, …) are removed (the zero-width joiner, which holds emoji
    /// sequences together, is kept); runs of spaces become one space; the result is trimmed.
    ///
    /// `clean(clean(s)) == clean(s)`.
    public static func clean(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let isSpace: Bool
            switch v {
            case 0x09, 0x0A, 0x0D, 0x20, 0x2028, 0x2029, 0x85: isSpace = true
            case 0x00...0x1F, 0x7F, 0x80...0x9F: continue
            case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: continue
            case 0x200D: isSpace = false
            default:
                if scalar.properties.generalCategory == .format { continue }
                isSpace = scalar.properties.isWhitespace
            }
            if isSpace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(scalar)
        }
        return String(out)
    }

    /// Cleans `s` and escapes what Markdown (and chat apps) would interpret, for a table cell or a
    /// line of a report: `\ * _ ~ \` [ ] < > | #` get a backslash; `@` is followed by a zero-width
    /// space so `@here` or `@channel` in a post cannot notify a whole Slack or Teams channel.
    public static func markdown(_ s: String) -> String {
        var out = ""
        for ch in clean(s) {
            switch ch {
            case "\\", "*", "_", "~", "`", "[", "]", "<", ">", "|", "#": out.append("\\"); out.append(ch)
            case "@": out.append("@\u{200B}")
            default: out.append(ch)
            }
        }
        return out
    }

    /// Cleans `s` for a spreadsheet cell: a value that starts with `=`, `+`, `-` or `@` (or their
    /// full-width forms `＝ ＋ － ＠`, which some spreadsheets also read as a formula) gets a leading
    /// apostrophe, so a spreadsheet shows it as text instead of running it as a formula. Tabs and
    /// carriage returns, the other formula triggers, never survive ``clean(_:)``.
    public static func spreadsheet(_ s: String) -> String {
        let c = clean(s)
        if let first = c.unicodeScalars.first, formulaStarts.contains(first) { return "'" + c }
        return c
    }

    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"]
}

/// Redaction of the personal identifiers that triage found in a text.
public enum Redaction {
    /// Replaces every identifier span (a reason whose rule starts with `identifier.` and that has
    /// a UTF-8 byte range) with its kind in brackets: `call me on 555 123 4567` → `call me on [phone]`.
    /// Overlapping spans merge (the first one's label wins); ranges outside the text are clipped.
    /// Other reasons are ignored.
    public static func redact(_ text: String, reasons: [TriageReason]) -> String {
        let bytes = Array(text.utf8)
        var spans: [(Range<Int>, String)] = reasons.compactMap { r in
            guard r.rule.hasPrefix("identifier."), let range = r.range else { return nil }
            let lo = max(0, min(range.lowerBound, bytes.count)), hi = max(lo, min(range.upperBound, bytes.count))
            guard hi > lo else { return nil }
            return (lo..<hi, label(r.rule))
        }
        guard !spans.isEmpty else { return text }
        spans.sort { $0.0.lowerBound < $1.0.lowerBound }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var at = 0
        for (range, label) in spans {
            if range.upperBound <= at { continue }
            let lo = max(range.lowerBound, at)
            if lo > at { out += bytes[at..<lo] }
            if range.lowerBound >= at { out += Array("[\(label)]".utf8) }
            at = range.upperBound
        }
        if at < bytes.count { out += bytes[at...] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Redacts what `triage` finds in a text that was never triaged (a note, an override reason).
    public static func redact(_ text: String, using triage: Triage) -> String {
        redact(text, reasons: triage.classify(text).reasons)
    }

    /// A second pass for text that leaves Rounds in a report, after ``redact(_:reasons:)``: whatever
    /// still looks like an e-mail address becomes `[e-mail]`, and any run of 7 or more digits
    /// (possibly split by spaces, dashes, dots, slashes or parentheses, with a leading `+` or `(`)
    /// becomes `[number]` — phone, record, account and card numbers, full dates — even where triage
    /// found nothing (it keeps no identifiers for spam, for instance). Over-redaction is the safe
    /// side: the organisation's own numbers go too. Idempotent.
    public static func residual(_ text: String) -> String {
        let s = Array(text.unicodeScalars)
        func ascii(_ c: Unicode.Scalar, _ set: String) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || set.unicodeScalars.contains(c)) }
        func digit(_ c: Unicode.Scalar) -> Bool { c.properties.numericType == .decimal }
        var spans: [(Range<Int>, String)] = []
        // E-mail addresses.
        for at in s.indices where s[at] == "@" {
            var lo = at
            while lo > 0, ascii(s[lo - 1], "._%+-") { lo -= 1 }
            var hi = at + 1
            while hi < s.count, ascii(s[hi], ".-") { hi += 1 }
            while hi > at + 1, s[hi - 1] == "." || s[hi - 1] == "-" { hi -= 1 }
            guard lo < at, let dot = s[(at + 1)..<hi].lastIndex(of: "."), dot > at + 1, hi - dot - 1 >= 2,
                  s[(dot + 1)..<hi].allSatisfy({ $0.properties.isAlphabetic }) else { continue }
            if let last = spans.last, last.0.upperBound > lo { continue }
            spans.append((lo..<hi, "e-mail"))
        }
        // Long digit runs.
        var numbers: [(Range<Int>, String)] = []
        var i = 0
        while i < s.count {
            guard digit(s[i]) else { i += 1; continue }
            var digits = 0, j = i, end = i
            while j < s.count {
                if digit(s[j]) { digits += 1; j += 1; end = j; continue }
                // A separator counts only between digits (at most two in a row: "555) 123").
                var k = j, seps = 0
                while k < s.count, " -./()".unicodeScalars.contains(s[k]), seps < 2 { k += 1; seps += 1 }
                if seps > 0, k < s.count, digit(s[k]) { j = k; continue }
                break
            }
            // A leading `+`, or a `(` closed inside the number, belongs to it.
            var lo = i
            if lo > 0, s[lo - 1] == "+" || (s[lo - 1] == "(" && s[i..<end].contains(")")) { lo -= 1 }
            if digits >= 7 { numbers.append((lo..<end, "number")) }
            i = max(end, i + 1)
        }
        // Numbers inside an address already redacted stay in it.
        for n in numbers where !spans.contains(where: { $0.0.overlaps(n.0) }) { spans.append(n) }
        guard !spans.isEmpty else { return text }
        spans.sort { $0.0.lowerBound < $1.0.lowerBound }
        var out = String.UnicodeScalarView()
        var at = 0
        for (range, label) in spans where range.lowerBound >= at {
            out.append(contentsOf: s[at..<range.lowerBound])
            out.append(contentsOf: "[\(label)]".unicodeScalars)
            at = range.upperBound
        }
        out.append(contentsOf: s[at...])
        return String(out)
    }

    /// `identifier.date_of_birth` → `date of birth`.
    static func label(_ rule: String) -> String {
        let kind = rule.dropFirst("identifier.".count)
        switch kind {
        case "email": return "e-mail"
        case "ssn": return "SSN"
        case "full_name": return "name"
        default: return kind.replacingOccurrences(of: "_", with: " ")
        }
    }
}
