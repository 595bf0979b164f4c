import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsStore
@testable import RoundsTerminal
@testable import RoundsTUI

/// Views rendered into buffers of fixed sizes, compared line by line (trailing blanks trimmed).
@Suite("Inbox views in fixed-size buffers")
struct ViewTests {
    static let queue = [
        memoryRow(1, "i can't breathe and my chest hurts right now", route: .redirectPrivate, urgent: true, minutesAgo: 3, dueIn: 12, platform: .x, kind: .dm),
        memoryRow(2, "my asthma is flaring since my visit last week, can i come in today?", route: .redirectPrivate, minutesAgo: 20, dueIn: -5, kind: .comment, claim: "lee"),
        memoryRow(3, "what time does the pharmacy open on saturday?", minutesAgo: 50, dueIn: 10),
        memoryRow(4, "病院の駐車場は無料ですか？ 🚗", minutesAgo: 125, dueIn: 95, platform: .instagram),
    ]

    static func queueState(width: Int, height: Int) -> InboxState {
        var s = loaded(queue, width: width, height: height)
        var c = QueueCounts()
        c.open = 4; c.breached = 1; c.dueSoon = 1; c.urgent = 1
        s.counts = c
        return s
    }

    /// Expected screen: the given lines, then empty lines down to the hint bar (the last line).
    static func screen(_ lines: [String], hints: String, height: Int) -> [String] {
        lines + Array(repeating: "", count: height - lines.count - 1) + [hints]
    }

    @Test("Queue at 80×24: timer, age, platform, kind, badge, urgent mark, claim or author, first line")
    func queue80() {
        let lines = render(Self.queueState(width: 80, height: 24), pureEnv).lines
        #expect(lines == Self.screen([
            " Rounds · Mercy Valley Health │ open 4 · breached 1 · due soon 1 · urgent 1",
            "▶⏱ 12m      3m   X  dm   PRIVATE ! @user1      i can't breathe and my chest hur…",
            " +5m        20m  FB comm PRIVATE   ⚑lee        my asthma is flaring since my vi…",
            " ⏱ 10m      50m  FB ques PUBLIC    @user3      what time does the pharmacy open…",
            " ⏱ 1h 35m   2h   IG ques PUBLIC    @user4      病院の駐車場は無料ですか？ 🚗",
        ], hints: "? keys  q quit  Enter open  R reply  P private  E escalate  C claim  / search", height: 24))
    }

    @Test("Queue at 100×30: claim and author in their own columns")
    func queue100() {
        let lines = render(Self.queueState(width: 100, height: 30), pureEnv).lines
        #expect(lines == Self.screen([
            " Rounds · Mercy Valley Health │ open 4 · breached 1 · due soon 1 · urgent 1",
            "▶⏱ 12m      3m   X  dm   PRIVATE !          @user1       i can't breathe and my chest hurts right n…",
            " +5m        20m  FB comm PRIVATE   ⚑lee     @user2       my asthma is flaring since my visit last w…",
            " ⏱ 10m      50m  FB ques PUBLIC             @user3       what time does the pharmacy open on saturd…",
            " ⏱ 1h 35m   2h   IG ques PUBLIC             @user4       病院の駐車場は無料ですか？ 🚗",
        ], hints: "? keys  q quit  Enter open  R reply  P private  E escalate  C claim  / search  f route  u urgent", height: 30))
    }

    @Test("Queue at 60×20: the header drops the organisation, rows drop the who-column, wide text is cut on a column boundary")
    func queue60() {
        let lines = render(Self.queueState(width: 60, height: 20), pureEnv).lines
        #expect(lines == Self.screen([
            " Rounds │ open 4 · breached 1 · due soon 1 · urgent 1",
            "▶⏱ 12m      3m   X  dm   PRIVATE ! i can't breathe and my c…",
            " +5m        20m  FB comm PRIVATE   my asthma is flaring sin…",
            " ⏱ 10m      50m  FB ques PUBLIC    what time does the pharm…",
            " ⏱ 1h 35m   2h   IG ques PUBLIC    病院の駐車場は無料ですか…",
        ], hints: "? keys  q quit  Enter open  R reply  P private  E escalate", height: 20))
    }

    @Test("Styles: the selected row is reversed, a breached timer and the PRIVATE badge have their own styles")
    func styles() {
        let b = render(Self.queueState(width: 80, height: 24), pureEnv)
        // Reverse is toggled on the selected row, so the (reversed) urgent mark stands out there too.
        #expect((0..<80).allSatisfy { b[x: $0, y: 1].style.reverse == ($0 != 33) })
        #expect(!(0..<80).contains { b[x: $0, y: 2].style.reverse })
        #expect(b[x: 1, y: 2].style == Theme.breached)  // "+5m"
        #expect(b[x: 1, y: 3].style != Theme.breached)  // "⏱ 10m"
        #expect(b[x: 26, y: 2].style == Theme.privateBadge && b[x: 26, y: 3].style == Theme.publicBadge)
        #expect(b[x: 33, y: 1].style.fg == Theme.urgent.fg && b.lines[1].dropFirst(33).first == "!")
    }

    @Test("Detail at 80×24: header, verdict, wrapped text with the evidence highlighted, reasons")
    func detail() throws {
        var s = Self.queueState(width: 80, height: 24)
        press(&s, .char("j"), .enter)
        let stored = s.rows[1].stored
        let decision = Triage().classify(stored.item)
        #expect(decision.route == .redirectPrivate)
        let record = TriageRecord(itemId: stored.id, source: "auto", decision: decision, agent: nil, why: nil, at: pureNow)
        _ = update(&s, .detailLoaded(ItemDetail(stored: stored, thread: [], triage: [record], events: [], responses: [],
                                                claim: s.rows[1].claim)), pureEnv)
        let b = render(s, pureEnv)
        #expect(Array(b.lines.prefix(7)) == [
            " Rounds · Mercy Valley Health │ open 4 · breached 1 · due soon 1 · urgent 1",
            "  #2 · facebook comment · @user2 · received 14:40 (20m ago)",
            "  PRIVATE — redirect to DM, e-mail or phone · SLA: +5m",
            "  Claimed by lee until 15:10",
            "",
            "  my asthma is flaring since my visit last week, can i come in today?",
            "",
        ])
        #expect(b.lines[7] == "  Why")
        let reasons = b.lines.dropFirst(8).prefix { !$0.isEmpty }
        #expect(reasons.count == decision.reasons.count)
        #expect(reasons.allSatisfy { $0.hasPrefix("  • ") })
        // Every evidence phrase found in the text is underlined where it stands.
        for r in decision.reasons where !r.evidence.isEmpty {
            guard let range = stored.item.text.range(of: r.evidence, options: .caseInsensitive) else { continue }
            let col = 2 + DisplayWidth.of(String(stored.item.text[..<range.lowerBound]))
            #expect(b[x: col, y: 5].style.underline, "evidence “\(r.evidence)” at column \(col)")
        }
        #expect(!b[x: 2, y: 5].style.underline || decision.reasons.contains { stored.item.text.lowercased().hasPrefix($0.evidence.lowercased()) })
        #expect(b.lines.last == "? keys  Esc back  R reply  P private  E escalate  S spam  N no reply  I note")
    }

    @Test("Redirect composer at 80×24: both fields, the channel, the hint bar")
    func redirectComposer() {
        var s = Self.queueState(width: 80, height: 24)
        press(&s, .char("j"), .char("P"), .ctrl("n"))
        let lines = render(s, pureEnv).lines
        #expect(lines[1] == " To @user2 on facebook:")
        #expect(lines[2] == " │ my asthma is flaring since my visit last week, can i come in today?")
        #expect(lines[4] == " 1 · Public acknowledgement (in the thread)")
        #expect(lines[5].hasPrefix("   Hi @user2, thanks for reaching out."))
        #expect(lines.contains(" 2 · Private message by e-mail"))
        #expect(lines[22] == "Private channel: e-mail")
        #expect(lines[23] == "C-d send  Esc leave  C-o $EDITOR  C-t saved reply  Tab field  C-n channel")
    }

    @Test("Help lists every binding in force for the context it was opened from")
    func help() {
        var s = Self.queueState(width: 80, height: 24)
        press(&s, .char("?"))
        let lines = render(s, pureEnv).lines
        #expect(lines[1] == " Keys in the queue · any key closes")
        for action in Action.allCases where !pureEnv.keymap.keys(for: action, in: .queue).isEmpty {
            #expect(lines.contains { $0.contains(action.help) }, "\(action) is missing from ?")
        }
        #expect(!lines.contains { $0.contains(Action.send.help) })
        #expect(lines[23] == "any key: back")
    }

    @Test("Too small: 20×6 and 39×24 say so and draw nothing else")
    func tooSmall() {
        for (w, h) in [(20, 6), (39, 24), (80, 9)] {
            let lines = render(Self.queueState(width: w, height: h), pureEnv).lines
            #expect(lines.count == h)
            #expect(lines[0] == String("Terminal too small".prefix(w)))
            #expect(lines[1] == String("need 40×10, have \(w)×\(h)".prefix(w)))
            #expect(lines.dropFirst(2).allSatisfy { $0.isEmpty })
        }
    }
}
