import Foundation
import RoundsCore
import Testing
@testable import RoundsIngest

/// The fields of a valid item, as JSON fragments, in the order they are written.
private let validFields: [(String, String)] = [
    ("id", #""fb-1001""#),
    ("platform", #""facebook""#),
    ("kind", #""comment""#),
    ("text", #""open sunday??""#),
    ("received_at", #""2026-11-24T16:42:10Z""#),
    ("author", #"{"handle": "@dana", "name": "Dana"}"#),
]

/// A JSON line: the valid fields with some replaced (a `nil` fragment removes the field) or added.
private func line(_ changes: [String: String?] = [:]) -> String {
    var parts: [String] = []
    for (key, fragment) in validFields {
        if let change = changes[key] {
            if let change { parts.append("\"\(key)\": \(change)") }
        } else {
            parts.append("\"\(key)\": \(fragment)")
        }
    }
    for (key, change) in changes.sorted(by: { $0.key < $1.key }) where !validFields.contains(where: { $0.0 == key }) {
        if let change { parts.append("\"\(key)\": \(change)") }
    }
    return "{" + parts.joined(separator: ", ") + "}"
}

private func at(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Date {
    try #require(RFC3339.parse(text), sourceLocation: sourceLocation)
}

/// Thrown when a line that should fail decodes (the test then fails with the item shown).
private struct DecodedInsteadOfFailing: Error, CustomStringConvertible {
    var item: Item
    var description: String { "expected a FieldError, decoded \(item)" }
}

private func decodeItem(_ text: String) throws -> Item {
    try ItemDecoder.decode(line: text).get()  // a FieldError fails the test with its field and reason
}

private func decodeError(_ text: String) throws -> FieldError {
    switch ItemDecoder.decode(line: text) {
    case .success(let item): throw DecodedInsteadOfFailing(item: item)
    case .failure(let e): return e
    }
}

/// One bad-field case for the parameterised test.
struct BadField: Sendable, CustomTestStringConvertible {
    var changes: [String: String?]
    var field: String?
    /// The exact reason, or a part of it when `exact` is false.
    var reason: String
    var exact = true
    var testDescription: String { "\(field ?? "(line)"): \(reason)" }

    static func replace(_ changes: [String: String?], _ field: String?, _ reason: String, exact: Bool = true) -> BadField {
        BadField(changes: changes, field: field, reason: reason, exact: exact)
    }
}

@Suite("Item decoder")
struct ItemDecoderTests {
    @Test("A full line decodes every field; the offset time is stored as the same UTC instant")
    func fullLine() throws {
        let text = #"{"id": "fb-1001", "platform": "facebook", "kind": "comment", "text": "open sunday?? \ud83d\ude00", "#
            + #""received_at": "2026-11-24T18:42:10+02:00", "author": {"handle": "@dana", "name": "Dana"}, "#
            + #""thread_id": "fb-t-77", "parent_id": "fb-1000", "url": "https://example.org/p/1001", "lang": "en"}"#
        let item = try decodeItem(text)
        let expected = Item(
            id: "fb-1001", platform: .facebook, kind: .comment, text: "open sunday?? 😀",
            receivedAt: try at("2026-11-24T16:42:10Z"), author: Author(handle: "@dana", name: "Dana"),
            threadID: "fb-t-77", parentID: "fb-1000", url: "https://example.org/p/1001", lang: "en")
        #expect(item == expected)
        #expect(RFC3339.format(item.receivedAt) == "2026-11-24T16:42:10Z")
    }

    @Test("Every platform name decodes", arguments: Platform.allCases)
    func platforms(_ platform: Platform) throws {
        #expect(try decodeItem(line(["platform": "\"\(platform.rawValue)\""])).platform == platform)
    }

    @Test("Every kind name decodes", arguments: ItemKind.allCases)
    func kinds(_ kind: ItemKind) throws {
        #expect(try decodeItem(line(["kind": "\"\(kind.rawValue)\""])).kind == kind)
    }

    @Test("Optional fields may be absent, null or empty")
    func optionalFields() throws {
        let minimal = try decodeItem(line())
        #expect(minimal.threadID == nil && minimal.parentID == nil && minimal.url == nil && minimal.lang == nil)
        let nulls = try decodeItem(line(["thread_id": "null", "parent_id": "\"\"", "url": "null", "lang": "\"\""]))
        #expect(nulls.threadID == nil && nulls.parentID == nil && nulls.url == nil && nulls.lang == nil)
        let noName = try decodeItem(line(["author": #"{"handle": "@x"}"#]))
        #expect(noName.author == Author(handle: "@x", name: nil))
    }

    @Test("author may be a bare handle string")
    func bareAuthor() throws {
        #expect(try decodeItem(line(["author": #""@dana_r""#])).author == Author(handle: "@dana_r"))
    }

    @Test("U+0000 in any string field becomes U+FFFD (SQLite would cut the text there)")
    func nulBecomesReplacement() throws {
        let item = try decodeItem(line(["id": #""a\u0000b""#, "text": #""before\u0000after""#, "author": #"{"handle": "@x\u0000", "name": "N\u0000"}"#,
                                         "thread_id": #""t\u0000""#]))
        #expect(item.id == "a\u{FFFD}b")
        #expect(item.text == "before\u{FFFD}after")
        #expect(item.author == Author(handle: "@x\u{FFFD}", name: "N\u{FFFD}"))
        #expect(item.threadID == "t\u{FFFD}")
    }

    @Test("Numeric thread and parent ids become their decimal text")
    func numericIDs() throws {
        let item = try decodeItem(line(["thread_id": "1234567890123", "parent_id": "-7"]))
        #expect(item.threadID == "1234567890123")
        #expect(item.parentID == "-7")
    }

    @Test("Unknown fields are ignored")
    func unknownFields() throws {
        let item = try decodeItem(line(["likes": "3", "extra": #"{"nested": [1, {"deep": true}]}"#, "zz": "null"]))
        #expect(item.id == "fb-1001")
        #expect(item.text == "open sunday??")
    }

    @Test("The id may be as long as maxIDLength bytes")
    func longestID() throws {
        let id = String(repeating: "a", count: ItemDecoder.maxIDLength)
        #expect(try decodeItem(line(["id": "\"\(id)\""])).id == id)
    }

    static let badFields: [BadField] = [
        .replace(["id": nil], "id", "missing"),
        .replace(["id": #""""#], "id", "empty"),
        .replace(["id": #""   ""#], "id", "empty"),
        .replace(["id": "1001"], "id", "expected a string, found a number"),
        .replace(["id": "\"\(String(repeating: "x", count: 257))\""], "id", "longer than 256 bytes"),
        .replace(["platform": nil], "platform", "missing"),
        .replace(["platform": #""myspace""#], "platform",
                 #"unknown platform "myspace" (expected one of facebook, instagram, x, youtube, google_reviews, linkedin)"#),
        .replace(["platform": #""Facebook""#], "platform", #"unknown platform "Facebook""#, exact: false),
        .replace(["kind": #""story""#], "kind", #"unknown kind "story" (expected one of question, comment, review, mention, dm)"#),
        .replace(["kind": "null"], "kind", "expected a string, found null"),
        .replace(["text": nil], "text", "missing"),
        .replace(["text": "42"], "text", "expected a string, found a number"),
        .replace(["text": #"["a"]"#], "text", "expected a string, found an array"),
        .replace(["received_at": #""yesterday""#], "received_at", #"not an RFC 3339 time: "yesterday""#),
        .replace(["received_at": #""2026-11-24""#], "received_at", #"not an RFC 3339 time: "2026-11-24""#),
        .replace(["received_at": "1764002530"], "received_at", "expected a string, found a number"),
        .replace(["received_at": nil], "received_at", "missing"),
        .replace(["author": nil], "author", "missing"),
        .replace(["author": #"{"name": "Dana"}"#], "author.handle", "missing"),
        .replace(["author": #"{"handle": ""}"#], "author.handle", "empty"),
        .replace(["author": #"{"handle": 5}"#], "author.handle", "expected a string, found a number"),
        .replace(["author": #"{"handle": "@d", "name": true}"#], "author.name", "expected a string, found a boolean"),
        .replace(["author": "5"], "author", "found a number", exact: false),
        .replace(["author": #""""#], "author", "found a string", exact: false),
        .replace(["url": "true"], "url", "expected a string, found a boolean"),
        .replace(["url": "4.5"], "url", "expected a string, found a number"),
        .replace(["lang": #"["en"]"#], "lang", "expected a string, found an array"),
        .replace(["thread_id": "1.5"], "thread_id", "expected a string, found a number"),
        .replace(["thread_id": "1e20"], "thread_id", "expected a string, found a number"),
        .replace(["parent_id": "{}"], "parent_id", "expected a string, found an object"),
    ]

    @Test("Each bad field is named, with its reason", arguments: badFields)
    func badField(_ c: BadField) throws {
        let e = try decodeError(line(c.changes))
        #expect(e.field == c.field)
        if c.exact {
            #expect(e.reason == c.reason)
        } else {
            #expect(e.reason.contains(c.reason), "\(e.reason)")
        }
    }

    @Test("A url given as a number is refused (numbers are accepted for ids only)", arguments: ["42", "0"])
    func numericURL(_ value: String) throws {
        let e = try decodeError(line(["url": value]))
        #expect(e.field == "url")
        #expect(e.reason == "expected a string, found a number")
    }

    @Test("A line that is JSON but not an object has no field", arguments: [
        ("[1,2]", "expected a JSON object, found an array"),
        ("\"fb-1\"", "expected a JSON object, found a string"),
        ("null", "expected a JSON object, found null"),
        ("12", "expected a JSON object, found a number"),
    ])
    func notAnObject(_ text: String, reason: String) throws {
        let e = try decodeError(text)
        #expect(e.field == nil)
        #expect(e.reason == reason)
    }

    @Test("Invalid JSON has no field and the reason gives the column")
    func invalidJSON() throws {
        let e = try decodeError(#"{"id": }"#)
        #expect(e.field == nil)
        #expect(e.reason == "invalid JSON at column 8: expected a value")
        let trailing = try decodeError(line() + ",")
        #expect(trailing.field == nil)
        #expect(trailing.reason.contains("column \(line().utf8.count + 1)"))
    }

    @Test("The first bad field in reading order is the one reported")
    func firstBadFieldWins() throws {
        let e = try decodeError(line(["platform": #""myspace""#, "received_at": #""yesterday""#, "author": nil]))
        #expect(e.field == "platform")
    }

    // MARK: Errors with their place

    @Test("IngestError description: file:line: field: reason")
    func ingestErrorDescription() {
        let e = IngestError(source: "items.jsonl", line: 17, field: "received_at", reason: #"not an RFC 3339 time: "yesterday""#)
        #expect(e.description == #"items.jsonl:17: received_at: not an RFC 3339 time: "yesterday""#)
        #expect("\(e)" == #"items.jsonl:17: received_at: not an RFC 3339 time: "yesterday""#)
        let whole = IngestError(source: "-", line: 3, field: nil, reason: "invalid JSON at column 8: expected a value")
        #expect(whole.description == "-:3: invalid JSON at column 8: expected a value")
    }

    // MARK: Quoting values in messages

    @Test("quoted escapes control characters, bidi controls and quotes", arguments: [
        ("abc", #""abc""#),
        ("", #""""#),
        ("a\nb", #""a\u{a}b""#),
        ("tab\there", #""tab\u{9}here""#),
        ("\u{1B}[31mred", #""\u{1b}[31mred""#),
        ("del\u{7F}", #""del\u{7f}""#),
        ("c1\u{85}", #""c1\u{85}""#),
        ("\u{202E}koobecaf", #""\u{202e}koobecaf""#),
        ("a\u{202A}b\u{202D}c", #""a\u{202a}b\u{202d}c""#),
        ("\u{2066}x\u{2069}", #""\u{2066}x\u{2069}""#),
        ("say\"hi\"", #""say\"hi\"""#),
        ("café😀", #""café😀""#),
    ])
    func quoted(_ value: String, expected: String) {
        #expect(ItemDecoder.quoted(value) == expected)
    }

    @Test("quoted describes, never shows, a value that reads like text: over 40 characters, or with a space")
    func quotedLong() {
        let forty = String(repeating: "x", count: 40)
        #expect(ItemDecoder.quoted(forty) == "\"\(forty)\"")
        #expect(ItemDecoder.quoted(forty + "y") == "(41 characters, not shown)")
        #expect(ItemDecoder.quoted(String(repeating: "é", count: 1000)) == "(1000 characters, not shown)")
        #expect(ItemDecoder.quoted("my chest hurts") == "(14 characters, not shown)")
        #expect(ItemDecoder.quoted("say \"hi\"") == "(8 characters, not shown)")
    }

    @Test("A bidi override in a platform name is shown escaped in the error")
    func quotedInError() throws {
        let e = try decodeError(line(["platform": #""\u202Ekoobecaf""#]))
        #expect(e.field == "platform")
        #expect(e.reason.hasPrefix(#"unknown platform "\u{202e}koobecaf" "#))
        #expect(!e.reason.unicodeScalars.contains("\u{202E}"))
    }
}

// MARK: - Reading files and pipes

/// Writes `bytes` into a pipe, closes its write end and hands the read end to `body`.
/// (Only for inputs smaller than the pipe buffer, 64 KiB: nothing reads concurrently.)
private func withPipe(_ bytes: [UInt8], _ body: (Int32) throws -> Void) throws {
    #expect(bytes.count < 60_000, "too large for an unread pipe")
    var fds: [Int32] = [-1, -1]
    try #require(pipe(&fds) == 0)
    defer { close(fds[0]) }
    let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
    close(fds[1])
    try #require(written == bytes.count)
    try body(fds[0])
}

/// Writes `bytes` to a temporary file and hands an open descriptor to `body`.
private func withTempFile(_ bytes: [UInt8], _ body: (Int32) throws -> Void) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-ingest-\(UUID().uuidString).jsonl").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let fd = open(path, O_RDONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    try body(fd)
}

/// A record, flattened for comparison.
private enum Seen: Equatable, CustomStringConvertible {
    case item(id: String, line: Int)
    case error(line: Int, field: String?)

    var description: String {
        switch self {
        case .item(let id, let line): "item \(id) @\(line)"
        case .error(let line, let field): "error @\(line) \(field ?? "-")"
        }
    }
}

private func readAll(_ fd: Int32, source: String = "items.jsonl") throws -> (seen: [Seen], items: [Item], errors: [IngestError]) {
    var seen: [Seen] = []
    var items: [Item] = []
    var errors: [IngestError] = []
    try JSONLReader.read(fd: fd, source: source) { record in
        switch record {
        case .item(let item, let line):
            seen.append(.item(id: item.id, line: line))
            items.append(item)
        case .error(let e):
            seen.append(.error(line: e.line, field: e.field))
            errors.append(e)
        }
    }
    return (seen, items, errors)
}

private func lines(_ reader: LineReader) throws -> [(Int, [UInt8])] {
    var out: [(Int, [UInt8])] = []
    try reader.forEachLine { n, bytes in out.append((n, Array(bytes))) }
    return out
}

@Suite("JSONL reader")
struct JSONLReaderTests {
    /// Three good items, two bad lines and a blank one; the last line has no newline.
    static let mixed: [String] = [
        line(["id": #""a1""#]),
        #"{"id": "a2", "platform": "facebook""#,             // invalid JSON (cut off)
        "",                                                  // blank: skipped, but counted
        line(["id": #""a3""#]),
        line(["id": #""a4""#, "received_at": #""yesterday""#]),
        line(["id": #""a5""#]),
    ]

    fileprivate static let expectedMixed: [Seen] = [
        .item(id: "a1", line: 1), .error(line: 2, field: nil), .item(id: "a3", line: 4),
        .error(line: 5, field: "received_at"), .item(id: "a5", line: 6),
    ]

    @Test("Good lines become items and bad lines errors, in order, with their line numbers (pipe)")
    func mixedOverPipe() throws {
        try withPipe(Array(Self.mixed.joined(separator: "\n").utf8)) { fd throws in
            let (seen, items, errors) = try readAll(fd)
            #expect(seen == Self.expectedMixed)
            #expect(items.count == 3)
            #expect(errors.count == 2)
            #expect(errors.last?.description == #"items.jsonl:5: received_at: not an RFC 3339 time: "yesterday""#)
            #expect(errors.first?.description.hasPrefix("items.jsonl:2: invalid JSON at column ") == true)
        }
    }

    @Test("The same input from a file, with CRLF line endings and a final newline")
    func mixedCRLF() throws {
        try withTempFile(Array((Self.mixed.joined(separator: "\r\n") + "\r\n").utf8)) { fd throws in
            let (seen, items, _) = try readAll(fd)
            #expect(seen == Self.expectedMixed)
            #expect(items.allSatisfy { $0.text == "open sunday??" && $0.lang == nil })
        }
    }

    @Test("Lines of only spaces and tabs are skipped like blank ones")
    func whitespaceLines() throws {
        let text = "  \t \n" + line(["id": #""b1""#]) + "\n\n\t\n" + line(["id": #""b2""#]) + "\n"
        try withPipe(Array(text.utf8)) { fd throws in
            #expect(try readAll(fd).seen == [.item(id: "b1", line: 2), .item(id: "b2", line: 5)])
        }
    }

    @Test("Error line numbers are 1-based file lines: items.jsonl:17")
    func line17() throws {
        let text = Array(repeating: line(), count: 16).joined(separator: "\n") + "\n" + line(["received_at": #""yesterday""#]) + "\n"
        try withPipe(Array(text.utf8)) { fd throws in
            let (_, items, errors) = try readAll(fd)
            #expect(items.count == 16)
            #expect(errors.map(\.description) == [#"items.jsonl:17: received_at: not an RFC 3339 time: "yesterday""#])
        }
    }

    @Test("An empty input gives no records")
    func emptyInput() throws {
        try withPipe([]) { fd throws in #expect(try readAll(fd).seen == []) }
    }

    @Test("A 1 MB line (an item whose text is 1 MB) is read intact, between two others")
    func megabyteLine() throws {
        let big = String(repeating: "0123456789abcdé", count: 1_048_576 / 16 + 1)  // 16 bytes each
        #expect(big.utf8.count > 1_048_576)
        let text = [line(["id": #""before""#]), line(["id": #""big""#, "text": "\"\(big)\""]), line(["id": #""after""#])]
            .joined(separator: "\n") + "\n"
        try withTempFile(Array(text.utf8)) { fd throws in
            let (seen, items, errors) = try readAll(fd)
            #expect(errors == [])
            #expect(seen == [.item(id: "before", line: 1), .item(id: "big", line: 2), .item(id: "after", line: 3)])
            #expect(items.count == 3)
            if items.count == 3 { #expect(items[1].text == big) }
        }
    }

    @Test("A read error (a bad descriptor) is thrown")
    func readError() {
        #expect(throws: (any Error).self) { try LineReader(fd: -1).forEachLine { _, _ in } }
    }
}

@Suite("Line reader")
struct LineReaderTests {
    /// Lines of many lengths around a 7-byte chunk, with CRLF and LF, empty lines and no final newline.
    static let text = "a\nbcdefg\nhijklmn\r\n\nopqrstuvwxyz0123\r\n\r\n1234567\r\nlast line é"
    static let expected: [String] = ["a", "bcdefg", "hijklmn", "", "opqrstuvwxyz0123", "", "1234567", "last line é"]

    @Test("Lines spanning chunk boundaries are joined, whatever the chunk size", arguments: [1, 2, 3, 6, 7, 8, 13, 1 << 16])
    func chunkBoundaries(_ chunkSize: Int) throws {
        try withPipe(Array(Self.text.utf8)) { fd throws in
            var reader = LineReader(fd: fd)
            reader.chunkSize = chunkSize
            let got = try lines(reader)
            #expect(got.map(\.0) == Array(1...Self.expected.count))
            #expect(got.map { String(decoding: $0.1, as: UTF8.self) } == Self.expected)
        }
    }

    @Test("A CR split from its LF by a chunk boundary is still dropped")
    func crAtChunkEnd() throws {
        // "abcdef\r" is exactly 7 bytes: the LF arrives in the next chunk.
        try withPipe(Array("abcdef\r\nxyz\r\n".utf8)) { fd throws in
            var reader = LineReader(fd: fd)
            reader.chunkSize = 7
            #expect(try lines(reader).map { String(decoding: $0.1, as: UTF8.self) } == ["abcdef", "xyz"])
        }
    }

    @Test("A final newline does not make an extra empty line; a final CR without LF is dropped")
    func finalNewline() throws {
        try withPipe(Array("one\ntwo\n".utf8)) { fd throws in
            #expect(try lines(LineReader(fd: fd)).map { String(decoding: $0.1, as: UTF8.self) } == ["one", "two"])
        }
        try withPipe(Array("one\ntwo\r".utf8)) { fd throws in
            #expect(try lines(LineReader(fd: fd)).map { String(decoding: $0.1, as: UTF8.self) } == ["one", "two"])
        }
        try withPipe(Array("\n".utf8)) { fd throws in
            #expect(try lines(LineReader(fd: fd)).map(\.0) == [1])
        }
    }

    @Test("Bytes are passed through untouched (no UTF-8 decoding, a CR inside a line kept)")
    func rawBytes() throws {
        let bytes: [UInt8] = [0x61, 0xFF, 0x0D, 0x62, 0x0A, 0x00, 0x0A]
        try withPipe(bytes) { fd throws in
            var reader = LineReader(fd: fd)
            reader.chunkSize = 3
            let got = try lines(reader)
            #expect(got.map(\.1) == [[0x61, 0xFF, 0x0D, 0x62], [0x00]])
        }
    }

    @Test("An error thrown by the body stops reading and propagates")
    func bodyThrows() throws {
        struct Stop: Error {}
        try withPipe(Array("1\n2\n3\n".utf8)) { fd throws in
            var seen: [Int] = []
            #expect(throws: Stop.self) {
                try LineReader(fd: fd).forEachLine { n, _ in
                    seen.append(n)
                    if n == 2 { throw Stop() }
                }
            }
            #expect(seen == [1, 2])
        }
    }
}

@Suite("JSONL byte-order mark")
struct JSONLByteOrderMarkTests {
    @Test("A UTF-8 BOM before the first line is skipped, not reported as bad JSON")
    func bom() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let line = #"{"id":"b1","platform":"x","kind":"dm","text":"hi","received_at":"2026-11-24T10:00:00Z","author":"@a"}"#
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((line + "\n" + line.replacingOccurrences(of: "b1", with: "b2") + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        var ids: [String] = []
        var errors: [String] = []
        try JSONLReader.read(fd: fds[0], source: "bom.jsonl") { record in
            switch record {
            case .item(let item, _): ids.append(item.id)
            case .error(let e): errors.append("\(e)")
            }
        }
        close(fds[0])
        #expect(errors.isEmpty, "\(errors)")
        #expect(ids == ["b1", "b2"])
    }
}
