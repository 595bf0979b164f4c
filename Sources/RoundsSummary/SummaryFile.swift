import Foundation

/// The export formats of `rounds summary`.
public enum SummaryFormat: String, Sendable, CaseIterable {
    case markdown, csv, json
}

/// Writing report files privately: they may hold texts (with `--include-text`) and always hold
/// who did what, so every file is created with mode 0600, and an existing file is brought to 0600
/// (`fchmod`) before it is overwritten. Written in place through one descriptor: no temporary
/// files (Foundation's `atomically:` leaves temporary folders behind on Linux). Symbolic links are
/// not followed.
public enum SummaryFile {
    public struct WriteError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `text` to `path` with mode 0600.
    public static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf in Foundation.write(fd, buf.baseAddress! + done, buf.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, reason: String(cString: strerror(errno)))
            }
            done += n
        }
        guard fsync(fd) == 0 || errno == EINVAL else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
    }
}
