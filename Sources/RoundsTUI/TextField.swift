/// A multi-line text being edited: grapheme clusters and a cursor. Pure; every edit is a method.
public struct TextField: Sendable, Equatable {
    public private(set) var chars: [Character]
    /// Cursor position, 0…chars.count (between clusters).
    public private(set) var cursor: Int

    public init(_ text: String = "") {
        chars = Array(text)
        cursor = chars.count
    }

    public var string: String { String(chars) }
    public var isBlank: Bool { chars.allSatisfy { $0.isWhitespace } }

    /// A saved reply put in the field: the cursor at its start, so the field shows its first lines
    /// (the greeting), not its end.
    public init(prefilled text: String) {
        chars = Array(text)
        cursor = 0
    }

    public mutating func set(_ text: String) {
        chars = Array(text)
        cursor = chars.count
    }

    /// Replaces the text with a saved reply, the cursor at its start.
    public mutating func prefill(_ text: String) {
        chars = Array(text)
        cursor = 0
    }

    public mutating func insert(_ c: Character) {
        chars.insert(c, at: cursor)
        cursor += 1
    }

    public mutating func insert(_ s: String) {
        let new = Array(s)
        chars.insert(contentsOf: new, at: cursor)
        cursor += new.count
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        chars.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < chars.count else { return }
        chars.remove(at: cursor)
    }

    public mutating func left() { cursor = max(0, cursor - 1) }
    public mutating func right() { cursor = min(chars.count, cursor + 1) }

    /// Start of the current line.
    public mutating func home() {
        while cursor > 0 && chars[cursor - 1] != "\n" { cursor -= 1 }
    }

    /// End of the current line.
    public mutating func end() {
        while cursor < chars.count && chars[cursor] != "\n" { cursor += 1 }
    }

    private func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "'" || c == "’" }

    public mutating func wordLeft() {
        while cursor > 0 && !isWordChar(chars[cursor - 1]) { cursor -= 1 }
        while cursor > 0 && isWordChar(chars[cursor - 1]) { cursor -= 1 }
    }

    public mutating func wordRight() {
        while cursor < chars.count && !isWordChar(chars[cursor]) { cursor += 1 }
        while cursor < chars.count && isWordChar(chars[cursor]) { cursor += 1 }
    }

    /// Deletes the word before the cursor (Ctrl-W), with the spaces after it.
    public mutating func deleteWordBackward() {
        let end = cursor
        wordLeft()
        chars.removeSubrange(cursor..<end)
    }

    /// (line, column in clusters) of the cursor.
    public var cursorLineColumn: (line: Int, column: Int) {
        var line = 0
        var col = 0
        for c in chars[0..<cursor] {
            if c == "\n" { line += 1; col = 0 } else { col += 1 }
        }
        return (line, col)
    }

    /// Moves to the same column of the previous / next line.
    public mutating func up() { moveLine(-1) }
    public mutating func down() { moveLine(1) }

    private mutating func moveLine(_ delta: Int) {
        let (line, col) = cursorLineColumn
        let target = line + delta
        guard target >= 0 else { cursor = 0; return }
        var starts = [0]
        for (i, c) in chars.enumerated() where c == "\n" { starts.append(i + 1) }
        guard target < starts.count else { cursor = chars.count; return }
        let start = starts[target]
        let lineEnd = target + 1 < starts.count ? starts[target + 1] - 1 : chars.count
        cursor = min(start + col, lineEnd)
    }
}
