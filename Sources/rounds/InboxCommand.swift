import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore
import RoundsStore
import RoundsTerminal
import RoundsTUI

struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Open the inbox (the default command).",
        discussion: "Press ? inside for every key. Needs a terminal (TERM set, standard input and output a tty).")

    @OptionGroup var agent: AgentOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config)
        let triage = Triage(options: config.triageOptions)
        var keymap = Keymap.defaults
        for problem in keymap.apply(config.keys) { warn("rounds: warning: \(config.source): \(problem)") }
        let org = config.organisation
        let context = ReplyContext(author: "", orgName: org.name, orgPhone: org.phones.first ?? "", orgEmail: org.emails.first ?? "",
                                   portalURL: org.portalURL ?? "", emergencyNumber: org.emergencyNumber, crisisLine: org.crisisLine, agent: agent.name)
        let env = InboxEnvironment(keymap: keymap, replyCheck: ReplyCheck(triage: triage, jargon: ReplyCheck.defaultJargon + config.extraJargon),
                                   replyContext: context)
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal()
        } catch {
            warn("rounds: cannot open the inbox: \(error). The inbox needs an interactive terminal; for scripts, see `rounds --help`.")
            throw ExitCode(2)
        }
        let clock = SystemClock()
        let state = InboxState(width: 80, height: 24, now: clock.now, agent: agent.name, orgName: org.name, timeZone: org.timeZone)
        // The dashboard's export goes to $ROUNDS_EXPORT_DIR, else where the inbox was started.
        let exports = ProcessInfo.processInfo.environment["ROUNDS_EXPORT_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.currentDirectoryPath
        let runner = EffectRunner(db: db, sla: config.slaEngine, agent: agent.name, terminal: terminal, timeZone: org.timeZone,
                                  organisation: org.name, exportDirectory: exports)
        let app = InboxApp(state: state, env: env, terminal: terminal, runner: runner, clock: clock, watcher: try? ChangeWatcher(path: db.path))
        app.run()
        // Restore the terminal before anything is printed; leave with 128 + the signal after
        // Ctrl-C, a kill or a hang-up, like any well-behaved terminal program.
        let signal = terminal.interruptSignal
        terminal.shutdown()
        if signal != 0 { throw ExitCode(128 + signal) }
    }
}
