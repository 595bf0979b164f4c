import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore
import RoundsStore

/// `--db PATH`, shared by the commands that open the database.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The database file (default: $ROUNDS_DB, then $XDG_DATA_HOME/rounds/rounds.sqlite).")
    var path: String?

    var location: DatabaseLocation {
        DatabaseLocation.resolve(explicit: path, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens the database; an empty default database is seeded with the sample queue.
    func open(config: RoundsConfiguration, seedIfEmptyDefault: Bool = true) throws -> AppDatabase {
        let loc = location
        let db: AppDatabase
        do {
            db = try AppDatabase.open(path: loc.path, clock: SystemClock())
        } catch let e as StoreOpenError {
            throw ValidationError(e.description)
        } catch {
            // Locked past the busy timeout, read-only, disk full: in words, never the raw SQLite
            // error (it names SQL); exit status 4, as for any database failure.
            warn("rounds: \(loc.path): \(StoreFailure.describeOpening(error) ?? "the database could not be opened (\(type(of: error)))")")
            throw ExitCode(4)
        }
        if try seedIfEmptyDefault && loc.isDefault && db.itemCount() == 0 {
            let s = try SampleData.seed(db, triage: Triage(options: config.triageOptions), sla: config.slaEngine)
            FileHandle.standardError.write(Data("rounds: new database at \(loc.path), seeded with \(s.new) sample items (times shifted to now)\n".utf8))
        }
        return db
    }
}

/// `--agent NAME`: who is acting (default: $ROUNDS_AGENT, then $USER).
struct AgentOption: ParsableArguments {
    @Option(help: "Who is acting (default: $ROUNDS_AGENT, then $USER).")
    var agent: String?

    var name: String {
        let env = ProcessInfo.processInfo.environment
        return agent ?? env["ROUNDS_AGENT"] ?? env["USER"] ?? "manager"
    }
}

/// An item named on the command line: `12` (its number in Rounds) or `facebook:fb-1001`.
func resolveItem(_ ref: String, in db: AppDatabase) throws -> StoredItem {
    if let n = Int64(ref.trimmingCharacters(in: CharacterSet(charactersIn: "#"))), let item = try db.item(id: n) { return item }
    let parts = ref.split(separator: ":", maxSplits: 1).map(String.init)
    if parts.count == 2, let p = Platform(rawValue: parts[0]), let item = try db.item(platform: p, externalID: parts[1]) { return item }
    throw ValidationError("no item \(ref) (give its number, or platform:id such as facebook:fb-1001)")
}

/// Standard error, one line.
func warn(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
