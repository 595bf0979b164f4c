/// How many terminal columns text takes: decided here, once, for the whole app. Layout, clipping,
/// wrapping, truncation and the curses backend all use these numbers.
///
/// Policy (Docs/terminal.md, "Width policy"):
/// - a grapheme cluster is the unit; it is 0, 1 or 2 columns, never more;
/// - emoji presentation is 2: a cluster whose first visible scalar has `Emoji_Presentation`
///   (😀, 🇫🇷, 👍🏽), or any emoji followed by U+FE0F (❤️, ©️, 1️⃣) or joined by U+200D (👩‍⚕️) —
///   even though `wcwidth` says 1 for ❤; the curses backend draws such cells so that they take
///   exactly two columns on every terminal (see `CursesTerminal`);
/// - East Asian Wide and Fullwidth characters (你, ｱ, Hangul syllables) are 2;
/// - combining marks (Mn, Me), format characters (Cf) and Hangul medial/final jamo are 0 and
///   belong to their cluster; a cluster of only such scalars is 0 and is not drawn;
/// - everything else is 1 (ambiguous-width characters such as … and ★ included);
/// - other clusters take the sum of their scalars' widths, capped at 2 (Thai กำ is 2).
public enum DisplayWidth {
    /// Terminal columns of one already-safe grapheme cluster (0, 1 or 2). Control characters
    /// count 0 here; measure raw text with `of(_: String)`, which sanitises first.
    public static func of(_ g: Character) -> Int {
        let utf8 = g.utf8
        if utf8.count == 1, let b = utf8.first {
            return b >= 0x20 && b < 0x7F ? 1 : 0
        }
        var sum = 0
        var base: Unicode.Scalar?
        var selector16 = false
        var joiner = false
        for scalar in g.unicodeScalars {
            switch scalar.value {
            case 0xFE0F: selector16 = true
            case 0x200D: joiner = true
            default: break
            }
            let w = width(of: scalar)
            if w > 0 {
                sum += w
                if base == nil { base = scalar }
            }
        }
        guard let base else { return 0 }
        if base.value >= 0xA9 || selector16 {
            let properties = base.properties
            if properties.isEmojiPresentation { return 2 }
            if (selector16 || joiner) && properties.isEmoji { return 2 }
        }
        return min(sum, 2)
    }

    /// Terminal columns of `s` as `Buffer.put` would draw it (sanitised first: an ESC counts as
    /// the two columns of `^[`).
    public static func of(_ s: String) -> Int {
        if TextSafety.isPrintableASCII(s) { return s.utf8.count }
        var total = 0
        TextSafety.forEachSafeCluster(s) { ch in
            total += of(ch)
            return true
        }
        return total
    }

    /// Columns of one scalar on its own: 0 for controls, combining marks, format characters and
    /// Hangul medial/final jamo; 2 for East Asian Wide/Fullwidth; otherwise 1.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }
        if (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0xAC00 && v <= 0xD7A3) { return 2 }
        if (v >= 0x1160 && v <= 0x11FF) || (v >= 0xD7B0 && v <= 0xD7FF) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return isWide(v) ? 2 : 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        let ranges = WideTable.ranges
        if v < ranges[0] { return false }
        var lo = 0
        var hi = ranges.count / 2 - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if v < ranges[mid * 2] {
                hi = mid - 1
            } else if v > ranges[mid * 2 + 1] {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// Splits text into lines of at most `width` columns, breaking at spaces when possible and
    /// hard-breaking words longer than a line. "\n" (and "\r\n", U+2028, U+2029) start a new line;
    /// each line is sanitised first (tabs become one space). Spaces at a break are dropped, other
    /// runs of spaces kept, leading indentation kept when narrower than `width`; trailing spaces
    /// are trimmed. An empty input gives one empty line; `width` ≤ 0 gives no lines. A single
    /// 2-column cluster with `width` 1 still gets its own line (`Buffer.put` then shows a space).
    public static func wrap(_ s: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var result: [String] = []
        let paragraphs = s.split(omittingEmptySubsequences: false) { ch in
            ch == "\n" || ch == "\r\n" || ch == "\u{2028}" || ch == "\u{2029}"
        }
        for paragraph in paragraphs {
            wrapLine(String(paragraph), width: width, into: &result)
        }
        return result
    }

    private static func wrapLine(_ raw: String, width: Int, into result: inout [String]) {
        var clusters: [(Character, Int)] = []
        TextSafety.forEachSafeCluster(raw) { ch in
            let w = of(ch)
            if w > 0 { clusters.append((ch, w)) }
            return true
        }
        var line = ""
        var lineWidth = 0
        var emitted = false
        var pending = ""  // spaces between the current line and the next word
        var pendingWidth = 0
        func flush() {
            while line.last == " " { line.removeLast() }
            result.append(line)
            emitted = true
            line = ""
            lineWidth = 0
        }
        var i = 0
        while i < clusters.count {
            if clusters[i].0 == " " {
                var j = i
                while j < clusters.count && clusters[j].0 == " " { j += 1 }
                let run = j - i
                if lineWidth == 0 && !emitted {
                    if run < width {  // leading indentation
                        line = String(repeating: " ", count: run)
                        lineWidth = run
                    }
                } else {
                    pending = String(repeating: " ", count: run)
                    pendingWidth = run
                }
                i = j
                continue
            }
            var j = i
            var wordWidth = 0
            while j < clusters.count && clusters[j].0 != " " {
                wordWidth += clusters[j].1
                j += 1
            }
            let gap = lineWidth == 0 ? 0 : pendingWidth
            if lineWidth + gap + wordWidth <= width {
                if gap > 0 { line += pending }
                for k in i..<j { line.append(clusters[k].0) }
                lineWidth += gap + wordWidth
            } else if wordWidth <= width {
                if lineWidth > 0 { flush() }
                for k in i..<j { line.append(clusters[k].0) }
                lineWidth = wordWidth
            } else {
                // Longer than a line: fill what is left of this one, then hard-break.
                if lineWidth > 0 {
                    if lineWidth + gap < width {
                        line += pending
                        lineWidth += gap
                    } else {
                        flush()
                    }
                }
                for k in i..<j {
                    let (ch, w) = clusters[k]
                    if lineWidth + w > width && lineWidth > 0 { flush() }
                    line.append(ch)
                    lineWidth += w
                }
            }
            pending = ""
            pendingWidth = 0
            i = j
        }
        if lineWidth > 0 || !emitted { flush() }
    }

    /// `s` sanitised and cut to at most `width` columns; when something was cut the last column
    /// is "…" (a wide character that would straddle it is dropped, so the result may be one column
    /// narrower). `width` ≤ 0 gives "".
    public static func truncate(_ s: String, width: Int) -> String {
        guard width > 0 else { return "" }
        var kept = ""
        var used = 0
        var cut = false
        var widths: [Int] = []
        TextSafety.forEachSafeCluster(s) { ch in
            let w = of(ch)
            if w == 0 { return true }
            if used + w > width {
                cut = true
                return false
            }
            kept.append(ch)
            widths.append(w)
            used += w
            return true
        }
        guard cut else { return kept }
        while used > width - 1, let w = widths.popLast() {
            kept.removeLast()
            used -= w
        }
        return kept + "…"
    }
}
