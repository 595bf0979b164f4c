import Foundation

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
        var consumed = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunkSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { break }
            if consumed > 0 {
                buffer.removeFirst(consumed)
                consumed = 0
            }
            buffer.append(contentsOf: chunk[0..<n])
            try buffer.withUnsafeBufferPointer { all in
                var start = 0
                var i = 0
                while i < all.count {
                    if all[i] == 10 {
                        lineNumber += 1
                        var end = i
                        if end > start, all[end - 1] == 13 { end -= 1 }
                        try body(lineNumber, UnsafeBufferPointer(rebasing: all[start..<end]))
                        start = i + 1
                    }
                    i += 1
                }
                consumed = start
            }
        }
        if consumed < buffer.count {
            lineNumber += 1
            try buffer.withUnsafeBufferPointer { all in
                var end = all.count
                if end > consumed, all[end - 1] == 13 { end -= 1 }
                try body(lineNumber, UnsafeBufferPointer(rebasing: all[consumed..<end]))
            }
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
        try LineReader(fd: fd).forEachLine { line, bytes in
            var blank = true
            for c in bytes where c != 32 && c != 9 { blank = false; break }
            if blank { return }
            switch ItemDecoder.decode(line: bytes) {
            case .success(let item): try body(.item(item, line: line))
            case .failure(let e): try body(.error(IngestError(source: source, line: line, field: e.field, reason: e.reason)))
            }
        }
    }
}

import RoundsCore
