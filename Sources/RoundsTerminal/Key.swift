import CNcursesw

/// One key press (or a resize), decoded from ncurses' `get_wch`.
public enum Key: Sendable, Hashable {
    /// Printable input, UTF-8 decoded (é, 你, emoji).
    case char(Character)
    /// Ctrl-A … Ctrl-Z as lowercase letters ("a"…"z"), except the ones with their own case
    /// (Ctrl-H = backspace, Ctrl-I = tab, Ctrl-J / Ctrl-M = enter). Ctrl-\ ] ^ _ arrive as
    /// "\\", "]", "^", "_".
    case ctrl(Character)
    case enter, escape, backspace, tab, backTab, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
    /// Esc followed by a printable char within the escape delay (Alt-b, Alt-d for word moves).
    case altChar(Character)
    /// The terminal changed size: read `Terminal.size` and render a new buffer.
    case resize
}

/// One value from `get_wch`: a character, or a key code when it returned `KEY_CODE_YES`.
public struct RawInput: Sendable, Hashable {
    public var value: UInt32
    public var isKeyCode: Bool
    public init(_ value: UInt32, isKeyCode: Bool = false) {
        self.value = value
        self.isKeyCode = isKeyCode
    }
    public static func char(_ c: Character) -> RawInput { RawInput(c.unicodeScalars.first!.value) }
    public static func code(_ code: Int32) -> RawInput { RawInput(UInt32(code), isKeyCode: true) }
}

/// The `get_wch` → `Key` mapping, pure and unit-tested; `CursesTerminal` only feeds it.
public struct KeyDecoder: Sendable {
    /// Input read after an Esc that turned out not to belong to it.
    public private(set) var pending: RawInput?

    public init() {}

    /// Decodes the next key. `read(wait)` returns the next raw input: with `wait` true it may block
    /// for the caller's timeout, with `wait` false it returns only input that is already there
    /// (after an Esc, ncurses has already waited the escape delay). Returns nil when `read(true)`
    /// returned nil or the input means nothing to us (an unknown key code).
    public mutating func next(_ read: (_ wait: Bool) -> RawInput?) -> Key? {
        let first: RawInput
        if let pending {
            self.pending = nil
            first = pending
        } else if let input = read(true) {
            first = input
        } else {
            return nil
        }
        if !first.isKeyCode && first.value == 27 {
            let follower = read(false)
            let (key, consumed) = Self.decodeEscape(followedBy: follower)
            if !consumed { pending = follower }
            return key
        }
        return Self.decode(wchar: first.value, isKeyCode: first.isKeyCode)
    }

    /// What an Esc means given what followed it within the escape delay: a printable char makes it
    /// `altChar` (the char is consumed); anything else (nothing, another Esc, a control char, a key
    /// code) leaves a plain `escape` and the follower unconsumed.
    public static func decodeEscape(followedBy next: RawInput?) -> (key: Key, consumedNext: Bool) {
        if let next, !next.isKeyCode, isPrintable(next.value), let scalar = Unicode.Scalar(next.value) {
            return (.altChar(Character(scalar)), true)
        }
        return (.escape, false)
    }

    /// One `get_wch` result as a key: `isKeyCode` when `get_wch` returned `KEY_CODE_YES`.
    /// nil for input with no meaning here (unknown key codes, C1 controls, NUL).
    public static func decode(wchar: UInt32, isKeyCode: Bool) -> Key? {
        if isKeyCode {
            let code = Int32(truncatingIfNeeded: wchar)
            switch code {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME, KEY_A1: return .home
            case KEY_END, KEY_C1: return .end
            case KEY_PPAGE, KEY_A3: return .pageUp
            case KEY_NPAGE, KEY_C3: return .pageDown
            case KEY_DC: return .delete
            case KEY_BACKSPACE: return .backspace
            case KEY_ENTER: return .enter
            case KEY_BTAB: return .backTab
            case KEY_RESIZE: return .resize
            case (KEY_F0 + 1)...(KEY_F0 + 63): return .function(Int(code - KEY_F0))
            default: return nil
            }
        }
        switch wchar {
        case 10, 13: return .enter
        case 9: return .tab
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(wchar) + 0x60)))
        case 28...31: return .ctrl(Character(Unicode.Scalar(UInt8(wchar) + 0x40)))
        default:
            guard isPrintable(wchar), let scalar = Unicode.Scalar(wchar) else { return nil }
            return .char(Character(scalar))
        }
    }

    static func isPrintable(_ v: UInt32) -> Bool {
        v >= 0x20 && v != 0x7F && !(v >= 0x80 && v <= 0x9F) && v <= 0x10FFFF
    }
}
