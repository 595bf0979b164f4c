import Foundation
import RoundsCore
import RoundsIngest

/// What an import did: `312 read, 0 new, 312 already known, 0 rejected`.
public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    public var read = 0
    public var new = 0
    public var known = 0
    public var rejected = 0
    public init() {}

    public var description: String { "\(read) read, \(new) new, \(known) already known, \(rejected) rejected" }

    public static func + (a: ImportSummary, b: ImportSummary) -> ImportSummary {
        var s = a
        s.read += b.read
        s.new += b.new
        s.known += b.known
        s.rejected += b.rejected
        return s
    }
}

/// The format of an input file.
public enum InputFormat: String, Sendable, CaseIterable {
    case jsonl, csv

    /// `.csv` files are CSV; anything else (and standard input) is JSONL.
    public static func guess(path: String) -> InputFormat {
        path.lowercased().hasSuffix(".csv") ? .csv : .jsonl
    }
}

/// Writes rejected records, with their reasons, as JSONL (mode 0600: they hold patient text).
/// The file is created on the first reject only.
public final class RejectsWriter {
    public let path: String
    private var handle: FileHandle?
    public private(set) var count = 0

    public init(path: String) { self.path = path }

    public func write(_ e: IngestError) throws {
        if handle == nil {
            let fd = Foundation.open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
        var obj: [String: Any] = ["source": e.source, "line": e.line, "reason": e.reason]
        if let f = e.field { obj["field"] = f }
        if let r = e.record { obj["record"] = r }
        var data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
        data.append(10)
        try handle!.write(contentsOf: data)
        count += 1
    }

    public func close() throws { try handle?.close(); handle = nil }

    /// `items.jsonl` → `items.jsonl.rejects.jsonl`; standard input → `stdin.rejects.jsonl`.
    public static func defaultPath(for source: String) -> String {
        source == "-" ? "stdin.rejects.jsonl" : source + ".rejects.jsonl"
    }
}

/// Reads items, triages them, and writes them in batches, each batch one transaction.
///
/// A crash or a full disk leaves every committed batch in place and nothing of the batch in
/// flight; running the same import again adds what is missing (items are unique per platform
/// and id), so the import completes.
public struct Importer {
    public let db: AppDatabase
    public let triage: Triage
    public let sla: SLAEngine
    public var batchSize = 1000
    public var dryRun = false

    public init(db: AppDatabase, triage: Triage, sla: SLAEngine) {
        self.db = db
        self.triage = triage
        self.sla = sla
    }

    /// Imports one open file descriptor. `onError` sees each rejected record (to print it),
    /// `onWarning` each warning about the input as a whole (an unknown CSV column).
    public func run(fd: Int32, source: String, format: InputFormat, rejects: RejectsWriter?,
                    onWarning: (String) -> Void = { _ in }, onError: (IngestError) -> Void) throws -> ImportSummary {
        var summary = ImportSummary()
        var batch: [(Item, TriageDecision)] = []
        batch.reserveCapacity(batchSize)
        func flush() throws {
            guard !batch.isEmpty else { return }
            if dryRun {
                for (item, _) in batch {
                    if try db.item(platform: item.platform, externalID: item.id) != nil { summary.known += 1 } else { summary.new += 1 }
                }
            } else {
                let r = try db.importItems(batch, sla: sla)
                summary.new += r.inserted
                summary.known += r.alreadyKnown
            }
            batch.removeAll(keepingCapacity: true)
        }
        let handle: (JSONLReader.Record) throws -> Void = { record in
            summary.read += 1
            switch record {
            case .item(let item, _):
                batch.append((item, triage.classify(item)))
                if batch.count >= batchSize { try flush() }
            case .error(let e):
                summary.rejected += 1
                onError(e)
                try rejects?.write(e)
            }
        }
        switch format {
        case .jsonl: try JSONLReader.read(fd: fd, source: source, handle)
        case .csv: for w in try CSVItemReader.read(fd: fd, source: source, handle) { onWarning(w) }
        }
        try flush()
        return summary
    }
}
