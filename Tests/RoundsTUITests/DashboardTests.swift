import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsStore
@testable import RoundsSummary
@testable import RoundsTerminal
@testable import RoundsTUI

@Suite("Inbox: shift dashboard", .serialized)
struct DashboardTests {
    /// basicQueue at 15:00Z (10:00 in New York): a public reply to @late, then, 10 minutes later,
    /// the urgent @help escalated; @soon and @fresh stay open.
    static func workedShift(width: Int = 100, height: Int = 30) throws -> Harness {
        let h = try Harness(items: basicQueue, width: width, height: height)
        h.press(.char("j"))
        #expect(h.app.state.selectedRow?.stored.item.id == "late")
        h.press(.char("R"))
        h.type("We open at 9 on weekdays.")
        h.press(.ctrl("d"), .char("y"))
        h.clock.advance(by: 600)
        #expect(h.app.state.screen == .queue)  // opened from the queue, the composer returns there
        h.press(.char("g"))
        #expect(h.app.state.selectedRow?.stored.item.id == "help")
        h.press(.char("E"), .ctrl("d"), .char("y"))
        #expect(h.app.state.counts.open == 2)
        h.clock.advance(by: 60)  // the dashboard a minute later (the window ends at "now", exclusive)
        return h
    }

    @Test("t opens the dashboard: the window, totals, first-reply times, SLA, charts and the handover in SLA order")
    func dashboard() throws {
        let h = try Self.workedShift()
        h.press(.char("t"))
        #expect(h.app.state.screen == .dashboard)
        let lines = h.lines
        #expect(lines[1] == " Shift Tue 24 Nov 2026 10:00–10:11 · dana · since your first action today")
        #expect(lines.contains { $0.contains("Answered in thread 1") && $0.contains("escalated 1") })
        #expect(lines.contains { $0.contains("First reply: median") && $0.contains("(2 items)") })
        // Two charts side by side at 100 columns, bars in block characters.
        let chartTitle = try #require(lines.firstIndex { $0.contains("First replies by hour") })
        #expect(lines[chartTitle].contains("SLA met by route"))
        #expect(lines[chartTitle + 1].hasPrefix(" 10:00 █"))
        #expect(lines[(chartTitle + 1)...].prefix(3).contains { $0.contains("PRIVATE") && $0.contains("█") })
        // The handover: the two open items, the one due first first, with their timers.
        let handover = try #require(lines.firstIndex { $0.contains("Handover: 2 items") })
        let soon = try #require(h.app.state.rows.first { $0.stored.item.id == "soon" }?.id)
        let fresh = try #require(h.app.state.rows.first { $0.stored.item.id == "fresh" }?.id)
        #expect(lines[handover + 1].contains("#\(soon) FB ques PUBLIC"))
        #expect(lines[handover + 2].contains("#\(fresh) FB comm PRIVATE"))
        #expect(lines[handover + 1].hasPrefix(" ⏱ ") || lines[handover + 1].hasPrefix(" +"))
        // No patient text and no handles on the dashboard.
        #expect(!h.text.contains("parking") && !h.text.contains("@soon") && !h.text.contains("asthma"))
        #expect(lines.last == "? keys  Esc back  e export  j next row  k previous row  C-l reload")
        // Esc goes back to where it was opened.
        h.press(.escape)
        #expect(h.app.state.screen == .queue)
    }

    @Test("At 80 columns the charts stack; nothing is drawn past the edge")
    func narrow() throws {
        let h = try Self.workedShift(width: 80, height: 40)
        h.press(.char("t"))
        let lines = h.lines
        let hourly = try #require(lines.firstIndex { $0.contains("First replies by hour") })
        #expect(!lines[hourly].contains("SLA met by route"))
        #expect(lines[(hourly + 1)...].contains { $0 == " SLA met by route" })
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 80 })
    }

    @Test("e exports Markdown, CSV (items and totals) and JSON, each mode 0600, and says where")
    func export() throws {
        let h = try Self.workedShift()
        h.press(.char("t"), .char("e"))
        let dir = h.dir.appendingPathComponent("exports").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["shift-dana-2026-11-24-1011-totals.csv", "shift-dana-2026-11-24-1011.csv",
                          "shift-dana-2026-11-24-1011.json", "shift-dana-2026-11-24-1011.md"])
        for f in files {
            #expect(try FileManager.default.attributesOfItem(atPath: dir + "/" + f)[.posixPermissions] as? Int == 0o600, "\(f)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/shift-dana-2026-11-24-1011.json")))
        #expect(json is [String: Any])
        let md = try String(contentsOfFile: dir + "/shift-dana-2026-11-24-1011.md", encoding: .utf8)
        #expect(md.contains("Mercy Valley Health"))
        #expect(!md.contains("parking"))
        #expect(h.lines[h.lines.count - 2].hasPrefix("Exported \(dir)/shift-dana-2026-11-24-1011.md"))
    }

    @Test("The dashboard follows the database: another manager's reply shows without leaving it")
    func liveDashboard() throws {
        let h = try Self.workedShift()
        h.press(.char("t"))
        #expect(h.text.contains("Handover: 2 items"))
        let lee = try AppDatabase.open(path: h.db.path, clock: h.clock)
        let soon = try #require(try lee.item(platform: .facebook, externalID: "soon"))
        _ = try lee.recordResponse(itemID: soon.id, expectedVersion: soon.version, agent: "lee", channel: .publicReply,
                                   text: "Yes, it is free.", sla: h.sla)
        _ = h.app.step(timeoutMs: 0)
        #expect(h.text.contains("Handover: 1 item "))
    }

    @Test("Pure update: t asks for the summary; e exports what is shown; nothing to export while it loads")
    func pureKeys() {
        var s = loaded([memoryRow(1)])
        #expect(press(&s, .char("t")) == [.loadSummary])
        #expect(s.screen == .dashboard && s.summary == nil)
        #expect(press(&s, .char("e")).isEmpty)
        #expect(update(&s, .storeChanged, pureEnv).contains(.loadSummary))
        press(&s, .char("?"))
        #expect(s.helpContext == .dashboard)
        press(&s, .char("x"))
        #expect(s.screen == .dashboard)
        press(&s, .escape)
        #expect(s.screen == .queue)
    }
}
