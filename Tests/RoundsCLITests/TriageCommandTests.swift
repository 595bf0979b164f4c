import Foundation
import Testing

/// Runs the real `rounds` binary built next to this test bundle.
struct RoundsBinary {
    static let url: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test bundle may be a directory (…/RoundsPackageTests.xctest/…); walk up to the build dir.
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("rounds").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("rounds")
    }()

    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A fresh folder under the system temporary directory; the caller removes it.
    static func temporaryFolder(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.currentDirectoryURL = repo
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-cli-test-noconfig").path
        environment.removeValue(forKey: "ROUNDS_CONFIG")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        // Output goes to files: no pipe can fill up and dead-lock the child.
        let dir = try temporaryFolder("rounds-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        p.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func line(_ id: String, _ text: String, time: String = "2026-11-24T10:00:00Z") -> String {
        let t = String(data: try! JSONSerialization.data(withJSONObject: [text], options: []), encoding: .utf8)!.dropFirst().dropLast()
        return "{\"id\":\"\(id)\",\"platform\":\"facebook\",\"kind\":\"comment\",\"text\":\(t),\"received_at\":\"\(time)\",\"author\":{\"handle\":\"@a\"}}"
    }
}

@Suite("rounds triage (the real binary)", .serialized)
struct TriageCommandTests {
    @Test("Every sample item gets one JSON decision, in input order")
    func sample() throws {
        let out = try RoundsBinary.run(["triage", "sample-data/items.jsonl"])
        #expect(out.status == 0, "\(out.stderr)")
        let inputIDs = try String(contentsOf: RoundsBinary.repo.appendingPathComponent("sample-data/items.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as! String }
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.count == inputIDs.count)
        var outputIDs: [String] = []
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            outputIDs.append(obj["id"] as! String)
            #expect(["answer_in_thread", "redirect_private"].contains(obj["route"] as? String))
            #expect(obj["urgent"] is Bool && obj["spam"] is Bool)
            let reasons = try #require(obj["reasons"] as? [[String: String]])
            #expect(!reasons.isEmpty)
            #expect(reasons.allSatisfy { $0["rule"] != nil && $0["evidence"] != nil })
        }
        #expect(outputIDs == inputIDs)
    }

    @Test("Bad lines go to stderr with file:line: field: reason; good lines are still triaged; exit 1")
    func badLines() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("items.jsonl")
        let content = [
            RoundsBinary.line("a1", "open sunday??"),
            RoundsBinary.line("a2", "x", time: "yesterday"),
            "{not json",
            "",
            RoundsBinary.line("a3", "my asthma is back"),
        ].joined(separator: "\n") + "\n"
        try content.write(to: file, atomically: false, encoding: .utf8)
        let out = try RoundsBinary.run(["triage", file.path])
        #expect(out.status == 1)
        let ids = out.stdout.split(separator: "\n").map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as! String }
        #expect(ids == ["a1", "a3"])
        #expect(out.stderr.contains("\(file.path):2: received_at: not an RFC 3339 time: \"yesterday\""))
        #expect(out.stderr.contains("\(file.path):3: invalid JSON at column"))
        #expect(!out.stderr.contains("my asthma"), "patient text must not reach error messages")
    }

    @Test("Reads standard input with -")
    func stdin() throws {
        let out = try RoundsBinary.run(["triage", "-"], stdin: RoundsBinary.line("s1", "call me at 312-555-0199 about my bill") + "\n")
        #expect(out.status == 0)
        #expect(out.stdout.contains("\"route\":\"redirect_private\""))
        #expect(out.stdout.contains("identifier.phone"))
    }

    @Test("--explain makes hostile text visible and never writes a raw escape")
    func explain() throws {
        let hostile = "my \u{1B}[1m asthma \u{1B}]0;pwned\u{07} \u{202E}gnihtemos\u{202C} \u{9B}31m"
        let out = try RoundsBinary.run(["triage", "--explain", "-"], stdin: RoundsBinary.line("h1", hostile) + "\n")
        #expect(out.status == 0)
        #expect(out.stdout.contains("PRIVATE"))
        #expect(out.stdout.contains("^["))
        #expect(out.stdout.contains("<U+202E>"))
        for scalar in out.stdout.unicodeScalars {
            let v = scalar.value
            #expect(!(v < 0x20 && v != 0x0A) && v != 0x7F && !(0x80...0x9F).contains(v) && !(0x202A...0x202E).contains(v), "raw control U+\(String(v, radix: 16))")
        }
    }

    @Test("JSON output escapes control characters and bidi overrides")
    func jsonEscapes() throws {
        let out = try RoundsBinary.run(["triage", "-"], stdin: RoundsBinary.line("e1", "my \u{1B}[2J\u{202E} asthma") + "\n")
        #expect(out.stdout.contains("\\u001b"))
        #expect(out.stdout.contains("\\u202e"))
        #expect(!out.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
    }

    @Test("The organisation's own phone number from --config is not an identifier")
    func configPhone() throws {
        let text = RoundsBinary.line("c1", "the number (555) 013-2200 just rings") + "\n"
        let without = try RoundsBinary.run(["triage", "-"], stdin: text)
        #expect(without.stdout.contains("identifier.phone"))
        let with = try RoundsBinary.run(["triage", "--config", "Tests/Fixtures/holdout-config.toml", "-"], stdin: text)
        #expect(!with.stdout.contains("identifier.phone"))
        #expect(with.stdout.contains("answer_in_thread"))
    }

    @Test("A missing file is a clear error naming it")
    func missingFile() throws {
        let out = try RoundsBinary.run(["triage", "/nonexistent/items.jsonl"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("/nonexistent/items.jsonl"))
    }

    @Test("A broken config file stops with its line number")
    func brokenConfig() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-cfg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.toml")
        try "[organisation]\nname = \"x\"\nphones = [\n".write(to: file, atomically: false, encoding: .utf8)
        let out = try RoundsBinary.run(["config", "--config", file.path])
        #expect(out.status != 0)
        #expect(out.stderr.contains("\(file.path):"))
    }
}
