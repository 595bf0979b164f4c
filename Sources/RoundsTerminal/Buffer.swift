/// Where the terminal cursor should be shown after a frame is drawn (for a text field); `nil`
/// hides it.
public struct CursorPosition: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// A grid of cells that a view renders into; a `Terminal` then draws it, sending only what changed
/// since the previous frame. The only ways to change cells are `put`, `fill` and `restyle`, and
/// `put` sanitises its text, so a buffer never holds a control character, a bidi control or half
/// of a wide character.
public struct Buffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Where to show the cursor after drawing (`nil`: hidden). Not part of the cell diff.
    public var cursor: CursorPosition?
    private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cursor = nil
        self.cells = Array(repeating: .blank, count: self.width * self.height)
    }

    /// The cell at column x, row y; a blank cell outside the grid.
    public subscript(x x: Int, y y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// Writes `text` at (x, y) left to right, sanitised (see `TextSafety`) and clipped to
    /// `maxWidth` columns (default: to the right edge). A wide char that does not fit is replaced
    /// by a space. When `ellipsis` is true and the text is cut, the last column shows "…".
    /// Returns the number of columns written. Cells after the text are left as they were; text at
    /// a negative x is clipped on the left. Overwriting half of a wide character blanks its other
    /// half.
    @discardableResult
    public mutating func put(
        _ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil, ellipsis: Bool = false
    ) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        var limit = width  // exclusive end column
        if let maxWidth {
            if maxWidth <= 0 { return 0 }
            if maxWidth < width - x { limit = x + maxWidth }
        }
        let first = max(x, 0)
        guard limit > first else { return 0 }
        var col = x
        var cut = false
        TextSafety.forEachSafeCluster(text) { ch in
            let w = DisplayWidth.of(ch)
            if w == 0 { return true }
            if col + w > limit {
                cut = true
                return false
            }
            if col >= 0 {
                write(String(ch), width: w, x: col, y: y, style: style)
            } else if col + w > 0 {
                write(" ", width: 1, x: 0, y: y, style: style)  // right half of a wide char at x = -1
            }
            col += w
            return true
        }
        if cut {
            // At most one column is left (the cluster that did not fit is at most 2 wide).
            if ellipsis {
                write("…", width: 1, x: limit - 1, y: y, style: style)
                col = limit
            } else if col < limit {
                write(" ", width: 1, x: col, y: y, style: style)
                col += 1
            }
        }
        return max(0, col - first)
    }

    /// Sets the style of cells in a row range without changing their text (for highlights and
    /// selection bars). A wide character partly inside the range is restyled whole.
    public mutating func restyle(x: Int, y: Int, width w: Int, _ transform: (inout Style) -> Void) {
        guard y >= 0, y < height, w > 0 else { return }
        var start = max(0, x)
        var end = min(width, x + w)  // exclusive
        guard start < end else { return }
        let row = y * width
        if cells[row + start].width == 0 && start > 0 { start -= 1 }
        if cells[row + end - 1].width == 2 && end < width { end += 1 }
        for c in start..<end {
            if cells[row + c].width == 0 && c > 0 {
                cells[row + c].style = cells[row + c - 1].style
            } else {
                transform(&cells[row + c].style)
            }
        }
    }

    /// Fills a rectangle with spaces in `style`, clipped to the grid.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style = .plain) {
        let x0 = max(0, x)
        let y0 = max(0, y)
        let x1 = min(width, x + max(0, w))
        let y1 = min(height, y + max(0, h))
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for col in x0..<x1 {
                write(" ", width: 1, x: col, y: row, style: style)
            }
        }
    }

    /// Blanks the whole buffer (and hides the cursor).
    public mutating func clear(style: Style = .plain) {
        let blank = Cell(text: " ", width: 1, style: style)
        for i in cells.indices { cells[i] = blank }
        cursor = nil
    }

    /// The visible text of row y (continuation cells skipped), trailing spaces trimmed: for tests.
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var s = ""
        let row = y * width
        for c in 0..<width where cells[row + c].width != 0 {
            s += cells[row + c].text
        }
        while s.last == " " { s.removeLast() }
        return s
    }

    public var lines: [String] { (0..<height).map(line) }

    /// The cells of row y (for tests and diffing).
    public func row(_ y: Int) -> ArraySlice<Cell> {
        guard y >= 0, y < height else { return [] }
        return cells[(y * width)..<(y * width + width)]
    }

    // MARK: - Internal

    /// Writes one cluster of width 1 or 2 at (x, y) — both in range, x + width ≤ self.width —
    /// blanking the other half of any wide character it overlaps.
    mutating func write(_ text: String, width w: Int, x: Int, y: Int, style: Style) {
        let row = y * width
        if cells[row + x].width == 0 && x > 0 {
            cells[row + x - 1] = Cell(text: " ", width: 1, style: cells[row + x - 1].style)
        }
        let last = x + w - 1
        if cells[row + last].width == 2 && last + 1 < width {
            cells[row + last + 1] = Cell(text: " ", width: 1, style: cells[row + last + 1].style)
        }
        cells[row + x] = Cell(text: text, width: UInt8(w), style: style)
        if w == 2 {
            cells[row + x + 1] = Cell(text: "", width: 0, style: style)
        }
    }

    /// Copies one cell verbatim (used by the test terminal's screen model).
    mutating func setCell(x: Int, y: Int, _ cell: Cell) {
        cells[y * width + x] = cell
    }
}
