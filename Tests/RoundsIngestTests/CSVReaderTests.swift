import Foundation
import RoundsCore
import Testing
@testable import RoundsIngest

// MARK: - Helpers

/// A record, flattened for comparison: fields with their line, or an error's kind and place.
private enum Rec: Equatable, CustomStringConvertible {
    case fields([String], line: Int)
    case error(CSVSyntaxError.Kind, record: Int, line: Int, column: Int)

    init(_ r: CSVReader.Record) {
        switch r {
        case .fields(let f, let line): self = .fields(f, line: line)
        case .error(let e): self = .error(e.kind, record: e.recordLine, line: e.line, column: e.column)
        }
    }

    var description: String {
        switch self {
        case .fields(let f, let line): f.count > 20 ? "@\(line) [\(f.count) fields]" : "@\(line) \(f)"
        case .error(let k, let r, let l, let c): "error \(k) record@\(r) at \(l):\(c)"
        }
    }
}

private func csvRecords(_ bytes: [UInt8], chunkSize: Int = 1 << 16) -> [Rec] {
    CSVReader.records(bytes, chunkSize: chunkSize).map(Rec.init)
}

private func csvRecords(_ text: String, chunkSize: Int = 1 << 16) -> [Rec] {
    csvRecords(Array(text.utf8), chunkSize: chunkSize)
}

/// The syntax errors of a text, in order.
private func csvErrors(_ text: String) -> [CSVSyntaxError] {
    CSVReader.records(Array(text.utf8)).compactMap { if case .error(let e) = $0 { e } else { nil } }
}

/// Records with their text as read (`nil` when the reader did not keep it).
private func recordsWithText(_ bytes: [UInt8], chunkSize: Int = 1 << 16, maxFieldBytes: Int? = nil) throws -> [(Rec, String?)] {
    var reader = CSVReader(bytes: bytes)
    reader.chunkSize = chunkSize
    if let maxFieldBytes { reader.maxFieldBytes = maxFieldBytes }
    var out: [(Rec, String?)] = []
    try reader.forEachRecordWithText { r, text in out.append((Rec(r), text.map { String(decoding: $0, as: UTF8.self) })) }
    return out
}

/// Writes `bytes` into a pipe, closes its write end and hands the read end to `body` (small inputs only).
private func withCSVPipe(_ bytes: [UInt8], _ body: (Int32) throws -> Void) throws {
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
private func withCSVFile(_ bytes: [UInt8], _ body: (Int32) throws -> Void) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-csv-\(UUID().uuidString).csv").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let fd = open(path, O_RDONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    try body(fd)
}

private let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

// MARK: - CSV reader

@Suite("CSV reader")
struct CSVReaderTests {
    // MARK: Fields and quoting

    @Test("Plain fields, quoted fields, doubled quotes and commas inside quotes")
    func quoting() {
        let text = #"a,b,c"# + "\n" + #""x,y","say ""hi""","","""",plain"# + "\n"
        #expect(csvRecords(text) == [
            .fields(["a", "b", "c"], line: 1),
            .fields(["x,y", #"say "hi""#, "", #"""#, "plain"], line: 2),
        ])
    }

    @Test("Empty fields at the start, between separators and at the end; spaces are data")
    func emptyFieldsAndSpaces() {
        #expect(csvRecords(",a,,\n") == [.fields(["", "a", "", ""], line: 1)])
        #expect(csvRecords(" a , b \n") == [.fields([" a ", " b "], line: 1)])
        #expect(csvRecords(#""""# + "\n") == [.fields([""], line: 1)], "a quoted empty field is a record, not an empty line")
    }

    @Test("Quoted fields may hold LF, CR and CRLF; later records keep their physical line numbers")
    func embeddedNewlines() {
        let text = "id,text\n1,\"two\nlines\"\n2,\"cr\rinside\"\n3,\"crlf\r\ninside\"\n4,\"\n\n\"\n5,end\n"
        #expect(csvRecords(text) == [
            .fields(["id", "text"], line: 1),
            .fields(["1", "two\nlines"], line: 2),
            .fields(["2", "cr\rinside"], line: 4),  // a lone CR does not start a line
            .fields(["3", "crlf\r\ninside"], line: 5),
            .fields(["4", "\n\n"], line: 7),
            .fields(["5", "end"], line: 10),
        ])
    }

    @Test("CRLF line endings are removed; a CR that is not before an LF is data")
    func crlf() {
        #expect(csvRecords("a,b\r\nc,\"d\"\r\n\"e\"\r\n") == [
            .fields(["a", "b"], line: 1), .fields(["c", "d"], line: 2), .fields(["e"], line: 3),
        ])
        #expect(csvRecords("a\rb,c\r\n") == [.fields(["a\rb", "c"], line: 1)])
        #expect(csvRecords("a,\r\r\n") == [.fields(["a", "\r"], line: 1)])
    }

    @Test("A UTF-8 byte order mark at the start is skipped, whatever the chunk size", arguments: [1, 2, 3, 4, 1 << 16])
    func byteOrderMark(_ chunkSize: Int) {
        #expect(csvRecords(bom + Array("id,x\n1,2\n".utf8), chunkSize: chunkSize) == [
            .fields(["id", "x"], line: 1), .fields(["1", "2"], line: 2),
        ])
        #expect(csvRecords(bom + Array("\"q\"\n".utf8), chunkSize: chunkSize) == [.fields(["q"], line: 1)])
        #expect(csvRecords(bom, chunkSize: chunkSize) == [])
        // Short inputs that are not a BOM are data.
        #expect(csvRecords([0xEF, 0xBB], chunkSize: chunkSize) == [.fields([String(decoding: [0xEF, 0xBB] as [UInt8], as: UTF8.self)], line: 1)])
        #expect(csvRecords(Array("ab".utf8), chunkSize: chunkSize) == [.fields(["ab"], line: 1)])
    }

    @Test("A BOM that is not at the start is data; columns on line 1 do not count the BOM")
    func bomElsewhereAndColumns() {
        #expect(csvRecords(Array("a\n".utf8) + bom + Array("b\n".utf8)) == [
            .fields(["a"], line: 1), .fields(["\u{FEFF}b"], line: 2),
        ])
        #expect(csvRecords(bom + Array("ab\"c\n".utf8)) == [.error(.quoteInUnquotedField, record: 1, line: 1, column: 3)])
    }

    @Test("Empty lines are skipped but counted; a trailing empty line adds no record")
    func emptyLines() {
        #expect(csvRecords("\na\n\n\r\nb\n\n") == [.fields(["a"], line: 2), .fields(["b"], line: 5)])
        #expect(csvRecords("") == [])
        #expect(csvRecords("\n\n") == [])
    }

    @Test("A final record without a line end is read, including an empty last field and a lone final CR")
    func finalRecordWithoutNewline() {
        #expect(csvRecords("a,b\nc,\"d\"") == [.fields(["a", "b"], line: 1), .fields(["c", "d"], line: 2)])
        #expect(csvRecords("a,b\nc,") == [.fields(["a", "b"], line: 1), .fields(["c", ""], line: 2)])
        #expect(csvRecords("x,y\r") == [.fields(["x", "y"], line: 1)])
        #expect(csvRecords("\"x\"\r") == [.fields(["x"], line: 1)])
    }

    @Test("Invalid UTF-8 becomes U+FFFD, inside and outside quotes")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x61, 0xFF, 0x2C, 0x22, 0xC3, 0x22, 0x2C, 0xE2, 0x82, 0x0A, 0x80, 0x0A]
        #expect(csvRecords(bytes) == [
            .fields(["a\u{FFFD}", "\u{FFFD}", "\u{FFFD}"], line: 1), .fields(["\u{FFFD}"], line: 2),
        ])
    }

    // MARK: Chunk boundaries

    /// Every feature at once: BOM, CRLF, quotes, embedded newlines, empty lines, errors, no final newline.
    fileprivate static let mixed: [UInt8] = bom + Array((
        "id,\"te\"\"xt\"\r\n"
            + "1,\"multi\r\nline, with comma\"\r\n"
            + "\r\n"
            + "2,bad\"quote\r\n"
            + "3,\"closed\"junk,\"x\ny\"\n"
            + "4,\"\"\"\"\n"
            + "5,last\"\"\n"
            + "6,\"open\nto the end"
    ).utf8)

    fileprivate static let expectedMixed: [Rec] = [
        .fields(["id", "te\"xt"], line: 1),
        .fields(["1", "multi\r\nline, with comma"], line: 2),
        .error(.quoteInUnquotedField, record: 5, line: 5, column: 6),
        .error(.textAfterClosingQuote, record: 6, line: 6, column: 11),
        .fields(["4", "\""], line: 8),
        .error(.quoteInUnquotedField, record: 9, line: 9, column: 7),
        .error(.unterminatedQuote, record: 10, line: 10, column: 3),
    ]

    @Test("Records are the same whatever the chunk size", arguments: [1, 2, 3, 5, 7, 13, 64, 1 << 16])
    func chunkSizes(_ chunkSize: Int) {
        #expect(csvRecords(Self.mixed, chunkSize: chunkSize) == Self.expectedMixed)
    }

    @Test("The same records from a pipe and from a file, in small and large chunks", arguments: [3, 7, 1 << 16])
    func fromDescriptors(_ chunkSize: Int) throws {
        for withFile in [false, true] {
            var got: [Rec] = []
            let read: (Int32) throws -> Void = { fd in
                var reader = CSVReader(fd: fd)
                reader.chunkSize = chunkSize
                try reader.forEachRecord { got.append(Rec($0)) }
            }
            if withFile { try withCSVFile(Self.mixed, read) } else { try withCSVPipe(Self.mixed, read) }
            #expect(got == Self.expectedMixed, "from a \(withFile ? "file" : "pipe")")
        }
    }

    @Test("A read error (a bad descriptor) is thrown")
    func readError() {
        #expect(throws: (any Error).self) { try CSVReader(fd: -1).forEachRecord { _ in } }
    }

    @Test("An error thrown by the body stops reading and propagates")
    func bodyThrows() {
        struct Stop: Error {}
        var lines: [Int] = []
        #expect(throws: Stop.self) {
            try CSVReader(bytes: Array("a\nb\nc\n".utf8)).forEachRecord { r in
                if case .fields(_, let line) = r { lines.append(line) }
                if lines.count == 2 { throw Stop() }
            }
        }
        #expect(lines == [1, 2])
    }

    // MARK: Malformed records

    @Test("A quote inside an unquoted field: error at its line and column, and the next record is read")
    func quoteInUnquotedField() throws {
        #expect(csvRecords("ok,1\nab\"c,d\nnext,2\n") == [
            .fields(["ok", "1"], line: 1),
            .error(.quoteInUnquotedField, record: 2, line: 2, column: 3),
            .fields(["next", "2"], line: 3),
        ])
        // A space before the opening quote makes the field unquoted.
        let e = try #require(csvErrors("a, \"b\"\n").first)
        #expect(e.kind == .quoteInUnquotedField && e.column == 4)
        #expect(e.description == #"line 1, column 4: a quote inside an unquoted field (quote the whole field and double the quote: "")"#)
    }

    @Test("Text after a closing quote: error at the first byte after it, and the next record is read")
    func textAfterClosingQuote() throws {
        #expect(csvRecords("x\n\"ab\"c,d\nnext\n") == [
            .fields(["x"], line: 1),
            .error(.textAfterClosingQuote, record: 2, line: 2, column: 5),
            .fields(["next"], line: 3),
        ])
        // A CR after the closing quote must be followed by LF.
        #expect(csvRecords("\"a\"\rb\nnext\n") == [
            .error(.textAfterClosingQuote, record: 1, line: 1, column: 4), .fields(["next"], line: 2),
        ])
        let e = try #require(csvErrors("\"a\"b\n").first)
        #expect(e.message == #"text after the closing quote of a field (a quote inside a quoted field is written "")"#)
    }

    @Test("Text after a quoted field that spans lines: the problem's line, the record's line, and where the quote opened")
    func textAfterMultilineQuote() throws {
        #expect(csvRecords("x,\"a\nb\"c\nnext\n") == [
            .error(.textAfterClosingQuote, record: 1, line: 2, column: 3), .fields(["next"], line: 3),
        ])
        let e = try #require(csvErrors("x,\"a\nb\"c\n").first)
        #expect(e.message.hasSuffix("; the quoted field was opened at line 1, column 3"))
    }

    @Test("An unterminated quote at the end of the file points at the opening quote")
    func unterminatedQuote() throws {
        #expect(csvRecords("a\nb,\"open\nmore,\nstill\n") == [
            .fields(["a"], line: 1), .error(.unterminatedQuote, record: 2, line: 2, column: 3),
        ])
        let e = try #require(csvErrors("\"").first)
        #expect(e.kind == .unterminatedQuote && e.line == 1 && e.column == 1)
        #expect(e.message == "unterminated quoted field: no closing quote before the end of the file")
    }

    @Test("Recovery: the rest of a bad record is still read as CSV, so quoted newlines in it do not end it")
    func recoveryKeepsQuoting() {
        // The stray quote is data; the quoted field after it hides its LF; the next record is line 3.
        #expect(csvRecords("ab\"c,\"x\ny\"\nnext\n") == [
            .error(.quoteInUnquotedField, record: 1, line: 1, column: 3), .fields(["next"], line: 3),
        ])
        // Unescaped quotes inside a quoted field: one error, then the next record.
        #expect(csvRecords("1,\"he said \"hi\" there\",x\n2,ok\n") == [
            .error(.textAfterClosingQuote, record: 1, line: 1, column: 13), .fields(["2", "ok"], line: 2),
        ])
        // Only the first problem of a record is reported.
        #expect(csvRecords("a\"b,\"c\"d\n") == [.error(.quoteInUnquotedField, record: 1, line: 1, column: 2)])
    }

    @Test("Exactly 1,000 fields is a record; 1,001 is an error at the 1,001st field, and the next record is read")
    func fieldCountLimit() {
        let thousand = Array(repeating: "a", count: 1000).joined(separator: ",")
        #expect(csvRecords(thousand + "\n") == [.fields(Array(repeating: "a", count: 1000), line: 1)])
        let records = csvRecords(thousand + ",a\n" + thousand + ",\nok\n")
        #expect(records == [
            .error(.tooManyFields, record: 1, line: 1, column: 2001),
            .error(.tooManyFields, record: 2, line: 2, column: 2001),
            .fields(["ok"], line: 3),
        ])
        let e = CSVReader.records(Array((thousand + ",a").utf8)).first
        if case .error(let e) = e { #expect(e.message == "more than 1000 fields") } else { Issue.record("expected an error, got \(String(describing: e))") }
    }

    @Test("A field of 4 MiB is read; one byte more is an error at the field's start, and the next record is read")
    func fieldSizeLimit() throws {
        let limit = 4 << 20
        #expect(CSVReader(bytes: []).maxFieldBytes == limit)
        let exact = [UInt8](repeating: UInt8(ascii: "x"), count: limit)
        let over = exact + [UInt8(ascii: "x")]
        for quoted in [false, true] {
            let q: [UInt8] = quoted ? [UInt8(ascii: "\"")] : []
            let bytes = Array("a,".utf8) + q + exact + q + [10] + Array("b,".utf8) + q + over + q + Array(",c\nnext\n".utf8)
            let records = CSVReader.records(bytes)
            #expect(records.count == 3)
            guard records.count == 3 else { continue }
            if case .fields(let f, let line) = records[0] {
                #expect(line == 1 && f.count == 2 && f[1].utf8.count == limit)
            } else { Issue.record("the 4 MiB field was not read (quoted: \(quoted))") }
            #expect(Rec(records[1]) == .error(.fieldTooLong, record: 2, line: 2, column: 3))
            if case .error(let e) = records[1] { #expect(e.message == "field longer than 4194304 bytes") }
            #expect(Rec(records[2]) == .fields(["next"], line: 3))
        }
    }

    @Test("The field limit holds across chunk boundaries; an unterminated quote beyond it is still reported as unterminated")
    func smallFieldLimit() throws {
        var reader = CSVReader(bytes: Array("abcd,\"ef\"\"g\"\nabcde\n\"abc\ndef\"\nok\n\"unclosed and long".utf8))
        reader.maxFieldBytes = 4
        reader.chunkSize = 3
        var got: [Rec] = []
        try reader.forEachRecord { got.append(Rec($0)) }
        #expect(got == [
            .fields(["abcd", "ef\"g"], line: 1),
            .error(.fieldTooLong, record: 2, line: 2, column: 1),
            .error(.fieldTooLong, record: 3, line: 3, column: 1),
            .fields(["ok"], line: 5),
            .error(.unterminatedQuote, record: 6, line: 6, column: 1),
        ])
    }

    // MARK: Record text

    @Test("Each record's text as read, without its line end, whatever the chunk size", arguments: [1, 2, 5, 1 << 16])
    func recordText(_ chunkSize: Int) throws {
        let text = "a,\"b\r\nc\"\r\n\n\"x\"\"y\",z\nbad\"q,\"p\nq\"\nlast,\"\"\r"
        let got = try recordsWithText(Array(text.utf8), chunkSize: chunkSize)
        #expect(got.map(\.0) == [
            .fields(["a", "b\r\nc"], line: 1), .fields(["x\"y", "z"], line: 4),
            .error(.quoteInUnquotedField, record: 5, line: 5, column: 4), .fields(["last", ""], line: 7),
        ])
        #expect(got.map(\.1) == ["a,\"b\r\nc\"", "\"x\"\"y\",z", "bad\"q,\"p\nq\"", "last,\"\""])
    }

    @Test("The text of a record longer than twice the field limit is not kept")
    func recordTextLimit() throws {
        let got = try recordsWithText(Array("ok\n\"0123456789".utf8), chunkSize: 4, maxFieldBytes: 4)
        #expect(got.map(\.0) == [.fields(["ok"], line: 1), .error(.unterminatedQuote, record: 2, line: 2, column: 1)])
        #expect(got.map(\.1) == ["ok", nil])
    }
}

// MARK: - CSV item reader

private let header = "id,platform,kind,text,received_at,author_handle,author_name,thread_id,parent_id,url,lang"

/// The cells of a valid record, by column.
private let valid: [String: String] = [
    "id": "fb-1001", "platform": "facebook", "kind": "comment", "text": "open sunday??",
    "received_at": "2026-11-24T16:42:10Z", "author_handle": "@dana", "author_name": "Dana",
    "thread_id": "", "parent_id": "", "url": "", "lang": "",
]

/// One CSV cell, quoted when it must be.
private func cell(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A CSV row of the valid cells (in the header's order) with some replaced.
private func row(_ changes: [String: String] = [:]) -> String {
    header.split(separator: ",").map { cell(changes[String($0)] ?? valid[String($0)]!) }.joined(separator: ",")
}

/// A JSON string literal.
private func json(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where u.value < 0x20: out += "\\u00" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// The JSONL line with the same values as `row(changes)`: empty cells are empty strings there too.
private func jsonLine(_ changes: [String: String] = [:]) -> String {
    let v = valid.merging(changes) { $1 }
    var parts: [String] = []
    for key in ["id", "platform", "kind", "text", "received_at"] { parts.append("\(json(key)): \(json(v[key]!))") }
    parts.append(#""author": {"handle": \#(json(v["author_handle"]!)), "name": \#(json(v["author_name"]!))}"#)
    for key in ["thread_id", "parent_id", "url", "lang"] { parts.append("\(json(key)): \(json(v[key]!))") }
    return "{" + parts.joined(separator: ", ") + "}"
}

/// A record, flattened for comparison.
private enum Seen: Equatable, CustomStringConvertible {
    case item(id: String, line: Int)
    case error(String)

    var description: String {
        switch self {
        case .item(let id, let line): "item \(id) @\(line)"
        case .error(let e): "error \(e)"
        }
    }
}

private struct CSVRead {
    var seen: [Seen] = []
    var items: [Item] = []
    var errors: [IngestError] = []
    var warnings: [String] = []
}

private func readCSV(_ bytes: [UInt8], source: String = "items.csv", chunkSize: Int = 1 << 16) throws -> CSVRead {
    var r = CSVRead()
    r.warnings = try CSVItemReader.read(bytes: bytes, source: source, chunkSize: chunkSize) { record in
        switch record {
        case .item(let item, let line):
            r.seen.append(.item(id: item.id, line: line))
            r.items.append(item)
        case .error(let e):
            r.seen.append(.error(e.description))
            r.errors.append(e)
        }
    }
    return r
}

private func readCSV(_ text: String, source: String = "items.csv", chunkSize: Int = 1 << 16) throws -> CSVRead {
    try readCSV(Array(text.utf8), source: source, chunkSize: chunkSize)
}

private func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

@Suite("CSV item reader")
struct CSVItemReaderTests {
    @Test("A full record decodes to the same item as the equivalent JSONL line")
    func fullRecord() throws {
        let changes = [
            "text": "open sunday?? 😀, \"really\"\nsecond line", "received_at": "2026-11-24T18:42:10+02:00",
            "thread_id": "fb-t-77", "parent_id": "fb-1000", "url": "https://example.org/p/1001", "lang": "en",
        ]
        let r = try readCSV(header + "\n" + row(changes) + "\n")
        #expect(r.errors == [] && r.warnings == [])
        let expected = Item(
            id: "fb-1001", platform: .facebook, kind: .comment, text: "open sunday?? 😀, \"really\"\nsecond line",
            receivedAt: try at("2026-11-24T16:42:10Z"), author: Author(handle: "@dana", name: "Dana"),
            threadID: "fb-t-77", parentID: "fb-1000", url: "https://example.org/p/1001", lang: "en")
        #expect(r.items == [expected])
        #expect(r.items.first == (try ItemDecoder.decode(line: jsonLine(changes)).get()))
        #expect(r.seen == [.item(id: "fb-1001", line: 2)])
    }

    @Test("Header names are case-insensitive, trimmed and in any order; `author` means author_handle; only the required columns are needed")
    func headerAliasesAndCase() throws {
        let text = " Text ,AUTHOR,Received_At\t,kind,Platform,ID\r\n"
            + "hello,@sam,2026-11-24T16:42:10Z,question,instagram,ig-1\r\n"
        let r = try readCSV(text)
        #expect(r.errors == [] && r.warnings == [])
        #expect(r.items == [Item(id: "ig-1", platform: .instagram, kind: .question, text: "hello",
                                 receivedAt: try at("2026-11-24T16:42:10Z"), author: Author(handle: "@sam"))])
        let named = try readCSV("id,platform,kind,text,received_at,Author_Handle,AUTHOR_NAME\nx-1,x,mention,hi,2026-11-24T16:42:10Z,@a,Ann\n")
        #expect(named.items.first?.author == Author(handle: "@a", name: "Ann"))
    }

    @Test("A header missing required columns is one error naming them, and nothing else is read")
    func missingColumns() throws {
        let r = try readCSV("id,platform,text,author_name\nfb-1,facebook,hi,Dana\nbad\"row\n")
        #expect(r.seen == [.error("items.csv:1: missing required columns: kind, received_at, author_handle")])
        #expect(r.errors.first?.record == "id,platform,text,author_name")
        let one = try readCSV("id,platform,kind,text,received_at\n")
        #expect(one.seen == [.error("items.csv:1: missing required column: author_handle")])
    }

    @Test("The header is the first non-empty line; its line is the one reported")
    func headerAfterEmptyLines() throws {
        #expect(try readCSV("\n\nid\n").seen == [
            .error("items.csv:3: missing required columns: platform, kind, text, received_at, author_handle"),
        ])
        #expect(try readCSV("\n\(header)\n\(row())\n").seen == [.item(id: "fb-1001", line: 3)])
    }

    @Test("A column given twice (also through its alias) is a header error")
    func duplicateColumns() throws {
        let r = try readCSV(header + ",Author\n" + row() + ",@x\n")
        #expect(r.seen == [.error("items.csv:1: column given twice: author_handle (columns 6 and 12)")])
        let both = try readCSV("id,platform,kind,text,received_at,id\n")
        #expect(both.seen == [.error("items.csv:1: missing required column: author_handle; column given twice: id (columns 1 and 6)")])
    }

    @Test("Unknown columns are ignored, with one warning each (not one per record), control characters escaped")
    func unknownColumns() throws {
        let text = "likes," + header + ",\u{1B}[2J\n" + "3," + row() + ",x\n" + "4," + row(["id": "fb-1002"]) + ",y\n"
        let r = try readCSV(text)
        #expect(r.errors == [])
        #expect(r.items.map(\.id) == ["fb-1001", "fb-1002"])
        #expect(r.warnings == [
            #"items.csv:1: ignoring unknown column "likes" (column 1)"#,
            #"items.csv:1: ignoring unknown column "\u{1b}[2J" (column 13)"#,
        ])
    }

    @Test("A record with the wrong number of fields: items.csv:17: expected 11 fields, found 9; the next record is read")
    func wrongFieldCount() throws {
        var lines = [header]
        for i in 2...16 { lines.append(row(["id": "r\(i)"])) }
        lines.append("a,b,c,d,e,f,g,h,i")
        lines.append(row(["id": "r18"]))
        lines.append("lonely")
        let r = try readCSV(lines.joined(separator: "\n") + "\n")
        #expect(r.items.count == 16)
        #expect(r.errors.map(\.description) == [
            "items.csv:17: expected 11 fields, found 9", "items.csv:19: expected 11 fields, found 1",
        ])
        #expect(r.errors.first?.record == "a,b,c,d,e,f,g,h,i")
        #expect(r.seen.suffix(3) == [.error("items.csv:17: expected 11 fields, found 9"), .item(id: "r18", line: 18),
                                     .error("items.csv:19: expected 11 fields, found 1")])
    }

    static let fieldCases: [(String, String)] = [
        ("id", ""), ("id", "   "), ("id", String(repeating: "x", count: 257)),
        ("platform", "myspace"), ("platform", "Facebook"), ("platform", " facebook"), ("platform", "\u{202E}koobecaf"),
        ("kind", "story"), ("kind", ""),
        ("text", ""),  // accepted, as "text": "" is in JSONL
        ("received_at", "yesterday"), ("received_at", "2026-11-24"), ("received_at", ""),
        ("received_at", "2026-11-24T16:42:10+02:00"),
        ("author_handle", ""), ("author_handle", " \t "), ("author_name", ""),
        ("thread_id", "123"), ("lang", ""),
    ]

    @Test("Field validation: the same outcome and message as the JSONL line with the same values", arguments: fieldCases)
    func sameAsJSONL(_ column: String, _ value: String) throws {
        let r = try readCSV(header + "\n" + row([column: value]) + "\n")
        switch ItemDecoder.decode(line: jsonLine([column: value])) {
        case .success(let item):
            #expect(r.errors == [])
            #expect(r.items == [item])
        case .failure(let e):
            #expect(r.items == [])
            let field = e.field.map { $0 == "author.handle" ? "author_handle" : $0 }
            #expect(r.errors.map(\.description) == ["items.csv:2: \(field ?? "-"): \(e.reason)"])
            #expect(r.errors.first?.reason == e.reason)
            #expect(r.errors.first?.field == field)
        }
    }

    @Test("The brief's example message, exactly")
    func receivedAtMessage() throws {
        var lines = [header]
        for i in 2...16 { lines.append(row(["id": "r\(i)"])) }
        lines.append(row(["received_at": "yesterday"]))
        let r = try readCSV(lines.joined(separator: "\r\n"))
        #expect(r.errors.map(\.description) == [#"items.csv:17: received_at: not an RFC 3339 time: "yesterday""#])
        #expect(r.errors.first?.record == row(["received_at": "yesterday"]))
    }

    @Test("Empty optional cells are absent; author_handle errors name the CSV column")
    func emptyCells() throws {
        let r = try readCSV(header + "\n" + row() + "\n" + row(["id": "2", "author_handle": ""]) + "\n")
        #expect(r.items.count == 1)
        let item = try #require(r.items.first)
        #expect(item.threadID == nil && item.parentID == nil && item.url == nil && item.lang == nil)
        #expect(r.errors.map(\.description) == ["items.csv:3: author_handle: empty"])
        let noName = try readCSV(header + "\n" + row(["author_name": ""]) + "\n")
        #expect(noName.items.first?.author == Author(handle: "@dana", name: nil))
    }

    @Test("Line numbers count the lines inside quoted fields: an error after a multi-line text is at its own line")
    func lineNumbersAfterMultilineText() throws {
        let text = header + "\n" + row(["id": "a", "text": "one\ntwo\r\nthree"]) + "\n" + row(["id": "b", "kind": "story"]) + "\n"
            + row(["id": "c"]) + "\n"
        let r = try readCSV(text)
        #expect(r.seen == [
            .item(id: "a", line: 2),
            .error(#"items.csv:5: kind: unknown kind "story" (expected one of question, comment, review, mention, dm)"#),
            .item(id: "c", line: 6),
        ])
    }

    @Test("Malformed CSV records are errors with their column, and the next record is read")
    func malformedRecords() throws {
        let text = header + "\n" + row(["id": "a"]) + "\n" + "b,facebook,comment,say \"hi\",x,y,z,,,,\n"
            + "c,facebook,comment,\"multi\nline\"oops,x,y,z,,,,\n" + row(["id": "d"]) + "\n" + "e,\"never closed\n"
        let r = try readCSV(text)
        #expect(r.seen == [
            .item(id: "a", line: 2),
            .error(#"items.csv:3: invalid CSV at column 24: a quote inside an unquoted field (quote the whole field and double the quote: "")"#),
            .error(#"items.csv:4: invalid CSV at line 5, column 6: text after the closing quote of a field (a quote inside a quoted field is written ""); the quoted field was opened at line 4, column 20"#),
            .item(id: "d", line: 6),
            .error("items.csv:7: invalid CSV at column 3: unterminated quoted field: no closing quote before the end of the file"),
        ])
        #expect(r.errors.map(\.field) == [nil, nil, nil])
        #expect(r.errors.map(\.record) == [
            "b,facebook,comment,say \"hi\",x,y,z,,,,", "c,facebook,comment,\"multi\nline\"oops,x,y,z,,,,", "e,\"never closed\n",
        ])
    }

    @Test("A header with a CSV syntax error is one error, and nothing else is read")
    func badHeaderSyntax() throws {
        let r = try readCSV("id,plat\"form\n" + row() + "\n")
        #expect(r.seen == [.error(#"items.csv:1: invalid CSV at column 8: a quote inside an unquoted field (quote the whole field and double the quote: "")"#)])
    }

    @Test("An empty input, or one of only empty lines, is one error: there is no header row", arguments: ["", "\n\r\n", "\u{FEFF}"])
    func noHeader(_ text: String) throws {
        let r = try readCSV(text)
        #expect(r.seen == [.error("items.csv:1: no header row (expected the columns id, platform, kind, text, received_at, author_handle, …)")])
    }

    @Test("A header without data gives nothing; blank rows and rows of empty cells are skipped")
    func blankRows() throws {
        #expect(try readCSV(header + "\n").seen == [])
        let text = header + "\n,,,,,,,,,,\n" + row(["id": "a"]) + "\n \t \n , ,,,,,,,,,\t\n\n" + row(["id": "b"]) + "\n\n"
        #expect(try readCSV(text).seen == [.item(id: "a", line: 3), .item(id: "b", line: 7)])
    }

    @Test("Hostile text (ESC, bidi override, C1, invalid UTF-8) passes through as data; NUL becomes U+FFFD")
    func hostileText() throws {
        let hostile: [UInt8] = [0x1B] + Array("[31mred".utf8) + Array("\u{202E}evil\u{2066}".utf8) + [0xC2, 0x85, 0x00, 0xFF, 0xFE, 0x80, 0xE2, 0x82]
        let head = Array((header + "\n" + "h-1,facebook,comment,\"").utf8)
        let tail = Array("\",2026-11-24T16:42:10Z,@dana,Dana,,,,\n".utf8)
        let badPlatform = Array(("h-2,\u{202E}koobecaf,comment,x,2026-11-24T16:42:10Z,@d,,,,,\n").utf8)
        let r = try readCSV(head + hostile + tail + badPlatform)
        let text = try #require(r.items.first?.text)
        // SQLite text would end at the NUL when read back: it is stored as U+FFFD (ItemDecoder.storable).
        #expect(text == String(decoding: hostile, as: UTF8.self).replacingOccurrences(of: "\u{0}", with: "\u{FFFD}"))
        #expect(text.unicodeScalars.contains("\u{1B}") && text.unicodeScalars.contains("\u{202E}") && !text.unicodeScalars.contains("\u{0}"))
        #expect(text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 5)
        let e = try #require(r.errors.first)
        #expect(e.description.hasPrefix(#"items.csv:3: platform: unknown platform "\u{202e}koobecaf" "#))
        #expect(!e.description.unicodeScalars.contains("\u{202E}"))
    }

    @Test("A 2 MB text field is read intact from a file, between two records")
    func twoMegabyteField() throws {
        let big = String(repeating: "0123456789, \"é\"\n", count: 2_000_000 / 17 + 1)
        #expect(big.utf8.count > 2_000_000)
        let text = header + "\n" + row(["id": "before"]) + "\n" + row(["id": "big", "text": big]) + "\n" + row(["id": "after", "kind": "story"]) + "\n"
        let newlines = big.utf8.filter { $0 == 10 }.count
        var got = CSVRead()
        try withCSVFile(Array(text.utf8)) { fd throws in
            got.warnings = try CSVItemReader.read(fd: fd, source: "big.csv") { record in
                switch record {
                case .item(let item, let line):
                    got.seen.append(.item(id: item.id, line: line))
                    got.items.append(item)
                case .error(let e):
                    got.seen.append(.error(e.description))
                    got.errors.append(e)
                }
            }
        }
        #expect(got.seen == [
            .item(id: "before", line: 2), .item(id: "big", line: 3),
            .error(#"big.csv:\#(4 + newlines): kind: unknown kind "story" (expected one of question, comment, review, mention, dm)"#),
        ])
        if got.items.count == 2 { #expect(got.items[1].text == big) }
    }

    @Test("The same records whatever the chunk size, with a BOM and CRLF", arguments: [1, 3, 7, 64, 1 << 16])
    func chunkSizes(_ chunkSize: Int) throws {
        let text = "\u{FEFF}" + header + ",notes\r\n" + row(["id": "a", "text": "x,\r\ny"]) + ",n\r\n"
            + row(["id": "b", "received_at": "yesterday"]) + ",n\r\n" + "c,bad\"quote\r\n" + row(["id": "d"]) + ",n"
        let r = try readCSV(text, chunkSize: chunkSize)
        #expect(r.seen == [
            .item(id: "a", line: 2),
            .error(#"items.csv:4: received_at: not an RFC 3339 time: "yesterday""#),
            .error(#"items.csv:5: invalid CSV at column 6: a quote inside an unquoted field (quote the whole field and double the quote: "")"#),
            .item(id: "d", line: 6),
        ])
        #expect(r.items.first?.text == "x,\r\ny")
        #expect(r.warnings == [#"items.csv:1: ignoring unknown column "notes" (column 12)"#])
    }

    @Test("The example in Docs/csv-import.md reads as documented")
    func documentedExample() throws {
        let text = #"""
            id,platform,kind,text,received_at,author_handle,author_name,thread_id,parent_id,url,lang
            fb-1001,facebook,comment,open sunday??,2026-11-24T16:42:10Z,@dana,Dana,fb-t-77,fb-1000,,en
            ig-88,instagram,question,"is the clinic on 5th open late, or only ""by appointment""?",2026-11-24T18:05:00+01:00,@sam.k,,,,https://instagram.com/p/88,en
            gr-7,google_reviews,review,"Lovely staff.
            Parking was hard to find.",2026-11-23T09:12:44Z,Lee P.,Lee P.,,,,
            x-42,x,mention,@clinic thanks!,2026-11-24T20:00:00Z,@jo,,,,,

            """#
        let r = try readCSV(text)
        #expect(r.errors == [] && r.warnings == [])
        #expect(r.seen == [.item(id: "fb-1001", line: 2), .item(id: "ig-88", line: 3), .item(id: "gr-7", line: 4), .item(id: "x-42", line: 6)])
        #expect(r.items.dropFirst().first?.text == #"is the clinic on 5th open late, or only "by appointment"?"#)
        #expect(r.items.dropFirst().first?.receivedAt == (try at("2026-11-24T17:05:00Z")))
        #expect(r.items.dropFirst(2).first?.text == "Lovely staff.\nParking was hard to find.")
        #expect(r.items.first?.url == nil && r.items.first?.threadID == "fb-t-77")
        let minimal = try readCSV("Text,Author,received_at,kind,platform,ID\nhello,@sam,2026-11-24T16:42:10Z,question,instagram,ig-1\n")
        #expect(minimal.seen == [.item(id: "ig-1", line: 2)])
    }

    @Test("Reading a pipe through the descriptor API returns the warnings and stops when the body throws")
    func descriptorAPI() throws {
        struct Stop: Error {}
        let text = header + ",x\n" + row(["id": "1"]) + ",\n" + row(["id": "2"]) + ",\n" + row(["id": "3"]) + ",\n"
        try withCSVPipe(Array(text.utf8)) { fd throws in
            var ids: [String] = []
            let warnings = try CSVItemReader.read(fd: fd, source: "-") { record in
                if case .item(let item, _) = record { ids.append(item.id) }
            }
            #expect(ids == ["1", "2", "3"])
            #expect(warnings == [#"-:1: ignoring unknown column "x" (column 12)"#])
        }
        try withCSVPipe(Array(text.utf8)) { fd throws in
            var ids: [String] = []
            #expect(throws: Stop.self) {
                try CSVItemReader.read(fd: fd, source: "-") { record in
                    if case .item(let item, _) = record { ids.append(item.id) }
                    if ids.count == 2 { throw Stop() }
                }
            }
            #expect(ids == ["1", "2"])
        }
    }
}
