import GRDB

/// Database failures in words a manager can act on (issue 7). The message never includes SQL
/// arguments, so no patient text can leak into it.
public enum StoreFailure {
    /// A sentence for a write that SQLite refused, or nil when `error` is not a database error.
    public static func describe(_ error: any Error) -> String? {
        guard let e = error as? DatabaseError else { return nil }
        switch e.resultCode {
        case .SQLITE_FULL:
            return "the database could not be written: the disk is full"
        case .SQLITE_READONLY:
            return "the database could not be written: it is read-only (check the permissions of the file and its folder)"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the database could not be written: another process held it locked for more than \(Int(AppDatabase.busyTimeout)) s"
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return "the database could not be opened for writing (check the permissions of the file and its folder)"
        case .SQLITE_IOERR:
            return "the database could not be written: input/output error (SQLite code \(e.extendedResultCode.rawValue))"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return "the database file is damaged or is not a Rounds database"
        default:
            return "the database could not be written (SQLite code \(e.resultCode.rawValue))"
        }
    }

    /// A sentence for a database that could not be opened, or nil when `error` is not a database
    /// error. Opening writes (GRDB's pool probe, the migrator's check), so a full disk, a read-only
    /// file or another process's lock can stop it: `rounds` should print this rather than the raw
    /// SQLite error (which names SQL, and says "database is locked").
    public static func describeOpening(_ error: any Error) -> String? {
        guard let e = error as? DatabaseError else { return nil }
        switch e.resultCode {
        case .SQLITE_FULL:
            return "the database could not be opened: the disk is full"
        case .SQLITE_READONLY:
            return "the database could not be opened for writing: it is read-only (check the permissions of the file and its folder)"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the database could not be opened: another process held it locked for more than \(Int(AppDatabase.busyTimeout)) s"
        default:
            return describe(error).map { $0.replacingOccurrences(of: "could not be written", with: "could not be opened") }
        }
    }
}
