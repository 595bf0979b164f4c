import Foundation

/// CSV import is being written; until it lands, a CSV input is refused with a clear message.
public enum CSVItemReader {
    public static func read(fd: Int32, source: String, _ body: (JSONLReader.Record) throws -> Void) throws -> [String] {
        try body(.error(IngestError(source: source, line: 1, field: nil, reason: "CSV import is not available in this build; convert to JSONL")))
        return []
    }
}
