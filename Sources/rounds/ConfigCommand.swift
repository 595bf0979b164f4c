import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore

/// `--config PATH`, shared by the commands that read the config file.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "The config file (default: $ROUNDS_CONFIG, then $XDG_CONFIG_HOME/rounds/config.toml).")
    var path: String?

    /// Loads the config; problems with single values are printed and their defaults used.
    func load() throws -> RoundsConfiguration {
        do {
            let result = try ConfigLocator.load(explicit: path, environment: ProcessInfo.processInfo.environment)
            for p in result.problems {
                FileHandle.standardError.write(Data("rounds: warning: \(p)\n".utf8))
            }
            return result.config
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the configuration in force, or write a starting config file.")

    @Flag(help: "Write the built-in sample config to the default path (never overwrites).")
    var initialise = false

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        if initialise {
            let path = configOptions.path ?? ConfigLocator.defaultPath(environment: env)
            guard !FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("\(path) already exists; not overwritten")
            }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // Not `atomically:` — on Linux, Foundation leaves an empty temporary folder behind.
            guard FileManager.default.createFile(atPath: path, contents: Data(RoundsConfiguration.defaultFileText.utf8)) else {
                throw ValidationError("\(path): cannot create the file")
            }
            print("wrote \(path) — edit the [organisation] section before use")
            return
        }
        let c = try configOptions.load()
        print("config: \(c.source)")
        print("organisation: \(c.organisation.name) (time zone \(c.organisation.timeZone.identifier))")
        print("  phones: \(c.organisation.phones.joined(separator: ", "))")
        print("  e-mails: \(c.organisation.emails.joined(separator: ", "))")
        if let portal = c.organisation.portalURL { print("  portal: \(portal)") }
        print("SLA policies (first match wins):")
        for p in c.policies {
            var cond: [String] = []
            if let u = p.match.urgent { cond.append("urgent=\(u)") }
            if let r = p.match.route { cond.append("route=\(r.rawValue)") }
            if let k = p.match.kinds { cond.append("kinds=\(k.map(\.rawValue).sorted().joined(separator: ","))") }
            if let pl = p.match.platforms { cond.append("platforms=\(pl.map(\.rawValue).sorted().joined(separator: ","))") }
            print("  \(p.name): \(cond.isEmpty ? "everything" : cond.joined(separator: " ")) → first reply \(DurationText.format(p.firstReply)), next \(DurationText.format(p.nextReply)), due soon at \(DurationText.format(p.dueSoon)) left, \(p.clock.rawValue)")
        }
    }
}
