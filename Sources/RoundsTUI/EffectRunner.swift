import Foundation
import RoundsCore
import RoundsStore
import RoundsSummary
import RoundsTerminal

/// Does the inbox's I/O: the database and `$EDITOR`. Each effect answers with messages.
public final class EffectRunner {
    let db: AppDatabase
    let sla: SLAEngine
    let agent: String
    let terminal: Terminal
    let claimTTL: TimeInterval
    let timeZone: TimeZone
    let organisation: String
    let exportDirectory: String

    /// `exportDirectory`: where the dashboard's export writes its files (created mode 0700 when missing).
    public init(db: AppDatabase, sla: SLAEngine, agent: String, terminal: Terminal, timeZone: TimeZone, claimTTL: TimeInterval = 600,
                organisation: String = "", exportDirectory: String = FileManager.default.currentDirectoryPath) {
        self.db = db
        self.organisation = organisation
        self.exportDirectory = exportDirectory
        self.sla = sla
        self.agent = agent
        self.terminal = terminal
        self.timeZone = timeZone
        self.claimTTL = claimTTL
        self.preparation = SearchPreparation(db: db)
    }

    public func run(_ effect: Effect) -> [Message] {
        // After a write (done or not): what was read before it is out of date, and a background
        // read of the search index started now sees it.
        defer { if effect.writes { storeChanged() } }
        do {
            return try perform(effect)
        } catch let conflict as StoreConflict {
            return [.refused(conflict.description)]
        } catch {
            // Disk full, read-only file, lock held too long: nothing was recorded, the draft stays.
            let why = StoreFailure.describe(error) ?? "the database could not be written"
            if case .send = effect { return [.failed("Nothing was recorded: \(why). Your draft is kept.")] }
            return [.failed("Nothing was recorded: \(why).")]
        }
    }

    /// The store's counts per status, route, platform and urgency, for the queue's size under a
    /// new filter without a COUNT per key. Dropped on every write this runner makes and on every
    /// `.everything` load (what the inbox asks for when another process wrote); viewing an item
    /// writes an event only, which no count depends on.
    private var tally: QueueTally?

    /// The size of the queue under the filter of the last load that counted it, so that a page
    /// far down the queue can be read from its end (``AppDatabase/queue(_:order:agent:offset:limit:total:)``).
    /// Dropped with the tally.
    private var lastTotal: (filter: QueueFilter, total: Int)?

    /// The status-bar counts for the next few minutes: read with every "everything" load, so
    /// that the 5-s clock refreshes after it read nothing; dropped with the tally (a write can
    /// open, close or re-time an item).
    private var forecast: QueueCountsForecast?

    /// The open items' text in memory, for incremental search; dropped with the tally.
    private var search: OpenItemsSearch?
    /// Reads the next one in the background.
    private let preparation: SearchPreparation
    /// When a search last used it: after a change, a fresh one is read at once only if a search
    /// was made in the last quarter of an hour (else on the next search).
    private var lastSearchAt: Date?

    /// Starts reading the search index in the background (the inbox does once it has drawn its
    /// first frame), so that the first search keystroke need not wait for it.
    public func prepareSearch() { preparation.prepare() }

    /// Returns once the background read of the search index (if one is running) has ended.
    public func waitForBackgroundReads() { preparation.waitWhileReading() }

    /// Everything cached from the store is out of date.
    private func storeChanged() {
        (tally, lastTotal, forecast, search) = (nil, nil, nil, nil)
        let recent = lastSearchAt.map { db.clock.now.timeIntervalSince($0) < 900 } ?? false
        preparation.changed(reread: recent)
    }

    /// The status-bar counts now: from the forecast while it holds, else a new one.
    func clockCounts() throws -> QueueCounts {
        if let c = forecast?.counts(at: db.clock.now) { return c }
        let f = try db.countsForecast()
        forecast = f
        return try f.counts(at: f.from) ?? db.counts()
    }

    /// The size of the queue under `filter`: from the tally when it can answer, else a COUNT.
    func queueSize(_ filter: QueueFilter) throws -> Int {
        let n: Int
        if QueueTally.canCount(filter) {
            let current = try tally ?? db.tally()
            tally = current
            n = current.count(filter) ?? 0
        } else {
            n = try db.queueSize(filter, agent: agent)
        }
        lastTotal = (filter, n)
        return n
    }

    func perform(_ effect: Effect) throws -> [Message] {
        if effect.writes { (tally, lastTotal, forecast, search) = (nil, nil, nil, nil) }
        switch effect {
        case .loadQueue(let filter, let order, let offset, let limit, let what):
            if what == .everything { storeChanged() }
            // A search over the open items: from the index in memory (read on the first search
            // after a change), not a LIKE over every open row. The clock refresh uses it only
            // when it is there: time changes no one's text.
            if OpenItemsSearch.canSearch(filter), what != .clock || search != nil {
                let index = try search ?? preparation.take()
                search = index
                lastSearchAt = db.clock.now
                if let (total, ids) = index.search(filter, order: order, offset: offset, limit: limit) {
                    lastTotal = (filter, total)
                    let start = what == .window || what == .clock ? offset : min(offset, max(0, total - 1))
                    let page = start == offset ? ids : index.search(filter, order: order, offset: start, limit: limit)?.ids ?? []
                    return [.queueLoaded(offset: start, rows: try db.queueRows(ids: page), total: what == .window || what == .clock ? nil : total,
                                         counts: what == .everything || what == .clock ? try clockCounts() : nil)]
                }
            }
            let total = what == .window || what == .clock ? nil : try queueSize(filter)
            let start = total.map { min(offset, max(0, $0 - 1)) } ?? offset
            let known = total ?? lastTotal.flatMap { $0.filter == filter ? $0.total : nil }
            let rows = try db.queue(filter, order: order, agent: agent, offset: max(0, start), limit: limit, total: known)
            return [.queueLoaded(offset: max(0, start), rows: rows, total: total, counts: what == .everything || what == .clock ? try clockCounts() : nil)]
        case .loadDetail(let id):
            return [.detailLoaded(try db.detail(id: id))]
        case .logViewed(let id):
            try db.log(.viewed, itemID: id, agent: agent)
            return []
        case .claim(let id):
            let c = try db.claim(itemID: id, agent: agent, ttl: claimTTL)
            return [.recorded("#\(id) claimed by you until \(localTime(c.expiresAt, timeZone))")]
        case .release(let id):
            try db.release(itemID: id, agent: agent)
            return [.recorded("#\(id) released")]
        case .setStatus(let id, let status, let event):
            try db.setStatus(itemID: id, agent: agent, status: status, event: event)
            return [.recorded("#\(id): \(event.rawValue.replacingOccurrences(of: "_", with: " "))")]
        case .overrideTriage(let id, let route, let urgent, let spam, let why):
            try db.overrideTriage(itemID: id, agent: agent, route: route, urgent: urgent, spam: spam, why: why, sla: sla)
            return [.recorded("#\(id): triage overridden → \(route == .redirectPrivate ? "PRIVATE" : "PUBLIC")")]
        case .send(let c):
            let parts: [(ResponseChannel, String)]
            switch c.mode {
            case .single(let ch): parts = [(ch, c.text.string)]
            case .redirect(let ch): parts = [(.publicReply, c.acknowledgement?.string ?? ""), (ch, c.text.string)]
            }
            let records = try db.recordResponses(itemID: c.itemID, expectedVersion: c.version, agent: agent, parts, sla: sla)
            let what = parts.map { channelLabel($0.0).components(separatedBy: " (").first ?? "" }.joined(separator: " + ")
            return [.recorded("Recorded \(what) at \(localTime(records[0].createdAt, timeZone)) (#\(c.itemID)).")]
        case .openEditor(let text):
            return [editInEditor(text)]
        case .loadSummary:
            let window = try SummaryWindow.currentShift(agent: agent, db: db, clock: db.clock, timeZone: timeZone)
            return [.summaryLoaded(try ShiftSummary.compute(db: db, window: window, sla: sla, clock: db.clock,
                                                            options: SummaryOptions(organisation: organisation)))]
        case .exportSummary(let summary):
            return [export(summary)]
        case .quit:
            return []
        }
    }

    /// Writes the summary as `shift-AGENT-YYYY-MM-DD-HHMM.md`, `.csv` (+ the totals CSV) and `.json`.
    func export(_ summary: ShiftSummary) -> Message {
        let dir = exportDirectory
        if !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                return .failed("Not exported: cannot create \(dir).")
            }
        }
        let safeAgent = String(agent.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" }.prefix(40))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: summary.generatedAt)
        let stamp = String(format: "%04d-%02d-%02d-%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
        let base = (dir as NSString).appendingPathComponent("shift-\(safeAgent)-\(stamp)")
        do {
            try SummaryFile.write(MarkdownExporter.render(summary), to: base + ".md")
            try SummaryFile.write(try CSVExporter.items(summary), to: base + ".csv")
            try SummaryFile.write(try CSVExporter.totals(summary), to: CSVExporter.totalsPath(for: base + ".csv"))
            try SummaryFile.write(JSONExporter.render(summary), to: base + ".json")
        } catch {
            return .failed("Not exported: \(error).")
        }
        return .exported("Exported \(base).md, .csv (+ totals) and .json")
    }

    /// `$EDITOR` (then `$VISUAL`, then `vi`) on a private temporary file, removed afterwards.
    func editInEditor(_ text: String) -> Message {
        let env = ProcessInfo.processInfo.environment
        let editor = env["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            return .editorFinished(text: nil, error: "Cannot create a temporary file for $EDITOR.")
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("reply.txt").path
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .editorFinished(text: nil, error: "Cannot create a temporary file for $EDITOR.") }
        _ = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        terminal.suspend()
        let status = runForeground(["/bin/sh", "-c", "exec \(editor) \"$1\"", "sh", path])
        terminal.resume()
        guard status == 0 else { return .editorFinished(text: nil, error: "$EDITOR (\(editor)) exited with status \(status); the draft is unchanged.") }
        guard let data = FileManager.default.contents(atPath: path) else { return .editorFinished(text: nil, error: "The edited file is gone.") }
        var edited = String(decoding: data, as: UTF8.self)
        while edited.hasSuffix("\n") { edited.removeLast() }
        return .editorFinished(text: edited, error: nil)
    }

    /// Runs a program on the terminal and waits for it (signals unblocked in the child).
    func runForeground(_ argv: [String]) -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT, SIGPIPE] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        guard posix_spawn(&pid, argv[0], nil, &attr, cArgs, environ) == 0 else { return 127 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

extension Effect {
    /// It writes to the store (claims, statuses, overrides, responses).
    var writes: Bool {
        switch self {
        case .claim, .release, .setStatus, .overrideTriage, .send: true
        case .loadQueue, .loadDetail, .logViewed, .loadSummary, .exportSummary, .openEditor, .quit: false
        }
    }
}
