import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore
import RoundsIngest
import RoundsStore

/// `rounds respond`: records responses from a script, with the inbox's traffic cop (the item must
/// still be at the version the script saw, and nobody else may hold its claim).
struct RespondCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "respond",
        abstract: "Record a response to an item (or many, with --batch), as the inbox does.",
        discussion: """
            Each response is one transaction with its event. Only after it is committed does Rounds \
            print `recorded response ID for item ID` (one line per response, written at once), so \
            every line printed is in the database, whatever happens next.

            Channels: public (a public reply in the thread), dm, email, phone, note (an internal \
            note), none (no reply needed: closes the item), escalate.

            --batch FILE (or - for standard input) reads one response per line, as JSON: \
            {"item": 12 or "facebook:fb-1001", "channel": "public", "text": "…", "version": 1}; \
            "version" is optional (default: the item's version when the line is read). A line \
            whose response is already recorded (the item has moved on) is a conflict, so running \
            a batch again after an interruption records exactly what is missing.

            The text of a response is never printed, in output or in messages.

            Exit status: 0 every response recorded; 1 a batch line was invalid (the others went \
            on); 2 the batch file could not be read; 3 a conflict (another manager holds the \
            claim, or the item changed since --expect-version); 4 the database refused the write \
            (disk full, read-only, locked by another process past the busy timeout): responses \
            already printed as recorded stand, nothing else was recorded.
            """)

    @Argument(help: "The item: its number, or platform:id (not with --batch).")
    var item: String?

    @Option(help: "public, dm, email, phone, note, none or escalate.")
    var channel: String?

    @Option(help: "The response text.")
    var text: String?

    @Option(help: "Read the response text from a file (- for standard input).")
    var textFile: String?

    @Option(help: "Record only if the item is still at this version (as shown when it was read).")
    var expectVersion: Int?

    @Option(help: "A file of responses, one JSON object per line (- for standard input).")
    var batch: String?

    @Flag(help: "Claim each item (10 minutes) before responding; an item claimed by another manager is a conflict.")
    var claim = false

    @OptionGroup var agent: AgentOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        if batch != nil {
            if item != nil || channel != nil || text != nil || textFile != nil || expectVersion != nil {
                throw ValidationError("--batch takes its items, channels and texts from the file: give no ITEM, --channel, --text, --text-file or --expect-version")
            }
            return
        }
        guard item != nil else { throw ValidationError("name an item, or give --batch FILE") }
        guard let channel else { throw ValidationError("--channel is required (\(Self.channelNames))") }
        guard Self.channel(channel) != nil else { throw ValidationError("--channel: unknown channel (\(Self.channelNames))") }
        if (text == nil) == (textFile == nil) { throw ValidationError("give the response as --text TEXT or --text-file FILE") }
    }

    static let channelNames = "public, dm, email, phone, note, none, escalate"

    static func channel(_ name: String) -> ResponseChannel? {
        switch name.lowercased() {
        case "public", "reply": .publicReply
        case "dm", "private", "message": .privateMessage
        case "email": .email
        case "phone": .phone
        case "note": .internalNote
        case "none": .noReplyNeeded
        case "escalate": .escalated
        default: ResponseChannel(rawValue: name)
        }
    }

    /// What went wrong with one response.
    enum Outcome: Error {
        case invalid(String)
        case conflict(String)
        case storage(String)
    }

    func run() throws {
        let config = try configOptions.load()
        let db = try store.open(config: config, seedIfEmptyDefault: false)
        let sla = config.slaEngine
        let who = agent.name
        var invalid = 0, conflicts = 0

        func report(_ place: String, _ outcome: Outcome) throws {
            switch outcome {
            case .invalid(let m):
                warn("rounds respond: \(place): \(m)")
                invalid += 1
            case .conflict(let m):
                warn("rounds respond: \(place): \(m)")
                conflicts += 1
            case .storage(let m):
                warn("rounds respond: \(place): \(m)")
                throw ExitCode(4)
            }
        }

        if let batch {
            let fd = batch == "-" ? 0 : Foundation.open(batch, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                warn("rounds respond: \(batch): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            defer { if fd != 0 { close(fd) } }
            do {
                try LineReader(fd: fd).forEachLine { number, bytes in
                    var blank = true
                    for c in bytes where c != 32 && c != 9 && c != 13 { blank = false; break }
                    if blank { return }
                    let place = "\(batch):\(number)"
                    do {
                        let line = try Self.parseLine(bytes)
                        try respond(db, ref: line.item, channel: line.channel, text: line.text, version: line.version, agent: who, sla: sla)
                    } catch let o as Outcome {
                        try report(place, o)
                    }
                }
            } catch let e as POSIXError {
                warn("rounds respond: \(batch): \(e.localizedDescription)")
                throw ExitCode(2)
            }
        } else {
            let body: String
            if let text {
                body = text
            } else {
                let path = textFile!
                let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
                guard let data else {
                    warn("rounds respond: \(path): cannot read the file")
                    throw ExitCode(2)
                }
                body = String(decoding: data, as: UTF8.self)
            }
            do {
                try respond(db, ref: item!, channel: Self.channel(channel!)!, text: body, version: expectVersion, agent: who, sla: sla)
            } catch let o as Outcome {
                try report(item!, o)
            }
        }
        if invalid > 0 { throw ExitCode(1) }
        if conflicts > 0 { throw ExitCode(3) }
    }

    /// Claims (with --claim) and records one response; prints the line once it is committed.
    func respond(_ db: AppDatabase, ref: String, channel: ResponseChannel, text: String, version: Int?,
                 agent: String, sla: SLAEngine) throws {
        do {
            guard let stored = try Self.find(ref, in: db) else {
                throw Outcome.invalid("no item \(ref) (give its number, or platform:id such as facebook:fb-1001)")
            }
            if claim { try db.claim(itemID: stored.id, agent: agent, ttl: 600) }
            let records = try db.recordResponses(itemID: stored.id, expectedVersion: version ?? stored.version, agent: agent,
                                                 [(channel, text)], sla: sla)
            var out = ""
            for r in records { out += "recorded response \(r.id ?? 0) for item \(stored.id)\n" }
            Self.writeNow(out)
        } catch let o as Outcome {
            throw o
        } catch let conflict as StoreConflict {
            if case .noSuchItem = conflict { throw Outcome.invalid("\(conflict)") }
            throw Outcome.conflict("\(conflict)")
        } catch {
            throw Outcome.storage((StoreFailure.describe(error) ?? "the database could not be written (\(type(of: error)))") + "; nothing more was recorded")
        }
    }

    static func find(_ ref: String, in db: AppDatabase) throws -> StoredItem? {
        if let n = Int64(ref.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) { return try db.item(id: n) }
        let parts = ref.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, let p = Platform(rawValue: parts[0]) { return try db.item(platform: p, externalID: parts[1]) }
        return nil
    }

    /// Standard output without buffering: the line is out before the next transaction starts.
    static func writeNow(_ s: String) {
        var s = s
        s.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let n = Foundation.write(1, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                done += n
            }
        }
    }

    struct BatchLine {
        var item: String
        var channel: ResponseChannel
        var text: String
        var version: Int?
    }

    /// One batch line; errors name the field, never the text.
    static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>) throws -> BatchLine {
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONParser.parse(bytes)
        } catch {
            throw Outcome.invalid("invalid JSON at column \(error.column)")
        }
        guard case .object(let o) = value else { throw Outcome.invalid("expected a JSON object") }
        let item: String
        switch o["item"] {
        case .string(let s)?: item = s
        case .number(let d)? where d == d.rounded() && d >= 1 && d < 1e15: item = String(Int64(d))
        default: throw Outcome.invalid("item: expected an item number or platform:id")
        }
        guard case .string(let name)? = o["channel"], let channel = channel(name) else {
            throw Outcome.invalid("channel: expected one of \(channelNames)")
        }
        guard case .string(let text)? = o["text"] else { throw Outcome.invalid("text: expected a string") }
        var version: Int?
        switch o["version"] {
        case nil, .null?: break
        case .number(let d)? where d == d.rounded() && d >= 0 && d < 1e15: version = Int(d)
        default: throw Outcome.invalid("version: expected a whole number")
        }
        return BatchLine(item: item, channel: channel, text: text, version: version)
    }
}
