/// What the app draws on and reads keys from: `CursesTerminal` for real, `TestTerminal` in tests.
/// Use it from one thread only (the one that created it).
public protocol Terminal: AnyObject {
    var size: (width: Int, height: Int) { get }
    /// Draws the whole buffer: only cells that differ from the last drawn frame are sent, each
    /// changed row drawn left to right (never starting inside a wide char), then one refresh.
    /// Returns cells sent. A buffer of another size than the last one (after a resize) is drawn
    /// in full; cells outside the terminal are clipped.
    @discardableResult func draw(_ buffer: Buffer) -> Int
    /// Waits up to `timeoutMs` for a key (blocking in get_wch with a timeout: no busy loop).
    /// nil on timeout, and at once when `interrupted`. A negative timeout waits indefinitely.
    func readKey(timeoutMs: Int) -> Key?
    /// Leaves curses mode so a child program ($EDITOR) can use the terminal; `resume` restores and
    /// forces a full redraw on the next `draw`.
    func suspend()
    func resume()
    /// True once a SIGINT/SIGTERM/SIGHUP arrived (the app leaves its loop and calls shutdown).
    var interrupted: Bool { get }
    func shutdown()
}

/// Why the terminal could not be opened, in words for the user.
public struct TerminalError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A horizontal run of cells to send: row `y`, columns `x ..< x + width`.
public struct DiffRun: Sendable, Hashable {
    public var y: Int
    public var x: Int
    public var width: Int
    public init(y: Int, x: Int, width: Int) {
        self.y = y
        self.x = x
        self.width = width
    }
}

/// The frame diff both terminals use.
public enum FrameDiff {
    /// The runs of cells of `new` that differ from `old`, row by row, left to right. With no `old`
    /// frame, or one of another size, every row is one run. A run never starts on the continuation
    /// column of a wide character (in either frame) and never ends between its two columns.
    public static func runs(from old: Buffer?, to new: Buffer) -> [DiffRun] {
        let w = new.width
        guard let old, old.width == w, old.height == new.height else {
            return w == 0 ? [] : (0..<new.height).map { DiffRun(y: $0, x: 0, width: w) }
        }
        var runs: [DiffRun] = []
        let a = old.cells
        let b = new.cells
        for y in 0..<new.height {
            let row = y * w
            var x = 0
            var lastEnd = 0
            while x < w {
                if a[row + x] == b[row + x] {
                    x += 1
                    continue
                }
                var start = x
                while start > lastEnd && (b[row + start].width == 0 || a[row + start].width == 0) {
                    start -= 1
                }
                var end = x + 1  // exclusive
                while end < w {
                    if a[row + end] != b[row + end] {
                        end += 1
                    } else if b[row + end].width == 0 || a[row + end].width == 0 {
                        end += 1  // the other half of a wide char in the run
                    } else {
                        break
                    }
                }
                if let last = runs.last, last.y == y, last.x + last.width >= start {
                    runs[runs.count - 1].width = end - last.x
                } else {
                    runs.append(DiffRun(y: y, x: start, width: end - start))
                }
                lastEnd = end
                x = end
            }
        }
        return runs
    }
}
