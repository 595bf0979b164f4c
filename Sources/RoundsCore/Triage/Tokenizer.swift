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
    static func normalisedWords(of phrase: String) -> [(hash: UInt64, length: Int, prefix: Bool)] {
        var out: [(UInt64, Int, Bool)] = []
        var text = phrase
        text.withUTF8 { bytes in
            scan(bytes, lexicon: nil) { hash, length, _, _, _, _, _, nextByte in
                out.append((hash, length, nextByte == UInt8(ascii: "*")))
            } sentenceEnd: { _ in }
        }
        return out.map { (hash: $0.0, length: $0.1, prefix: $0.2) }
    }

    /// Tokenises `bytes`, looking every word up in `lexicon`.
    static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, lexicon: Lexicon, tokens: inout [Token], sentences: inout [Sentence]) {
        var sentence: Int32 = 0
        var sentenceStart: Int32 = 0
        var sawQuestion = false
        scan(bytes, lexicon: lexicon) { _, _, exact, prefix, start, end, flags, _ in
            tokens.append(Token(start: Int32(start), end: Int32(end), exact: exact.id, prefix: prefix,
                                sentence: sentence, flags: flags, digits: exact.digits))
        } sentenceEnd: { terminator in
            if terminator == UInt8(ascii: "?") { sawQuestion = true }
            let count = Int32(tokens.count)
            guard count > sentenceStart else { return }
            // A "." after an abbreviation (Dr. Smith) does not end the sentence.
            if terminator == UInt8(ascii: "."), let last = tokens.last,
               lexicon.isAbbreviation(last.exact) {
                return
            }
            sentences.append(Sentence(firstToken: sentenceStart, endToken: count, isQuestion: sawQuestion))
            sentence += 1
            sentenceStart = count
            sawQuestion = false
            // Re-number nothing: tokens already carry the sentence index they were read in.
        }
        let count = Int32(tokens.count)
        if count > sentenceStart {
            sentences.append(Sentence(firstToken: sentenceStart, endToken: count, isQuestion: sawQuestion))
        }
        // Tokens read after an abbreviation "." kept the old index; fix indexes from the sentence list.
        for (index, s) in sentences.enumerated() {
            var i = Int(s.firstToken)
            while i < Int(s.endToken) {
                tokens[i].sentence = Int32(index)
                i += 1
            }
        }
    }

    /// The single pass. `word` receives (hash, normalised length, (exact id, digit count), prefix id,
    /// start, end, flags, the byte after the word); `sentenceEnd` receives each terminator byte.
    @inline(__always)
    static func scan(
        _ b: UnsafeBufferPointer<UInt8>, lexicon: Lexicon?,
        word: (UInt64, Int, (id: Int32, digits: UInt8), Int32, Int, Int, UInt8, UInt8) -> Void,
        sentenceEnd: (UInt8) -> Void
    ) {
        let n = b.count
        var i = 0
        var inWord = false
        var hash = fnvOffset
        var length = 0
        var start = 0
        var end = 0
        var flags: UInt8 = 0
        var digits = 0
        var upperCount = 0
        var letterCount = 0
        let prefixMask = lexicon?.prefixLengths ?? 0
        // The running hash at every length that some `word*` entry has (1…63 bytes).
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 64) { prefixHashes in
        @inline(__always) func append(_ c: UInt8) {
            hash = (hash ^ UInt64(c)) &* fnvPrime
            length += 1
            if length < 64 && prefixMask & (1 << UInt64(length)) != 0 {
                prefixHashes[length] = hash
            }
        }
        @inline(__always) func begin(_ at: Int) {
            if !inWord {
                inWord = true
                hash = fnvOffset
                length = 0
                start = at
                flags = 0
                digits = 0
                upperCount = 0
                letterCount = 0
            }
        }
        @inline(__always) func finish(next: UInt8) {
            guard inWord else { return }
            inWord = false
            guard length > 0 else { return }
            if letterCount > 0 {
                flags |= Token.hasLetter
                if upperCount == letterCount && letterCount > 1 { flags |= Token.allCaps }
            }
            if digits > 0 {
                flags |= Token.hasDigit
                if letterCount == 0 { flags |= Token.allDigits }
            }
            var exact: Int32 = -1
            var prefix: Int32 = -1
            if let lexicon {
                exact = lexicon.exactWords[hash] ?? -1
                var k = min(length, 63)
                while k >= 3 {
                    if prefixMask & (1 << UInt64(k)) != 0, let id = lexicon.prefixWords[prefixHashes[k]] {
                        prefix = id
                        break
                    }
                    k -= 1
                }
            }
            word(hash, length, (exact, UInt8(min(digits, 255))), prefix, start, end, flags, next)
        }

        while i < n {
            let c = b[i]
            if c < 0x80 {
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"):
                    begin(i)
                    if length == 0 && letterCount == 0 && digits == 0 { }
                    append(c); letterCount += 1; end = i + 1
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    begin(i)
                    if length == 0 { flags |= Token.capitalised }
                    append(c | 0x20); letterCount += 1; upperCount += 1; end = i + 1
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    begin(i)
                    append(c); digits += 1; end = i + 1
                case UInt8(ascii: "'"):
                    // Inside a word (I'm, don't) the apostrophe is dropped.
                    if inWord, i + 1 < n, isWordByte(b[i + 1]) { break }
                    finish(next: c)
                default:
                    finish(next: c)
                    switch c {
                    case UInt8(ascii: "."):
                        // "4.5", "bit.ly", "St.Mary": not an end of sentence.
                        let nextIsWord = i + 1 < n && isWordByte(b[i + 1])
                        if !nextIsWord { sentenceEnd(c) }
                    case UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: ";"), 10:
                        sentenceEnd(c)
                    default: break
                    }
                }
                i += 1
                continue
            }
            // Multi-byte UTF-8.
            if c == 0xC3, i + 1 < n {
                let (folded, upper) = foldLatin1(b[i + 1])
                if folded != 0 {
                    begin(i)
                    if upper && length == 0 { flags |= Token.capitalised }
                    append(folded); letterCount += 1; if upper { upperCount += 1 }
                    end = i + 2
                    i += 2
                    continue
                }
                if b[i + 1] == 0x9F {  // ß
                    begin(i); append(UInt8(ascii: "s")); append(UInt8(ascii: "s")); letterCount += 1
                    end = i + 2; i += 2; continue
                }
            }
            let (scalar, width) = decodeScalar(b, at: i)
            if let scalar {
                let v = scalar.value
                if v == 0x2019 || v == 0x2018 || v == 0x02BC {  // ’ ‘ ʼ
                    if inWord, i + width < n, isWordByte(b[i + width]) { i += width; continue }
                    finish(next: 0x27)
                } else if (0x0300...0x036F).contains(v) || v == 0x200D || v == 0xFE0F || v == 0x200B {
                    // Combining marks and zero-width characters are not part of the normalised word.
                    if inWord { end = i + width }
                } else if v == 0x2026 || v == 0x3002 || v == 0xFF01 || v == 0xFF1F || v == 0x2028 || v == 0x2029 || v == 0x85 {
                    finish(next: 0)
                    sentenceEnd(v == 0xFF1F ? UInt8(ascii: "?") : UInt8(ascii: "."))
                } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    begin(i)
                    if scalar.properties.isUppercase && length == 0 { flags |= Token.capitalised }
                    for k in 0..<width { append(b[i + k]) }
                    letterCount += 1
                    end = i + width
                } else {
                    finish(next: 0)
                }
            } else {
                finish(next: 0)  // invalid UTF-8: a separator
            }
            i += width
        }
        finish(next: 0)
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

extension Lexicon {
    @inline(__always)
    func isAbbreviation(_ word: Int32) -> Bool {
        guard let node = child(of: 0, word: word) else { return false }
        return terminal[Int(node)].contains(.abbrev)
    }
}
