import Testing
@testable import RoundsTerminal

@Suite("Buffer")
struct BufferTests {
    @Test("put writes left to right and returns the columns written")
    func putBasic() {
        var b = Buffer(width: 10, height: 2)
        #expect(b.put("hello", x: 1, y: 0) == 5)
        #expect(b.line(0) == " hello")
        #expect(b[x: 1, y: 0].text == "h")
        #expect(b[x: 5, y: 0].text == "o")
        #expect(b[x: 6, y: 0] == .blank)
        #expect(b.line(1) == "")
        #expect(b.lines == [" hello", ""])
    }

    @Test("put clips at the right edge")
    func clipRight() {
        var b = Buffer(width: 5, height: 1)
        #expect(b.put("abcdefgh", x: 2, y: 0) == 3)
        #expect(b.line(0) == "  abc")
    }

    @Test("put clips at the left edge and outside rows")
    func clipLeftAndRows() {
        var b = Buffer(width: 5, height: 2)
        #expect(b.put("abcdef", x: -2, y: 0) == 4)
        #expect(b.line(0) == "cdef")
        #expect(b.put("x", x: 0, y: 2) == 0)
        #expect(b.put("x", x: 0, y: -1) == 0)
        #expect(b.put("x", x: 5, y: 0) == 0)
        // A wide char straddling column 0 leaves a space there.
        var c = Buffer(width: 4, height: 1)
        #expect(c.put("你好", x: -1, y: 0) == 3)
        #expect(c[x: 0, y: 0].text == " ")
        #expect(c[x: 1, y: 0].text == "好")
        #expect(c[x: 2, y: 0].width == 0)
    }

    @Test("maxWidth limits the columns")
    func maxWidth() {
        var b = Buffer(width: 10, height: 1)
        #expect(b.put("abcdefgh", x: 1, y: 0, maxWidth: 3) == 3)
        #expect(b.line(0) == " abc")
        #expect(b.put("zz", x: 5, y: 0, maxWidth: 0) == 0)
        #expect(b.put("zz", x: 5, y: 0, maxWidth: 100) == 2)
        #expect(b.line(0) == " abc zz")
    }

    @Test("wide chars take two cells: lead then continuation")
    func wideChars() {
        var b = Buffer(width: 12, height: 1)
        #expect(b.put("a你😀👩‍⚕️b", x: 0, y: 0) == 8)
        #expect(b[x: 0, y: 0].text == "a")
        #expect(b[x: 1, y: 0] == Cell(text: "你", width: 2))
        #expect(b[x: 2, y: 0] == Cell(text: "", width: 0))
        #expect(b[x: 3, y: 0] == Cell(text: "😀", width: 2))
        #expect(b[x: 4, y: 0].isContinuation)
        #expect(b[x: 5, y: 0] == Cell(text: "👩‍⚕️", width: 2))  // one ZWJ cluster, two columns
        #expect(b[x: 6, y: 0].isContinuation)
        #expect(b[x: 7, y: 0].text == "b")
        #expect(b.line(0) == "a你😀👩‍⚕️b")
    }

    @Test("a wide char that does not fit in the last column becomes a space")
    func wideAtLastColumn() {
        var b = Buffer(width: 5, height: 1)
        #expect(b.put("abcd你", x: 0, y: 0) == 5)
        #expect(b[x: 4, y: 0] == Cell(text: " ", width: 1))
        #expect(b.line(0) == "abcd")
        var c = Buffer(width: 10, height: 1)
        #expect(c.put("ab你", x: 0, y: 0, maxWidth: 3) == 3)
        #expect(c[x: 2, y: 0].text == " ")
        #expect(c[x: 3, y: 0] == .blank)
    }

    @Test("overwriting half of a wide char clears both halves")
    func overwriteHalf() {
        var b = Buffer(width: 6, height: 1)
        b.put("你好", x: 0, y: 0)
        b.put("x", x: 1, y: 0)  // right half of 你
        #expect(b[x: 0, y: 0] == Cell(text: " ", width: 1))
        #expect(b[x: 1, y: 0].text == "x")
        #expect(b[x: 2, y: 0].text == "好")
        b.put("y", x: 2, y: 0)  // left half of 好
        #expect(b[x: 2, y: 0].text == "y")
        #expect(b[x: 3, y: 0] == Cell(text: " ", width: 1))
        #expect(b.line(0) == " xy")
        // A wide char over the right half of one wide char and the left half of the next.
        var c = Buffer(width: 6, height: 1)
        c.put("你好世", x: 0, y: 0)
        c.put("😀", x: 1, y: 0)
        #expect(c.line(0) == " 😀 世")
        for x in 0..<6 where c[x: x, y: 0].width == 2 {
            #expect(c[x: x + 1, y: 0].isContinuation)
        }
        // fill over a continuation clears the lead too.
        var d = Buffer(width: 4, height: 1)
        d.put("你", x: 0, y: 0)
        d.fill(x: 1, y: 0, width: 1, height: 1)
        #expect(d[x: 0, y: 0] == .blank)
    }

    @Test("ellipsis marks a cut in the last column")
    func ellipsis() {
        var b = Buffer(width: 10, height: 1)
        #expect(b.put("abcdefgh", x: 0, y: 0, maxWidth: 5, ellipsis: true) == 5)
        #expect(b.line(0) == "abcd…")
        var c = Buffer(width: 10, height: 1)
        #expect(c.put("abc", x: 0, y: 0, maxWidth: 5, ellipsis: true) == 3)
        #expect(c.line(0) == "abc")
        var d = Buffer(width: 10, height: 1)
        #expect(d.put("abcde", x: 0, y: 0, maxWidth: 5, ellipsis: true) == 5)
        #expect(d.line(0) == "abcde")  // exactly fits: no ellipsis
        var e = Buffer(width: 10, height: 1)
        #expect(e.put("你好世界", x: 0, y: 0, maxWidth: 5, ellipsis: true) == 5)
        #expect(e.line(0) == "你好…")
        var f = Buffer(width: 10, height: 1)
        #expect(f.put("你好世界", x: 0, y: 0, maxWidth: 4, ellipsis: true) == 4)
        #expect(f.line(0) == "你 …")
        #expect(f[x: 2, y: 0].width == 1)
        var g = Buffer(width: 4, height: 1)
        #expect(g.put("abcdef", x: 0, y: 0, ellipsis: true) == 4)
        #expect(g.line(0) == "abc…")
        var h = Buffer(width: 4, height: 1)
        #expect(h.put("abc", x: 0, y: 0, maxWidth: 1, ellipsis: true) == 1)
        #expect(h.line(0) == "…")
    }

    @Test("put sanitises its text")
    func putSanitises() {
        var b = Buffer(width: 30, height: 1)
        b.put("a\u{1B}[2Jb\nc\u{202E}d", x: 0, y: 0)
        #expect(b.line(0) == "a^[[2Jb c<U+202E>d")
        for x in 0..<30 {
            for scalar in b[x: x, y: 0].text.unicodeScalars {
                #expect(scalar.value >= 0x20 && scalar.value != 0x7F)
            }
        }
    }

    @Test("put of a huge string into a row looks only at what fits")
    func putHuge() {
        let huge = String(repeating: "héllo wörld ", count: 100_000)
        var b = Buffer(width: 80, height: 1)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<20 { b.put(huge, x: 0, y: 0, maxWidth: 40, ellipsis: true) }
        }
        #expect(b.line(0).count == 40)
        #expect(elapsed < .milliseconds(500))
    }

    @Test("restyle changes styles, not text, and keeps wide chars whole")
    func restyle() {
        var b = Buffer(width: 8, height: 1)
        b.put("ab你cd", x: 0, y: 0)
        b.restyle(x: 3, y: 0, width: 2) { $0.reverse = true }
        #expect(b.line(0) == "ab你cd")
        #expect(b[x: 1, y: 0].style == .plain)
        #expect(b[x: 2, y: 0].style.reverse)  // lead of 你, pulled in from its continuation
        #expect(b[x: 3, y: 0].style.reverse)
        #expect(b[x: 4, y: 0].style.reverse)
        #expect(!b[x: 5, y: 0].style.reverse)
        b.restyle(x: -5, y: 0, width: 100) { $0.fg = .red }
        #expect((0..<8).allSatisfy { b[x: $0, y: 0].style.fg == .red })
        b.restyle(x: 0, y: 5, width: 3) { $0.bold = true }  // outside: no effect, no crash
    }

    @Test("fill writes styled spaces, clipped")
    func fill() {
        var b = Buffer(width: 4, height: 3)
        b.put("abcd", x: 0, y: 1)
        let bar = Style(bg: .blue)
        b.fill(x: 1, y: 1, width: 10, height: 10, style: bar)
        #expect(b.line(1) == "a")
        #expect(b[x: 3, y: 2].style == bar)
        #expect(b[x: 0, y: 2].style == .plain)
        #expect(b[x: 0, y: 0] == .blank)
    }

    @Test("subscript outside the grid is a blank cell; empty buffers are fine")
    func edges() {
        var b = Buffer(width: 0, height: 0)
        #expect(b.put("abc", x: 0, y: 0) == 0)
        #expect(b.lines == [])
        #expect(b[x: 3, y: 3] == .blank)
        let c = Buffer(width: -3, height: 2)
        #expect(c.width == 0)
    }

    @Test("zero-width clusters are not drawn")
    func zeroWidth() {
        var b = Buffer(width: 5, height: 1)
        #expect(b.put("\u{301}a\u{200B}b", x: 0, y: 0) == 2)
        #expect(b.line(0) == "ab")
    }
}
