import Foundation

/// A CSV syntax problem in one record, with its place.
///
/// `line` and `column` point at the problem itself (for an unterminated quote: at the opening
/// quote); `recordLine` is the line where the record starts, which differs when a quoted field
/// spans lines. Columns count bytes from the start of the physical line, 1-based (as
/// ``JSONSyntaxError`` does); a UTF-8 byte order mark at the start of the file is not counted.
public struct CSVSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `ab"c`: a quote inside a field that does not start with one.
        case quoteInUnquotedField
        /// `"ab"c`: something other than `,` or a line end after a field's closing quote.
        case textAfterClosingQuote
        /// `"abc` and then the end of the file.
        case unterminatedQuote
        /// More than ``CSVReader/maxFields`` fields in one record.
        case tooManyFields
        /// A field longer than ``CSVReader/maxFieldBytes`` bytes.
        case fieldTooLong
    }

    public var kind: Kind
    /// The 1-based line where the record starts.
    public var recordLine: Int
    /// The 1-based line of the problem.
    public var line: Int
    /// The 1-based byte column of the problem within `line`.
    public var column: Int
    public var message: String

    public init(kind: Kind, recordLine: Int, line: Int, column: Int, message: String) {
        self.kind = kind
        self.recordLine = recordLine
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 17, column 9: …`
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Reads RFC 4180 CSV from a file descriptor (or from bytes) in large chunks, handing each record
/// to a closure with the physical line where it starts.
///
/// - Fields are separated by `,`. A field may be quoted with `"`; inside quotes `""` is one quote
///   and commas, CR, LF and CRLF are data. Records end at LF or CRLF outside quotes (a CR not
///   followed by LF is data). Line numbers count LFs, including those inside quoted fields.
/// - A UTF-8 byte order mark at the very start is skipped. Empty lines (nothing, or only a CR,
///   between two line ends) are skipped but counted. Spaces are data: `a, b` has the field `" b"`.
/// - Invalid UTF-8 becomes U+FFFD. Records and fields may be of any length up to the limits.
/// - A malformed record (see ``CSVSyntaxError/Kind``) is reported as `.error` and reading goes
///   on with the next record: the rest of the bad record is still lexed as CSV (a stray quote is
///   taken as data, a quote at the start of a field still opens a quoted field), so the reader
///   resynchronises at the next line end outside quotes. Only the first problem of a record is
///   reported, and a bad record's fields are not kept.
public struct CSVReader {
    /// One record: its fields (the header row is a record too), or why it could not be read.
    public enum Record: Sendable, Equatable {
        case fields([String], line: Int)
        case error(CSVSyntaxError)
    }

    enum Input {
        case fd(Int32)
        case bytes([UInt8])
    }

    let input: Input
    /// Bytes per `read(2)` (and per slice of a byte array). Any value ≥ 1 gives the same records.
    public var chunkSize = 1 << 16
    /// A record with more fields than this is an error.
    public var maxFields = 1000
    /// A field longer than this many bytes (after unquoting) is an error.
    public var maxFieldBytes = 4 << 20

    /// Reads from an open file descriptor (not closed by the reader).
    public init(fd: Int32) { input = .fd(fd) }

    /// Reads from bytes in memory, sliced in `chunkSize` pieces exactly as a file would be.
    public init(bytes: [UInt8]) { input = .bytes(bytes) }

    /// Calls `body` for every record and every malformed record, in order. Throws when reading
    /// fails or when `body` throws (which stops reading).
    public func forEachRecord(_ body: (Record) throws -> Void) throws {
        try run(keepText: false) { record, _ in try body(record) }
    }

    /// The same, with each record's text as it was read (quotes and all, without its line end),
    /// for rejects files. The bytes are valid during the call only; they are `nil` when the text
    /// is longer than ``maxTextBytes`` (an unterminated quote can swallow the rest of a file).
    public func forEachRecordWithText(_ body: (Record, UnsafeBufferPointer<UInt8>?) throws -> Void) throws {
        try run(keepText: true, body)
    }

    /// The longest record text kept for ``forEachRecordWithText(_:)``: twice the field limit.
    public var maxTextBytes: Int { 2 * maxFieldBytes }

    private func run(keepText: Bool, _ body: (Record, UnsafeBufferPointer<UInt8>?) throws -> Void) throws {
        precondition(chunkSize >= 1, "chunkSize must be at least 1")
        var parser = CSVParser(maxFields: maxFields, maxFieldBytes: maxFieldBytes, maxTextBytes: keepText ? maxTextBytes : nil)
        switch input {
        case .fd(let fd):
            var chunk = [UInt8](repeating: 0, count: chunkSize)
            while true {
                let n = try LineReader.readChunk(fd, into: &chunk)
                if n == 0 { break }
                try chunk.withUnsafeBufferPointer { try parser.feed(UnsafeBufferPointer(rebasing: $0[0..<n]), body) }
            }
        case .bytes(let bytes):
            try bytes.withUnsafeBufferPointer { all in
                var start = 0
                while start < all.count {
                    let end = min(start + chunkSize, all.count)
                    try parser.feed(UnsafeBufferPointer(rebasing: all[start..<end]), body)
                    start = end
                }
            }
        }
        try parser.finish(body)
    }

    /// All records of `bytes`, for tests and small inputs.
    public static func records(_ bytes: [UInt8], chunkSize: Int = 1 << 16) -> [Record] {
        var reader = CSVReader(bytes: bytes)
        reader.chunkSize = chunkSize
        var out: [Record] = []
        try? reader.forEachRecord { out.append($0) }  // cannot throw: no descriptor, and the body does not throw
        return out
    }
}

/// The push parser behind ``CSVReader``: a plain byte loop over a state struct (no captured
/// variables in the hot path), fed one chunk at a time.
struct CSVParser {
    typealias Body = (CSVReader.Record, UnsafeBufferPointer<UInt8>?) throws -> Void

    private enum State {
        case recordStart  // before the first byte of a record
        case fieldStart  // after a separator
        case unquoted
        case unquotedCR  // a CR in an unquoted field: a line end if LF follows, else data
        case quoted
        case quotedQuote  // a quote inside a quoted field: `""`, or the closing quote
        case afterQuoteCR  // a CR after a closing quote: must be followed by LF
    }

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf: UInt8 = 10, cr: UInt8 = 13

    let maxFields: Int
    let maxFieldBytes: Int
    /// When set, each record's text is kept (up to this length) and handed to the body.
    let maxTextBytes: Int?

    private var state = State.recordStart
    private var bomChecked = false
    private var head: [UInt8] = []  // the first bytes, until there are 3 to compare with a BOM

    // Position. `base` is the offset of the current chunk's first byte; `lineStart` the offset of
    // the current physical line's first byte (both after any BOM).
    private var base = 0
    private var line = 1
    private var lineStart = 0

    // The record being read: all its field bytes, one after the other, and where each field ends.
    private var buffer: [UInt8] = []
    private var fieldEnds: [Int] = []
    private var fieldStart = 0  // where the current field begins in `buffer`
    private var fieldCount = 0  // fields ended so far (counted even after an error)
    private var fieldQuoted = false
    private var recordLine = 1
    private var fieldLine = 1, fieldColumn = 1  // where the current field starts
    private var error: CSVSyntaxError?  // the record's first problem; once set, no field bytes are kept

    // The record's text from earlier chunks (only when `maxTextBytes` is set).
    private var text: [UInt8] = []
    private var textTooLong = false

    init(maxFields: Int, maxFieldBytes: Int, maxTextBytes: Int?) {
        self.maxFields = maxFields
        self.maxFieldBytes = maxFieldBytes
        self.maxTextBytes = maxTextBytes
    }

    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ body: Body) throws {
        if bomChecked {
            try consume(chunk, body)
            return
        }
        head.append(contentsOf: chunk)
        if head.count < 3 { return }
        bomChecked = true
        let h = head
        head = []
        try h.withUnsafeBufferPointer { hp in
            let skip = hp[0] == 0xEF && hp[1] == 0xBB && hp[2] == 0xBF ? 3 : 0
            try consume(UnsafeBufferPointer(rebasing: hp[skip...]), body)
        }
    }

    mutating func finish(_ body: Body) throws {
        if !bomChecked {
            bomChecked = true
            let h = head
            head = []
            try h.withUnsafeBufferPointer { try consume($0, body) }
        }
        switch state {
        case .recordStart:
            return
        case .quoted:
            // A quote left open swallows the rest of the file: say so, rather than that the field is too long.
            if let e = error, e.kind == .fieldTooLong, e.line == fieldLine, e.column == fieldColumn { error = nil }
            fail(.unterminatedQuote, line: fieldLine, column: fieldColumn, "unterminated quoted field: no closing quote before the end of the file")
        case .fieldStart, .unquoted, .unquotedCR, .quotedQuote, .afterQuoteCR:
            break  // a final record without a line end (a lone final CR is taken as one)
        }
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        try recordEnded(empty, 0, 0, body)
    }

    // MARK: Positions and errors

    @inline(__always) private func column(_ i: Int) -> Int { base + i - lineStart + 1 }

    @inline(__always) private mutating func newline(_ i: Int) {
        line += 1
        lineStart = base + i + 1
    }

    private mutating func fail(_ kind: CSVSyntaxError.Kind, line: Int, column: Int, _ message: String) {
        guard error == nil else { return }
        error = CSVSyntaxError(kind: kind, recordLine: recordLine, line: line, column: column, message: message)
        buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        fieldEnds.removeAll()
        fieldStart = 0
    }

    private mutating func failTooLong() {
        fail(.fieldTooLong, line: fieldLine, column: fieldColumn, "field longer than \(maxFieldBytes) bytes")
    }

    private mutating func textAfterQuote(column: Int) {
        var message = "text after the closing quote of a field (a quote inside a quoted field is written \"\")"
        if fieldLine != line {
            message += "; the quoted field was opened at line \(fieldLine), column \(fieldColumn)"
        }
        fail(.textAfterClosingQuote, line: line, column: column, message)
    }

    // MARK: Fields and records

    @inline(__always) private mutating func append(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) {
        guard error == nil else { return }
        if buffer.count - fieldStart + (to - from) > maxFieldBytes {
            failTooLong()
        } else {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: p[from..<to]))
        }
    }

    @inline(__always) private mutating func append(_ byte: UInt8) {
        guard error == nil else { return }
        if buffer.count - fieldStart + 1 > maxFieldBytes {
            failTooLong()
        } else {
            buffer.append(byte)
        }
    }

    /// Starts a field at byte `i` of the chunk.
    @inline(__always) private mutating func beginField(_ i: Int) {
        fieldLine = line
        fieldColumn = column(i)
        fieldStart = buffer.count
        fieldQuoted = false
    }

    /// Ends the current field at a separator at byte `i`; the next field begins at `i + 1`.
    private mutating func separator(_ i: Int) {
        endField()
        if fieldCount >= maxFields {
            fail(.tooManyFields, line: line, column: column(i) + 1, "more than \(maxFields) fields")
        }
        state = .fieldStart
    }

    @inline(__always) private mutating func endField() {
        fieldCount += 1
        if error == nil { fieldEnds.append(buffer.count) }
    }

    /// Keeps `p[from..<to]` as part of the record's text.
    private mutating func keepText(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) {
        guard let maxTextBytes, !textTooLong, to > from else { return }
        if text.count + (to - from) > maxTextBytes + 1 {  // + 1: a CR that may turn out to be the line end's
            textTooLong = true
            text.removeAll()
        } else {
            text.append(contentsOf: UnsafeBufferPointer(rebasing: p[from..<to]))
        }
    }

    /// The record ends; its text in this chunk is `p[from..<to]` (the line end excluded, except a
    /// CR before the LF, which is dropped here).
    private mutating func recordEnded(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ body: Body) throws {
        let crlf = state == .unquotedCR || state == .afterQuoteCR
        guard let maxTextBytes else {
            try endRecord(nil, body)
            return
        }
        if text.isEmpty && !textTooLong {
            // The whole record is in this chunk: no copy.
            let end = crlf && to > from ? to - 1 : to
            try endRecord(end - from <= maxTextBytes ? UnsafeBufferPointer(rebasing: p[from..<end]) : nil, body)
        } else {
            keepText(p, from, to)
            if crlf, !text.isEmpty { text.removeLast() }
            var t: [UInt8] = []
            swap(&t, &text)
            let tooLong = textTooLong || t.count > maxTextBytes
            try t.withUnsafeBufferPointer { try endRecord(tooLong ? nil : $0, body) }
            t.removeAll(keepingCapacity: t.capacity <= 1 << 20)
            swap(&t, &text)
        }
    }

    private mutating func endRecord(_ text: UnsafeBufferPointer<UInt8>?, _ body: Body) throws {
        endField()
        defer {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            fieldEnds.removeAll(keepingCapacity: true)
            fieldStart = 0
            fieldCount = 0
            error = nil
            textTooLong = false
            state = .recordStart
        }
        if let error {
            try body(.error(error), text)
            return
        }
        // An empty line: one empty, unquoted field.
        if fieldEnds.count == 1, buffer.isEmpty, !fieldQuoted { return }
        var fields: [String] = []
        fields.reserveCapacity(fieldEnds.count)
        buffer.withUnsafeBufferPointer { b in
            var s = 0
            for e in fieldEnds {
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self))
                s = e
            }
        }
        try body(.fields(fields, line: recordLine), text)
    }

    // MARK: The byte loop

    private mutating func consume(_ p: UnsafeBufferPointer<UInt8>, _ body: Body) throws {
        let n = p.count
        var i = 0
        var textFrom = 0  // where the current record's text begins in this chunk
        while i < n {
            switch state {
            case .recordStart:
                if p[i] == Self.lf {  // an empty line
                    newline(i)
                    i += 1
                    continue
                }
                recordLine = line
                textFrom = i
                beginField(i)
                if p[i] == Self.quote {
                    fieldQuoted = true
                    state = .quoted
                    i += 1
                } else {
                    state = .unquoted
                }

            case .fieldStart:
                beginField(i)
                if p[i] == Self.quote {
                    fieldQuoted = true
                    state = .quoted
                    i += 1
                } else {
                    state = .unquoted
                }

            case .unquoted:
                var j = i
                while j < n {
                    let c = p[j]
                    if c == Self.comma || c == Self.quote || c == Self.lf || c == Self.cr { break }
                    j += 1
                }
                if j > i { append(p, i, j) }
                i = j
                if i == n { break }
                switch p[i] {
                case Self.comma:
                    separator(i)
                case Self.lf:
                    newline(i)
                    try recordEnded(p, textFrom, i, body)
                case Self.cr:
                    state = .unquotedCR
                default:  // a quote
                    fail(.quoteInUnquotedField, line: line, column: column(i),
                         "a quote inside an unquoted field (quote the whole field and double the quote: \"\")")
                }
                i += 1

            case .unquotedCR:
                if p[i] == Self.lf {
                    newline(i)
                    try recordEnded(p, textFrom, i, body)
                    i += 1
                } else {
                    append(Self.cr)
                    state = .unquoted  // the byte is read again there
                }

            case .quoted:
                var j = i
                while j < n, p[j] != Self.quote, p[j] != Self.lf { j += 1 }
                if j == n {
                    append(p, i, j)
                    i = j
                    break
                }
                if p[j] == Self.lf {
                    append(p, i, j + 1)
                    newline(j)
                } else {
                    append(p, i, j)
                    state = .quotedQuote
                }
                i = j + 1

            case .quotedQuote:
                switch p[i] {
                case Self.quote:
                    append(Self.quote)
                    state = .quoted
                    i += 1
                case Self.comma:
                    separator(i)
                    i += 1
                case Self.lf:
                    newline(i)
                    try recordEnded(p, textFrom, i, body)
                    i += 1
                case Self.cr:
                    state = .afterQuoteCR
                    i += 1
                default:
                    textAfterQuote(column: column(i))
                    state = .unquoted  // the byte is read again there
                }

            case .afterQuoteCR:
                if p[i] == Self.lf {
                    newline(i)
                    try recordEnded(p, textFrom, i, body)
                    i += 1
                } else {
                    textAfterQuote(column: column(i) - 1)  // the CR's column: it is the byte before, on the same line
                    append(Self.cr)
                    state = .unquoted
                }
            }
        }
        if state != .recordStart { keepText(p, textFrom, n) }
        base += n
    }
}
