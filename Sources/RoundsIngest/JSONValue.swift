/// A parsed JSON value. Objects keep their keys in a dictionary (duplicate keys: last wins).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON syntax error with the byte column where it was found (1-based).
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var column: Int
    public var message: String
}

/// A small, strict JSON parser over UTF-8 bytes (RFC 8259), used on the import path where
/// Foundation's `JSONSerialization` is several times slower. Invalid UTF-8 inside strings is
/// replaced with U+FFFD rather than rejected: posts from the internet are not always clean.
public struct JSONParser {
    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0
    /// Nesting deeper than this is refused (a hostile line must not overflow the stack).
    public static let maxDepth = 64

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    /// Parses one complete JSON document.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var p = JSONParser(bytes)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.b.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONSyntaxError> = text.withUTF8 { bytes in
            do throws(JSONSyntaxError) { return .success(try parse(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(column: i + 1, message: message) }

    /// A key for an error message: quoted with control and bidi characters escaped (JSONText),
    /// at most 40 characters, so hostile input can neither drive the terminal nor flood the message.
    static func shown(_ key: String) -> String {
        let scalars = key.unicodeScalars
        guard scalars.count > 40 else { return JSONText.quote(key) }
        return JSONText.quote(String(String.UnicodeScalarView(scalars.prefix(40)))) + "…"
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13 { i += 1 }
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard i < b.count else { throw error("unexpected end of line") }
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { throw error("expected \(word)") }
        let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for k in 0..<n where b[i + k] != w[k] { throw error("expected \(word)") }
        i += n
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nested too deeply") }
        defer { depth -= 1 }
        i += 1
        var dict: [String: JSONValue] = [:]
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(dict) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
            let key = try string()
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("expected ':' after key \(Self.shown(key))") }
            i += 1
            skipSpace()
            dict[key] = try value()
            skipSpace()
            guard i < b.count else { throw error("unexpected end of line inside an object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(dict) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nested too deeply") }
        defer { depth -= 1 }
        i += 1
        var out: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
        while true {
            skipSpace()
            out.append(try value())
            skipSpace()
            guard i < b.count else { throw error("unexpected end of line inside an array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> Double {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            return i - s
        }
        guard i < b.count else { throw error("expected a digit") }
        if b[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { throw error("expected a digit") }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw error("expected a digit after '.'") }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
        guard let d = Double(text) else { throw JSONSyntaxError(column: start + 1, message: "not a number") }
        return d
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= b.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw error("bad hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character inside a string (escape it)") }
            i += 1
        }
        var out: [UInt8] = Array(b[start..<i])
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character inside a string (escape it)") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { break }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A surrogate pair; a lone high surrogate becomes U+FFFD and whatever escape
                    // follows it is read on its own.
                    if i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                        let save = i
                        i += 2
                        let low = try hex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                            i = save
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default:
                // Show the byte only when it is printable ASCII: a raw ESC or C1 byte must not reach a terminal.
                let shown = (0x21...0x7E).contains(e) ? "\\\(Character(Unicode.Scalar(e)))" : "\\ followed by byte 0x\(String(e, radix: 16, uppercase: true))"
                throw JSONSyntaxError(column: i, message: "unknown escape \(shown)")
            }
        }
        throw error("unterminated string")
    }
}

/// JSON string literals for output: quotes, backslashes and every control character escaped,
/// and also C1 controls, bidirectional overrides and line separators, so the output is safe to
/// print to a terminal as well as to parse.
public enum JSONText {
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x2028 || v == 0x2029 {
                    let hex = String(v, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
