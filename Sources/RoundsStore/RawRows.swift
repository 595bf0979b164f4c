import GRDB
import GRDBSQLite

/// A SELECT stepped through SQLite's C API, its columns read in place: for the scans over
/// every recorded response, where reading each row through `Row` (a dynamic column lookup and a
/// `String` per text column) cost more than SQLite's own work.
///
/// ```swift
/// let rows = try RawRows(db, sql: "SELECT id, channel FROM response", arguments: [])
/// while let row = try rows.next() {
///     let id = row.int64(0)
///     let channel = row.text(1)   // the bytes, valid until the next row
/// }
/// ```
///
/// The loop reads in place, with no closure per row (a closure that mutates the caller's state
/// cost as much as the row itself).
final class RawRows {
    private let statement: Statement
    private var done = false

    init(_ db: Database, sql: String, arguments: StatementArguments) throws {
        statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
    }

    deinit { if !done { sqlite3_reset(statement.sqliteStatement) } }

    /// The next row, nil after the last; an SQLite error is thrown as `DatabaseError`.
    func next() throws -> RawRow? {
        guard !done else { return nil }
        let s = statement.sqliteStatement
        let rc = sqlite3_step(s)
        if rc == SQLITE_ROW { return RawRow(statement: s) }
        done = true
        sqlite3_reset(s)
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(s))),
                                sql: statement.sql)
        }
        return nil
    }
}

/// The current row of a ``RawRows`` scan.
struct RawRow {
    let statement: SQLiteStatement

    func int64(_ column: CInt) -> Int64 { sqlite3_column_int64(statement, column) }

    func isText(_ column: CInt) -> Bool { sqlite3_column_type(statement, column) == SQLITE_TEXT }

    /// The column's UTF-8 bytes (SQLite converts other types to text), valid until the next row.
    func text(_ column: CInt) -> UnsafeBufferPointer<UInt8> {
        guard let p = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, column)))
    }

    func value(_ column: CInt) -> DatabaseValue { DatabaseValue(sqliteStatement: statement, index: column) }
}
