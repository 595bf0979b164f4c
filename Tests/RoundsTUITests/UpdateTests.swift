import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsStore
@testable import RoundsTerminal
@testable import RoundsTUI

// `update` alone: a state, a message, the effects it asks for. No database, no terminal.

let pureNow = RFC3339.parse("2026-11-24T15:00:00Z")!

/// A queue row built in memory, received `minutesAgo` before `pureNow`, due `dueIn` minutes after it.
func memoryRow(_ id: Int64, _ text: String = "is there parking?", route: Route = .answerInThread, urgent: Bool = false,
               minutesAgo: Double = 30, dueIn: Double = 30, platform: Platform = .facebook, kind: ItemKind = .question,
               claim: String? = nil) -> QueueRow {
    let received = pureNow.addingTimeInterval(-minutesAgo * 60)
    let due = pureNow.addingTimeInterval(dueIn * 60)
    let item = Item(id: "ext-\(id)", platform: platform, kind: kind, text: text, receivedAt: received, author: Author(handle: "@user\(id)"))
    let stored = StoredItem(id: id, item: item, route: route, urgent: urgent, spam: false, identifiers: false, status: .open,
                            waitingSince: received, isFollowUp: false, warnAt: due.addingTimeInterval(-15 * 60), dueAt: due,
                            firstResponseAt: nil, lastResponseAt: nil, version: 1, importedAt: received)
    return QueueRow(stored: stored, claim: claim.map { Claim(itemId: id, agent: $0, claimedAt: pureNow, expiresAt: pureNow.addingTimeInterval(600)) })
}

let pureEnv: InboxEnvironment = {
    let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))
    let ctx = ReplyContext(author: "", orgName: "Mercy Valley Health", orgPhone: "(555) 010-4000", orgEmail: "hello@mercyvalley.example",
                           portalURL: "https://portal.mercyvalley.example", emergencyNumber: "911", crisisLine: "988", agent: "dana")
    return InboxEnvironment(replyCheck: ReplyCheck(triage: triage), replyContext: ctx)
}()

func pureState(width: Int = 80, height: Int = 24) -> InboxState {
    InboxState(width: width, height: height, now: pureNow, agent: "dana", orgName: "Mercy Valley Health", timeZone: TimeZone(identifier: "UTC")!)
}

/// A state showing `rows` of a queue of `total`, loaded from `offset`.
func loaded(_ rows: [QueueRow], total: Int? = nil, offset: Int = 0, width: Int = 80, height: Int = 24) -> InboxState {
    var s = pureState(width: width, height: height)
    var counts = QueueCounts()
    counts.open = total ?? rows.count
    _ = update(&s, .queueLoaded(offset: offset, rows: rows, total: total ?? rows.count, counts: counts), pureEnv)
    return s
}

@discardableResult
func press(_ s: inout InboxState, _ keys: Key...) -> [Effect] {
    var effects: [Effect] = []
    for k in keys { effects += update(&s, .key(k), pureEnv) }
    return effects
}

@Suite("Inbox update (pure)")
struct UpdateTests {
    @Test("In a 100,000-item queue only a window around the selection is asked for, however far it moves")
    func windowedQueue() {
        let window = (0..<63).map { memoryRow(Int64($0 + 1)) }
        var s = loaded(window, total: 100_000)
        #expect(s.listHeight == 21)
        // Inside the loaded window: no load.
        #expect(press(&s, .char("j")).isEmpty)
        #expect(s.selected == 1)
        // To the end: one load of a window (three screens) ending at the last row.
        let effects = press(&s, .char("G"))
        #expect(s.selected == 99_999)
        #expect(s.scrollTop == 100_000 - 21)
        guard case .loadQueue(_, _, let offset, let limit, .window)? = effects.first, effects.count == 1 else {
            Issue.record("expected one loadQueue, got \(effects)"); return
        }
        #expect(limit == 63)
        #expect(offset == 100_000 - 21 - 21)
        // Rows not loaded yet are drawn as placeholders, not fetched one by one.
        let screen = render(s, pureEnv).lines
        #expect(screen[1].hasPrefix("  …"))
    }

    @Test("A reload keeps the cursor on the same item when rows arrive above it")
    func cursorFollowsItem() {
        let rows = (1...5).map { memoryRow(Int64($0)) }
        var s = loaded(rows)
        press(&s, .char("j"), .char("j"))
        #expect(s.selectedRow?.id == 3)
        let newcomer = memoryRow(99, urgent: true)
        var counts = QueueCounts()
        counts.open = 6
        _ = update(&s, .queueLoaded(offset: 0, rows: [newcomer] + rows, total: 6, counts: counts), pureEnv)
        #expect(s.selectedRow?.id == 3)
        #expect(s.selected == 3)
    }

    @Test("A clock refresh that already sees another process's new row keeps the cursor on its item (the size is not yet recounted)")
    func clockRefreshSeesNewRow() {
        let rows = (1...5).map { memoryRow(Int64($0)) }
        var s = loaded(rows)
        press(&s, .char("j"), .char("j"), .char("j"), .char("j"))
        #expect(s.selectedRow?.id == 5 && s.selected == 4)
        // The 5-s refresh runs before the change watcher notices the import: six rows, no total.
        _ = update(&s, .queueLoaded(offset: 0, rows: [memoryRow(99)] + rows, total: nil, counts: nil), pureEnv)
        #expect(s.selectedRow?.id == 5, "the cursor stays on the item, not on the row at its old index")
        // Then the watcher's full reload, with the new size.
        _ = update(&s, .queueLoaded(offset: 0, rows: [memoryRow(99)] + rows, total: 6, counts: nil), pureEnv)
        #expect(s.selectedRow?.id == 5 && s.selected == 5)
    }

    @Test("Another process's write reloads the queue, and the open item too")
    func storeChanged() {
        var s = loaded([memoryRow(1), memoryRow(2)])
        // Another process may have changed anything: the counts are fetched too.
        guard case .loadQueue(_, _, _, _, .everything)? = update(&s, .storeChanged, pureEnv).first else { Issue.record("no full reload"); return }
        let effects = press(&s, .enter)
        #expect(effects == [.loadDetail(1), .logViewed(1)])
        #expect(s.screen == .detail)
        // The detail has not arrived yet: only the queue reloads.
        #expect(update(&s, .storeChanged, pureEnv).count == 1)
        _ = update(&s, .detailLoaded(ItemDetail(stored: s.rows[0].stored, thread: [], triage: [], events: [], responses: [], claim: nil)), pureEnv)
        let reload = update(&s, .storeChanged, pureEnv)
        #expect(reload.count == 2 && reload.contains(.loadDetail(1)))
    }

    @Test("Filters start again from the top with one load; x clears every filter")
    func filters() {
        var s = loaded((1...5).map { memoryRow(Int64($0)) })
        press(&s, .char("j"), .char("j"))
        let effects = press(&s, .char("u"))
        #expect(s.selected == 0 && s.scrollTop == 0)
        #expect(s.filter.urgentOnly)
        #expect(effects == [.loadQueue(QueueFilter(urgentOnly: true), .urgency, offset: 0, limit: s.listHeight, .filtered)])
        press(&s, .char("f"))
        #expect(s.filter.route == .answerInThread)
        press(&s, .char("f"))
        #expect(s.filter.route == .redirectPrivate)
        press(&s, .char("x"))
        #expect(s.filter == QueueFilter())
        // A new order changes no count: rows from the top, without counting the queue again.
        #expect(press(&s, .char("o")) == [.loadQueue(QueueFilter(), .age, offset: 0, limit: s.listHeight, .window)])
        #expect(s.total == 5 && s.selected == 0)
    }

    @Test("Incremental search reloads on every key and Esc leaves the prompt")
    func search() {
        var s = loaded([memoryRow(1)])
        press(&s, .char("/"))
        #expect(s.prompt == .search(""))
        let effects = press(&s, .char("p"), .char("a"))
        #expect(s.filter.search == "pa")
        #expect(effects.count == 2)
        press(&s, .escape)
        #expect(s.prompt == nil)
    }

    @Test("A search keystroke (like a filter or sort key) reads one screen of rows; scrolling past it reads the rest")
    func searchReadsOneScreen() {
        var s = loaded([memoryRow(1)])
        press(&s, .char("/"))
        let h = s.listHeight
        // Typing: the rows of one screen only.
        #expect(press(&s, .char("p")) == [.loadQueue(QueueFilter(search: "p"), .urgency, offset: 0, limit: h, .filtered)])
        _ = update(&s, .queueLoaded(offset: 0, rows: (1...Int64(h)).map { memoryRow($0) }, total: 500, counts: nil), pureEnv)
        press(&s, .enter)
        // Moving within the screen reads nothing; the first row below it reads three screens.
        for _ in 1..<h { #expect(press(&s, .char("j")).isEmpty) }
        guard case .loadQueue(_, _, _, let limit, .window)? = press(&s, .char("j")).first else {
            Issue.record("scrolling past the screen read no rows")
            return
        }
        #expect(limit == windowSize(s))
    }

    @Test("Timers tick every second; the queue and counts reload once every 5 s")
    func ticks() {
        var s = loaded([memoryRow(1)])
        let base = pureNow.addingTimeInterval(1)  // 15:00:01
        #expect(update(&s, .tick(base), pureEnv).isEmpty)
        #expect(s.now == base)
        #expect(update(&s, .tick(base.addingTimeInterval(1)), pureEnv).isEmpty)
        // Every 5 s: the rows and the counts (items become due soon and breached), not the queue size.
        let refresh = update(&s, .tick(pureNow.addingTimeInterval(5)), pureEnv)
        guard case .loadQueue(_, _, _, _, .clock)? = refresh.first, refresh.count == 1 else { Issue.record("\(refresh)"); return }
    }

    @Test("A public reply that repeats the post's health detail is blocked: no confirmation, no send")
    func blockedReply() {
        var s = loaded([memoryRow(1, "my asthma is flaring since my visit, can i come in?", route: .redirectPrivate)])
        press(&s, .char("R"))
        #expect(s.screen == .composer)
        for c in "Sorry your asthma is flaring" { press(&s, .char(c)) }
        let effects = press(&s, .ctrl("d"))
        #expect(effects.isEmpty)
        #expect(s.prompt == nil)
        #expect(s.composer?.issues.contains { $0.code == "repeats_health_detail" } == true)
        #expect(s.status?.kind == .error && s.status?.text.hasPrefix("Blocked") == true)
    }

    @Test("A clean reply asks for confirmation; y sends the composer as it is, n goes back to it")
    func confirmAndSend() throws {
        var s = loaded([memoryRow(7, "what time does the pharmacy open?")])
        press(&s, .char("R"))
        for c in "We open at 9." { press(&s, .char(c)) }
        #expect(press(&s, .ctrl("d")).isEmpty)
        #expect(s.prompt == .confirm(.send))
        press(&s, .char("n"))
        #expect(s.prompt == nil && s.screen == .composer)
        press(&s, .ctrl("d"))
        let effects = press(&s, .char("y"))
        let c = try #require(s.composer)
        #expect(effects == [.send(c)])
        #expect(c.text.string == "We open at 9." && c.version == 1 && c.mode == .single(.publicReply))
    }

    @Test("A refused or failed send keeps the draft in the composer; a recorded one clears it")
    func draftSurvivesFailure() {
        var s = loaded([memoryRow(7, "what time does the pharmacy open?")])
        press(&s, .char("R"))
        for c in "We open at 9." { press(&s, .char(c)) }
        _ = update(&s, .refused("lee replied at 14:58"), pureEnv)
        #expect(s.composer?.text.string == "We open at 9.")
        #expect(s.screen == .composer)
        #expect(s.status?.text == "Not sent: lee replied at 14:58")
        _ = update(&s, .failed("Nothing was recorded: the disk is full. Your draft is kept."), pureEnv)
        #expect(s.composer?.text.string == "We open at 9.")
        _ = update(&s, .recorded("Recorded public reply"), pureEnv)
        #expect(s.screen == .queue)  // the composer was opened from the queue: back there, not to an empty item
        #expect(s.composer == nil && s.drafts[7] == nil)
    }

    @Test("Leaving the composer keeps the draft; R on the same item brings it back")
    func draftsKept() {
        var s = loaded([memoryRow(7), memoryRow(8)])
        press(&s, .char("R"), .char("H"), .char("i"), .escape)
        #expect(s.drafts[7]?.text.string == "Hi")
        #expect(s.screen == .queue)
        press(&s, .char("j"), .char("R"))
        #expect(s.composer?.itemID == 8 && s.composer?.text.string == "")
        press(&s, .escape, .char("k"), .char("R"))
        #expect(s.composer?.text.string == "Hi")
    }

    @Test("Redirect prefills both texts; the channel key cycles DM → e-mail → phone")
    func redirect() throws {
        var s = loaded([memoryRow(3, "my results from last week are missing", route: .redirectPrivate)])
        press(&s, .char("P"))
        let c = try #require(s.composer)
        #expect(c.mode == .redirect(.privateMessage))
        #expect(c.acknowledgement?.string.contains("@user3") == true)
        #expect(!c.text.isBlank)
        // Prefilled texts open at their start: the greeting is on screen, not the sign-off.
        #expect(c.text.cursor == 0 && c.acknowledgement?.cursor == 0)
        press(&s, .ctrl("n"))
        #expect(s.composer?.mode == .redirect(.email))
        #expect(s.composer?.text.cursor == 0)
        #expect(render(s, pureEnv).lines.contains { $0.contains("Thank you for getting in touch") })
        press(&s, .ctrl("n"))
        #expect(s.composer?.mode == .redirect(.phone))
        press(&s, .ctrl("n"))
        #expect(s.composer?.mode == .redirect(.privateMessage))
    }

    @Test("Spam asks first; y records the status change, n records nothing")
    func spamConfirmation() {
        var s = loaded([memoryRow(4, "buy followers now")])
        press(&s, .char("S"))
        guard case .confirm(.setStatus(4, .hidden, .hiddenAsSpam, _))? = s.prompt else { Issue.record("no confirmation: \(String(describing: s.prompt))"); return }
        #expect(press(&s, .char("n")).isEmpty)
        press(&s, .char("S"))
        #expect(press(&s, .char("y")) == [.setStatus(itemID: 4, status: .hidden, event: .hiddenAsSpam)])
    }

    @Test("Resizing keeps the selection on screen; below 40×10 the inbox says it is too small")
    func resize() {
        var s = loaded((1...40).map { memoryRow(Int64($0)) })
        press(&s, .char("G"))
        #expect(s.selected == 39)
        _ = update(&s, .resized(width: 60, height: 12), pureEnv)
        #expect(s.scrollTop <= 39 && 39 < s.scrollTop + s.listHeight)
        _ = update(&s, .resized(width: 20, height: 6), pureEnv)
        #expect(s.tooSmall)
        #expect(render(s, pureEnv).lines[0].hasPrefix("Terminal too small"))
        _ = update(&s, .resized(width: 80, height: 24), pureEnv)
        #expect(!s.tooSmall && s.selected == 39)
    }
}
