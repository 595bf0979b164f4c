import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsStore

/// The real `rounds` binary in a real terminal (tmux): what a manager sees and what lands in the
/// database. Every wait polls the screen with a bound; nothing sleeps and hopes.
final class InboxSession {
    let dir: URL
    let db: String
    let tmux: TmuxSession

    /// A database with `lines` (JSONL) imported, and the inbox open on it as `dana`.
    init(_ lines: [String], width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        dir = try RoundsBinary.temporaryFolder("rounds-e2e")
        db = dir.appendingPathComponent("inbox.sqlite").path
        let input = dir.appendingPathComponent("items.jsonl").path
        try lines.joined(separator: "\n").write(toFile: input, atomically: false, encoding: .utf8)
        let imported = try RoundsBinary.run(["import", input, "--db", db])
        guard imported.status == 0 else { throw TmuxError(description: "import failed: \(imported.stderr)") }
        var env = ["XDG_CONFIG_HOME": dir.appendingPathComponent("config").path, "ROUNDS_CONFIG": "", "TZ": "UTC"]
        for (k, v) in environment { env[k] = v }
        tmux = try TmuxSession(command: [RoundsBinary.url.path, "inbox", "--db", db, "--agent", "dana"],
                               width: width, height: height, environment: env)
    }

    deinit {
        tmux.kill()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Opens the database the inbox writes to, as a second connection.
    func store() throws -> AppDatabase { try AppDatabase.open(path: db, clock: SystemClock()) }

    func item(_ externalID: String, platform: Platform = .facebook) throws -> StoredItem {
        try #require(try store().item(platform: platform, externalID: externalID))
    }

    /// The queue rows on screen (those with a route badge).
    func rows() throws -> [String] {
        try tmux.screen().filter { $0.contains("PUBLIC") || $0.contains("PRIVATE") }
    }

    @discardableResult
    func waitForRow(_ text: String, selected: Bool? = nil) throws -> [String] {
        try tmux.waitFor("a row with \(text)") { screen in
            screen.contains { $0.contains(text) && (selected == nil || $0.hasPrefix("▶") == selected!) }
        }
    }
}

/// An item line received `minutesAgo` minutes before now (the inbox runs on the real clock).
func inboxLine(_ id: String, _ text: String, minutesAgo: Double, platform: String = "facebook", kind: String = "question") -> String {
    let at = Date().addingTimeInterval(-minutesAgo * 60)
    let t = String(data: try! JSONSerialization.data(withJSONObject: [text], options: []), encoding: .utf8)!.dropFirst().dropLast()
    return "{\"id\":\"\(id)\",\"platform\":\"\(platform)\",\"kind\":\"\(kind)\",\"text\":\(t),\"received_at\":\"\(RFC3339.format(at))\",\"author\":{\"handle\":\"@\(id)\"}}"
}

let e2eQueue = [
    inboxLine("hours", "what time does the pharmacy open on saturday?", minutesAgo: 50),
    inboxLine("parking", "is there free parking at the north campus?", minutesAgo: 20),
    inboxLine("asthma", "my asthma is flaring since my visit last week, can i come in today?", minutesAgo: 10, kind: "comment"),
    inboxLine("crisis", "i can't breathe and my chest hurts right now", minutesAgo: 2, platform: "x", kind: "dm"),
]

@Suite("Inbox end to end (tmux)", .serialized, .requiresTmux)
struct InboxEndToEndTests {
    @Test("Open: the queue with counts, urgent first; move with j/k; filter; search; open and go back")
    func openMoveFilterSearch() throws {
        let s = try InboxSession(e2eQueue)
        try s.tmux.waitForText("open 4")
        var rows = try s.rows()
        #expect(rows.count == 4)
        #expect(rows.first?.contains("@crisis") == true && rows.first?.contains("!") == true)
        #expect(rows.first?.hasPrefix("▶") == true)
        // SLA order after the urgent item: asthma (private, 1 h target) is due before hours and parking.
        try s.tmux.press("j")
        try s.waitForRow("@asthma", selected: true)
        try s.tmux.press("k")
        try s.waitForRow("@crisis", selected: true)
        // Filter: urgent only, then clear.
        try s.tmux.press("u")
        try s.tmux.waitFor("only the urgent row") { screen in
            screen[0].contains("urgent (1)") && !screen.contains { $0.contains("@parking") }
        }
        try s.tmux.press("x")
        try s.waitForRow("@parking")
        // Incremental search.
        try s.tmux.press("/")
        try s.tmux.type("park")
        try s.tmux.waitFor("the search to narrow the queue") { screen in
            screen.contains { $0.contains("@parking") } && !screen.contains { $0.contains("@hours") }
        }
        try s.tmux.press("Enter")
        try s.tmux.press("Enter")
        try s.tmux.waitForText("free parking at the north campus")
        try s.tmux.waitForText("PUBLIC — safe to answer in the thread")
        try s.tmux.press("Escape")
        try s.waitForRow("@parking", selected: true)
        rows = try s.rows()
        #expect(rows.count == 1)
        // q quits with status 0 and the shell's screen comes back.
        try s.tmux.press("q")
        #expect(try s.tmux.waitForExit() == 0)
    }

    @Test("Reply in the thread: typed, checked, confirmed, recorded in the database before 'Recorded'")
    func reply() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@hours")
        try s.tmux.press("j", "j")
        try s.waitForRow("@hours", selected: true)
        try s.tmux.press("Enter")
        try s.tmux.waitForText("what time does the pharmacy open")
        try s.tmux.press("R")
        try s.tmux.waitForText("Your public reply")
        try s.tmux.type("We open at 9 on Saturdays. See you then!")
        try s.tmux.press("C-d")
        try s.tmux.waitForText("y/n")
        #expect(try s.store().detail(id: s.item("hours").id)!.responses.isEmpty)  // nothing before yes
        try s.tmux.press("y")
        try s.tmux.waitForText("Recorded public reply")
        let item = try s.item("hours")
        let responses = try s.store().detail(id: item.id)!.responses
        #expect(responses.map(\.text) == ["We open at 9 on Saturdays. See you then!"])
        #expect(responses.first?.agent == "dana" && responses.first?.channel == .publicReply)
        #expect(item.status == .answered)
    }

    @Test("A public reply repeating a health detail is blocked on screen and nothing is recorded")
    func blockedReply() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@asthma")
        try s.tmux.press("/")
        try s.tmux.type("asthma")
        try s.waitForRow("@asthma", selected: true)
        try s.tmux.press("Enter", "Enter", "R")
        try s.tmux.waitForText("Your public reply")
        try s.tmux.type("Sorry your asthma is flaring, come in today")
        try s.tmux.press("C-d")
        try s.tmux.waitForText("Blocked")
        #expect(try s.store().detail(id: s.item("asthma").id)!.responses.isEmpty)
    }

    @Test("Redirect: channel switched to e-mail; acknowledgement and e-mail recorded together")
    func redirect() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@asthma")
        try s.tmux.press("/")
        try s.tmux.type("asthma")
        try s.waitForRow("@asthma", selected: true)
        try s.tmux.press("Enter", "Enter", "P")
        try s.tmux.waitForText("1 · Public acknowledgement")
        try s.tmux.waitForText("2 · Private message by direct message")
        try s.tmux.press("C-n")
        try s.tmux.waitForText("2 · Private message by e-mail")
        try s.tmux.press("C-d")
        try s.tmux.waitForText("y/n")
        try s.tmux.press("y")
        try s.tmux.waitForText("Recorded")
        let item = try s.item("asthma")
        let responses = try s.store().detail(id: item.id)!.responses
        #expect(responses.map(\.channel) == [.publicReply, .email])
        #expect(responses.allSatisfy { !$0.text.isEmpty })
        // The acknowledgement greets @asthma by handle and repeats nothing else of the post.
        #expect(!responses[0].text.lowercased().replacingOccurrences(of: "@asthma", with: "").contains("asthma"))
        #expect(item.status == .answered)
    }

    @Test("Escalate the urgent item with the crisis reply: 911 and 988 on screen and in the record")
    func escalate() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@crisis", selected: true)
        try s.tmux.press("E")
        try s.tmux.waitForText("988")
        try s.tmux.press("C-d")
        try s.tmux.waitForText("y/n")
        try s.tmux.press("y")
        try s.tmux.waitForText("Recorded escalation")
        let item = try s.item("crisis", platform: .x)
        #expect(item.status == .escalated)
        let text = try #require(try s.store().detail(id: item.id)!.responses.first?.text)
        #expect(text.contains("911") && text.contains("988"))
        try s.tmux.waitFor("the escalated item to leave the open queue") { screen in screen[0].contains("open 3") }
    }

    @Test("Resize: down to 60x20, to 20x6 ('too small'), back to 100x30, without losing the selection")
    func resize() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@crisis")
        try s.tmux.press("j", "j", "j")
        try s.waitForRow("@parking", selected: true)
        try s.tmux.resize(width: 60, height: 20)
        try s.tmux.waitFor("a 60-column frame") { screen in
            screen.count == 20 && screen.contains { $0.hasPrefix("▶") && $0.contains("PUBLIC") }
        }
        try s.tmux.resize(width: 20, height: 6)
        try s.tmux.waitForText("too small")
        try s.tmux.resize(width: 100, height: 30)
        try s.waitForRow("@parking", selected: true)
        #expect(try s.rows().count == 4)
    }

    @Test("Hostile text: escape sequences and bidi overrides are shown as markers and never reach the terminal")
    func hostileText() throws {
        let nasty = "hi \u{1B}]52;c;ZXZpbA==\u{07} \u{1B}]0;owned\u{07} \u{1B}[2J \u{202E}txet desrever\u{202C} \u{9B}31m bell\u{07} end"
        let s = try InboxSession([inboxLine("evil", nasty, minutesAgo: 5)])
        try s.waitForRow("@evil")
        try s.tmux.press("Enter")
        try s.tmux.waitForText("<U+202E>")
        let screen = try s.tmux.screen().joined(separator: "\n")
        #expect(screen.contains("^[]52;"))
        let raw = try s.tmux.capturedEscapes()
        #expect(!raw.contains("\u{1B}]52;"))
        #expect(!raw.contains("\u{1B}]0;owned"))
        #expect(!raw.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B })
        #expect(try !s.tmux.paneTitle().contains("owned"))
    }

    @Test("An item imported by a second process shows within a second, and the selection does not move")
    func liveImport() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@crisis")
        try s.tmux.press("j", "j", "j")
        try s.waitForRow("@parking", selected: true)
        let more = s.dir.appendingPathComponent("more.jsonl").path
        try inboxLine("newcomer", "do you have a sign language interpreter for appointments?", minutesAgo: 55).write(toFile: more, atomically: false, encoding: .utf8)
        let started = Date()
        #expect(try RoundsBinary.run(["import", more, "--db", s.db]).status == 0)
        try s.tmux.waitFor("the imported item", timeout: 5) { screen in
            screen[0].contains("open 5") && screen.contains { $0.contains("@newcomer") }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 3, "took \(elapsed) s (the inbox polls every 250 ms; 3 s allows for a loaded CI machine)")
        try s.waitForRow("@parking", selected: true)
    }

    @Test("$EDITOR gets a private temporary file (0600) that is removed afterwards; its text becomes the draft")
    func externalEditor() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-editor")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("editor.log").path
        let script = dir.appendingPathComponent("editor.sh").path
        try """
            #!/bin/sh
            printf '%s %s\\n' "$(stat -c %a "$1")" "$1" > '\(log)'
            printf 'Written in the editor.\\n' > "$1"
            """.write(toFile: script, atomically: false, encoding: .utf8)
        chmod(script, 0o700)
        let s = try InboxSession(e2eQueue, environment: ["EDITOR": script, "VISUAL": ""])
        try s.waitForRow("@crisis")
        try s.tmux.press("j", "R")
        try s.tmux.waitForText("Your public reply")
        try s.tmux.press("C-o")
        try s.tmux.waitForText("Written in the editor.")
        let fields = try String(contentsOfFile: log, encoding: .utf8).split(separator: " ")
        #expect(fields.first == "600")
        let path = fields.dropFirst().joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent))
    }

    @Test("Ctrl-C leaves with status 130 and the terminal restored; NO_COLOR draws no colours")
    func interruptAndNoColor() throws {
        let s = try InboxSession(e2eQueue, environment: ["NO_COLOR": "1"])
        try s.waitForRow("@crisis")
        let styled = try s.tmux.screenWithEscapes()
        #expect(styled.range(of: #"\x{1B}\[[0-9;]*(3[0-7]|4[0-7]|38;|48;)"#, options: .regularExpression) == nil)
        #expect(styled.contains("\u{1B}[7m") || styled.contains(";7m"))  // the selection is still visible
        try s.tmux.press("C-c")
        #expect(try s.tmux.waitForExit() == 130)
        // Back on the normal screen: the queue is gone and the wrapper's marker is visible.
        let after = try s.tmux.screen()
        #expect(!after.contains { $0.contains("@crisis") })
    }

    @Test("SIGTERM and SIGHUP: the terminal is restored (alternate screen left, cursor shown) and the status is 128 + the signal",
          arguments: [(SIGTERM, Int32(143)), (SIGHUP, Int32(129))])
    func signals(signal: Int32, status: Int32) throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@crisis")
        let pid = try #require(childProcess(of: s.tmux.panePID, named: "rounds"), "the rounds process under the pane")
        #expect(kill(pid, signal) == 0)
        #expect(try s.tmux.waitForExit() == status)
        let raw = try s.tmux.capturedEscapes()
        let lastFrame = try #require(raw.range(of: "@crisis", options: .backwards))
        let after = raw[lastFrame.upperBound...]
        #expect(after.contains("\u{1B}[?1049l"), "the alternate screen was not left")
        #expect(after.contains("\u{1B}[?25h") || after.contains("\u{1B}[?12l\u{1B}[?25h"), "the cursor was not shown again")
        #expect(!(try s.tmux.screen()).contains { $0.contains("@crisis") })
    }

    @Test("Shift dashboard: t after a reply shows the figures, the charts and the handover; e exports three formats, mode 0600")
    func dashboard() throws {
        let exports = try RoundsBinary.temporaryFolder("rounds-exports")
        defer { try? FileManager.default.removeItem(at: exports) }
        let s = try InboxSession(e2eQueue, environment: ["ROUNDS_EXPORT_DIR": exports.path])
        try s.waitForRow("@hours")
        try s.tmux.press("j", "j")
        try s.waitForRow("@hours", selected: true)
        try s.tmux.press("R")
        try s.tmux.waitForText("Your public reply")
        try s.tmux.type("We open at 9 on Saturdays.")
        try s.tmux.press("C-d")
        try s.tmux.waitForText("y/n")
        try s.tmux.press("y")
        try s.tmux.waitForText("Recorded public reply")
        // Opened from the queue, the composer returns to the queue.
        try s.tmux.waitFor("the queue without the answered item") { screen in
            screen[0].contains("open 3") && screen.contains { $0.contains("@parking") } && !screen.contains { $0.contains("@hours") }
        }
        try s.tmux.press("t")
        let screen = try s.tmux.waitFor("the dashboard") { screen in
            screen.contains { $0.contains("Answered in thread 1") } && screen.contains { $0.contains("Handover: 3 items") }
        }
        #expect(screen.contains { $0.contains("First replies by hour") && $0.contains("SLA met by route") })
        #expect(screen.contains { $0.contains("█") })
        #expect(!screen.contains { $0.contains("pharmacy") || $0.contains("@hours") })
        try s.tmux.press("e")
        try s.tmux.waitForText("Exported")
        let files = try FileManager.default.contentsOfDirectory(atPath: exports.path)
        #expect(files.count == 4)
        #expect(Set(files.map { ($0 as NSString).pathExtension }) == ["md", "csv", "json"])
        for f in files {
            #expect(try FileManager.default.attributesOfItem(atPath: exports.appendingPathComponent(f).path)[.posixPermissions] as? Int == 0o600)
        }
        try s.tmux.press("Escape")
        try s.waitForRow("@parking")
    }

    @Test("Colours are used when the terminal has them")
    func colours() throws {
        let s = try InboxSession(e2eQueue)
        try s.waitForRow("@crisis")
        let styled = try s.tmux.screenWithEscapes()
        #expect(styled.range(of: #"\x{1B}\[[0-9;]*3[1-7]"#, options: .regularExpression) != nil, "\(styled.prefix(600).debugDescription)")
    }
}

@Suite("Inbox without a usable terminal")
struct InboxTerminalErrorTests {
    @Test("Not a terminal, TERM unset, unknown or without cursor addressing: a clear error and status 2")
    func refusals() throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-noterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("x.sqlite").path
        let piped = try RoundsBinary.run(["inbox", "--db", db])
        #expect(piped.status == 2)
        #expect(piped.stderr.contains("standard input is not a terminal"))
        #expect(!piped.stderr.contains("Usage"))
    }

    @Test("TERM problems are named", .requiresTmux, arguments: [("", "TERM is not set"), ("nonexistent-term", "not a terminal type"), ("dumb", "cannot address the cursor")])
    func badTerm(term: String, message: String) throws {
        let dir = try RoundsBinary.temporaryFolder("rounds-badterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(command: ["env", "TERM=\(term)", RoundsBinary.url.path, "inbox", "--db", dir.appendingPathComponent("x.sqlite").path])
        #expect(try tmux.waitForExit() == 2)
        try tmux.waitForText(message)
    }
}

/// The pid of a child of `parent` whose command name is `name` (from /proc), if any.
func childProcess(of parent: pid_t, named name: String) -> pid_t? {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    for entry in entries {
        guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
        let comm = stat[stat.index(after: open)..<close]
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if comm == name, fields.count > 1, pid_t(fields[1]) == parent { return pid }
    }
    return nil
}
