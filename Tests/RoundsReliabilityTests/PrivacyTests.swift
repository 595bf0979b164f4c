import Foundation
import Testing
import RoundsCore

/// Patient text goes into the database and into the outputs a manager asks for, nowhere else:
/// not into messages, not into stray files, not into files others can read.
@Suite("Privacy: no patient text outside the database and explicit outputs", .serialized)
struct PrivacyTests {
    /// A private world for one session: HOME, the XDG folders and TMPDIR all inside `root`, so
    /// every file a command creates is found by walking `root`.
    struct World {
        let root: URL
        var home: URL { root.appendingPathComponent("home") }
        var tmp: URL { root.appendingPathComponent("tmp") }
        var input: URL { root.appendingPathComponent("in") }
        var exports: URL { root.appendingPathComponent("exports") }
        var captured: URL { root.appendingPathComponent("captured") }
        var database: URL { home.appendingPathComponent("data/rounds/rounds.sqlite") }

        init(_ label: String) throws {
            root = try Repo.temporaryFolder(label)
            for d in [home, tmp, input, exports, captured] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        }

        var env: [String: String] {
            ["HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent("data").path,
             "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "XDG_CACHE_HOME": home.appendingPathComponent("cache").path,
             "XDG_STATE_HOME": home.appendingPathComponent("state").path, "TMPDIR": tmp.path, "USER": "dana"]
        }

        /// Runs `rounds` (default database: $XDG_DATA_HOME/rounds/rounds.sqlite), output captured.
        func rounds(_ args: [String]) throws -> Child.Result {
            try Child.rounds(args, env: env, in: captured)
        }

        /// Every regular file under `dir`, relative to the world's root.
        func files(under dir: URL) -> [String] {
            guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
            var out: [String] = []
            while let f = e.nextObject() as? String {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path, isDirectory: &isDir), !isDir.boolValue {
                    out.append(String(dir.appendingPathComponent(f).path.dropFirst(root.path.count + 1)))
                }
            }
            return out.sorted()
        }

        func mode(_ url: URL) -> Int { (try? FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1 }
    }

    static let canary = HostileCorpus.canary

    @Test("A full session (import with bad records, triage, claim, respond, conflicts, summary, db) with a canary in every post: the canary is in no stderr and no stray file; the database, its folder, rejects and exports are private; no temporary file is left")
    func fullSession() throws {
        let w = try World("privacy")
        defer { try? FileManager.default.removeItem(at: w.root) }
        let items = w.input.appendingPathComponent("items.jsonl")
        var lines = (0..<12).map { Workload.itemLine("p", $0) }
        lines.append(#"{"id":"n-1","platform":"x","kind":"dm","text":"my number is 555 0100, \#(Self.canary)","received_at":"2026-11-24T11:00:00Z","author":{"handle":"@n1","name":"Pat \#(Self.canary)"}}"#)
        // Bad records whose post text carries the canary: their errors must name a place, not the text.
        lines.append(#"{"id":"bad-1","platform":"tiktok","kind":"comment","text":"\#(Self.canary) secret","received_at":"2026-11-24T10:00:00Z","author":{"handle":"@b"}}"#)
        lines.append(#"{"id":"bad-2","platform":"x","kind":"comment","text":"\#(Self.canary) unfinished"#)
        lines.append(#"{"id":"bad-3","platform":"x","kind":"comment","text":42,"received_at":"2026-11-24T10:00:00Z","author":{"handle":"@b","name":"\#(Self.canary)"}}"#)
        lines.append(#"{"id":"bad-4","platform":"x","kind":"comment","text":"\#(Self.canary)","author":{"handle":"@b"}}"#)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: items)

        var results: [(String, Child.Result)] = []
        func run(_ args: [String], expect status: Int32) throws {
            let r = try w.rounds(args)
            #expect(r.status == status, "rounds \(args.joined(separator: " ")): exit \(r.status): \(r.stderr.prefix(300))")
            results.append((args.joined(separator: " "), r))
        }
        try run(["import", items.path], expect: 1)
        try run(["import", items.path, w.input.appendingPathComponent("missing.jsonl").path], expect: 2)
        try run(["triage", items.path], expect: 1)
        try run(["triage", "--explain", items.path], expect: 1)
        try run(["db"], expect: 0)
        try run(["claim", "1", "--agent", "dana"], expect: 0)
        try run(["claim", "1", "--agent", "lee"], expect: 3)
        try run(["respond", "1", "--channel", "dm", "--text", "Please call us, \(Self.canary)", "--agent", "lee"], expect: 3)
        try run(["respond", "1", "--channel", "dm", "--text", "Please call us, \(Self.canary)", "--agent", "dana"], expect: 0)
        try run(["respond", "1", "--channel", "note", "--text", "again \(Self.canary)", "--agent", "dana", "--expect-version", "1"], expect: 3)
        let batch = w.input.appendingPathComponent("batch.jsonl")
        try Data([
            #"{"item":2,"channel":"public","text":"Thanks! \#(Self.canary)"}"#,
            #"{"item":3,"channel":"dm","text":"\#(Self.canary) unfinished"#,
            #"{"item":4,"channel":"pigeon","text":"\#(Self.canary)"}"#,
            #"{"item":5,"channel":"email","text":["\#(Self.canary)"]}"#,
            #"{"item":6,"channel":"note","text":"Called back. \#(Self.canary)"}"#,
        ].joined(separator: "\n").utf8).write(to: batch)
        try run(["respond", "--batch", batch.path, "--agent", "dana"], expect: 1)
        try run(["release", "1", "--agent", "dana"], expect: 0)
        try run(["shift", "start", "--agent", "dana"], expect: 0)
        var exports: [URL] = []
        for format in ["markdown", "csv", "json"] {
            let out = w.exports.appendingPathComponent("summary.\(format)")
            try run(["summary", "--since", "2026-11-24T00:00:00Z", "--format", format, "-o", out.path], expect: 0)
            exports.append(out)
        }
        try run(["summary", "--since", "2026-11-24T00:00:00Z", "--format", "json"], expect: 0)
        let withText = w.exports.appendingPathComponent("with-text.md")
        try run(["summary", "--since", "2026-11-24T00:00:00Z", "--include-text", "-o", withText.path], expect: 0)

        // 1. No message carries the canary, and no command's own output does except where text was asked for.
        for (cmd, r) in results {
            #expect(!r.stderr.contains(Self.canary), "rounds \(cmd) printed patient text on stderr")
            if !cmd.hasPrefix("triage") && !cmd.contains("--include-text") {
                #expect(!r.stdout.contains(Self.canary), "rounds \(cmd) printed patient text on stdout")
            }
        }
        #expect(results.contains { !$0.1.stderr.isEmpty }, "the session had errors to check")
        // 2. Exports without --include-text carry no post text; all exports are private.
        let written = w.files(under: w.exports)
        #expect(written.count >= exports.count + 2, "markdown, csv (+ totals), json, with text: \(written)")
        for f in written {
            let url = w.root.appendingPathComponent(f)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(!text.isEmpty)
            if url != withText { #expect(!text.contains(Self.canary), "\(f) holds post text without --include-text") }
            #expect(w.mode(url) == 0o600, "\(f): mode \(String(w.mode(url), radix: 8))")
        }
        #expect(try String(contentsOf: withText, encoding: .utf8).contains(Self.canary), "--include-text does include the texts (so the check above can fail)")
        // 3. The database and its folder are private.
        #expect(w.mode(w.database) == 0o600, "database mode \(String(w.mode(w.database), radix: 8))")
        #expect(w.mode(w.database.deletingLastPathComponent()) == 0o700)
        for suffix in ["-wal", "-shm"] {
            let side = URL(fileURLWithPath: w.database.path + suffix)
            if FileManager.default.fileExists(atPath: side.path) { #expect(w.mode(side) == 0o600, "\(suffix)") }
        }
        // 4. The rejects file (records kept on purpose) is private.
        let rejects = w.input.appendingPathComponent("items.jsonl.rejects.jsonl")
        #expect(FileManager.default.fileExists(atPath: rejects.path))
        #expect(w.mode(rejects) == 0o600)
        // 5. No other file anywhere: nothing in HOME but the database, nothing left in TMPDIR, nothing beside the inputs but the rejects.
        let allowedHome = Set(["", "-wal", "-shm"].map { "home/data/rounds/rounds.sqlite" + $0 })
        let stray = w.files(under: w.home).filter { !allowedHome.contains($0) } + w.files(under: w.tmp)
            + w.files(under: w.input).filter { !["in/items.jsonl", "in/batch.jsonl", "in/items.jsonl.rejects.jsonl"].contains($0) }
        #expect(stray.isEmpty, "files created outside the database and the asked-for outputs: \(stray)")
        // And nothing in them (should one appear) would hold the canary: check the whole tree but the allowed files.
        for f in w.files(under: w.root) where !allowedHome.contains(f) && !f.hasPrefix("captured/") && !f.hasPrefix("in/") && f != "exports/with-text.md" {
            let data = FileManager.default.contents(atPath: w.root.appendingPathComponent(f).path) ?? Data()
            #expect(!String(decoding: data, as: UTF8.self).contains(Self.canary), "\(f) holds patient text")
        }
    }

    @Test("A record with post text in a field that error messages quote (a shifted CSV column): the message must not carry the text")
    func quotedFieldValues() throws {
        let w = try World("privacy-quoted")
        defer { try? FileManager.default.removeItem(at: w.root) }
        // The text column and the time column swapped: the post lands in received_at, and the
        // message for an unparsable time quotes the value (up to 60 characters).
        let csv = w.input.appendingPathComponent("shifted.csv")
        try Data("id,platform,kind,received_at,text,author_handle\nc-1,facebook,comment,\"my chest hurts \(Self.canary)\",2026-11-24T10:00:00Z,@p\n".utf8).write(to: csv)
        let r = try w.rounds(["import", csv.path, "--db", w.root.appendingPathComponent("q.sqlite").path])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("received_at"), "\(r.stderr)")
        #expect(!r.stderr.contains(Self.canary), "patient text quoted in an error message")
        #expect(!r.stderr.contains("chest"), "patient text quoted in an error message")
        #expect(r.stderr.contains("not shown"), "\(r.stderr)")
    }
}
