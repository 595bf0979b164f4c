/// One word of a text, with its place in the original UTF-8 bytes.
struct Token {
    /// Byte offsets of the word in the original text.
    var start: Int32
    var end: Int32
    /// Lexicon word ids (exact and longest prefix), -1 when the lexicon has none.
    var exact: Int32
    var prefix: Int32
    /// Index of the sentence the word is in.
    var sentence: Int32
    var flags: UInt8
    /// Number of ASCII digits in the word.
    var digits: UInt8

    static let capitalised: UInt8 = 1
    static let allCaps: UInt8 = 2
    static let hasDigit: UInt8 = 4
    static let allDigits: UInt8 = 8
    static let hasLetter: UInt8 = 16

    var isCapitalised: Bool { flags & Token.capitalised != 0 }
    var isAllDigits: Bool { flags & Token.allDigits != 0 }
    var length: Int { Int(end - start) }
}

/// A sentence: a run of tokens between terminators (`.` `!` `?` `;` newline).
struct Sentence {
    var firstToken: Int32
    var endToken: Int32
    /// Ended with a `?` (or holds one).
    var isQuestion: Bool
}

/// Splits text into words and sentences in one pass over its UTF-8 bytes.
///
/// Normalisation, the same for the lexicon and for texts: ASCII lowercased, Latin-1 accents folded
/// (`á`→`a`, `ñ`→`n`, `ß`→`ss`), combining marks dropped, apostrophes inside a word dropped
/// (`I'm` → `im`). Other letters and digits (any script) belong to words as they are; everything
/// else separates words. Each word is hashed with 64-bit FNV-1a as it is read.
enum Tokenizer {
    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// Folds the second byte of a `C3 xx` (Latin-1 supplement) sequence to an ASCII letter, or 0.
    @inline(__always)
    static func foldLatin1(_ b: UInt8) -> (UInt8, upper: Bool) {
        let lower = b >= 0xA0 ? b : b &+ 0x20
        let upper = b < 0xA0
        switch lower {
        case 0xA0...0xA5: return (UInt8(ascii: "a"), upper)
        case 0xA7: return (UInt8(ascii: "c"), upper)
        case 0xA8...0xAB: return (UInt8(ascii: "e"), upper)
        case 0xAC...0xAF: return (UInt8(ascii: "i"), upper)
        case 0xB1: return (UInt8(ascii: "n"), upper)
        case 0xB2...0xB6, 0xB8: return (UInt8(ascii: "o"), upper)
        case 0xB9...0xBC: return (UInt8(ascii: "u"), upper)
        case 0xBD, 0xBF: return (UInt8(ascii: "y"), upper)
        default: return (0, false)
        }
    }

    /// Words of a lexicon phrase: (hash, normalised length, ends with `*`).
    static func normalisedWords(of phrase: String) -> [(hash: UInt64, length: Int, prefix: Bool, hash3: UInt64)] {
        var out: [(hash: UInt64, length: Int, prefix: Bool, hash3: UInt64)] = []
        var text = phrase
        text.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { scratch in
                var w = WordState(prefixMask: 1 << 3, prefixHashes: scratch.baseAddress!)
                var i = 0
                while i < bytes.count {
                    let step = w.feed(bytes, at: i)
                    if step.ended, w.length > 0 {
                        out.append((w.hash, w.length, bytes[i] == UInt8(ascii: "*"), scratch[3]))
                    }
                    i += step.width
                }
                if w.inWord, w.length > 0 { out.append((w.hash, w.length, false, scratch[3])) }
            }
        }
        return out
    }

    /// Tokenises `bytes`, looking every word up in `lexicon`.
    ///
    /// A plain loop with no nested functions: captured variables would get dynamic
    /// exclusivity checks on every byte.
    static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, lexicon: Lexicon, tokens: inout [Token], sentences: inout [Sentence]) {
        var sentenceStart: Int32 = 0
        var sawQuestion = false
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        defer { scratch.deallocate() }
        var w = WordState(prefixMask: lexicon.prefixLengths, prefixHashes: scratch)
        let n = bytes.count
        var i = 0
        while i <= n {
            let step: WordState.Step
            if i < n {
                step = w.feed(bytes, at: i)
            } else {
                step = WordState.Step(width: 1, ended: w.inWord, terminator: 0)
            }
            if step.ended && w.length > 0 {
                let (exact, prefix) = w.lookUp(lexicon)
                tokens.append(Token(start: Int32(w.start), end: Int32(w.end), exact: exact, prefix: prefix,
                                    sentence: 0, flags: w.finalFlags, digits: UInt8(min(w.digits, 255))))
            }
            let t = step.terminator
            if t != 0 {
                if t == UInt8(ascii: "?") { sawQuestion = true }
                let count = Int32(tokens.count)
                // A "." after an abbreviation (Dr. Smith) does not end the sentence.
                if count > sentenceStart && !(t == UInt8(ascii: ".") && lexicon.isAbbreviation(tokens[Int(count) - 1].exact)) {
                    sentences.append(Sentence(firstToken: sentenceStart, endToken: count, isQuestion: sawQuestion))
                    sentenceStart = count
                    sawQuestion = false
                }
            }
            i += step.width
        }
        let count = Int32(tokens.count)
        if count > sentenceStart {
            sentences.append(Sentence(firstToken: sentenceStart, endToken: count, isQuestion: sawQuestion))
        }
        for (index, s) in sentences.enumerated() {
            var k = Int(s.firstToken)
            while k < Int(s.endToken) {
                tokens[k].sentence = Int32(index)
                k += 1
            }
        }
    }

    @inline(__always)
    static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c >= 0xC0
    }

    /// Decodes one scalar at `i`; invalid sequences give `nil` and a width of 1.
    @inline(__always)
    static func decodeScalar(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar?, Int) {
        let c = b[i]
        let n = b.count
        var width = 0
        var value: UInt32 = 0
        if c & 0xE0 == 0xC0 { width = 2; value = UInt32(c & 0x1F) }
        else if c & 0xF0 == 0xE0 { width = 3; value = UInt32(c & 0x0F) }
        else if c & 0xF8 == 0xF0 { width = 4; value = UInt32(c & 0x07) }
        else { return (nil, 1) }
        guard i + width <= n else { return (nil, 1) }
        for k in 1..<width {
            let cc = b[i + k]
            guard cc & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(cc & 0x3F)
        }
        // Reject overlong forms.
        if (width == 2 && value < 0x80) || (width == 3 && value < 0x800) || (width == 4 && value < 0x10000) {
            return (nil, 1)
        }
        return (Unicode.Scalar(value), width)
    }
}

/// The state of the word being read: a plain struct, so the loop keeps it in registers.
struct WordState {
    let prefixMask: UInt64
    /// Running hash at each length that some `word*` entry has (slots 1…63).
    let prefixHashes: UnsafeMutablePointer<UInt64>
    var inWord = false
    var hash = Tokenizer.fnvOffset
    var length = 0
    var start = 0
    var end = 0
    var flags: UInt8 = 0
    var digits = 0
    var upper = 0
    var letters = 0

    init(prefixMask: UInt64, prefixHashes: UnsafeMutablePointer<UInt64>) {
        self.prefixMask = prefixMask
        self.prefixHashes = prefixHashes
    }

    struct Step {
        /// Bytes consumed.
        var width: Int
        /// A word ended before this position.
        var ended: Bool
        /// A sentence terminator (`.`, `!`, `?`, `;`, newline), or 0.
        var terminator: UInt8
    }

    @inline(__always)
    mutating func begin(_ at: Int) {
        guard !inWord else { return }
        inWord = true
        hash = Tokenizer.fnvOffset
        length = 0
        start = at
        flags = 0
        digits = 0
        upper = 0
        letters = 0
    }

    @inline(__always)
    mutating func append(_ c: UInt8) {
        hash = (hash ^ UInt64(c)) &* Tokenizer.fnvPrime
        length += 1
        if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
    }

    var finalFlags: UInt8 {
        var f = flags
        if letters > 0 {
            f |= Token.hasLetter
            if upper == letters && letters > 1 { f |= Token.allCaps }
        }
        if digits > 0 {
            f |= Token.hasDigit
            if letters == 0 { f |= Token.allDigits }
        }
        return f
    }

    /// The exact and longest-prefix word ids of the finished word.
    @inline(__always)
    func lookUp(_ lexicon: Lexicon) -> (Int32, Int32) {
        let exact = lexicon.exactWords[hash] ?? -1
        var prefix: Int32 = -1
        if prefixMask != 0 && length >= 3 && lexicon.prefixStarts[prefixHashes[3]] != nil {
            var k = min(length, 63)
            while k >= 3 {
                if prefixMask & (1 << UInt64(k)) != 0, let id = lexicon.prefixWords[prefixHashes[k]] {
                    prefix = id
                    break
                }
                k -= 1
            }
        }
        return (exact, prefix)
    }

    /// Reads the character at `i`.
    @inline(__always)
    mutating func feed(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Step {
        let n = b.count
        let c = b[i]
        if c < 0x80 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                begin(i); append(c); letters += 1; end = i + 1
                return Step(width: 1, ended: false, terminator: 0)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                begin(i)
                if length == 0 { flags |= Token.capitalised }
                append(c | 0x20); letters += 1; upper += 1; end = i + 1
                return Step(width: 1, ended: false, terminator: 0)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                begin(i); append(c); digits += 1; end = i + 1
                return Step(width: 1, ended: false, terminator: 0)
            case UInt8(ascii: "'"):
                // Inside a word (I'm, don't) the apostrophe is dropped.
                if inWord, i + 1 < n, Tokenizer.isWordByte(b[i + 1]) { return Step(width: 1, ended: false, terminator: 0) }
                return separator(0)
            case UInt8(ascii: "."):
                // "4.5", "bit.ly", "St.Mary": not an end of sentence.
                let nextIsWord = i + 1 < n && Tokenizer.isWordByte(b[i + 1])
                return separator(nextIsWord ? 0 : c)
            case UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: ";"), 10:
                return separator(c)
            default:
                return separator(0)
            }
        }
        if c == 0xC3, i + 1 < n {
            let (folded, isUpper) = Tokenizer.foldLatin1(b[i + 1])
            if folded != 0 {
                begin(i)
                if isUpper && length == 0 { flags |= Token.capitalised }
                append(folded); letters += 1
                if isUpper { upper += 1 }
                end = i + 2
                return Step(width: 2, ended: false, terminator: 0)
            }
            if b[i + 1] == 0x9F {  // ß
                begin(i); append(UInt8(ascii: "s")); append(UInt8(ascii: "s")); letters += 1; end = i + 2
                return Step(width: 2, ended: false, terminator: 0)
            }
        }
        let (scalar, width) = Tokenizer.decodeScalar(b, at: i)
        guard let scalar else { return separator(0, width: 1) }  // invalid UTF-8 separates words
        let v = scalar.value
        if v == 0x2019 || v == 0x2018 || v == 0x02BC {  // ’ ‘ ʼ
            if inWord, i + width < n, Tokenizer.isWordByte(b[i + width]) { return Step(width: width, ended: false, terminator: 0) }
            return separator(0, width: width)
        }
        if (0x0300...0x036F).contains(v) || v == 0x200D || v == 0xFE0F || v == 0x200B {
            // Combining marks and zero-width characters are not part of the normalised word.
            if inWord { end = i + width }
            return Step(width: width, ended: false, terminator: 0)
        }
        if v == 0x2026 || v == 0x3002 || v == 0xFF01 || v == 0x2028 || v == 0x2029 || v == 0x85 {
            return separator(UInt8(ascii: "."), width: width)
        }
        if v == 0xFF1F { return separator(UInt8(ascii: "?"), width: width) }
        if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
            begin(i)
            if scalar.properties.isUppercase && length == 0 { flags |= Token.capitalised }
            for k in 0..<width { append(b[i + k]) }
            letters += 1
            end = i + width
            return Step(width: width, ended: false, terminator: 0)
        }
        return separator(0, width: width)
    }

    @inline(__always)
    private mutating func separator(_ terminator: UInt8, width: Int = 1) -> Step {
        let ended = inWord
        inWord = false
        return Step(width: width, ended: ended, terminator: terminator)
    }
}

extension Lexicon {
    @inline(__always)
    func isAbbreviation(_ word: Int32) -> Bool {
        guard let node = child(of: 0, word: word) else { return false }
        return terminal[Int(node)].contains(.abbrev)
    }
}
