import Testing
@testable import RoundsIngest

/// Parses raw bytes (which need not be valid UTF-8).
private func parse(bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
    let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
        do throws(JSONSyntaxError) { return .success(try JSONParser.parse(buffer)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// The syntax error a text must raise (nil, and a recorded issue, when it parses).
private func syntaxError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONSyntaxError? {
    do {
        let v = try JSONParser.parse(text)
        Issue.record("expected a syntax error, parsed \(v)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

@Suite("JSON parser")
struct JSONParserTests {
    // MARK: Values

    @Test("Objects, arrays, nesting and literals")
    func structure() throws {
        let v = try JSONParser.parse(#" { "a" : [1, {"b": null}, []], "c": true, "d": false, "e": "x", "f": {} } "#)
        #expect(v == .object([
            "a": .array([.number(1), .object(["b": .null]), .array([])]),
            "c": .bool(true), "d": .bool(false), "e": .string("x"), "f": .object([:]),
        ]))
    }

    @Test("Whitespace (space, tab, CR, LF) is allowed between tokens")
    func whitespace() throws {
        #expect(try JSONParser.parse("\t[ 1 ,\r\n2\n]\r\n") == .array([.number(1), .number(2)]))
    }

    @Test("Duplicate keys: the last one wins")
    func duplicateKeys() throws {
        #expect(try JSONParser.parse(#"{"k": 1, "k": 2}"#) == .object(["k": .number(2)]))
    }

    @Test("Top-level scalars are documents too", arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), (#""s""#, .string("s")), ("7", .number(7)),
    ])
    func scalars(_ text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("Numbers: integers, negatives, fractions and exponents", arguments: [
        ("0", 0.0), ("42", 42), ("-17", -17), ("-0", 0), ("3.25", 3.25), ("-0.5", -0.5),
        ("1e3", 1000), ("1E+2", 100), ("2.5e-2", 0.025), ("-1.5E1", -15), ("12345678901234", 12_345_678_901_234),
    ])
    func numbers(_ text: String, expected: Double) throws {
        #expect(try JSONParser.parse(text) == .number(expected))
        // And inside an array, where the number is followed by more text.
        #expect(try JSONParser.parse("[\(text),1]") == .array([.number(expected), .number(1)]))
    }

    @Test("Malformed numbers are refused", arguments: ["-", "1.", ".5", "1e", "1e+", "+1", "01", "0x10", "1.e3", "--1", "[-]"])
    func badNumbers(_ text: String) {
        #expect(syntaxError(text) != nil)
    }

    // MARK: Strings

    @Test("Escapes", arguments: [
        (#""a\nb""#, "a\nb"),
        (#""say \"hi\"""#, "say \"hi\""),
        (#""back\\slash""#, "back\\slash"),
        (#""a\/b""#, "a/b"),
        (#""\b\f\r\t""#, "\u{8}\u{c}\r\t"),
        (#""caf\u00e9""#, "café"),
        (#""caf\u00E9""#, "café"),
        (#""\u0000""#, "\u{0}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""smile \uD83D\uDE00!""#, "smile 😀!"),
        (#""plain é and 😀""#, "plain é and 😀"),  // raw UTF-8 passes through
    ])
    func escapes(_ json: String, expected: String) throws {
        #expect(try JSONParser.parse(json) == .string(expected))
    }

    @Test("Lone surrogates become U+FFFD", arguments: [
        (#""\ud83d""#, "\u{FFFD}"),           // high surrogate at the end
        (#""\ud83dx""#, "\u{FFFD}x"),         // high surrogate before a plain character
        (#""\ude00""#, "\u{FFFD}"),           // low surrogate alone
        (#""a\ude00b""#, "a\u{FFFD}b"),
    ])
    func loneSurrogates(_ json: String, expected: String) throws {
        #expect(try JSONParser.parse(json) == .string(expected))
    }

    @Test("A lone high surrogate does not swallow the escape that follows it", arguments: [
        (#""\ud83d\u0041""#, "\u{FFFD}A"),
        (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"),
        (#""\ud83d\n""#, "\u{FFFD}\n"),
    ])
    func loneHighBeforeEscape(_ json: String, expected: String) throws {
        let value = try JSONParser.parse(json)
        #expect(value == .string(expected))
    }

    @Test("Invalid UTF-8 inside a string is replaced by U+FFFD, not rejected", arguments: [
        ([0x22, 0xFF, 0x22], "\u{FFFD}"),
        ([0x22, 0x61, 0xFF, 0x62, 0x22], "a\u{FFFD}b"),
        ([0x22, 0x5C, 0x6E, 0xFF, 0x22], "\n\u{FFFD}"),               // after an escape (slow path)
        ([0x22, 0xC3, 0xA9, 0xFE, 0x22], "é\u{FFFD}"),
    ] as [([UInt8], String)])
    func invalidUTF8(_ bytes: [UInt8], expected: String) throws {
        #expect(try parse(bytes: bytes) == .string(expected))
    }

    @Test("Invalid UTF-8 in a key is replaced too")
    func invalidUTF8Key() throws {
        let bytes: [UInt8] = Array(#"{""#.utf8) + [0xFF] + Array(#"": 1}"#.utf8)
        #expect(try parse(bytes: bytes) == .object(["\u{FFFD}": .number(1)]))
    }

    // MARK: Errors and their columns

    @Test("Syntax errors point at the right byte column", arguments: [
        ("[1,2,]", 6, "expected a value"),                  // trailing comma in an array
        (#"{"a":1,}"#, 8, "expected a key"),                // trailing comma in an object
        (#"{"a" 1}"#, 6, "expected ':'"),                   // missing colon
        (#"{"a":1 "b":2}"#, 8, "expected ',' or '}'"),
        ("[1 2]", 4, "expected ',' or ']'"),
        (#""abc"#, 5, "unterminated string"),
        (#"["abc\"]"#, 9, "unterminated string"),
        ("\"a\nb\"", 3, "control character"),             // raw LF in a string
        ("\"\\n\tx\"", 4, "control character"),           // raw tab after an escape
        (#"{} x"#, 4, "unexpected text after"),             // trailing garbage
        ("[1] [2]", 5, "unexpected text after"),
        ("tru", 1, "expected true"),
        ("nul", 1, "expected null"),
        ("", 1, "unexpected end"),
        ("   ", 4, "unexpected end"),
        (#"{"a":1"#, 7, "unexpected end of line inside an object"),
        ("[1,", 4, "unexpected end"),
        (#""\x""#, 3, "unknown escape"),
        (#""\u12G4""#, 6, "bad hex digit"),
        (#""\u12""#, 4, "incomplete"),
        ("{a:1}", 2, "expected a key in quotes"),
        ("[1,-]", 5, "expected a digit"),
    ])
    func errorColumn(_ text: String, column: Int, message: String) throws {
        let e = try #require(syntaxError(text))
        #expect(e.column == column, "\(e.message)")
        #expect(e.message.contains(message), "\(e.message)")
    }

    @Test("Nesting up to maxDepth parses; one deeper throws")
    func depthLimit() throws {
        let n = JSONParser.maxDepth
        var deep: JSONValue = .array([])
        for _ in 1..<n { deep = .array([deep]) }
        #expect(try JSONParser.parse(String(repeating: "[", count: n) + String(repeating: "]", count: n)) == deep)

        let e = try #require(syntaxError(String(repeating: "[", count: n + 1) + String(repeating: "]", count: n + 1)))
        #expect(e.message.contains("nested too deeply"))
        #expect(e.column == n + 1)

        let objects = String(repeating: #"{"a":"#, count: n + 1) + "1" + String(repeating: "}", count: n + 1)
        #expect(syntaxError(objects)?.message.contains("nested too deeply") == true)
    }

    @Test("10 000 opening brackets throw instead of overflowing the stack")
    func hostileDepth() throws {
        let e = try #require(syntaxError(String(repeating: "[", count: 10_000)))
        #expect(e.message.contains("nested too deeply"))
        #expect(e.column == JSONParser.maxDepth + 1)
        let mixed = String(repeating: #"[{"k":"#, count: 5_000)
        #expect(syntaxError(mixed)?.message.contains("nested too deeply") == true)
    }

    @Test("Type names for messages")
    func typeNames() {
        #expect(JSONValue.null.typeName == "null")
        #expect(JSONValue.number(1).typeName == "a number")
        #expect(JSONValue.array([]).typeName == "an array")
        #expect(JSONValue.object([:]).typeName == "an object")
        #expect(JSONValue.string("").typeName == "a string")
        #expect(JSONValue.bool(true).typeName == "a boolean")
    }
}
