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
        // ß (C3 9F) is not a capital: the caller folds it to "ss". Shifting it by 0x20 would
        // make it ÿ, folded to "y".
        if b == 0x9F { return (0, false) }
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
                var i = 0
                while i < bytes.count {
                    let w = scanWord(bytes, at: i, prefixMask: 1 << 3, prefixHashes: scratch.baseAddress!)
                    if w.length > 0 {
                        out.append((w.hash, w.length, w.next < bytes.count && bytes[w.next] == UInt8(ascii: "*"), scratch[3]))
                        i = w.next
                    } else {
                        i += separatorAt(bytes, i).width
                    }
                }
            }
        }
        return out
    }

    /// Tokenises `bytes`, looking every word up in `lexicon`.
    ///
    /// Word at a time: between words, one step per separator; inside a word, ``scanWord`` runs a
    /// tight loop whose state stays in registers (a per-byte state machine that returned a step
    /// for every byte spilled that state to the stack: ~80 instructions per letter).
    static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, lexicon: Lexicon, tokens: inout [Token], sentences: inout [Sentence]) {
        var sentenceStart: Int32 = 0
        var sawQuestion = false
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        defer { scratch.deallocate() }
        let prefixMask = lexicon.prefixLengths
        let n = bytes.count
        var i = 0
        while i < n {
            let c = bytes[i]
            if c >= 0x80 || isWordByte(c) {
                let w = scanWord(bytes, at: i, prefixMask: prefixMask, prefixHashes: scratch)
                if w.length > 0 {
                    let (exact, prefix) = lookUp(w, lexicon: lexicon, prefixMask: prefixMask, prefixHashes: scratch)
                    tokens.append(Token(start: Int32(i), end: Int32(w.end), exact: exact, prefix: prefix,
                                        sentence: Int32(sentences.count), flags: w.flags, digits: UInt8(min(w.digits, 255))))
                    i = w.next
                    continue
                }
            }
            let (width, t) = separatorAt(bytes, i)
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
            i += width
        }
        let count = Int32(tokens.count)
        if count > sentenceStart {
            sentences.append(Sentence(firstToken: sentenceStart, endToken: count, isQuestion: sawQuestion))
        }
    }

    /// A normalised word read by ``scanWord``.
    struct ScannedWord {
        /// Where reading stopped: the byte after the word (its separator), or the end of the text.
        var next: Int
        /// End of the word as written (trailing combining marks included).
        var end: Int
        var hash: UInt64
        /// Normalised bytes; 0 when no word starts at the position.
        var length: Int
        var flags: UInt8
        var digits: Int
    }

    /// Reads the word that starts at `i` (length 0 when none does).
    ///
    /// Letters and digits (any script) belong to words: ASCII lowercased, Latin-1 accents
    /// folded, apostrophes followed by a word byte dropped, combining marks and zero-width
    /// characters skipped. The running hash at each length in `prefixMask` goes to `prefixHashes`.
    @inline(__always)
    static func scanWord(_ b: UnsafeBufferPointer<UInt8>, at i: Int, prefixMask: UInt64, prefixHashes: UnsafeMutablePointer<UInt64>) -> ScannedWord {
        let n = b.count
        var hash = fnvOffset
        var length = 0
        var end = i
        var capitalised = false
        var digits = 0
        var upper = 0
        var letters = 0
        var k = i
        while k < n {
            let c = b[k]
            if c &- UInt8(ascii: "a") < 26 {
                hash = (hash ^ UInt64(c)) &* fnvPrime
                length &+= 1
                if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
                letters &+= 1
                k &+= 1
                end = k
                continue
            }
            if c < 0x80 {
                if c &- UInt8(ascii: "A") < 26 {
                    if length == 0 { capitalised = true }
                    hash = (hash ^ UInt64(c | 0x20)) &* fnvPrime
                    letters &+= 1
                    upper &+= 1
                } else if c &- UInt8(ascii: "0") < 10 {
                    hash = (hash ^ UInt64(c)) &* fnvPrime
                    digits &+= 1
                } else if c == UInt8(ascii: "'") && length > 0 && k + 1 < n && isWordByte(b[k + 1]) {
                    // Inside a word (I'm, don't) the apostrophe is dropped.
                    k &+= 1
                    continue
                } else {
                    break
                }
                length &+= 1
                if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
                k &+= 1
                end = k
                continue
            }
            if c == 0xC3, k + 1 < n {
                let (folded, isUpper) = foldLatin1(b[k + 1])
                if folded != 0 {
                    if isUpper && length == 0 { capitalised = true }
                    hash = (hash ^ UInt64(folded)) &* fnvPrime
                    length &+= 1
                    if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
                    letters &+= 1
                    if isUpper { upper &+= 1 }
                    k &+= 2
                    end = k
                    continue
                }
                if b[k + 1] == 0x9F {  // ß
                    hash = (hash ^ UInt64(UInt8(ascii: "s"))) &* fnvPrime
                    length &+= 1
                    if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
                    hash = (hash ^ UInt64(UInt8(ascii: "s"))) &* fnvPrime
                    length &+= 1
                    if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
                    letters &+= 1
                    k &+= 2
                    end = k
                    continue
                }
            }
            let (scalar, width) = decodeScalar(b, at: k)
            guard let scalar else { break }  // invalid UTF-8 separates words
            let v = scalar.value
            if v == 0x2019 || v == 0x2018 || v == 0x02BC {  // ’ ‘ ʼ
                if length > 0, k + width < n, isWordByte(b[k + width]) { k &+= width; continue }
                break
            }
            if (0x0300...0x036F).contains(v) || v == 0x200D || v == 0xFE0F || v == 0x200B {
                // Combining marks and zero-width characters are not part of the normalised word.
                guard length > 0 else { break }
                k &+= width
                end = k
                continue
            }
            guard scalar.properties.isAlphabetic || scalar.properties.numericType != nil else { break }
            if scalar.properties.isUppercase && length == 0 { capitalised = true }
            for j in 0..<width {
                hash = (hash ^ UInt64(b[k + j])) &* fnvPrime
                length &+= 1
                if length < 64 && prefixMask & (1 << UInt64(length)) != 0 { prefixHashes[length] = hash }
            }
            letters &+= 1
            k &+= width
            end = k
        }
        var f: UInt8 = capitalised ? Token.capitalised : 0
        if letters > 0 {
            f |= Token.hasLetter
            if upper == letters && letters > 1 { f |= Token.allCaps }
        }
        if digits > 0 {
            f |= Token.hasDigit
            if letters == 0 { f |= Token.allDigits }
        }
        return ScannedWord(next: k, end: end, hash: hash, length: length, flags: f, digits: digits)
    }

    /// The byte width of the non-word character at `i`, and the sentence terminator it is
    /// (`.`, `!`, `?`, `;`, newline; `…` and fullwidth marks too), or 0.
    @inline(__always)
    static func separatorAt(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (width: Int, terminator: UInt8) {
        let c = b[i]
        if c < 0x80 {
            switch c {
            case UInt8(ascii: "."):
                // "4.5", "bit.ly", "St.Mary": not an end of sentence.
                return (1, i + 1 < b.count && isWordByte(b[i + 1]) ? 0 : c)
            case UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: ";"), 10:
                return (1, c)
            default:
                return (1, 0)
            }
        }
        let (scalar, width) = decodeScalar(b, at: i)
        guard let scalar else { return (1, 0) }
        let v = scalar.value
        if v == 0x2026 || v == 0x3002 || v == 0xFF01 || v == 0x2028 || v == 0x2029 || v == 0x85 {
            return (width, UInt8(ascii: "."))
        }
        if v == 0xFF1F { return (width, UInt8(ascii: "?")) }
        return (width, 0)
    }

    /// The exact and longest-prefix word ids of a word.
    @inline(__always)
    static func lookUp(_ w: ScannedWord, lexicon: Lexicon, prefixMask: UInt64, prefixHashes: UnsafeMutablePointer<UInt64>) -> (Int32, Int32) {
        let exact = lexicon.exactWords[w.hash] ?? -1
        var prefix: Int32 = -1
        if prefixMask != 0 && w.length >= 3 && lexicon.prefixStarts[prefixHashes[3]] != nil {
            var k = min(w.length, 63)
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

extension Lexicon {
    @inline(__always)
    func isAbbreviation(_ word: Int32) -> Bool {
        guard let node = child(of: 0, word: word) else { return false }
        return terminal[Int(node)].contains(.abbrev)
    }
}
