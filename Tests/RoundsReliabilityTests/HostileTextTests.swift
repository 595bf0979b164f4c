import Foundation
import GRDB
import Testing
import RoundsCore
import RoundsIngest
import RoundsStore
import RoundsTerminal
import RoundsTUI

/// The hostile-text corpus: Tests/Fixtures/hostile (written by its generate.py) plus two posts
/// generated here, too big to commit: a 1 MB line and a 10,000-line post.
enum HostileCorpus {
    /// In every hostile text, so tests can check that no message echoes post text.
    static let canary = "CANARY-7f3a"
    static let jsonl = Repo.hostile.appendingPathComponent("items.jsonl")
    static let invalidUTF8 = Repo.hostile.appendingPathComponent("invalid-utf8.jsonl.bin")
    static let csv = Repo.hostile.appendingPathComponent("hostile.csv")

    /// The items of items.jsonl, decoded.
    static func items() throws -> [Item] {
        let text = try String(contentsOf: jsonl, encoding: .utf8)
        return try text.split(separator: "\n").map { line in try ItemDecoder.decode(line: String(line)).get() }
    }

    /// A piece of everything at once, repeated to make the big posts.
    static let chunk = "\u{1B}[2J\u{1B}]52;c;cm0gLXJmIH4=\u{07}\u{1B}]0;title\u{07}\u{9B}31m\u{202E}evil\u{202C}\u{2067}iso\u{2069}"
        + "zero\u{200B}width e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306} 👩‍⚕️ 👨‍👩‍👧‍👦 病院 \u{08}\u{0D}\t\u{7F}\u{85} "

    /// A single post of at least 1 MB (one JSON line).
    static func megabytePost() -> Item {
        var text = ""
        while text.utf8.count < 1 << 20 { text += chunk }
        return post("hostile-1mb", text + " " + canary)
    }

    /// A post of 10,000 lines.
    static func tenThousandLines() -> Item {
        let text = (1...10_000).map { "line \($0) \u{1B}[K\u{1B}[1A\u{202E}\($0 % 7 == 0 ? chunk : "")" }.joined(separator: "\n")
        return post("hostile-10k-lines", text + "\n" + canary)
    }

    static func post(_ id: String, _ text: String) -> Item {
        Item(id: id, platform: .instagram, kind: .comment, text: text, receivedAt: RFC3339.parse("2026-11-24T14:45:00Z")!,
             author: Author(handle: "@big\u{1B}[31m", name: "\u{202E}big"))
    }

    /// Writes the generated posts as JSONL into `dir`; returns the file.
    static func writeGenerated(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("generated.jsonl")
        let lines = [megabytePost(), tenThousandLines()].map(line)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }

    /// The canonical JSON line of an item.
    static func line(_ item: Item) -> String {
        var s = "{\"id\":\(JSONText.quote(item.id)),\"platform\":\"\(item.platform.rawValue)\",\"kind\":\"\(item.kind.rawValue)\","
        s += "\"text\":\(JSONText.quote(item.text)),\"received_at\":\"\(RFC3339.format(item.receivedAt))\","
        s += "\"author\":{\"handle\":\(JSONText.quote(item.author.handle))"
        if let name = item.author.name { s += ",\"name\":\(JSONText.quote(name))" }
        return s + "}}"
    }
}

@Suite("Hostile text: import, store, triage, render", .serialized)
struct HostileTextTests {
    static let now = RFC3339.parse("2026-11-24T15:00:00Z")!

    /// A database holding the whole corpus, imported through the store API (Importer).
    static func importedDatabase(_ dir: URL) throws -> (AppDatabase, FixedClock, [String: ImportSummary], [IngestError]) {
        let clock = FixedClock(now)
        let db = try AppDatabase.open(path: dir.appendingPathComponent("h.sqlite").path, clock: clock)
        let importer = Importer(db: db, triage: InboxHarness.triage, sla: InboxHarness.sla)
        var summaries: [String: ImportSummary] = [:]
        var errors: [IngestError] = []
        let generated = try HostileCorpus.writeGenerated(in: dir)
        for (name, url, format) in [("jsonl", HostileCorpus.jsonl, InputFormat.jsonl), ("bin", HostileCorpus.invalidUTF8, .jsonl),
                                    ("csv", HostileCorpus.csv, .csv), ("generated", generated, .jsonl)] {
            let fd = open(url.path, O_RDONLY)
            #expect(fd >= 0)
            defer { close(fd) }
            let rejects = RejectsWriter(path: dir.appendingPathComponent("\(name).rejects.jsonl").path)
            summaries[name] = try importer.run(fd: fd, source: url.lastPathComponent, format: format, rejects: rejects) { errors.append($0) }
            try rejects.close()
        }
        return (db, clock, summaries, errors)
    }

    @Test("Import through the store API: every hostile post is stored byte for byte, triaged, and bad records are refused with safe messages")
    func importThroughStore() throws {
        let dir = try Repo.temporaryFolder("hostile-store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (db, _, summaries, errors) = try Self.importedDatabase(dir)
        let expected = try HostileCorpus.items()
        #expect(summaries["jsonl"] == { var s = ImportSummary(); s.read = expected.count; s.new = expected.count; return s }())
        #expect(summaries["csv"]?.new == expected.count && summaries["csv"]?.rejected == 0, "\(String(describing: summaries["csv"]))")
        // invalid-utf8.jsonl.bin: 6 records with bad UTF-8 or lone surrogates are kept (U+FFFD), 4 are not JSON items.
        #expect(summaries["bin"]?.new == 6 && summaries["bin"]?.rejected == 4, "\(String(describing: summaries["bin"]))")
        #expect(summaries["generated"]?.new == 2)

        for item in expected {
            let stored = try #require(try db.item(platform: item.platform, externalID: item.id))
            #expect(stored.item.text == item.text, "\(item.id): the stored text differs from the post")
            #expect(stored.item.author == item.author)
        }
        for id in ["lone-continuation", "overlong", "truncated", "surrogate", "too-big", "bad-escape-surrogate"] {
            let stored = try #require(try db.item(platform: .x, externalID: "hostile-raw-\(id)"))
            #expect(stored.item.text.contains("\u{FFFD}"), "\(id): invalid UTF-8 should read as U+FFFD")
        }
        let big = try #require(try db.item(platform: .instagram, externalID: "hostile-1mb"))
        #expect(big.item.text == HostileCorpus.megabytePost().text)
        let lines = try #require(try db.item(platform: .instagram, externalID: "hostile-10k-lines"))
        #expect(lines.item.text.split(separator: "\n", omittingEmptySubsequences: false).count == 10_001)

        // Every item has its automatic triage.
        let (items, triaged) = try db.writer.read { d in
            (try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM item")!, try Int.fetchOne(d, sql: "SELECT COUNT(DISTINCT itemId) FROM triageDecision")!)
        }
        #expect(items == 2 * expected.count + 6 + 2)
        #expect(triaged == items)
        #expect(try db.writer.read { d in try String.fetchOne(d, sql: "PRAGMA integrity_check") } == "ok")

        // Rejections: a place and a reason, never the record's text, never a raw control character.
        #expect(errors.count == 4)
        for e in errors {
            #expect(!e.description.contains(HostileCorpus.canary))
            #expect(RawControlScan.problems(in: Array(e.description.utf8)).isEmpty, "\(e.source):\(e.line): unsafe message")
        }
        // The rejects file keeps the records (that is its job) and is private.
        let rejects = dir.appendingPathComponent("bin.rejects.jsonl").path
        #expect(try FileManager.default.attributesOfItem(atPath: rejects)[.posixPermissions] as? Int == 0o600)
    }

    @Test("rounds import on the corpus: counts, and output free of raw control characters and post text")
    func importThroughBinary() throws {
        let dir = try Repo.temporaryFolder("hostile-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try HostileCorpus.writeGenerated(in: dir)
        let db = dir.appendingPathComponent("cli.sqlite").path
        let rejects = dir.appendingPathComponent("rejects.jsonl").path
        let r = try Child.rounds(["import", HostileCorpus.jsonl.path, HostileCorpus.invalidUTF8.path, HostileCorpus.csv.path, generated.path,
                                  "--db", db, "--rejects", rejects], in: dir)
        let n = try HostileCorpus.items().count
        #expect(r.status == 1, "some records are rejected: \(r.stderr)")
        #expect(r.stdout.contains("\(2 * n + 10 + 2) read, \(2 * n + 6 + 2) new, 0 already known, 4 rejected"), "\(r.stdout)")
        #expect(r.stderr.split(separator: "\n").filter { $0.contains("invalid-utf8.jsonl.bin:") }.count == 4, "\(r.stderr)")
        #expect(!r.stdout.contains(HostileCorpus.canary) && !r.stderr.contains(HostileCorpus.canary))
        #expect(RawControlScan.problems(in: Array(r.stdout.utf8) + Array(r.stderr.utf8), lineBreaks: true).isEmpty)
        #expect(try FileManager.default.attributesOfItem(atPath: rejects)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int == 0o600)
        // Again: nothing new, nothing duplicated.
        let again = try Child.rounds(["import", HostileCorpus.jsonl.path, HostileCorpus.csv.path, generated.path, "--db", db], in: dir)
        #expect(again.status == 0)
        #expect(again.stdout.contains("\(2 * n + 2) read, 0 new, \(2 * n + 2) already known, 0 rejected"), "\(again.stdout)")
    }

    @Test("rounds triage on the corpus: one valid JSON line per good record, errors on stderr, no raw control characters")
    func triageJSON() throws {
        let dir = try Repo.temporaryFolder("hostile-triage")
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try HostileCorpus.writeGenerated(in: dir)
        for (url, good, bad) in [(HostileCorpus.jsonl, try HostileCorpus.items().count, 0), (HostileCorpus.invalidUTF8, 6, 4), (generated, 2, 0)] {
            let r = try Child.rounds(["triage", url.path], in: dir)
            #expect(r.status == (bad > 0 ? 1 : 0), "\(url.lastPathComponent): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == good, "\(url.lastPathComponent)")
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["id"] is String && object?["route"] is String && object?["reasons"] is [Any], "not a decision: \(line.prefix(80))")
            }
            #expect(r.stderr.split(separator: "\n").count == bad, "\(r.stderr)")
            #expect(!r.stderr.contains(HostileCorpus.canary))
            #expect(RawControlScan.problems(in: Array(r.stdout.utf8) + Array(r.stderr.utf8), lineBreaks: true).isEmpty, "\(url.lastPathComponent)")
            // --explain is for terminals: the same guarantee.
            let explain = try Child.rounds(["triage", "--explain", "--tags", url.path], in: dir)
            #expect(RawControlScan.problems(in: Array(explain.stdout.utf8) + Array(explain.stderr.utf8), lineBreaks: true).isEmpty, "--explain \(url.lastPathComponent)")
        }
    }

    @Test("The inbox renders every hostile post (queue, detail, scrolling, composer, several sizes) without sending one raw control byte")
    func render() throws {
        let dir = try Repo.temporaryFolder("hostile-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (db, clock, _, _) = try Self.importedDatabase(dir)
        // Show hidden (spam) items too: set every item open so each one is in the queue.
        try db.writer.write { d in try d.execute(sql: "UPDATE item SET status = 'open'") }
        let h = try InboxHarness(db: db, clock: clock, width: 100, height: 30)
        let total = h.app.state.total
        #expect(total == (try db.itemCount()), "every item is in the queue")
        let start = Date()
        for i in 0..<total {
            if i > 0 { h.press(.char("j")) }
            h.press(.enter)
            #expect(h.app.state.screen == .detail, "row \(i)")
            h.press(.pageDown, .pageDown, .char("j"), .char("j"), .char("R"))
            h.type("Hi \u{1B}[2J")  // typed text is outside text too
            h.press(.escape, .escape)
            if h.app.state.screen != .queue { h.press(.escape) }
        }
        #expect(Date().timeIntervalSince(start) < 120, "rendering the corpus took too long")
        for (w, hgt) in [(40, 10), (200, 60), (41, 12), (100, 30)] {
            h.terminal.resize(width: w, height: hgt)
            _ = h.app.step(timeoutMs: 0)
            h.press(.char("G"), .enter, .pageDown, .escape, .char("g"), .enter, .escape)
        }
        let problems = RawControlScan.problems(in: h.terminal.bytesWritten)
        #expect(problems.isEmpty, "\(problems)")
        #expect(!h.terminal.bytesWritten.isEmpty)
        // And no cell of any frame holds one (the buffer is the last line of defence).
        var unsafeCells = 0
        for frame in h.terminal.frames {
            for y in 0..<frame.height {
                for cell in frame.row(y) where !cell.text.isEmpty && !RawControlScan.problems(in: Array(cell.text.utf8)).isEmpty { unsafeCells += 1 }
            }
        }
        #expect(unsafeCells == 0)
    }
}
