import RoundsTerminal

/// Where a binding applies.
public enum KeyContext: String, Sendable, CaseIterable { case queue, detail, composer, dashboard }

/// Everything a key can do.
public enum Action: String, Sendable, CaseIterable {
    // Moving and viewing (lowercase keys).
    case quit, help, down, up, pageDown, pageUp, top, bottom, open, back
    case search, filterRoute, filterPlatform, filterUrgent, filterStatus, filterOwner, sortOrder, clearFilters
    case nextItem, previousItem, refresh, dashboard, export
    // Changing records (capitals, or a confirmation).
    case reply, redirect, escalate, hideSpam, noReplyNeeded, note, override, claim, release, resolveNext
    // The composer.
    case send, cancel, openEditor, nextTemplate, nextChannel, switchField

    /// The one or two words the hint bar shows next to the key.
    public var hint: String {
        switch self {
        case .help: "keys"
        case .dashboard: "shift"
        case .export: "export"
        case .open: "open"
        case .back: "back"
        case .reply: "reply"
        case .redirect: "private"
        case .escalate: "escalate"
        case .claim: "claim"
        case .search: "search"
        case .filterRoute: "route"
        case .filterUrgent: "urgent"
        case .hideSpam: "spam"
        case .noReplyNeeded: "no reply"
        case .note: "note"
        case .override: "override"
        case .nextItem: "next"
        case .resolveNext: "done"
        case .send: "send"
        case .cancel: "leave"
        case .openEditor: "$EDITOR"
        case .nextTemplate: "saved reply"
        case .switchField: "field"
        case .nextChannel: "channel"
        default: help
        }
    }

    /// What `?` says about it: at most 26 columns, so that two columns of help fit in 80.
    public var help: String {
        switch self {
        case .quit: "quit"
        case .help: "show the keys"
        case .down: "next row"
        case .up: "previous row"
        case .pageDown: "page down"
        case .pageUp: "page up"
        case .top: "first row"
        case .bottom: "last row"
        case .open: "open the item"
        case .back: "back to the queue"
        case .search: "search text, author or id"
        case .filterRoute: "filter public/private/all"
        case .filterPlatform: "filter next platform"
        case .filterUrgent: "filter urgent only"
        case .filterStatus: "filter open/answered/all"
        case .filterOwner: "filter mine/unclaimed/all"
        case .sortOrder: "sort urgency/age/platform"
        case .clearFilters: "clear filters"
        case .nextItem: "next item"
        case .previousItem: "previous item"
        case .refresh: "reload"
        case .dashboard: "shift dashboard"
        case .export: "export Markdown/CSV/JSON"
        case .reply: "reply in the thread"
        case .redirect: "redirect: DM/e-mail/phone"
        case .escalate: "escalate (crisis reply)"
        case .hideSpam: "hide as spam"
        case .noReplyNeeded: "no reply needed"
        case .note: "internal note"
        case .override: "override the triage"
        case .claim: "claim"
        case .release: "release the claim"
        case .resolveNext: "resolve, open the next"
        case .send: "check and send"
        case .cancel: "leave (the draft is kept)"
        case .openEditor: "edit in $EDITOR"
        case .nextTemplate: "next saved reply"
        case .nextChannel: "next private channel"
        case .switchField: "switch message/public ack"
        }
    }
}

/// One key bound to one action in some contexts.
public struct Binding: Sendable, Equatable {
    public var key: Key
    public var action: Action
    public var contexts: Set<KeyContext>
}

/// The keymap: data, matched by a pure lookup. Defaults, then the user's overrides.
public struct Keymap: Sendable {
    public var bindings: [Binding]

    static let lists: Set<KeyContext> = [.queue, .detail]
    static let views: Set<KeyContext> = [.queue, .detail, .dashboard]

    public static let defaults = Keymap(bindings: [
        Binding(key: .char("q"), action: .quit, contexts: [.queue]),
        Binding(key: .char("?"), action: .help, contexts: views),
        Binding(key: .function(1), action: .help, contexts: [.queue, .detail, .composer, .dashboard]),
        Binding(key: .char("j"), action: .down, contexts: views), Binding(key: .down, action: .down, contexts: views),
        Binding(key: .char("k"), action: .up, contexts: views), Binding(key: .up, action: .up, contexts: views),
        Binding(key: .pageDown, action: .pageDown, contexts: views), Binding(key: .char(" "), action: .pageDown, contexts: views),
        Binding(key: .pageUp, action: .pageUp, contexts: views),
        Binding(key: .char("g"), action: .top, contexts: [.queue]), Binding(key: .home, action: .top, contexts: [.queue]),
        Binding(key: .char("G"), action: .bottom, contexts: [.queue]), Binding(key: .end, action: .bottom, contexts: [.queue]),
        Binding(key: .enter, action: .open, contexts: [.queue]), Binding(key: .char("l"), action: .open, contexts: [.queue]),
        Binding(key: .escape, action: .back, contexts: [.detail, .dashboard]), Binding(key: .char("h"), action: .back, contexts: [.detail, .dashboard]),
        Binding(key: .char("q"), action: .back, contexts: [.detail, .dashboard]),
        Binding(key: .char("/"), action: .search, contexts: [.queue]),
        Binding(key: .char("f"), action: .filterRoute, contexts: [.queue]),
        Binding(key: .char("p"), action: .filterPlatform, contexts: [.queue]),
        Binding(key: .char("u"), action: .filterUrgent, contexts: [.queue]),
        Binding(key: .char("s"), action: .filterStatus, contexts: [.queue]),
        Binding(key: .char("m"), action: .filterOwner, contexts: [.queue]),
        Binding(key: .char("o"), action: .sortOrder, contexts: [.queue]),
        Binding(key: .char("x"), action: .clearFilters, contexts: [.queue]),
        Binding(key: .char("]"), action: .nextItem, contexts: [.detail]), Binding(key: .char("["), action: .previousItem, contexts: [.detail]),
        Binding(key: .ctrl("l"), action: .refresh, contexts: views),
        Binding(key: .char("t"), action: .dashboard, contexts: lists),
        Binding(key: .char("e"), action: .export, contexts: [.dashboard]),
        Binding(key: .char("R"), action: .reply, contexts: lists),
        Binding(key: .char("P"), action: .redirect, contexts: lists),
        Binding(key: .char("E"), action: .escalate, contexts: lists),
        Binding(key: .char("S"), action: .hideSpam, contexts: lists),
        Binding(key: .char("N"), action: .noReplyNeeded, contexts: lists),
        Binding(key: .char("I"), action: .note, contexts: lists),
        Binding(key: .char("O"), action: .override, contexts: lists),
        Binding(key: .char("C"), action: .claim, contexts: lists),
        Binding(key: .char("U"), action: .release, contexts: lists),
        Binding(key: .char("D"), action: .resolveNext, contexts: lists),
        Binding(key: .ctrl("d"), action: .send, contexts: [.composer]),
        Binding(key: .escape, action: .cancel, contexts: [.composer]),
        Binding(key: .ctrl("o"), action: .openEditor, contexts: [.composer]),
        Binding(key: .ctrl("t"), action: .nextTemplate, contexts: [.composer]),
        Binding(key: .ctrl("n"), action: .nextChannel, contexts: [.composer]),
        Binding(key: .tab, action: .switchField, contexts: [.composer]),
    ])

    /// The action bound to `key` in `context`, if any (the last binding wins, so overrides apply).
    public func action(for key: Key, in context: KeyContext) -> Action? {
        bindings.last { $0.key == key && $0.contexts.contains(context) }?.action
    }

    /// The keys bound to `action` in `context`, for the hint bar and `?`.
    public func keys(for action: Action, in context: KeyContext) -> [Key] {
        var seen: [Key] = []
        for b in bindings where b.action == action && b.contexts.contains(context) && !seen.contains(b.key) {
            if self.action(for: b.key, in: context) == action { seen.append(b.key) }
        }
        return seen
    }

    /// Applies overrides from the config file: action name → key spec ("r", "C-d", "Enter", "F5").
    /// Returns problems for unknown actions or keys; the rest still applies.
    public mutating func apply(_ overrides: [String: String]) -> [String] {
        var problems: [String] = []
        for (name, spec) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let action = Action(rawValue: name) else { problems.append("keys.\(name): unknown action"); continue }
            guard let key = Keymap.parse(spec) else { problems.append("keys.\(name): unknown key \"\(spec)\""); continue }
            let contexts = Set(bindings.filter { $0.action == action }.flatMap(\.contexts))
            bindings.removeAll { $0.action == action }
            bindings.append(Binding(key: key, action: action, contexts: contexts.isEmpty ? [.queue, .detail] : contexts))
        }
        return problems
    }

    /// "r", "R", "C-d", "Enter", "Esc", "Tab", "Up", "PageDown", "F5", "Space".
    public static func parse(_ spec: String) -> Key? {
        switch spec.lowercased() {
        case "enter", "return": return .enter
        case "esc", "escape": return .escape
        case "tab": return .tab
        case "space": return .char(" ")
        case "up": return .up
        case "down": return .down
        case "left": return .left
        case "right": return .right
        case "home": return .home
        case "end": return .end
        case "pageup", "pgup": return .pageUp
        case "pagedown", "pgdn": return .pageDown
        case "backspace": return .backspace
        case "delete", "del": return .delete
        default: break
        }
        if spec.count == 1, let c = spec.first { return .char(c) }
        let lower = spec.lowercased()
        if lower.hasPrefix("c-"), spec.count == 3, let c = lower.last, c.isLetter { return .ctrl(c) }
        if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) { return .function(n) }
        return nil
    }

    /// How a key is written in hints and help.
    public static func name(_ key: Key) -> String {
        switch key {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "C-\(c)"
        case .altChar(let c): "M-\(c)"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "BkSp"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .delete: "Del"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .function(let n): "F\(n)"
        case .resize: "resize"
        }
    }
}
