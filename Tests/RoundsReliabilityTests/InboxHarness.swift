import Foundation
import RoundsCore
import RoundsStore
import RoundsTerminal
import RoundsTUI

/// An inbox on a database, a fixed clock and the test terminal (as in RoundsTUITests' Harness),
/// for driving the real update/render/effect loop in reliability tests.
final class InboxHarness {
    let db: AppDatabase
    let clock: FixedClock
    let terminal: TestTerminal
    let app: InboxApp
    static let sla = SLAEngine(calendar: .officeHours(TimeZone(identifier: "America/New_York")!))
    static let triage = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))

    init(db: AppDatabase, clock: FixedClock, width: Int = 100, height: Int = 30, agent: String = "dana") throws {
        self.db = db
        self.clock = clock
        terminal = TestTerminal(width: width, height: height)
        let tz = TimeZone(identifier: "America/New_York")!
        let ctx = ReplyContext(author: "", orgName: "Mercy Valley Health", orgPhone: "(555) 010-4000", orgEmail: "hello@mercyvalley.example",
                               portalURL: "https://portal.mercyvalley.example", emergencyNumber: "911", crisisLine: "988", agent: agent)
        let env = InboxEnvironment(replyCheck: ReplyCheck(triage: Self.triage), replyContext: ctx)
        let state = InboxState(width: width, height: height, now: clock.now, agent: agent, orgName: "Mercy Valley Health", timeZone: tz)
        let runner = EffectRunner(db: db, sla: Self.sla, agent: agent, terminal: terminal, timeZone: tz)
        app = InboxApp(state: state, env: env, terminal: terminal, runner: runner, clock: clock, watcher: try ChangeWatcher(path: db.path))
        app.start()
    }

    /// Feeds keys and runs the loop until they are consumed.
    func press(_ keys: Key...) { press(keys) }

    func press(_ keys: [Key]) {
        terminal.feed(keys)
        for _ in keys { _ = app.step(timeoutMs: 0) }
    }

    func type(_ text: String) {
        for c in text { press(.char(c)) }
    }

    var lines: [String] { terminal.screen.lines }
    var text: String { lines.joined(separator: "\n") }
}
