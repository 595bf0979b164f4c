import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tests of the tmux end-to-end harness itself (Tmux.swift), with plain shell programs.
@Suite("Tmux harness", .requiresTmux)
struct TmuxHarnessTests {
    @Test("Types into a program, sees its answer, reads its exit status")
    func readLineAndExit() throws {
        let tmux = try TmuxSession(command: ["sh", "-c", #"printf "ready\n"; read line; printf "got:%s\n" "$line"; exit 7"#])
        try tmux.waitForText("ready")
        #expect(try !tmux.screen().contains { $0.contains("got:") })
        try tmux.type("hello")
        try tmux.press("Enter")
        let screen = try tmux.waitForText("got:hello")
        #expect(screen.count == 24, "one line per row")
        #expect(try tmux.waitForExit() == 7)
    }

    @Test("The session has the requested size, TERM, UTF-8 locale and extra environment")
    func sizeAndEnvironment() throws {
        let tmux = try TmuxSession(
            command: ["sh", "-c", #"printf "size=%s term=%s lang=%s extra=%s\n" "$(stty size)" "$TERM" "$LC_ALL" "$ROUNDS_HARNESS_X"; exit 0"#],
            width: 100, height: 30, environment: ["ROUNDS_HARNESS_X": "x y;z"])
        let screen = try tmux.waitForText("size=")
        #expect(screen.count == 30)
        #expect(screen.contains("size=30 100 term=xterm-256color lang=C.UTF-8 extra=x y;z"), "\(screen)")
        #expect(try tmux.waitForExit() == 0)
    }

    @Test("tmux and the program start with no blocked signals (Swift Testing's thread mask is not inherited)")
    func signalMask() throws {
        #if os(Linux)
        let tmux = try TmuxSession(command: ["sh", "-c", #"grep -E "^Sig(Blk|Ign):" /proc/self/status; exit 3"#])
        let screen = try tmux.waitForText("SigIgn:")
        // capture-pane shows the tab as spaces.
        #expect(screen.contains { $0.split(separator: " ") == ["SigBlk:", "0000000000000000"] }, "\(screen)")
        // The server: with the test thread's mask it would never see SIGCHLD/SIGHUP/SIGTERM (tmux 3.3a resets
        // the pane's mask, but not its own).
        let server = try String(contentsOfFile: "/proc/\(tmux.serverPID)/status", encoding: .utf8)
        #expect(server.split(separator: "\n").contains("SigBlk:\t0000000000000000"), "\(server)")
        #expect(try tmux.waitForExit() == 3)
        #endif
    }

    @Test("resize-window reaches the program as SIGWINCH with the new size")
    func resizeDeliversSIGWINCH() throws {
        let tmux = try TmuxSession(command: ["sh", "-c", #"trap 'echo "winch $(stty size)"' WINCH; echo "start $(stty size)"; while :; do sleep 0.05; done"#])
        try tmux.waitForText("start 24 80")
        try tmux.resize(width: 100, height: 30)
        let screen = try tmux.waitForText("winch 30 100")
        #expect(screen.count == 30)
        try tmux.resize(width: 60, height: 15)
        try tmux.waitForText("winch 15 60")
        #expect(try tmux.screen().count == 15)
    }

    @Test("C-c interrupts the program, not the wrapper: exit status 130")
    func interrupt() throws {
        let tmux = try TmuxSession(command: ["sh", "-c", "echo sleeping; exec sleep 600"])
        try tmux.waitForText("sleeping")
        try tmux.press("C-c")
        #expect(try tmux.waitForExit() == 130)
    }

    @Test("A missing program ends with status 127 instead of hanging the test")
    func missingProgram() throws {
        let tmux = try TmuxSession(command: ["/nonexistent/rounds-harness-no-such-program"])
        #expect(try tmux.waitForExit() == 127)
    }

    @Test("waitFor gives up after its timeout and the error carries the last screen")
    func timeoutCarriesScreen() throws {
        let tmux = try TmuxSession(command: ["sh", "-c", "echo 'visible line'; sleep 600"])
        try tmux.waitForText("visible line")
        let start = Date()
        do {
            try tmux.waitFor("the impossible", timeout: 0.3) { _ in false }
            Issue.record("waitFor returned although the predicate never held")
        } catch let error as TmuxTimeout {
            let elapsed = Date().timeIntervalSince(start)
            #expect(elapsed >= 0.3 && elapsed < 5, "elapsed \(elapsed)")
            #expect(error.what == "the impossible")
            #expect(error.lastScreen.count == 24)
            #expect(error.lastScreen.contains("visible line"))
            #expect(error.description.contains("the impossible"))
            #expect(error.description.contains("|visible line"))
        }
        // waitForText and waitForExit time out the same way.
        #expect(throws: TmuxTimeout.self) { try tmux.waitForText("never printed", timeout: 0.2) }
        #expect(throws: TmuxTimeout.self) { _ = try tmux.waitForExit(timeout: 0.2) }
    }

    @Test("UTF-8 round trip: typed text (accents, CJK) comes back on screen")
    func utf8RoundTrip() throws {
        let tmux = try TmuxSession(command: ["cat"])
        try tmux.type("café 你好")
        try tmux.press("Enter")
        // The terminal echoes the line, then cat writes it back: twice.
        let screen = try tmux.waitFor("the line twice") { $0.filter { $0 == "café 你好" }.count == 2 }
        #expect(screen.prefix(2) == ["café 你好", "café 你好"])
    }

    @Test("Literal text is sent as is: semicolons, leading dash, key names as words")
    func literalText() throws {
        let tmux = try TmuxSession(command: ["cat"])
        try tmux.type("-a;b; Enter C-c ;")
        try tmux.press("Enter")
        try tmux.waitFor("the line twice") { $0.filter { $0 == "-a;b; Enter C-c ;" }.count == 2 }
        try tmux.press("C-d")
        #expect(try tmux.waitForExit() == 0)
    }

    @Test("Raw output: OSC 52 and title changes are captured; capture-pane -e shows attributes only")
    func capturedEscapes() throws {
        let tmux = try TmuxSession(command: ["sh", "-c",
            #"printf '\033]0;pwned-title\007\033]52;c;aGFjaw==\007\033[1mbold\033[0m first\n'; read x; printf '\033]2;second-title\007second\n'; sleep 600"#])
        try tmux.waitForText("bold first")
        let raw = try tmux.capturedEscapes()
        // The very first bytes the program wrote are there (the recording starts before the program).
        #expect(raw.hasPrefix("\u{1b}]0;pwned-title\u{07}"), "\(raw.debugDescription)")
        #expect(raw.contains("\u{1b}]52;c;aGFjaw==\u{07}"))
        #expect(!raw.contains("rounds-harness-sync"), "the harness's own markers are removed")
        #expect(try tmux.paneTitle() == "pwned-title")

        let rendered = try tmux.screenWithEscapes()
        #expect(rendered.contains("\u{1b}[1mbold"))
        #expect(!rendered.contains("]52;") && !rendered.contains("pwned-title"), "capture-pane -e never shows OSC sequences")

        // Output written just before the call is included (the capture is synchronised, not "so far").
        try tmux.press("Enter")
        try tmux.waitForText("second")
        let again = try tmux.capturedEscapes()
        #expect(again.contains("\u{1b}]2;second-title\u{07}second"))
        #expect(again.hasPrefix(raw))
        #expect(try tmux.paneTitle() == "second-title")
    }

    @Test("kill() leaves no tmux server, no pane process and no socket directory")
    func killCleansUp() throws {
        let tmux = try TmuxSession(command: ["sh", "-c", "echo up; sleep 600"])
        try tmux.waitForText("up")
        #expect(FileManager.default.fileExists(atPath: tmux.socketPath))
        #expect(!TmuxSession.processGone(tmux.serverPID))
        #expect(!TmuxSession.groupGone(tmux.panePID))
        tmux.kill()
        #expect(tmux.forcedKill == [], "kill-server alone ends a well-behaved session")
        #expect(TmuxSession.processGone(tmux.serverPID))
        #expect(TmuxSession.groupGone(tmux.panePID))
        #expect(!FileManager.default.fileExists(atPath: tmux.socketDirectory))
        // No server answers on that socket any more.
        let ls = try TmuxRun.run([TmuxSession.tmuxPath!, "-S", tmux.socketPath, "list-sessions"], environment: nil, timeout: 5)
        #expect(ls.status != 0)
        tmux.kill()  // idempotent
    }

    @Test("deinit cleans up too")
    func deinitCleansUp() throws {
        var tmux: TmuxSession? = try TmuxSession(command: ["sh", "-c", "echo up; sleep 600"])
        try tmux!.waitForText("up")
        let (server, pane, dir) = (tmux!.serverPID, tmux!.panePID, tmux!.socketDirectory)
        tmux = nil
        #expect(TmuxSession.processGone(server))
        #expect(TmuxSession.groupGone(pane))
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test("A program that ignores SIGHUP does not outlive kill()")
    func killForcesStubbornProgram() throws {
        let tmux = try TmuxSession(command: ["sh", "-c", "trap '' HUP; echo up; while :; do sleep 1; done"])
        try tmux.waitForText("up")
        tmux.kill()
        #expect(tmux.forcedKill == ["pane process group"], "only the program that ignores SIGHUP needs SIGKILL")
        #expect(TmuxSession.processGone(tmux.serverPID))
        #expect(TmuxSession.groupGone(tmux.panePID))
        #expect(!FileManager.default.fileExists(atPath: tmux.socketDirectory))
    }

    @Test("The EXIT= marker is read from the end of a row, last one wins")
    func exitMarkerParsing() {
        #expect(TmuxSession.exitMarker("EXIT=0") == 0)
        #expect(TmuxSession.exitMarker("leftover textEXIT=130   ") == 130)
        #expect(TmuxSession.exitMarker("EXIT=") == nil)
        #expect(TmuxSession.exitMarker("EXIT=12x") == nil)
        #expect(TmuxSession.exitMarker("no marker") == nil)
    }
}
