import Foundation
import RoundsCore

/// Reads a file descriptor line by line in large chunks, handing each line's bytes (without the
/// newline or a trailing carriage return) to a closure. Lines of any length are supported.
public struct LineReader {
    public let fd: Int32
    public var chunkSize = 1 << 16

    public init(fd: Int32) { self.fd = fd }

    /// Calls `body(lineNumber, bytes)` for every line. Throws when reading fails.
    public func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var lineNumber = 0
        var lineStart = 0  // start of the current (unfinished) line in `buffer`
        var scanned = 0  // bytes of `buffer` already searched for a newline
        func emit(_ all: UnsafeBufferPointer<UInt8>, _ start: Int, _ end0: Int) throws {
            lineNumber += 1
            var end = end0
            if end > start, all[end - 1] == 13 { end -= 1 }
            try body(lineNumber, UnsafeBufferPointer(rebasing: all[start..<end]))
        }
        while true {
            let n = try Self.readChunk(fd, into: &chunk)
            if n == 0 { break }
            // Drop the lines already handed out, so the buffer holds one unfinished line at most.
            if lineStart > 0 {
                buffer.removeFirst(lineStart)
                scanned -= lineStart
                lineStart = 0
            }
            buffer.append(contentsOf: chunk[0..<n])
            try buffer.withUnsafeBufferPointer { all in
                // Only the new bytes are searched: a long line costs linear time.
                var i = scanned
                while i < all.count {
                    if all[i] == 10 {
                        try emit(all, lineStart, i)
                        lineStart = i + 1
                    }
                    i += 1
                }
                scanned = all.count
            }
        }
        if lineStart < buffer.count {
            try buffer.withUnsafeBufferPointer { try emit($0, lineStart, $0.count) }
        }
    }
}

extension LineReader {
    /// One `read(2)` into `chunk`, retried on EINTR: the byte count, 0 at the end of input.
    static func readChunk(_ fd: Int32, into chunk: inout [UInt8]) throws -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n >= 0 { return n }
            if errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
    }
}

/// Reads canonical JSONL items from a file descriptor; bad lines become errors, the rest go on.
public enum JSONLReader {
    public enum Record: Sendable {
        case item(Item, line: Int)
        case error(IngestError)
    }

    /// Reads every line of `fd`, skipping blank ones, and reports each item or error in order.
    public static func read(fd: Int32, source: String, _ body: (Record) throws -> Void) throws {
        try LineReader(fd: fd).forEachLine { line, raw in
            // A UTF-8 byte-order mark (some editors write one) is not part of the first line.
            var bytes = raw
            if line == 1, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                bytes = UnsafeBufferPointer(rebasing: raw[3...])
            }
            var blank = true
            for c in bytes where c != 32 && c != 9 { blank = false; break }
            if blank { return }
            switch ItemDecoder.decode(line: bytes) {
            case .success(let item): try body(.item(item, line: line))
            case .failure(let e):
                let raw = String(decoding: bytes, as: UTF8.self)
                try body(.error(IngestError(source: source, line: line, field: e.field, reason: e.reason, record: raw)))
            }
        }
    }
}
