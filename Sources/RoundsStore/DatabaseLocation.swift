import Foundation

/// Where the database lives: `--db`, else `ROUNDS_DB`, else
/// `$XDG_DATA_HOME/rounds/rounds.sqlite` (`~/.local/share/rounds/rounds.sqlite`).
public struct DatabaseLocation: Sendable, Equatable {
    public var path: String
    /// True for the default location (an empty default database is seeded with sample data).
    public var isDefault: Bool

    public static func resolve(explicit: String?, environment: [String: String]) -> DatabaseLocation {
        if let explicit, !explicit.isEmpty { return DatabaseLocation(path: explicit, isDefault: false) }
        if let env = environment["ROUNDS_DB"], !env.isEmpty { return DatabaseLocation(path: env, isDefault: false) }
        let base: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return DatabaseLocation(path: base + "/rounds/rounds.sqlite", isDefault: true)
    }
}
