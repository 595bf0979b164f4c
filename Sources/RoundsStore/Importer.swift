import Foundation
import GRDB
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
    /// Items per transaction. Larger batches write each touched index page once per batch, not
    /// once per item group (5,000: 2.5× faster than 1,000 at 100,000 items); a batch holds the
    /// write lock for well under a second, inside other writers' 5-s busy timeout.
    public var batchSize = 5000
    public var dryRun = false
    /// One transaction for the whole input, with the secondary indexes built after the rows
    /// (each by one sort) instead of kept up to date row by row: ≈ 2.6× faster for a first load
    /// of a million items (`Docs/performance.md`). The price: the write lock is held for the whole
    /// import, so other writers (a manager replying) fail after their busy timeout, and a crash
    /// or a database error keeps nothing of this input (the database is left as it was). For a
    /// first load, or one larger than what the database holds, while nobody works the queue.
    public var bulk = false
    /// Called on the writing thread after each batch is written (in bulk mode, inside the one
    /// transaction), with the totals so far: for progress reports.
    public var onBatch: ((ImportSummary) -> Void)?

    public init(db: AppDatabase, triage: Triage, sla: SLAEngine) {
        self.db = db
        self.triage = triage
        self.sla = sla
    }

    /// Imports one open file descriptor. `onError` sees each rejected record (to print it),
    /// `onWarning` each warning about the input as a whole (an unknown CSV column).
    ///
    /// Two threads share the work: a reader thread parses, decodes and triages records into
    /// batches; the calling thread writes each batch in one transaction, in input order, while
    /// the next one is being triaged. At most `pipelineDepth` batches wait in between. Errors and
    /// warnings are reported on the calling thread, in input order.
    public func run(fd: Int32, source: String, format: InputFormat, rejects: RejectsWriter?,
                    onWarning: (String) -> Void = { _ in }, onError: (IngestError) -> Void) throws -> ImportSummary {
        let queue = BatchQueue(capacity: Self.pipelineDepth)
        let batchSize = max(1, self.batchSize)
        let triage = self.triage
        let sla = self.sla
        let reader = Thread {
            var chunk = Chunk()
            chunk.items.reserveCapacity(batchSize)
            do {
                let handle: (JSONLReader.Record) throws -> Void = { record in
                    chunk.read += 1
                    switch record {
                    case .item(let item, _): chunk.items.append(ImportRow(item, triage.classify(item), sla: sla))
                    case .error(let e): chunk.errors.append(e)
                    }
                    if chunk.items.count >= batchSize || chunk.errors.count >= batchSize {
                        guard queue.push(chunk) else { throw CancellationError() }
                        chunk = Chunk()
                        chunk.items.reserveCapacity(batchSize)
                    }
                }
                switch format {
                case .jsonl: try JSONLReader.read(fd: fd, source: source, handle)
                case .csv: chunk.warnings = try CSVItemReader.read(fd: fd, source: source, handle)
                }
                chunk.last = true
                _ = queue.push(chunk)
            } catch is CancellationError {
                // The writer stopped: nothing more to do.
            } catch {
                chunk.failure = error
                chunk.last = true
                _ = queue.push(chunk)
            }
            queue.finish()
        }
        reader.stackSize = 1 << 22
        reader.start()
        // However the writer leaves, the reader is stopped and waited for before returning.
        defer {
            queue.cancel()
            queue.waitUntilFinished()
        }

        let tuning = dryRun ? nil : try ImportTuning.apply(to: db)
        defer { tuning?.restore(db) }
        guard bulk && !dryRun else {
            let (summary, inputFailure) = try drain(queue, onWarning: onWarning, onError: onError, rejects: rejects) { batch, summary in
                try write(batch, into: &summary) { rows in try db.importRows(rows, sla: sla) }
            }
            if let inputFailure { throw inputFailure }
            return summary
        }
        // In bulk mode an input that fails part way (an I/O error) keeps what was read before it,
        // as the batched mode keeps its committed batches: the failure is thrown after the commit.
        var inputFailure: (any Error)?
        let summary = try db.bulkImport(sla: sla) { insert in
            let drained = try drain(queue, onWarning: onWarning, onError: onError, rejects: rejects) { batch, summary in
                try write(batch, into: &summary, insert: insert)
            }
            inputFailure = drained.inputFailure
            return drained.summary
        }
        if let inputFailure { throw inputFailure }
        return summary
    }

    /// Takes the reader's chunks in order: reports their rejects and warnings, hands their rows to
    /// `write`. Stops at the last chunk, or at the one that carries the input's own failure, which
    /// is returned (for the caller to throw once what was read is written).
    private func drain(_ queue: BatchQueue, onWarning: (String) -> Void, onError: (IngestError) -> Void, rejects: RejectsWriter?,
                       write: ([ImportRow], inout ImportSummary) throws -> Void) throws -> (summary: ImportSummary, inputFailure: (any Error)?) {
        var summary = ImportSummary()
        while let chunk = queue.pop() {
            summary.read += chunk.read
            summary.rejected += chunk.errors.count
            for e in chunk.errors {
                onError(e)
                try rejects?.write(e)
            }
            try write(chunk.items, &summary)
            onBatch?(summary)
            for w in chunk.warnings { onWarning(w) }
            if let failure = chunk.failure { return (summary, failure) }
            if chunk.last { break }
        }
        return (summary, nil)
    }

    /// Batches parsed and triaged ahead of the writer.
    static let pipelineDepth = 4

    /// Writes one batch with `insert` (by default, a transaction of its own; in bulk mode, into
    /// the one transaction) and counts it; a dry run only counts.
    private func write(_ batch: [ImportRow], into summary: inout ImportSummary,
                       insert: ([ImportRow]) throws -> ImportBatchResult) throws {
        guard !batch.isEmpty else { return }
        if dryRun {
            for row in batch {
                if try db.item(platform: row.item.platform, externalID: row.item.id) != nil { summary.known += 1 } else { summary.new += 1 }
            }
        } else {
            let r = try insert(batch)
            summary.new += r.inserted
            summary.known += r.alreadyKnown
        }
    }
}

/// The writer connection's settings for the length of an import, put back afterwards.
///
/// An import inserts into seven indexes of `item` at places spread all over them; with SQLite's
/// default 2 MB page cache nearly every insert reads index pages back from the file, and the
/// default checkpoint every 1,000 WAL pages copies the same hot pages into the database again
/// and again. Measured at 100,000 items (`Docs/performance.md`): 11.1 s with the defaults, 4.4 s
/// with these. The cache is memory of the importing process only (at most 64 MB); the WAL may
/// grow to ≈ 200 MB during the import and is checkpointed (and truncated when no reader holds
/// it) at the end.
struct ImportTuning {
    static let cacheKiB = 65_536
    static let checkpointPages = 50_000
    let cacheSize: Int
    let checkpoint: Int

    static func apply(to db: AppDatabase) throws -> ImportTuning {
        try db.writer.writeWithoutTransaction { db in
            let tuning = ImportTuning(cacheSize: try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000,
                                      checkpoint: try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 1000)
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpointPages)")
            return tuning
        }
    }

    /// Puts the settings back and checkpoints the WAL; a failure here loses nothing (the
    /// batches are committed), so it is not reported.
    func restore(_ db: AppDatabase) {
        try? db.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = \(cacheSize)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpoint)")
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}

/// What the reader thread hands the writer: triaged items, rejected records, and at the end the
/// input's warnings or the error that stopped it.
struct Chunk: @unchecked Sendable {
    var items: [ImportRow] = []
    var errors: [IngestError] = []
    var read = 0
    var warnings: [String] = []
    var failure: (any Error)?
    var last = false
}

/// A bounded queue between one producer and one consumer, with cancellation.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Chunk] = []
    private let capacity: Int
    private var cancelled = false
    private var finished = false

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the consumer has cancelled.
    func push(_ chunk: Chunk) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(chunk)
        condition.broadcast()
        return true
    }

    /// The next chunk; nil once the producer has finished and nothing is left.
    func pop() -> Chunk? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        guard !items.isEmpty else { return nil }
        let chunk = items.removeFirst()
        condition.broadcast()
        return chunk
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        items.removeAll()
        condition.broadcast()
    }

    func finish() {
        condition.lock(); defer { condition.unlock() }
        finished = true
        condition.broadcast()
    }

    func waitUntilFinished() {
        condition.lock(); defer { condition.unlock() }
        while !finished { condition.wait() }
    }
}
