import Foundation
import RoundsCore
import RoundsStore
import RoundsTerminal

/// Styles, in one place: colour when the terminal has it, and always a second cue (bold,
/// reverse, a symbol) so NO_COLOR and monochrome terminals lose nothing.
enum Theme {
    static let header = Style(bold: true, reverse: true)
    static let selected = Style(reverse: true)
    static let breached = Style(fg: .red, bold: true)
    static let dueSoon = Style(fg: .yellow, bold: true)
    static let ok = Style(fg: .green)
    static let dim = Style(dim: true)
    static let publicBadge = Style(fg: .cyan)
    static let privateBadge = Style(fg: .magenta, bold: true)
    static let urgent = Style(fg: .red, bold: true, reverse: true)
    static let evidence = Style(bold: true, underline: true)
    static let error = Style(fg: .red, bold: true)
    static let warning = Style(fg: .yellow)
    static let info = Style.plain
    static let hint = Style(dim: true)
    static let title = Style(bold: true)
}

/// The SLA timer of a row: text and style, from the stored deadlines and `now`.
func timer(_ item: StoredItem, now: Date) -> (String, Style) {
    guard item.status == .open else {
        switch item.status {
        case .answered: return ("✓ answered", Theme.ok)
        case .escalated: return ("✓ escalated", Theme.ok)
        case .closed: return ("✓ closed", Theme.dim)
        case .hidden: return ("hidden", Theme.dim)
        case .open: break
        }
        return ("", .plain)
    }
    guard let due = item.dueAt else { return ("no target", Theme.dim) }
    if now >= due { return ("+" + DurationText.format(now.timeIntervalSince(due)), Theme.breached) }
    let left = "⏱ " + DurationText.format(due.timeIntervalSince(now))
    if let warn = item.warnAt, now >= warn { return (left, Theme.dueSoon) }
    return (left, Theme.ok)
}

func age(_ date: Date, now: Date) -> String {
    let t = max(0, now.timeIntervalSince(date))
    if t < 60 { return "now" }
    if t < 3600 { return "\(Int(t / 60))m" }
    if t < 86_400 { return "\(Int(t / 3600))h" }
    return "\(Int(t / 86_400))d"
}

func kindLabel(_ k: ItemKind) -> String {
    switch k {
    case .question: "ques"
    case .comment: "comm"
    case .review: "revw"
    case .mention: "ment"
    case .dm: "dm"
    }
}

func localTime(_ date: Date, _ zone: TimeZone) -> String {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = zone
    let c = cal.dateComponents([.hour, .minute], from: date)
    return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
}

/// Renders the whole screen for `state` into a fresh buffer.
public func render(_ s: InboxState, _ env: InboxEnvironment) -> Buffer {
    var b = Buffer(width: max(1, s.width), height: max(1, s.height))
    if s.tooSmall {
        b.put("Terminal too small", x: 0, y: 0, style: Theme.error)
        b.put("need 40×10, have \(s.width)×\(s.height)", x: 0, y: 1)
        return b
    }
    renderHeader(&b, s)
    switch s.screen {
    case .queue: renderQueue(&b, s)
    case .detail: renderDetail(&b, s)
    case .composer: renderComposer(&b, s, env)
    case .help: renderHelp(&b, s, env)
    case .dashboard: renderDashboard(&b, s)
    }
    renderStatus(&b, s)
    renderHints(&b, s, env)
    return b
}

func renderHeader(_ b: inout Buffer, _ s: InboxState) {
    b.fill(x: 0, y: 0, width: s.width, height: 1, style: Theme.header)
    let counts = "open \(s.counts.open) · breached \(s.counts.breached) · due soon \(s.counts.dueSoon) · urgent \(s.counts.urgent)"
    var text = " Rounds · \(s.orgName) │ " + counts
    if DisplayWidth.of(TextSafety.visible(text)) > s.width { text = " Rounds │ " + counts }
    var filters: [String] = []
    if let r = s.filter.route { filters.append(r == .answerInThread ? "public" : "private") }
    if let p = s.filter.platform { filters.append(p.rawValue) }
    if s.filter.urgentOnly { filters.append("urgent") }
    if s.filter.statuses != .open { filters.append(s.filter.statuses.rawValue) }
    if s.filter.ownership != .anyone { filters.append(s.filter.ownership.rawValue) }
    if !s.filter.search.isEmpty { filters.append("“\(s.filter.search)”") }
    if s.order != .urgency { filters.append("by \(s.order.rawValue)") }
    if !filters.isEmpty { text += " │ " + filters.joined(separator: " ") + " (\(s.total))" }
    b.put(text, x: 0, y: 0, style: Theme.header, ellipsis: true)
}

func renderQueue(_ b: inout Buffer, _ s: InboxState) {
    let top = 1
    if s.total == 0 {
        let msg = s.loading ? "Loading…" : (s.filter == QueueFilter() ? "Nothing waiting. The queue is clear." : "No items match these filters (x clears them).")
        b.put(msg, x: 2, y: top + 1, style: Theme.dim)
        return
    }
    let wide = s.width >= 70
    for line in 0..<s.listHeight {
        let index = s.scrollTop + line
        guard index < s.total else { break }
        let y = top + line
        guard let row = s.rows[safe: index - s.rowsOffset] else {
            b.put("  …", x: 0, y: y, style: Theme.dim)
            continue
        }
        let it = row.stored
        var x = 0
        let isSelected = index == s.selected
        b.put(isSelected ? "▶" : " ", x: x, y: y); x += 1
        let (t, tStyle) = timer(it, now: s.now)
        b.put(t, x: x, y: y, style: tStyle, maxWidth: 10); x += 11
        b.put(age(it.item.receivedAt, now: s.now), x: x, y: y, style: Theme.dim, maxWidth: 4); x += 5
        b.put(it.item.platform.shortLabel, x: x, y: y, maxWidth: 2); x += 3
        b.put(kindLabel(it.item.kind), x: x, y: y, style: Theme.dim, maxWidth: 4); x += 5
        b.put(it.route == .redirectPrivate ? "PRIVATE" : "PUBLIC", x: x, y: y,
              style: it.route == .redirectPrivate ? Theme.privateBadge : Theme.publicBadge, maxWidth: 7); x += 8
        if it.urgent { b.put("!", x: x, y: y, style: Theme.urgent) }
        x += 2
        if s.width >= 100 {
            // ⚑ marks the manager holding the claim (an @ would read like the author's handle).
            if let claim = row.claim { b.put("⚑" + claim.agent, x: x, y: y, style: Theme.dim, maxWidth: 8, ellipsis: true) }
            x += 9
            b.put(it.item.author.handle, x: x, y: y, maxWidth: 12, ellipsis: true); x += 13
        } else if wide {
            // One column for who: the manager holding the claim, else the author.
            if let claim = row.claim {
                b.put("⚑" + claim.agent, x: x, y: y, style: Theme.dim, maxWidth: 11, ellipsis: true)
            } else {
                b.put(it.item.author.handle, x: x, y: y, maxWidth: 11, ellipsis: true)
            }
            x += 12
        }
        let firstLine = it.item.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if x < s.width { b.put(firstLine, x: x, y: y, maxWidth: s.width - x, ellipsis: true) }
        if isSelected { b.restyle(x: 0, y: y, width: s.width) { $0.reverse.toggle() } }
    }
}

/// The detail pane as lines of (text, style, highlighted substrings), before scrolling.
func detailLines(_ s: InboxState) -> [(String, Style, [String])] {
    guard let d = s.detail else { return [("Loading…", Theme.dim, [])] }
    let it = d.stored
    let width = max(10, s.width - 4)
    var out: [(String, Style, [String])] = []
    let (t, _) = timer(it, now: s.now)
    out.append(("#\(it.id) · \(it.item.platform.rawValue) \(it.item.kind.rawValue) · \(it.item.author.handle)\(it.item.author.name.map { " (\($0))" } ?? "") · received \(localTime(it.item.receivedAt, s.timeZone)) (\(age(it.item.receivedAt, now: s.now)) ago)", Theme.title, []))
    var verdict = it.route == .redirectPrivate ? "PRIVATE — redirect to DM, e-mail or phone" : "PUBLIC — safe to answer in the thread"
    if it.urgent { verdict += " · URGENT" }
    if it.spam { verdict += " · SPAM" }
    verdict += " · SLA: \(t)"
    out.append((verdict, it.route == .redirectPrivate ? Theme.privateBadge : Theme.publicBadge, []))
    if let c = d.claim { out.append(("Claimed by \(c.agent) until \(localTime(c.expiresAt, s.timeZone))", Theme.dim, [])) }
    out.append(("", .plain, []))
    let latest = d.triage.last
    let evidence = (latest?.reasons ?? []).map(\.evidence).filter { !$0.isEmpty }
    for line in DisplayWidth.wrap(it.item.text, width: width) { out.append((line, .plain, evidence)) }
    out.append(("", .plain, []))
    out.append(("Why", Theme.title, []))
    for r in latest?.reasons ?? [] {
        let source = latest?.source == "override" ? " (override by \(latest?.agent ?? "?"))" : ""
        let text = r.evidence.isEmpty ? "• \(r.rule)\(source)" : "• \(r.rule)\(source): “\(r.evidence)”"
        for l in DisplayWidth.wrap(text, width: width) { out.append((l, .plain, [])) }
    }
    let others = d.thread.filter { $0.id != it.id }
    if !others.isEmpty {
        out.append(("", .plain, []))
        out.append(("Thread", Theme.title, []))
        for o in others.prefix(20) {
            let first = o.item.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            out.append(("↳ \(localTime(o.item.receivedAt, s.timeZone)) \(o.item.author.handle): \(DisplayWidth.truncate(TextSafety.visible(first), width: max(5, width - 20)))", Theme.dim, []))
        }
    }
    if !d.responses.isEmpty || d.events.count > 1 {
        out.append(("", .plain, []))
        out.append(("History", Theme.title, []))
        for r in d.responses {
            let line = "\(localTime(r.createdAt, s.timeZone)) \(r.agent) · \(r.channel.rawValue.replacingOccurrences(of: "_", with: " ")) (\(r.slaState)): \(r.text)"
            for l in DisplayWidth.wrap(line, width: width) { out.append((l, .plain, [])) }
        }
        for e in d.events.suffix(12) where e.kind != .viewed {
            out.append(("\(localTime(e.createdAt, s.timeZone)) \(e.agent ?? "rounds") · \(e.kind.rawValue.replacingOccurrences(of: "_", with: " "))\(e.detail.map { ": \($0)" } ?? "")", Theme.dim, []))
        }
    }
    return out
}

func renderDetail(_ b: inout Buffer, _ s: InboxState) {
    let lines = detailLines(s)
    let height = s.listHeight
    let start = min(s.detailScroll, max(0, lines.count - height))
    for (i, (text, style, marks)) in lines.dropFirst(start).prefix(height).enumerated() {
        let y = 1 + i
        b.put(text, x: 2, y: y, style: style, maxWidth: s.width - 2, ellipsis: true)
        highlight(&b, line: text, x: 2, y: y, marks: marks)
    }
}

/// Underlines each occurrence of `marks` in a line already drawn at (x, y).
func highlight(_ b: inout Buffer, line: String, x: Int, y: Int, marks: [String]) {
    let safe = TextSafety.visible(line)
    for mark in marks {
        let m = TextSafety.visible(mark)
        guard !m.isEmpty else { continue }
        var searchFrom = safe.startIndex
        while let r = safe.range(of: m, options: [.caseInsensitive], range: searchFrom..<safe.endIndex) {
            let col = DisplayWidth.of(String(safe[safe.startIndex..<r.lowerBound]))
            b.restyle(x: x + col, y: y, width: DisplayWidth.of(m)) { st in st.bold = true; st.underline = true }
            searchFrom = r.upperBound
        }
    }
}

func channelLabel(_ c: ResponseChannel) -> String {
    switch c {
    case .publicReply: "public reply (everyone can see it)"
    case .privateMessage: "direct message"
    case .email: "e-mail"
    case .phone: "phone call notes"
    case .internalNote: "internal note (only the team sees it)"
    case .noReplyNeeded: "no reply needed"
    case .escalated: "escalation (crisis reply)"
    }
}

func renderComposer(_ b: inout Buffer, _ s: InboxState, _ env: InboxEnvironment) {
    guard let c = s.composer else { return }
    var y = 1
    let target = (s.detail?.stored.id == c.itemID ? s.detail?.stored : nil) ?? s.rows.first { $0.id == c.itemID }?.stored
    if let t = target {
        b.put("To \(t.item.author.handle) on \(t.item.platform.rawValue):", x: 1, y: y, style: Theme.title); y += 1
        for line in DisplayWidth.wrap(t.item.text, width: s.width - 4).prefix(3) {
            b.put("│ " + line, x: 1, y: y, style: Theme.dim, ellipsis: true); y += 1
        }
    }
    y += 1
    let bottom = s.height - 3 - min(3, c.issues.count)
    func field(_ title: String, _ f: TextField, focused: Bool, rows: Int) {
        guard y < bottom else { return }
        b.put(title, x: 1, y: y, style: focused ? Theme.title : Theme.dim); y += 1
        let width = max(10, s.width - 4)
        let lines = editorLines(f, width: width)
        let cursorLine = lines.firstIndex { $0.hasCursor } ?? 0
        let first = max(0, cursorLine - rows + 1)
        for (i, l) in lines.dropFirst(first).prefix(rows).enumerated() {
            let yy = y + i
            guard yy < bottom else { break }
            b.put(l.text, x: 3, y: yy)
            if focused, let col = l.cursorColumn { b.restyle(x: 3 + col, y: yy, width: 1) { $0.reverse = true } }
        }
        y += rows
    }
    switch c.mode {
    case .single(let ch):
        field("Your \(channelLabel(ch)) — \(c.text.string.count) characters", c.text, focused: true, rows: max(3, bottom - y - 1))
    case .redirect(let ch):
        let avail = max(6, bottom - y - 2)
        field("1 · Public acknowledgement (in the thread)", c.acknowledgement ?? TextField(), focused: c.focus == 1, rows: max(2, avail / 3))
        field("2 · Private message by \(channelLabel(ch))", c.text, focused: c.focus == 0, rows: max(3, avail - avail / 3 - 1))
    }
    var iy = s.height - 3 - min(3, c.issues.count)
    for issue in c.issues.prefix(3) {
        b.put((issue.severity == .block ? "✖ " : "⚠ ") + issue.message, x: 1, y: iy, style: issue.severity == .block ? Theme.error : Theme.warning, ellipsis: true)
        iy += 1
    }
}

/// A field's text as screen lines, wrapped at spaces like the text will read (a word longer
/// than the line is cut), with the cursor's column on its line.
func editorLines(_ f: TextField, width: Int) -> [(text: String, hasCursor: Bool, cursorColumn: Int?)] {
    let width = max(1, width)
    let chars = f.chars
    var out: [(text: String, hasCursor: Bool, cursorColumn: Int?)] = []
    // Logical lines: [start, end) without their newline.
    var bounds: [(Int, Int)] = []
    var start = 0
    for (i, ch) in chars.enumerated() where ch == "\n" {
        bounds.append((start, i))
        start = i + 1
    }
    bounds.append((start, chars.count))
    typealias Glyph = (text: String, width: Int, index: Int)
    for (lo, hi) in bounds {
        var rows: [[Glyph]] = []
        var row: [Glyph] = []
        var col = 0
        for i in lo..<hi {
            let safe = TextSafety.visible(String(chars[i]))
            let g: Glyph = (safe, DisplayWidth.of(safe), i)
            if col + g.width > width && !row.isEmpty && g.text != " " {
                if let space = row.lastIndex(where: { $0.text == " " }), space < row.count - 1 {
                    rows.append(Array(row[...space]))
                    row = Array(row[(space + 1)...])
                } else {
                    rows.append(row)
                    row = []
                }
                col = row.reduce(0) { $0 + $1.width }
            }
            row.append(g)
            col += g.width
        }
        rows.append(row)
        for (n, r) in rows.enumerated() {
            var text = ""
            var c = 0
            var cursorColumn: Int?
            for g in r {
                if g.index == f.cursor { cursorColumn = min(c, width - 1) }
                text += g.text
                c += g.width
            }
            // The cursor after the last character of the logical line sits on its last row.
            if cursorColumn == nil, f.cursor == hi, n == rows.count - 1 { cursorColumn = min(c, width - 1) }
            out.append((text, cursorColumn != nil, cursorColumn))
        }
    }
    return out
}

func renderHelp(_ b: inout Buffer, _ s: InboxState, _ env: InboxEnvironment) {
    var y = 1
    let title: String
    switch s.helpContext {
    case .queue: title = "Keys in the queue"
    case .detail: title = "Keys on an item"
    case .composer: title = "Keys in the composer (other keys type text; C-w deletes a word, M-b / M-f move by word)"
    case .dashboard: title = "Keys on the shift dashboard"
    }
    b.put(title + " · any key closes", x: 1, y: y, style: Theme.title, ellipsis: true)
    y += 1
    let actions = Action.allCases.filter { !env.keymap.keys(for: $0, in: s.helpContext).isEmpty }
    let rowsPerColumn = max(1, s.height - 4)
    let columns = max(1, (actions.count + rowsPerColumn - 1) / rowsPerColumn)
    let columnWidth = max(24, (s.width - 2) / columns)
    for (i, a) in actions.enumerated() {
        let x = 1 + (i / rowsPerColumn) * columnWidth
        let row = y + i % rowsPerColumn
        guard x < s.width else { break }
        let keys = env.keymap.keys(for: a, in: s.helpContext).map(Keymap.name).joined(separator: " ")
        b.put(keys, x: x, y: row, style: Theme.title, maxWidth: 11, ellipsis: true)
        b.put(a.help, x: x + 12, y: row, maxWidth: columnWidth - 13, ellipsis: true)
    }
}

func renderStatus(_ b: inout Buffer, _ s: InboxState) {
    let y = s.height - 2
    if let p = s.prompt {
        switch p {
        case .search(let text):
            b.put("/" + text, x: 0, y: y, style: Theme.title)
            b.put("▏", x: 1 + DisplayWidth.of(TextSafety.visible(text)), y: y)
        case .confirm(let action):
            let question: String
            switch action {
            case .send:
                let c = s.composer
                let target = (s.detail?.stored.id == c?.itemID ? s.detail?.stored.item.author.handle : nil) ?? "this person"
                switch c?.mode {
                case .redirect(let ch)?: question = "Record the public acknowledgement and the \(channelLabel(ch)) to \(target)?"
                case .single(let ch)?: question = "Record \(channelLabel(ch)) to \(target)?"
                case nil: question = "Send?"
                }
                if let w = c?.issues.first(where: { $0.severity == .warn }) {
                    b.put("⚠ " + w.message, x: 0, y: y - 1, style: Theme.warning, ellipsis: true)
                }
            case .setStatus(_, _, _, let label): question = label + "?"
            }
            b.put(question + " y/n", x: 0, y: y, style: Theme.title, ellipsis: true)
        case .overrideReason(let route, let urgent, let spam, let text):
            let head = "Override → \(route == .redirectPrivate ? "PRIVATE" : "PUBLIC")\(urgent ? " URGENT" : "")\(spam ? " SPAM" : "") (Tab route, C-u urgent, C-p spam) why: "
            b.put(head + text, x: 0, y: y, style: Theme.title, ellipsis: true)
        }
        return
    }
    if let st = s.status {
        let style = st.kind == .error ? Theme.error : st.kind == .warning ? Theme.warning : Theme.info
        b.put(st.text, x: 0, y: y, style: style, ellipsis: true)
    }
}

func renderHints(_ b: inout Buffer, _ s: InboxState, _ env: InboxEnvironment) {
    let y = s.height - 1
    let context: KeyContext
    var actions: [Action]
    switch s.screen {
    case .queue: context = .queue; actions = [.help, .quit, .open, .reply, .redirect, .escalate, .claim, .search, .filterRoute, .filterUrgent]
    case .detail: context = .detail; actions = [.help, .back, .reply, .redirect, .escalate, .hideSpam, .noReplyNeeded, .note, .override, .nextItem]
    case .dashboard: context = .dashboard; actions = [.help, .back, .export, .down, .up, .refresh]
    case .composer:
        context = .composer
        actions = [.send, .cancel, .openEditor, .nextTemplate]
        if case .redirect? = s.composer?.mode { actions += [.switchField, .nextChannel] }
    case .help: b.put("any key: back", x: 0, y: y, style: Theme.hint); return
    }
    var x = 0
    for a in actions {
        guard let key = env.keymap.keys(for: a, in: context).first else { continue }
        let label = "\(Keymap.name(key)) \(a.hint)"
        guard x + DisplayWidth.of(label) + 2 <= s.width else { break }
        b.put(Keymap.name(key), x: x, y: y, style: Style(bold: true))
        b.put(String(label.dropFirst(Keymap.name(key).count)), x: x + DisplayWidth.of(Keymap.name(key)), y: y, style: Theme.hint)
        x += DisplayWidth.of(label) + 2
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
