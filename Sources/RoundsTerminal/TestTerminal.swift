/// A terminal for tests: keys are fed in, frames are recorded, and `screen` is what a real
/// terminal would show after the diffs were applied. `bytesWritten` is an ANSI rendering of what
/// was sent (cursor moves, SGR styles, text) for "no raw control byte" assertions.
public final class TestTerminal: Terminal {
    public private(set) var size: (width: Int, height: Int)
    /// Every drawn buffer, in order.
    public private(set) var frames: [Buffer] = []
    /// What the "terminal" shows now (after the diffs).
    public private(set) var screen: Buffer
    /// Cells sent by the last `draw`.
    public private(set) var lastCellsSent = 0
    /// An ANSI rendering of everything sent so far.
    public private(set) var bytesWritten: [UInt8] = []
    /// False: `frames` and `bytesWritten` are not kept (benchmarks over thousands of frames).
    public var keepsHistory = true
    /// Set it to simulate SIGINT/SIGTERM/SIGHUP.
    public var interrupted = false
    public private(set) var isSuspended = false
    public private(set) var suspendCount = 0
    public private(set) var isShutDown = false
    /// Timeouts passed to `readKey`, in order.
    public private(set) var readTimeouts: [Int] = []

    private var queue: [Key] = []
    private var queueStart = 0
    private var pendingResize = false
    private var lastFrame: Buffer?

    public init(width: Int, height: Int) {
        size = (max(0, width), max(0, height))
        screen = Buffer(width: max(0, width), height: max(0, height))
    }

    /// Changes the size; the next `readKey` returns `.resize` and the next `draw` is full.
    public func resize(width: Int, height: Int) {
        size = (max(0, width), max(0, height))
        pendingResize = true
        lastFrame = nil
    }

    /// Queues input; `readKey` returns nil once it is used up.
    public func feed(_ keys: [Key]) {
        queue.append(contentsOf: keys)
    }

    /// Keys fed but not read yet.
    public var pendingKeys: Int { queue.count - queueStart }

    @discardableResult
    public func draw(_ buffer: Buffer) -> Int {
        if keepsHistory { frames.append(buffer) }
        let full = lastFrame == nil || lastFrame!.width != buffer.width || lastFrame!.height != buffer.height
        var out: [UInt8] = []
        if full {
            screen = Buffer(width: size.width, height: size.height)
            out += Array("\u{1B}[0m\u{1B}[H\u{1B}[2J".utf8)
        }
        var current: Style? = full ? .plain : nil
        var sent = 0
        for run in FrameDiff.runs(from: full ? nil : lastFrame, to: buffer) {
            guard run.y < screen.height, run.x < screen.width else { continue }
            out += Array("\u{1B}[\(run.y + 1);\(run.x + 1)H".utf8)
            let end = min(run.x + run.width, screen.width)
            var x = run.x
            while x < end {
                var cell = buffer[x: x, y: run.y]
                if cell.width == 0 {  // cannot happen at a run start; skip defensively
                    x += 1
                    continue
                }
                if x + Int(cell.width) > screen.width {  // wide char in the last column
                    cell = Cell(text: " ", width: 1, style: cell.style)
                }
                if current != cell.style {
                    out += Self.sgr(cell.style)
                    current = cell.style
                }
                out += Array(cell.text.utf8)
                screen.write(cell.text, width: Int(cell.width), x: x, y: run.y, style: cell.style)
                sent += Int(cell.width)
                x += Int(cell.width)
            }
        }
        if let cursor = buffer.cursor, cursor.x >= 0, cursor.y >= 0, cursor.x < screen.width, cursor.y < screen.height {
            out += Array("\u{1B}[\(cursor.y + 1);\(cursor.x + 1)H\u{1B}[?25h".utf8)
            screen.cursor = cursor
        } else {
            out += Array("\u{1B}[?25l".utf8)
            screen.cursor = nil
        }
        if keepsHistory { bytesWritten += out }
        lastFrame = buffer
        lastCellsSent = sent
        return sent
    }

    public func readKey(timeoutMs: Int) -> Key? {
        if keepsHistory { readTimeouts.append(timeoutMs) }
        if interrupted { return nil }
        if pendingResize {
            pendingResize = false
            return .resize
        }
        guard queueStart < queue.count else { return nil }
        let key = queue[queueStart]
        queueStart += 1
        if queueStart > 64 && queueStart * 2 > queue.count {
            queue.removeFirst(queueStart)
            queueStart = 0
        }
        return key
    }

    public func suspend() {
        isSuspended = true
        suspendCount += 1
    }

    public func resume() {
        isSuspended = false
        lastFrame = nil
    }

    public func shutdown() {
        isShutDown = true
    }

    /// The SGR sequence for a style: ESC [ 0 ; attributes ; colours m.
    static func sgr(_ style: Style) -> [UInt8] {
        var s = "\u{1B}[0"
        if style.bold { s += ";1" }
        if style.dim { s += ";2" }
        if style.underline { s += ";4" }
        if style.reverse { s += ";7" }
        if style.fg != .default { s += ";3\(style.fg.ansiIndex)" }
        if style.bg != .default { s += ";4\(style.bg.ansiIndex)" }
        return Array((s + "m").utf8)
    }
}
