/// Turning outside text (patient posts, names, URLs) into something a cell grid can show without
/// the terminal interpreting any of it. Every string reaches the screen through `Buffer.put`,
/// which applies these rules, so hostile text can never move the cursor, change colours, set the
/// clipboard (OSC 52), reorder the line (bidi controls) or break the layout.
public enum TextSafety {
    /// Makes outside text safe and single-line for a cell grid:
    /// - C0 controls become caret markers (`ESC` → `^[`, `BEL` → `^G`, NUL → `^@`), DEL → `^?`;
    /// - newline, tab and carriage return become one space each (CR LF → one space); U+2028 and
    ///   U+2029 (line / paragraph separators) too;
    /// - C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B) become `<U+9B>` markers;
    /// - bidi embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E,
    ///   U+200F, U+061C) become `<U+202E>` markers;
    /// - U+200D (zero-width joiner) is kept only between two emoji (👩‍⚕️ stays one cluster);
    ///   tag characters (U+E0020–U+E007F) only after an emoji (subdivision flags);
    /// - other invisible format characters are dropped: U+200B, U+200C, U+200D elsewhere, U+FEFF,
    ///   U+2060–U+2064, U+206A–U+206F, U+00AD, U+180E and every other `Cf` character;
    /// - a base character keeps at most 4 combining marks; further ones are dropped;
    /// - invalid UTF-8 has already become U+FFFD in a Swift `String` and stays so.
    /// The result is idempotent: `visible(visible(s)) == visible(s)`.
    public static func visible(_ s: String) -> String {
        var s = s
        if isPrintableASCII(s) { return s }
        return s.withUTF8 { sanitize($0) }
    }

    /// True when every byte is printable ASCII (0x20–0x7E), i.e. `visible` leaves `s` unchanged.
    static func isPrintableASCII(_ s: String) -> Bool {
        if let result = s.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            for b in bytes where b < 0x20 || b > 0x7E { return false }
            return true
        }) {
            return result
        }
        for b in s.utf8 where b < 0x20 || b > 0x7E { return false }
        return true
    }

    /// Calls `body` with each safe grapheme cluster of `s`, in order, until it returns false.
    /// The text is sanitised cluster by cluster, so the work is proportional to what is consumed:
    /// `Buffer.put` of a 1 MB post into an 80-column row looks at about 80 clusters.
    static func forEachSafeCluster(_ s: String, _ body: (Character) -> Bool) {
        for ch in s {
            let utf8 = ch.utf8
            if utf8.count == 1, let b = utf8.first, b >= 0x20, b < 0x7F {
                if !body(ch) { return }
                continue
            }
            for safe in visible(String(ch)) where !body(safe) { return }
        }
    }

    // MARK: - The byte-level sanitiser

    private static func sanitize(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        let n = bytes.count
        var i = 0
        var marks = 0  // combining marks kept on the current base
        var lastBase: UInt32 = 0  // the last kept non-mark scalar (for ZWJ and tag decisions)
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                switch b {
                case 0x20...0x7E:
                    out.append(b)
                case 0x0A, 0x09:
                    out.append(0x20)
                case 0x0D:
                    out.append(0x20)
                    if i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
                case 0x7F:
                    out.append(0x5E)  // ^
                    out.append(0x3F)  // ?
                default:
                    out.append(0x5E)
                    out.append(b + 0x40)
                }
                marks = 0
                lastBase = UInt32(b)
                i += 1
                continue
            }
            let start = i
            let (v, length) = decode(bytes, at: i)
            i += length
            switch v {
            case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
                appendMarker(v, to: &out)
                marks = 0
                lastBase = 0x3E
            case 0x2028, 0x2029:
                out.append(0x20)
                marks = 0
                lastBase = 0x20
            case 0x00AD, 0x180E, 0x200B, 0x200C, 0x2060...0x2064, 0x206A...0x206F, 0xFEFF:
                continue
            case 0x200D:
                if isEmoji(lastBase), i < n, isEmoji(decode(bytes, at: i).value) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                }
            case 0xE0020...0xE007F:
                if isEmoji(lastBase) {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                }
            case 0x3041...0x3096, 0x30A1...0x30FA, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3:
                // Common CJK: never marks or format characters.
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                marks = 0
                lastBase = v
            default:
                guard let scalar = Unicode.Scalar(v) else { continue }
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .enclosingMark:
                    marks += 1
                    if marks <= 4 {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    }
                case .format:
                    continue
                default:
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    marks = 0
                    lastBase = v
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes the scalar starting at `i` in valid UTF-8.
    @inline(__always)
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, length: Int) {
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 { return (b0, 1) }
        let n = bytes.count
        if b0 < 0xE0, i + 1 < n {
            return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2)
        }
        if b0 < 0xF0, i + 2 < n {
            return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        if i + 3 < n {
            return (
                (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                    | UInt32(bytes[i + 3] & 0x3F), 4
            )
        }
        return (0xFFFD, n - i)
    }

    private static func isEmoji(_ v: UInt32) -> Bool {
        guard v >= 0xA9, let scalar = Unicode.Scalar(v) else { return false }
        return scalar.properties.isEmoji
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `<U+9B>` for C1 controls, `<U+202E>` (at least four digits) for the others.
    private static func appendMarker(_ v: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [0x3C, 0x55, 0x2B])  // <U+
        var digits: [UInt8] = []
        var rest = v
        repeat {
            digits.append(hexDigits[Int(rest & 0xF)])
            rest >>= 4
        } while rest > 0
        let minimum = v <= 0xFF ? 2 : 4
        while digits.count < minimum { digits.append(0x30) }
        out.append(contentsOf: digits.reversed())
        out.append(0x3E)  // >
    }
}
