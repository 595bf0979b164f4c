import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsStore
@testable import RoundsTerminal
@testable import RoundsTUI

/// An inbox on a temporary database, a fixed clock and the test terminal.
final class Harness {
    let dir: URL
    let clock: FixedClock
    let db: AppDatabase
    let terminal: TestTerminal
    let app: InboxApp
    let sla = SLAEngine(calendar: .officeHours(TimeZone(identifier: "America/New_York")!))
    static let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))

    init(items: [Item], width: Int = 100, height: Int = 30, now: String = "2026-11-24T15:00:00Z", agent: String = "dana") throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-tui-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        clock = FixedClock(RFC3339.parse(now)!)
        db = try AppDatabase.open(path: dir.appendingPathComponent("t.sqlite").path, clock: clock)
        _ = try db.importItems(items.map { ($0, Self.triage.classify($0)) }, sla: sla)
        terminal = TestTerminal(width: width, height: height)
        let ctx = ReplyContext(author: "", orgName: "Mercy Valley Health", orgPhone: "(555) 010-4000", orgEmail: "hello@mercyvalley.example",
                               portalURL: "https://portal.mercyvalley.example", emergencyNumber: "911", crisisLine: "988", agent: agent)
        let env = InboxEnvironment(replyCheck: ReplyCheck(triage: Self.triage), replyContext: ctx)
        let state = InboxState(width: width, height: height, now: clock.now, agent: agent, orgName: "Mercy Valley Health",
                               timeZone: TimeZone(identifier: "America/New_York")!)
        let runner = EffectRunner(db: db, sla: sla, agent: agent, terminal: terminal, timeZone: TimeZone(identifier: "America/New_York")!,
                                  organisation: "Mercy Valley Health", exportDirectory: dir.appendingPathComponent("exports").path)
        app = InboxApp(state: state, env: env, terminal: terminal, runner: runner, clock: clock, watcher: try ChangeWatcher(path: db.path))
        app.start()
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// Feeds keys and runs the loop until they are consumed.
    func press(_ keys: Key...) {
        terminal.feed(keys)
        for _ in keys { _ = app.step(timeoutMs: 0) }
    }

    func type(_ text: String) {
        for c in text { press(.char(c)) }
    }

    var lines: [String] { terminal.screen.lines }
    var text: String { lines.joined(separator: "\n") }
}

func post(_ id: String, _ text: String, at: String = "2026-11-24T14:00:00Z", kind: ItemKind = .question, platform: Platform = .facebook) -> Item {
    Item(id: id, platform: platform, kind: kind, text: text, receivedAt: RFC3339.parse(at)!, author: Author(handle: "@" + id))
}

let basicQueue = [
    post("late", "what time does the pharmacy open?", at: "2026-11-24T12:00:00Z"),
    post("soon", "is there free parking at the north campus?", at: "2026-11-24T13:20:00Z"),
    post("fresh", "my asthma is flaring, can i come in today?", at: "2026-11-24T14:50:00Z", kind: .comment),
    post("help", "i can't breathe right now", at: "2026-11-24T14:55:00Z", kind: .dm, platform: .x),
]

@Suite("Inbox: queue", .serialized)
struct InboxQueueTests {
    @Test("The first frame lists the queue most urgent first, with counts, timers and badges")
    func firstFrame() throws {
        let h = try Harness(items: basicQueue)
        #expect(h.lines[0].contains("open 4 · breached 1"))
        #expect(h.lines[0].contains("urgent 1"))
        let rows = h.lines.filter { $0.contains("@") }
        #expect(rows.count == 4)
        // Urgent items lead; then by due time.
        #expect(rows[0].contains("@help") && rows[0].contains("PRIVATE") && rows[0].contains("!"))
        #expect(rows[1].contains("@late") && rows[1].contains("+1h 00m"))  // due 14:00, now 15:00
        #expect(rows[2].contains("@soon") && rows[2].contains("PUBLIC"))
        #expect(h.lines.last?.hasPrefix("? keys") == true)
    }

    @Test("j and k move the selection; a key redraws only what changed")
    func movement() throws {
        let h = try Harness(items: basicQueue)
        #expect(h.app.state.selected == 0)
        h.press(.char("j"))
        #expect(h.app.state.selected == 1)
        #expect(h.terminal.lastCellsSent > 0)
        #expect(h.terminal.lastCellsSent < 100 * 30 / 2, "only the changed rows: \(h.terminal.lastCellsSent)")
        h.press(.char("k"), .char("k"))
        #expect(h.app.state.selected == 0)
        h.press(.char("G"))
        #expect(h.app.state.selected == 3)
    }

    @Test("Timers tick with the clock")
    func ticking() throws {
        let h = try Harness(items: basicQueue)
        #expect(h.lines.contains { $0.contains("@help") && $0.contains("⏱ 10m") })
        h.clock.advance(by: 11 * 60)
        _ = h.app.step(timeoutMs: 0)
        #expect(h.lines.contains { $0.contains("@help") && $0.contains("+1m") })
    }

    @Test("Filters and incremental search narrow the queue; x clears them")
    func filters() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("u"))
        #expect(h.lines[0].contains("urgent"))
        #expect(h.lines.filter { $0.contains("@") }.count == 1)
        h.press(.char("x"), .char("f"))  // public only
        #expect(h.lines.filter { $0.contains("@") }.allSatisfy { $0.contains("PUBLIC") })
        h.press(.char("x"), .char("/"))
        h.type("park")
        #expect(h.lines.filter { $0.contains("@") }.map { $0.contains("@soon") } == [true])
        h.press(.escape)
        #expect(h.lines.filter { $0.contains("@") }.count == 4)
        h.press(.char("p"))
        #expect(h.lines[0].contains("facebook"))
    }

    @Test("A search follows writes: this inbox's, and another process's")
    func searchFollowsWrites() throws {
        let h = try Harness(items: basicQueue)
        func listed() -> [String] { ["late", "soon", "fresh", "help", "new"].filter { id in h.lines.contains { $0.contains("@" + id + " ") } }.sorted() }
        h.press(.char("/"))
        h.type("AR")  // pharmacy, parking, flaring; not "breathe right"
        h.press(.enter)
        #expect(listed() == ["fresh", "late", "soon"])
        #expect(h.app.state.total == 3)
        // This inbox closes one; the runner's next load of the same search leaves it out, with
        // no reload from the change watcher in between.
        let late = try #require(try h.db.item(platform: .facebook, externalID: "late"))
        _ = h.app.runner.run(.setStatus(itemID: late.id, status: .closed, event: .closed))
        let reload = h.app.runner.run(.loadQueue(h.app.state.filter, .age, offset: 0, limit: 10, .filtered))
        guard case .queueLoaded(_, let rows, let total, _)? = reload.first else { Issue.record("no rows: \(reload)"); return }
        #expect(total == 2 && rows.map(\.stored.item.id).sorted() == ["fresh", "soon"])
        h.press(.char("o"))  // the inbox itself, another order
        #expect(listed() == ["fresh", "soon"])
        #expect(h.app.state.total == 2)
        // Another process imports a matching post; the change watcher's reload shows it.
        let other = try AppDatabase.open(path: h.db.path, clock: h.clock)
        _ = try other.importItems([post("new", "are you open on sunday?", at: "2026-11-24T14:58:00Z")].map { ($0, Harness.triage.classify($0)) }, sla: h.sla)
        _ = h.app.step(timeoutMs: 0)
        #expect(listed() == ["fresh", "new", "soon"])
        #expect(h.app.state.total == 3)
    }

    @Test("A terminal too small says so, and the inbox comes back after a resize")
    func resize() throws {
        let h = try Harness(items: basicQueue)
        h.terminal.resize(width: 20, height: 6)
        _ = h.app.step(timeoutMs: 0)
        #expect(h.text.contains("too small"))
        h.terminal.resize(width: 80, height: 24)
        _ = h.app.step(timeoutMs: 0)
        #expect(h.lines[0].contains("open 4"))
        #expect(h.lines.filter { $0.contains("@") }.count == 4)
    }

    @Test("Filter totals from the tally follow writes: this inbox's, and another process's")
    func tallyFollowsWrites() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("u"))  // urgent only: counted from the tally
        #expect(h.app.state.total == 1)
        h.press(.char("u"))
        #expect(h.app.state.total == 4)
        // Another process answers an item; the change watcher's reload drops the tally.
        let other = try AppDatabase.open(path: h.db.path, clock: h.clock)
        let late = try #require(try other.item(platform: .facebook, externalID: "late"))
        try other.recordResponse(itemID: late.id, expectedVersion: late.version, agent: "lee", channel: .publicReply, text: "At 8!", sla: h.sla)
        _ = h.app.step(timeoutMs: 0)
        h.press(.char("p"))  // a platform filter: facebook
        #expect(h.app.state.filter.platform == .facebook)
        #expect(h.app.state.total == 2, "fresh and soon are left on facebook")
        h.press(.char("x"))
        #expect(h.app.state.total == 3)
        // The runner's own writes drop it too, with no reload in between.
        let runner = h.app.runner
        func total(_ f: QueueFilter) -> Int? {
            guard case .queueLoaded(_, _, let t, _)? = runner.run(.loadQueue(f, .urgency, offset: 0, limit: 10, .filtered)).first else { return nil }
            return t
        }
        #expect(total(QueueFilter(urgentOnly: true)) == 1)
        let help = try #require(try h.db.item(platform: .x, externalID: "help"))
        _ = runner.run(.setStatus(itemID: help.id, status: .closed, event: .closed))
        #expect(total(QueueFilter(urgentOnly: true)) == 0)
        #expect(total(QueueFilter()) == 2)
    }

    @Test("The clock refresh's counts follow time from the forecast, and writes drop it")
    func clockCountsFollowTimeAndWrites() throws {
        let h = try Harness(items: basicQueue)
        let runner = h.app.runner
        func clockCounts() -> QueueCounts? {
            guard case .queueLoaded(_, _, _, let c)? = runner.run(.loadQueue(QueueFilter(), .urgency, offset: 0, limit: 10, .clock)).first else { return nil }
            return c
        }
        let first = try h.db.counts()
        #expect(clockCounts() == first)
        // Across two days, in steps: the items' warning and due times are crossed on the way.
        var moved = false
        for _ in 0..<192 {
            h.clock.advance(by: 900)
            let expected = try h.db.counts()
            #expect(clockCounts() == expected, "at \(h.clock.now)")
            if expected != first { moved = true }
        }
        #expect(moved, "the counts must move with time, or this proves nothing")
        // A write by this runner: the next refresh counts one open item fewer.
        let before = try #require(clockCounts())
        let help = try #require(try h.db.item(platform: .x, externalID: "help"))
        _ = runner.run(.setStatus(itemID: help.id, status: .closed, event: .closed))
        #expect(clockCounts()?.open == before.open - 1)
    }

    @Test("Items written by another process appear without moving the cursor")
    func liveUpdates() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .char("j"))
        let selectedID = h.app.state.selectedRow?.id
        let other = try AppDatabase.open(path: h.db.path, clock: h.clock)
        _ = try other.importItems([post("new", "someone collapsed in the lobby", at: "2026-11-24T14:59:00Z")].map { ($0, Harness.triage.classify($0)) }, sla: h.sla)
        _ = h.app.step(timeoutMs: 0)
        #expect(h.lines[0].contains("open 5"))
        #expect(h.app.state.selectedRow?.id == selectedID)
    }

    @Test("A write by another process while composing keeps the draft, the cursor in it and the screen")
    func liveUpdateKeepsDraft() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .char("j"), .enter, .char("R"))
        h.type("We open at 9")
        h.press(.left, .left)
        let before = try #require(h.app.state.composer)
        let other = try AppDatabase.open(path: h.db.path, clock: h.clock)
        _ = try other.importItems([post("new", "someone collapsed in the lobby", at: "2026-11-24T14:59:00Z")].map { ($0, Harness.triage.classify($0)) }, sla: h.sla)
        _ = h.app.step(timeoutMs: 0)
        #expect(h.app.state.counts.open == 5)
        #expect(h.app.state.screen == .composer)
        #expect(h.app.state.composer == before)
        #expect(h.text.contains("We open at 9"))
    }

    @Test("? lists the bindings in force")
    func help() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("?"))
        #expect(h.text.contains("reply in the thread"))
        #expect(h.text.contains("search text, author or id"))
        #expect(h.text.contains("PgDn Space"))
        #expect(!h.text.contains("check and send"))  // composer keys are listed in the composer
        h.press(.char("z"))
        #expect(h.app.state.screen == .queue)
        // In the composer, F1 lists the composer's keys and returns to the draft.
        h.press(.enter, .char("R"))
        h.type("draft")
        h.press(.function(1))
        #expect(h.text.contains("check and send"))
        h.press(.char("z"))
        #expect(h.app.state.screen == .composer)
        #expect(h.app.state.composer?.text.string == "draft")
        // A key rebound in the config shows in help and works; the old key no longer does.
        var keymap = Keymap.defaults
        #expect(keymap.apply(["reply": "r", "nonsense": "x", "send": "C-zz"]) == ["keys.nonsense: unknown action", "keys.send: unknown key \"C-zz\""])
        #expect(keymap.action(for: .char("r"), in: .detail) == .reply)
        #expect(keymap.action(for: .char("R"), in: .detail) == nil)
        #expect(keymap.keys(for: .reply, in: .queue).map(Keymap.name) == ["r"])
    }
}

@Suite("Inbox: acting on an item", .serialized)
struct InboxActionTests {
    @Test("Open an item: text, verdict, evidence and reasons")
    func detail() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .char("j"), .char("j"), .enter)  // @fresh
        #expect(h.text.contains("my asthma is flaring"))
        #expect(h.text.contains("PRIVATE"))
        #expect(h.text.contains("disclosure.self"))
        let events = try h.db.detail(id: h.app.state.detail!.stored.id)!.events.map(\.kind)
        #expect(events.contains(.viewed))
        h.press(.escape)
        #expect(h.app.state.screen == .queue)
    }

    @Test("Reply in the thread: compose, check, confirm, recorded before the screen says so")
    func reply() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .enter, .char("R"))  // @late
        #expect(h.app.state.screen == .composer)
        h.type("We open at 8 every day. See you soon!")
        h.press(.ctrl("d"))
        #expect(h.text.contains("y/n"))
        h.press(.char("y"))
        #expect(h.text.contains("Recorded"))
        let item = try #require(try h.db.item(platform: .facebook, externalID: "late"))
        let responses = try h.db.detail(id: item.id)!.responses
        #expect(responses.map(\.text) == ["We open at 8 every day. See you soon!"])
        #expect(responses[0].channel == .publicReply && responses[0].agent == "dana")
        #expect(item.status == .answered)
    }

    @Test("A public reply that repeats health details is blocked, with the reason shown")
    func blocked() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .char("j"), .char("j"), .enter, .char("R"))
        h.type("So sorry your asthma is flaring!")
        h.press(.ctrl("d"))
        #expect(h.text.contains("Blocked"))
        #expect(h.app.state.prompt == nil)
        #expect(try h.db.detail(id: h.app.state.composer!.itemID)!.responses.isEmpty)
    }

    @Test("Redirect: the acknowledgement and the private message are prefilled and both recorded")
    func redirect() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .char("j"), .char("j"), .enter, .char("P"))
        let c = try #require(h.app.state.composer)
        #expect(!(c.acknowledgement?.isBlank ?? true))
        #expect(!c.text.isBlank)
        // Switching the channel switches untouched prefilled texts with it.
        h.press(.ctrl("n"))
        let email = try #require(h.app.state.composer)
        #expect(email.mode == .redirect(.email))
        #expect(email.acknowledgement?.string.contains("hello@mercyvalley.example") == true)
        #expect(email.text.string.contains("Best wishes"))
        h.press(.ctrl("n"), .ctrl("n"))
        #expect(h.app.state.composer?.text.string == c.text.string)
        h.press(.ctrl("d"), .char("y"))
        let id = c.itemID
        let responses = try h.db.detail(id: id)!.responses
        #expect(responses.map(\.channel) == [.publicReply, .privateMessage])
        #expect(try h.db.item(id: id)?.status == .answered)
    }

    @Test("Escalate an urgent item with the crisis reply (911 / 988 from config)")
    func escalate() throws {
        let h = try Harness(items: basicQueue)
        h.press(.enter, .char("E"))  // @help
        let draft = h.app.state.composer?.text.string ?? ""
        #expect(draft.contains("911") && draft.contains("988"))
        h.press(.ctrl("d"), .char("y"))
        let item = try #require(try h.db.item(platform: .x, externalID: "help"))
        #expect(item.status == .escalated)
        #expect(try h.db.detail(id: item.id)!.responses.first?.channel == .escalated)
    }

    @Test("When someone else answered first, nothing is recorded, the screen says why and the draft is kept")
    func staleItem() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .enter, .char("R"))  // @late
        h.type("Hi! We open at 8.")
        let item = try #require(try h.db.item(platform: .facebook, externalID: "late"))
        let lee = try AppDatabase.open(path: h.db.path, clock: h.clock)
        try lee.recordResponse(itemID: item.id, expectedVersion: item.version, agent: "lee", channel: .publicReply, text: "8 am!", sla: h.sla)
        h.press(.ctrl("d"), .char("y"))
        #expect(h.text.contains("Not sent"))
        #expect(h.text.contains("lee"))
        #expect(h.app.state.composer?.text.string == "Hi! We open at 8.")
        #expect(try h.db.detail(id: item.id)!.responses.map(\.agent) == ["lee"])
    }

    @Test("Claims: C claims, another manager's claim blocks my reply, U releases")
    func claims() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("C"))
        let id = try #require(h.app.state.selectedRow?.id)
        #expect(try h.db.activeClaim(itemID: id)?.agent == "dana")
        #expect(h.lines.contains { $0.contains("⚑dana") })
        h.press(.char("U"))
        #expect(try h.db.activeClaim(itemID: id) == nil)
        let lee = try AppDatabase.open(path: h.db.path, clock: h.clock)
        try lee.claim(itemID: id, agent: "lee", ttl: 600)
        h.press(.enter, .char("R"))
        h.type("hello")
        h.press(.ctrl("d"), .char("y"))
        #expect(h.text.contains("claimed by lee"))
    }

    @Test("Spam, no reply needed, internal note and override, each recorded")
    func otherActions() throws {
        let h = try Harness(items: basicQueue)
        let first = try #require(h.app.state.selectedRow?.id)
        h.press(.char("S"), .char("y"))
        #expect(try h.db.item(id: first)?.status == .hidden)
        let second = try #require(h.app.state.selectedRow?.id)
        h.press(.char("N"), .char("y"))
        #expect(try h.db.item(id: second)?.status == .closed)
        let third = try #require(h.app.state.selectedRow?.id)
        h.press(.char("I"))
        h.type("called her back")
        h.press(.ctrl("d"), .char("y"))
        #expect(try h.db.detail(id: third)!.responses.first?.channel == .internalNote)
        #expect(try h.db.item(id: third)?.status == .open)
        h.press(.char("O"))
        h.type("names her own clinic visit")
        h.press(.enter)
        let after = try #require(try h.db.detail(id: third))
        #expect(after.triage.last?.source == "override")
        #expect(after.triage.last?.why == "names her own clinic visit")
    }

    @Test("Resolve and next: D asks, records the resolution, and opens the following item")
    func resolveAndNext() throws {
        let h = try Harness(items: basicQueue)
        h.press(.char("j"), .enter)  // @late
        let resolved = try #require(h.app.state.detail?.stored.id)
        h.press(.char("D"))
        #expect(h.text.contains("Resolve #\(resolved)"))
        h.press(.char("y"))
        #expect(try h.db.item(id: resolved)?.status == .closed)
        #expect(try h.db.detail(id: resolved)!.events.contains { $0.kind == .resolved && $0.agent == "dana" })
        #expect(h.app.state.screen == .detail)
        #expect(h.app.state.detail?.stored.item.id == "soon")
        // Saying no records nothing.
        h.press(.char("D"), .char("n"))
        #expect(try h.db.item(platform: .facebook, externalID: "soon")?.status == .open)
    }

    @Test("Leaving the composer keeps the draft for the same item")
    func draftKept() throws {
        let h = try Harness(items: basicQueue)
        h.press(.enter, .char("R"))
        h.type("half a thought")
        h.press(.escape, .escape, .enter, .char("R"))
        #expect(h.app.state.composer?.text.string == "half a thought")
    }
}

@Suite("Inbox: hostile text")
struct InboxHostileTextTests {
    @Test("Control sequences and bidi overrides in a post are shown as markers, never sent raw")
    func hostile() throws {
        let nasty = "hi \u{1B}]52;c;ZXZpbA==\u{07}\u{1B}[2J\u{1B}]0;owned\u{07} \u{202E}txet desrever\u{202C} \u{9B}31m bell\u{07}"
        let h = try Harness(items: [post("evil", nasty)])
        h.press(.enter)
        #expect(h.text.contains("^["))
        #expect(h.text.contains("<U+202E>"))
        // Only the terminal's own sequences may carry ESC: none of the post's payloads got through.
        let written = String(decoding: h.terminal.bytesWritten, as: UTF8.self)
        #expect(!written.contains("\u{1B}]52;"))
        #expect(!written.contains("\u{1B}]0;"))
        #expect(!written.contains("\u{1B}[2J\u{1B}]"))
        #expect(!written.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x07 || $0.value == 0x9B })
    }
}
