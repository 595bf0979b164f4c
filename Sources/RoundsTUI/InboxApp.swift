import Foundation
import RoundsCore
import RoundsStore
import RoundsTerminal

/// The terminal loop: one thread owns the terminal; messages go through ``update(_:_:_:)``,
/// effects through the ``EffectRunner``, and every frame is rendered whole into a buffer and
/// diffed to the terminal. Idle, it sleeps in the terminal's key read (250 ms timeout).
public final class InboxApp {
    public private(set) var state: InboxState
    let env: InboxEnvironment
    let terminal: Terminal
    let runner: EffectRunner
    let clock: any RoundsCore.Clock
    let watcher: ChangeWatcher?
    private var lastTick: Int

    public init(state: InboxState, env: InboxEnvironment, terminal: Terminal, runner: EffectRunner,
                clock: any RoundsCore.Clock, watcher: ChangeWatcher?) {
        self.state = state
        self.env = env
        self.terminal = terminal
        self.runner = runner
        self.clock = clock
        self.watcher = watcher
        lastTick = Int(clock.now.timeIntervalSince1970)
    }

    /// Sends a message through `update` and runs the effects it asks for, until none are left.
    public func send(_ message: Message) {
        var queue = [message]
        while !queue.isEmpty {
            let m = queue.removeFirst()
            let effects = update(&state, m, env)
            for e in effects { queue += runner.run(e) }
        }
    }

    /// First load and first frame.
    public func start() {
        let size = terminal.size
        state.width = size.width
        state.height = size.height
        send(.tick(clock.now))
        send(.storeChanged)
        draw()
        runner.prepareSearch()
    }

    /// Returns once the reads the inbox started in the background (the search index, after the
    /// first frame) have ended: for benchmarks that time a settled inbox.
    public func waitForBackgroundReads() { runner.waitForBackgroundReads() }

    @discardableResult
    public func draw() -> Int { terminal.draw(render(state, env)) }

    /// One turn of the loop: wait for a key (up to `timeoutMs`), then handle it, the clock and
    /// other processes' changes. Returns false when the inbox should close.
    public func step(timeoutMs: Int) -> Bool {
        let key = terminal.readKey(timeoutMs: timeoutMs)
        if terminal.interrupted { return false }
        if let key {
            if key == .resize {
                let size = terminal.size
                send(.resized(width: size.width, height: size.height))
            } else {
                send(.key(key))
            }
        }
        let now = Int(clock.now.timeIntervalSince1970)
        if now != lastTick {
            lastTick = now
            send(.tick(clock.now))
        }
        if let watcher, (try? watcher.poll()) == true { send(.storeChanged) }
        draw()
        return !state.quitting
    }

    public func run() {
        start()
        while step(timeoutMs: 250) {}
    }
}
