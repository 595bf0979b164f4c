import RoundsCore

/// Reads canonical items from CSV with a header row (see `Docs/csv-import.md`).
///
/// The header names the columns, in any order, case-insensitively and with surrounding spaces
/// and tabs trimmed: `id`, `platform`, `kind`, `text`, `received_at`, `author_handle` (alias
/// `author`), `author_name`, `thread_id`, `parent_id`, `url`, `lang`. The first six are required.
/// Unknown columns are ignored, with one warning each.
///
/// Each data record becomes the JSON object of the canonical form (`author_handle` and
/// `author_name` go into the nested `author` object; every cell is a string, an empty cell an
/// empty string) and is decoded by ``ItemDecoder/decode(_:)``, so the validation and the messages
/// are those of the JSONL path: `items.csv:17: received_at: not an RFC 3339 time: "yesterday"`.
/// The one difference: errors in the author's handle and name name the CSV columns
/// (`author_handle: empty`), where JSONL says `author.handle`.
///
/// Records are reported as ``JSONLReader/Record`` values, so an importer treats both forms alike;
/// an item's line is the line where its record starts (a quoted field may span lines).
public enum CSVItemReader {
    /// Every column, in the documented order.
    public static let columns = [
        "id", "platform", "kind", "text", "received_at", "author_handle", "author_name",
        "thread_id", "parent_id", "url", "lang",
    ]
    /// The columns a header must have.
    public static let requiredColumns = ["id", "platform", "kind", "text", "received_at", "author_handle"]
    /// Other accepted header names, and the column each one means.
    public static let aliases = ["author": "author_handle"]

    /// Reads every record of `fd` (a header row, then data) and reports each item or error in
    /// order. A bad header (a required column missing, a column given twice, or a CSV syntax
    /// error) is one error at the header's line, and nothing more is read. Data records that are
    /// empty, or whose cells are all empty or blank, are skipped. An empty input is an error
    /// (there is no header). Each error carries the record's text as it was read
    /// (``IngestError/record``), for the rejects file.
    ///
    /// - Returns: warnings, as `items.csv:1: ignoring unknown column "likes" (column 12)`.
    /// - Throws: when reading fails, or what `body` throws (which stops reading).
    @discardableResult
    public static func read(fd: Int32, source: String, _ body: (JSONLReader.Record) throws -> Void) throws -> [String] {
        try read(CSVReader(fd: fd), source: source, body)
    }

    /// The same, from bytes in memory; `chunkSize` slices them as `read(2)` would.
    @discardableResult
    public static func read(bytes: [UInt8], source: String, chunkSize: Int = 1 << 16,
                            _ body: (JSONLReader.Record) throws -> Void) throws -> [String] {
        var reader = CSVReader(bytes: bytes)
        reader.chunkSize = chunkSize
        return try read(reader, source: source, body)
    }

    /// Thrown by the record handler to stop reading after a bad header.
    private struct StopReading: Error {}

    static func read(_ reader: CSVReader, source: String, _ body: (JSONLReader.Record) throws -> Void) throws -> [String] {
        var header: Header?
        var warnings: [String] = []
        do {
            try reader.forEachRecordWithText { record, text in
                // The record as it was read, for the rejects file (made only for rejected records).
                func reject(line: Int, field: String?, reason: String) throws {
                    let raw = text.map { String(decoding: $0, as: UTF8.self) }
                    try body(.error(IngestError(source: source, line: line, field: field, reason: reason, record: raw)))
                }
                guard let header else {
                    switch record {
                    case .error(let e):
                        try reject(line: e.recordLine, field: nil, reason: reason(e))
                    case .fields(let names, let line):
                        switch Header.parse(names, line: line, source: source) {
                        case .success(let (h, w)):
                            header = h
                            warnings = w
                            return
                        case .failure(let e):
                            try reject(line: e.line, field: nil, reason: e.reason)
                        }
                    }
                    throw StopReading()
                }
                switch record {
                case .error(let e):
                    try reject(line: e.recordLine, field: nil, reason: reason(e))
                case .fields(let cells, let line):
                    if cells.allSatisfy(isBlank) { return }
                    guard cells.count == header.keys.count else {
                        try reject(line: line, field: nil, reason: "expected \(header.keys.count) fields, found \(cells.count)")
                        return
                    }
                    switch ItemDecoder.decode(header.object(cells)) {
                    case .success(let item):
                        try body(.item(item, line: line))
                    case .failure(let e):
                        try reject(line: line, field: e.field.map(csvField), reason: e.reason)
                    }
                }
            }
        } catch is StopReading {
            return warnings
        }
        if header == nil {
            try body(.error(IngestError(source: source, line: 1, field: nil,
                                        reason: "no header row (expected the columns \(requiredColumns.joined(separator: ", ")), …)")))
        }
        return warnings
    }

    /// `invalid CSV at column 9: …`, with the line too when it is not the record's first.
    static func reason(_ e: CSVSyntaxError) -> String {
        let place = e.line == e.recordLine ? "column \(e.column)" : "line \(e.line), column \(e.column)"
        return "invalid CSV at \(place): \(e.message)"
    }

    /// The CSV column for a field named by ``ItemDecoder``.
    static func csvField(_ field: String) -> String {
        switch field {
        case "author.handle": "author_handle"
        case "author.name": "author_name"
        default: field
        }
    }

    private static func isBlank(_ cell: String) -> Bool {
        cell.utf8.allSatisfy { $0 == 32 || $0 == 9 }
    }

    /// The header: for each position, the column it holds (`nil` for an unknown one).
    struct Header {
        var keys: [String?]

        static func normalise(_ name: String) -> String {
            var s = Substring(name)
            while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
            while let c = s.last, c == " " || c == "\t" { s.removeLast() }
            let lower = s.lowercased()
            return aliases[lower] ?? lower
        }

        static func parse(_ names: [String], line: Int, source: String) -> Result<(Header, [String]), IngestError> {
            var keys: [String?] = []
            var warnings: [String] = []
            var position: [String: Int] = [:]  // column → its 1-based position
            var duplicates: [String] = []
            for (i, name) in names.enumerated() {
                let key = normalise(name)
                guard columns.contains(key) else {
                    keys.append(nil)
                    warnings.append("\(source):\(line): ignoring unknown column \(ItemDecoder.quoted(name)) (column \(i + 1))")
                    continue
                }
                if let first = position[key] {
                    duplicates.append("\(key) (columns \(first) and \(i + 1))")
                } else {
                    position[key] = i + 1
                }
                keys.append(key)
            }
            var problems: [String] = []
            let missing = requiredColumns.filter { position[$0] == nil }
            if !missing.isEmpty {
                problems.append("missing required column\(missing.count == 1 ? "" : "s"): \(missing.joined(separator: ", "))")
            }
            if !duplicates.isEmpty {
                problems.append("column\(duplicates.count == 1 ? "" : "s") given twice: \(duplicates.joined(separator: ", "))")
            }
            guard problems.isEmpty else {
                return .failure(IngestError(source: source, line: line, field: nil, reason: problems.joined(separator: "; ")))
            }
            return .success((Header(keys: keys), warnings))
        }

        /// The canonical JSON object for one record (which has as many cells as there are keys).
        func object(_ cells: [String]) -> JSONValue {
            var o: [String: JSONValue] = [:]
            var author: [String: JSONValue] = [:]
            for (key, cell) in zip(keys, cells) {
                guard let key else { continue }
                switch key {
                case "author_handle": author["handle"] = .string(cell)
                case "author_name": author["name"] = .string(cell)
                default: o[key] = .string(cell)
                }
            }
            o["author"] = .object(author)
            return .object(o)
        }
    }
}
