import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore
import RoundsStore
import RoundsSummary

/// Whose shift: `--agent`, else $ROUNDS_AGENT, else $USER.
private func actingAgent(_ explicit: String?) -> String {
    let env = ProcessInfo.processInfo.environment
    return explicit ?? env["ROUNDS_AGENT"] ?? env["USER"] ?? "manager"
}

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "The end-of-shift summary: totals, reply times, SLA, overrides, handover (Markdown, CSV or JSON).",
        discussion: """
            The window is the current shift by default: from `rounds shift start` (or your first \
            action today) to now, or to `rounds shift end`. --since / --until choose any other \
            period; times are RFC 3339 (2026-11-24T09:00:00-05:00) or local to the configured time \
            zone (2026-11-24 09:00, 2026-11-24, 09:00 for today). No patient text and no author \
            handles unless --include-text, which adds texts with identifiers redacted. Files are \
            written with mode 0600; CSV to a file also writes NAME-totals.csv beside NAME.csv (CSV on \
            standard output is the items only). Every figure is defined in Docs/summary.md.

            Exit status: 0 the report was written; 64 a bad option (the message names it) or a \
            database that cannot be opened; 1 the output could not be written.
            """)

    @Option(help: ArgumentHelp("The current shift (the default).", valueName: "current"))
    var shift: String?

    @Option(help: ArgumentHelp("Start of the period (instead of the current shift).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("End of the period (default: now).", valueName: "time"))
    var until: String?

    @Option(help: "Only this agent's work (default: everyone's). Also whose shift is meant (default: $ROUNDS_AGENT, then $USER).")
    var agent: String?

    @Option(help: "markdown, csv or json.")
    var format: String = "markdown"

    @Option(name: [.short, .long], help: "Write to this file (mode 0600) instead of standard output.")
    var output: String?

    @Flag(help: "Include post texts and internal notes, redacted: the identifiers triage found, and anything shaped like an e-mail address or a long number.")
    var includeText = false

    @Option(help: "List at most this many handover items (all are counted).")
    var handoverLimit: Int = 500

    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        if let shift, shift != "current" { throw ValidationError("--shift: only \"current\" is supported (or use --since / --until)") }
        if shift != nil && (since != nil || until != nil) { throw ValidationError("--shift cannot be combined with --since / --until") }
        if until != nil && since == nil { throw ValidationError("--until needs --since") }
        if SummaryFormat(rawValue: format) == nil { throw ValidationError("--format must be markdown, csv or json (not \"\(format)\")") }
        if handoverLimit < 0 { throw ValidationError("--handover-limit must be 0 or more") }
        if let agent, agent.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--agent: give a name") }
        if output == "" { throw ValidationError("--output: give a file name, or - for standard output") }
    }

    func run() throws {
        let config = try configOptions.load()
        // One instant for the whole report: the window's end and the handover's timers agree.
        let clock = FixedClock(SystemClock().now)
        let zone = config.calendar.timeZone
        let now = clock.now
        // Times are checked before the database is opened: a typo costs nothing.
        var range: SummaryWindow?
        do {
            if let since {
                let start = try SummaryWindow.parseTime(since, option: "--since", now: now, timeZone: zone)
                let end: Date
                if let until {
                    end = try SummaryWindow.parseTime(until, option: "--until", now: now, timeZone: zone)
                } else {
                    guard start < now else {
                        throw ValidationError("--since (\(ReportTime.rfc3339(start, zone))) is not in the past; give --until too for a future period")
                    }
                    end = now
                }
                range = try SummaryWindow.range(since: start, until: end, timeZone: zone)
            }
        } catch SummaryWindow.WindowError.endNotAfterStart(let start, let end) {
            // In the configured zone, as the user typed them.
            throw ValidationError("--until (\(ReportTime.rfc3339(end, zone))) must be after --since (\(ReportTime.rfc3339(start, zone)))")
        } catch let e as SummaryWindow.WindowError {
            throw ValidationError(e.description)
        }
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        let window = try range ?? SummaryWindow.currentShift(agent: actingAgent(agent), db: db, clock: clock, timeZone: zone)
        let options = SummaryOptions(agent: agent, includeText: includeText, handoverLimit: handoverLimit,
                                     organisation: config.organisation.name, triage: Triage(options: config.triageOptions))
        let summary = try ShiftSummary.compute(db: db, window: window, sla: config.slaEngine, clock: clock, options: options)
        let fmt = SummaryFormat(rawValue: format)!
        var files: [(path: String?, text: String)] = []
        switch fmt {
        case .markdown: files = [(output, MarkdownExporter.render(summary))]
        case .json: files = [(output, JSONExporter.render(summary))]
        case .csv:
            files = [(output, try CSVExporter.items(summary))]
            if let output, output != "-" {
                files.append((CSVExporter.totalsPath(for: output), try CSVExporter.totals(summary)))
            } else {
                warn("rounds summary: the CSV on standard output holds the items; give --output FILE for FILE-totals.csv too")
            }
        }
        for file in files {
            if let path = file.path, path != "-" {
                do {
                    try SummaryFile.write(file.text, to: path)
                } catch {
                    warn("rounds summary: --output: \(error)")
                    throw ExitCode(1)
                }
            } else {
                FileHandle.standardOutput.write(Data(file.text.utf8))
            }
        }
        let written = files.compactMap { $0.path == "-" ? nil : $0.path }
        if !written.isEmpty {
            warn("rounds summary: wrote \(written.joined(separator: " and ")) (mode 0600): \(summary.items.count) items, " +
                 "\(ReportTime.rfc3339(window.start, zone)) to \(ReportTime.rfc3339(window.end, zone))")
        }
    }
}

struct ShiftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shift",
        abstract: "Start or end your shift (the window of `rounds summary`), or show it.",
        subcommands: [ShiftShow.self, ShiftStart.self, ShiftEnd.self],
        defaultSubcommand: ShiftShow.self)
}

/// `--agent NAME` for the shift commands.
struct ShiftAgent: ParsableArguments {
    @Option(help: "Whose shift (default: $ROUNDS_AGENT, then $USER).")
    var agent: String?
}

struct ShiftStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a shift now (ending any shift of yours still open).")
    @OptionGroup var who: ShiftAgent
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        let name = actingAgent(who.agent)
        let shift = try db.startShift(agent: name)
        let zone = config.calendar.timeZone
        print("shift started for \(name) at \(ReportTime.clock(shift.startedAt, zone)) (\(zone.identifier))")
    }
}

struct ShiftEnd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end", abstract: "End your shift now.", discussion: "Exit status 1 when you have no open shift.")
    @OptionGroup var who: ShiftAgent
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        let name = actingAgent(who.agent)
        guard let shift = try db.endShift(agent: name), let end = shift.endedAt else {
            warn("rounds shift end: no open shift for \(name) (start one with `rounds shift start`)")
            throw ExitCode(1)
        }
        let zone = config.calendar.timeZone
        print("shift ended for \(name): \(ReportTime.clock(shift.startedAt, zone))–\(ReportTime.short(end, zone, sameDayAs: shift.startedAt)) " +
              "(\(DurationText.format(end.timeIntervalSince(shift.startedAt)))); `rounds summary` reports on it")
    }
}

struct ShiftShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the window `rounds summary` would cover now.")
    @OptionGroup var who: ShiftAgent
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        let name = actingAgent(who.agent)
        let zone = config.calendar.timeZone
        let w = try SummaryWindow.currentShift(agent: name, db: db, clock: SystemClock(), timeZone: zone)
        let from: String
        switch w.source {
        case .shift: from = "shift started with `rounds shift start`"
        case .firstAction: from = "no shift started today: from your first action"
        case .startOfDay: from = "no shift and no action today: from midnight"
        case .range: from = "range"
        }
        print("\(name): \(ReportTime.rfc3339(w.start, zone)) to \(ReportTime.rfc3339(w.end, zone)) (\(from))")
    }
}
