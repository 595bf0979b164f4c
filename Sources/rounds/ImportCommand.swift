import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore
import RoundsIngest
import RoundsStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import items from JSONL or CSV files (or - for standard input), triaged on the way in.",
        discussion: """
            Items already known (same platform and id) are left alone, so importing a file twice \
            adds nothing the second time. Each rejected record is printed as file:line: field: reason \
            and written, with its reason, to a rejects file beside the input (FILE.rejects.jsonl, \
            mode 0600) or to --rejects. Exit status: 0 all good, 1 some records rejected, 2 an \
            input could not be read, 4 the database could not be opened or written (the batches \
            imported before stand; run the import again to add the rest). With --bulk each file is \
            one transaction, its indexes rebuilt at the end: for a first load while nobody works \
            the queue.
            """)

    @Argument(help: "JSONL or CSV files (.csv), or - for standard input.")
    var files: [String]

    @Option(help: "Input format, when the file name does not tell (jsonl or csv).")
    var format: String?

    @Option(help: "Where to write rejected records (default: beside each input).")
    var rejects: String?

    @Flag(help: "Validate and triage without writing anything.")
    var dryRun = false

    @Option(help: "Items per transaction: a crash or a full disk keeps whole batches (default: 5000).")
    var batchSize: Int?

    @Flag(help: ArgumentHelp("One transaction per file, indexes built after the rows: ≈ 2.6× faster for a first load of many items.",
                             discussion: "It holds the write lock for the whole file (managers replying meanwhile get \"database is locked\"), and a crash or a full disk keeps nothing of that file."))
    var bulk = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        if bulk && batchSize != nil { throw ValidationError("--bulk writes each file in one transaction: --batch-size does not apply") }
        if let format, InputFormat(rawValue: format) == nil { throw ValidationError("--format must be jsonl or csv") }
        if files.isEmpty { throw ValidationError("name at least one file, or - for standard input") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1 (got \(batchSize))") }
    }

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        var importer = Importer(db: db, triage: Triage(options: config.triageOptions), sla: config.slaEngine)
        importer.dryRun = dryRun
        importer.bulk = bulk
        if let batchSize { importer.batchSize = batchSize }
        var total = ImportSummary()
        var unreadable = false
        let shared = rejects.map { RejectsWriter(path: $0) }
        for file in files {
            let fd = file == "-" ? 0 : Foundation.open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                warn("rounds import: \(file): \(String(cString: strerror(errno)))")
                unreadable = true
                continue
            }
            defer { if fd != 0 { close(fd) } }
            let writer = shared ?? (dryRun ? nil : RejectsWriter(path: RejectsWriter.defaultPath(for: file)))
            let fmt = format.flatMap(InputFormat.init(rawValue:)) ?? InputFormat.guess(path: file)
            do {
                let s = try importer.run(fd: fd, source: file, format: fmt, rejects: writer,
                                         onWarning: { warn("rounds import: warning: \($0)") }) { e in
                    warn("rounds import: \(e)")
                }
                if shared == nil { try writer?.close() }
                if files.count > 1 { print("\(file): \(s)") }
                if let writer, writer.count > 0, shared == nil { warn("rounds import: \(writer.count) rejected record(s) written to \(writer.path)") }
                total = total + s
            } catch let e as POSIXError {
                warn("rounds import: \(file): \(e.localizedDescription)")
                unreadable = true
            } catch let e where StoreFailure.describe(e) != nil {
                // Every batch committed before stands (in bulk mode, every file before this one);
                // running the import again adds the rest.
                print((dryRun ? "dry run: " : "") + total.description)
                let kept = bulk ? "nothing of this file was imported (--bulk: one transaction), the files before it stand"
                                : "the batches already imported stand"
                warn("rounds import: \(file): \(StoreFailure.describe(e)!); \(kept), run the import again to add the rest")
                throw ExitCode(4)
            }
        }
        try shared?.close()
        if let shared, shared.count > 0 { warn("rounds import: \(shared.count) rejected record(s) written to \(shared.path)") }
        print((dryRun ? "dry run: " : "") + total.description)
        if unreadable { throw ExitCode(2) }
        if total.rejected > 0 { throw ExitCode(1) }
    }
}

struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Add the sample queue to the database, its times shifted so the newest item arrived a minute ago.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        let s = try SampleData.seed(db, triage: Triage(options: config.triageOptions), sla: config.slaEngine)
        print("\(db.path): \(s)")
    }
}

struct ClaimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claim an item so no other manager answers it at the same time.",
        discussion: "Exit status 3 when another manager holds the claim, 4 when the database cannot be opened or written.")

    @Argument(help: "The item: its number, or platform:id.")
    var item: String

    @Option(help: "How long the claim lasts (e.g. 10m, 1h).")
    var ttl: String = "10m"

    @OptionGroup var agent: AgentOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        guard let seconds = DurationText.parse(ttl), seconds > 0 else { throw ValidationError("--ttl: not a duration: \(ttl)") }
        let db = try store.open(config: try configOptions.load())
        let stored = try resolveItem(item, in: db)
        do {
            let c = try db.claim(itemID: stored.id, agent: agent.name, ttl: seconds)
            print("#\(stored.id) claimed by \(c.agent) until \(LocalTime.clock(c.expiresAt))")
        } catch let conflict as StoreConflict {
            warn("rounds claim: #\(stored.id): \(conflict)")
            throw ExitCode(3)
        } catch let e where StoreFailure.describe(e) != nil {
            warn("rounds claim: #\(stored.id): \(StoreFailure.describe(e)!); not claimed")
            throw ExitCode(4)
        }
    }
}

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "release", abstract: "Release your claim on an item.")

    @Argument(help: "The item: its number, or platform:id.")
    var item: String

    @OptionGroup var agent: AgentOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let db = try store.open(config: try configOptions.load())
        let stored = try resolveItem(item, in: db)
        do {
            try db.release(itemID: stored.id, agent: agent.name)
        } catch let e where StoreFailure.describe(e) != nil {
            warn("rounds release: #\(stored.id): \(StoreFailure.describe(e)!); the claim stands")
            throw ExitCode(4)
        }
        print("#\(stored.id) released")
    }
}

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "db", abstract: "Show where the database is and what it holds.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let db = try store.open(config: try configOptions.load(), seedIfEmptyDefault: false)
        let c = try db.counts()
        print("database: \(db.path)\(store.location.isDefault ? " (default)" : "")")
        print("schema: \(AppDatabase.schemaVersions.joined(separator: ", "))")
        print("items: \(try db.itemCount()); open \(c.open), breached \(c.breached), due soon \(c.dueSoon), urgent \(c.urgent)")
    }
}

/// Local wall-clock time for messages (UTC inside, local on screen).
enum LocalTime {
    static func clock(_ date: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm"
        f.timeZone = .current
        return f.string(from: date)
    }
}
