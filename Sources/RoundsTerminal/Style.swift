/// The eight ANSI colours plus the terminal's own default. Drawn with `use_default_colors`, so
/// `.default` is whatever the user's terminal theme uses.
public enum Color: UInt8, Sendable, Hashable, CaseIterable {
    case `default`, black, red, green, yellow, blue, magenta, cyan, white

    /// The ANSI / curses colour number (0…7), or -1 for the terminal default.
    public var ansiIndex: Int { self == .default ? -1 : Int(rawValue) - 1 }
}

/// How a cell looks. On a terminal without colours (or with `NO_COLOR` set) only bold, reverse
/// and underline are drawn, and a coloured background becomes reverse video so that selection
/// bars stay visible.
public struct Style: Sendable, Hashable {
    public var fg: Color
    public var bg: Color
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(
        fg: Color = .default, bg: Color = .default, bold: Bool = false, dim: Bool = false,
        reverse: Bool = false, underline: Bool = false
    ) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()
}

/// One column of the grid. A wide character occupies two cells: the first holds the cluster
/// (`width` 2), the second is a continuation (`text` "", `width` 0) with the same style.
public struct Cell: Sendable, Hashable {
    /// One grapheme cluster, already safe (see `TextSafety`); "" for the continuation column of a
    /// wide character; " " when empty.
    public var text: String
    /// 1 or 2 (0 for the continuation column).
    public var width: UInt8
    public var style: Style

    public init(text: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.text = text
        self.width = width
        self.style = style
    }

    /// A space in the plain style.
    public static let blank = Cell()

    /// True for the second column of a wide character.
    public var isContinuation: Bool { width == 0 }
}
