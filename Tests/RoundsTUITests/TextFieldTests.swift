import Testing
@testable import RoundsTUI

@Suite("Composer text editing")
struct TextFieldTests {
    @Test("Insert, move, delete, words and lines")
    func editing() {
        var f = TextField("hello world")
        f.wordLeft()
        f.insert("big ")
        #expect(f.string == "hello big world")
        f.deleteWordBackward()
        #expect(f.string == "hello world")
        f.home()
        f.insert("¡")
        #expect(f.string == "¡hello world")
        f.end()
        f.insert("\nsecond line")
        f.up()
        #expect(f.cursorLineColumn.line == 0)
        f.down()
        #expect(f.cursorLineColumn.line == 1)
        f.backspace()
        #expect(f.string.hasSuffix("second lin"))
        f.left(); f.left(); f.deleteForward()
        #expect(f.string.hasSuffix("second ln"))
    }

    @Test("Wide characters and emoji are single editing steps")
    func graphemes() {
        var f = TextField("你好👩‍⚕️")
        f.backspace()
        #expect(f.string == "你好")
        f.left()
        f.insert("们")
        #expect(f.string == "你们好")
    }
}

@Suite("Keymap")
struct KeymapTests {
    @Test("Defaults: lowercase keys move, capitals change records")
    func defaults() {
        let k = Keymap.defaults
        #expect(k.action(for: .char("j"), in: .queue) == .down)
        #expect(k.action(for: .char("R"), in: .queue) == .reply)
        #expect(k.action(for: .char("r"), in: .queue) == nil)
        #expect(k.action(for: .ctrl("d"), in: .composer) == .send)
    }

    @Test("Overrides from the config apply, and bad entries are reported")
    func overrides() {
        var k = Keymap.defaults
        let problems = k.apply(["reply": "r", "send": "C-s", "fly": "x", "quit": "Ctrl+Q"])
        #expect(k.action(for: .char("r"), in: .queue) == .reply)
        #expect(k.action(for: .char("R"), in: .queue) == nil)
        #expect(k.action(for: .ctrl("s"), in: .composer) == .send)
        #expect(problems.sorted() == ["keys.fly: unknown action", "keys.quit: unknown key \"Ctrl+Q\""])
    }
}

@Suite("Composer lines")
struct EditorLinesTests {
    @Test("Lines wrap at spaces, the cursor column follows, and a word longer than the line is cut")
    func wrapping() {
        var f = TextField("call us at the front desk")
        var lines = editorLines(f, width: 10)
        // A space at the end of a full line hangs past it, as in a word processor.
        #expect(lines.map(\.text) == ["call us at ", "the front ", "desk"])
        #expect(lines.last?.cursorColumn == 4)
        #expect(lines.filter(\.hasCursor).count == 1)
        f.home()
        lines = editorLines(f, width: 10)
        #expect(lines[0].cursorColumn == 0)
        #expect(lines.filter(\.hasCursor).count == 1)
        #expect(editorLines(TextField("abcdefghijkl"), width: 5).map(\.text) == ["abcde", "fghij", "kl"])
    }

    @Test("Newlines start new lines; the cursor on an empty line is found; wide characters count 2")
    func newlinesAndWide() {
        var f = TextField("hi\n\n你好你好")
        var lines = editorLines(f, width: 5)
        #expect(lines.map(\.text) == ["hi", "", "你好", "你好"])
        #expect(lines.firstIndex { $0.hasCursor } == 3)
        f.up()
        lines = editorLines(f, width: 5)
        #expect(lines.firstIndex { $0.hasCursor } == 1)
        #expect(lines[1].cursorColumn == 0)
    }

    @Test("Escape characters typed or pasted are shown as markers")
    func hostile() {
        #expect(editorLines(TextField("a\u{1B}[2Jb"), width: 20)[0].text.contains("^["))
    }
}
