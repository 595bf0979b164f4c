import Foundation
import RoundsCore
import RoundsStore
import RoundsTerminal

/// What `update` needs besides the state: fixed for the life of the inbox.
public struct InboxEnvironment: Sendable {
    public var keymap: Keymap
    public var replyCheck: ReplyCheck
    public var replyContext: ReplyContext
    public var savedReplies: [SavedReply]

    public init(keymap: Keymap = .defaults, replyCheck: ReplyCheck, replyContext: ReplyContext, savedReplies: [SavedReply] = SavedReplies.builtIn) {
        self.keymap = keymap
        self.replyCheck = replyCheck
        self.replyContext = replyContext
        self.savedReplies = savedReplies
    }
}

/// The inbox's only way to change: a pure function of the state and a message, returning the
/// work to do. Unit-tested without a terminal or a database.
public func update(_ s: inout InboxState, _ message: Message, _ env: InboxEnvironment) -> [Effect] {
    switch message {
    case .tick(let now):
        let previous = s.now
        s.now = now
        // Counts change with time (items become due soon, then breached): refresh every 5 s.
        if Int(now.timeIntervalSince1970) / 5 != Int(previous.timeIntervalSince1970) / 5 {
            // Time alone changes which items are due soon or breached, not how many match the
            // filter (a write would: the change watcher reloads everything then).
            let refresh = Effect.loadQueue(s.filter, s.order, offset: max(0, s.selected - s.listHeight), limit: windowSize(s), .clock)
            return s.screen == .dashboard ? [refresh, .loadSummary] : [refresh]
        }
        return []

    case .resized(let w, let h):
        s.width = w
        s.height = h
        keepSelectionVisible(&s)
        return ensureLoaded(s)

    case .storeChanged:
        var effects = [reload(s)]
        if s.screen == .dashboard {
            effects.append(.loadSummary)
        } else if s.screen != .queue, let id = s.detail?.stored.id {
            effects.append(.loadDetail(id))
        }
        return effects

    case .summaryLoaded(let summary):
        s.summary = summary
        return []

    case .exported(let text):
        s.status = StatusLine(text: text, kind: .info)
        return []

    case .queueLoaded(let offset, let rows, let total, let counts):
        // Keep the cursor on the same item when the queue moved under it (another manager, an import).
        let selectedID = s.selectedRow?.id
        s.rows = rows
        s.rowsOffset = offset
        // A load that does not count (the 5-s refresh, a scroll) may already see rows another
        // process added before the change watcher's recount: the queue is at least that long, or
        // the clamp below would move the cursor off its item.
        if let total { s.total = total } else { s.total = max(s.total, offset + rows.count) }
        if let counts { s.counts = counts }
        s.loading = false
        if let selectedID, let i = rows.firstIndex(where: { $0.id == selectedID }) {
            s.selected = offset + i
        }
        s.selected = min(s.selected, max(0, s.total - 1))
        keepSelectionVisible(&s)
        if s.openSelectedAfterLoad {
            s.openSelectedAfterLoad = false
            if let row = s.selectedRow {
                s.screen = .detail
                s.detailScroll = 0
                s.detail = nil
                return [.loadDetail(row.id), .logViewed(row.id)]
            }
            s.screen = .queue
        }
        return []

    case .detailLoaded(let detail):
        s.detail = detail
        if detail == nil && s.screen != .queue {
            s.screen = .queue
            s.status = StatusLine(text: "That item is no longer there.", kind: .warning)
        }
        return []

    case .recorded(let text):
        s.status = StatusLine(text: text, kind: .info)
        if let c = s.composer { s.drafts[c.itemID] = nil }
        // Back to where the composer was opened: the item, or the queue (no item loaded).
        if s.screen == .composer { s.screen = s.detail == nil ? .queue : .detail }
        s.composer = nil
        if s.advanceAfterRecord {
            // The resolved item leaves the open queue: the row now at the selection is the next.
            s.advanceAfterRecord = false
            s.openSelectedAfterLoad = true
            return [reload(s)]
        }
        var effects = [reload(s)]
        if let id = s.detail?.stored.id { effects.append(.loadDetail(id)) }
        return effects

    case .refused(let text):
        // Nothing was recorded; the draft stays in the composer.
        s.advanceAfterRecord = false
        s.status = StatusLine(text: "Not sent: \(text)", kind: .error)
        var effects = [reload(s)]
        if let id = s.detail?.stored.id { effects.append(.loadDetail(id)) }
        return effects

    case .failed(let text):
        s.status = StatusLine(text: text, kind: .error)
        s.advanceAfterRecord = false
        return []

    case .editorFinished(let text, let error):
        if let error { s.status = StatusLine(text: error, kind: .error) }
        if let text, var c = s.composer {
            if c.focus == 1, c.acknowledgement != nil { c.acknowledgement!.set(text) } else { c.text.set(text) }
            c.issues = []
            s.composer = c
        }
        return []

    case .key(let key):
        if key == .resize { return [] }
        if s.prompt != nil { return promptKey(&s, key, env) }
        switch s.screen {
        case .help:
            s.screen = s.helpReturn
            if s.screen == .composer && s.composer == nil { s.screen = .queue }
            if s.screen == .detail && s.detail == nil { s.screen = .queue }
            return []
        case .composer:
            return composerKey(&s, key, env)
        case .queue, .detail, .dashboard:
            // A new key clears an old message.
            s.status = nil
            let context: KeyContext = s.screen == .queue ? .queue : s.screen == .detail ? .detail : .dashboard
            guard let action = env.keymap.action(for: key, in: context) else { return [] }
            return perform(&s, action, env)
        }
    }
}

// MARK: - Queue window

/// How many rows one load fetches: three screens, so scrolling rarely waits.
func windowSize(_ s: InboxState) -> Int { max(30, s.listHeight * 3) }

/// Everything again: the data or the clock changed.
func reload(_ s: InboxState) -> Effect {
    .loadQueue(s.filter, s.order, offset: max(0, s.selected - s.listHeight), limit: windowSize(s), .everything)
}

/// Loads the window around the selection when the selection left it.
func ensureLoaded(_ s: InboxState) -> [Effect] {
    let lo = s.rowsOffset
    let hi = s.rowsOffset + s.rows.count
    let needLo = max(0, s.scrollTop)
    let needHi = min(s.total, s.scrollTop + s.listHeight)
    if needLo >= lo && needHi <= hi && !(s.rows.isEmpty && s.total > 0) { return [] }
    return [.loadQueue(s.filter, s.order, offset: max(0, s.scrollTop - s.listHeight), limit: windowSize(s), .window)]
}

func keepSelectionVisible(_ s: inout InboxState) {
    let h = max(1, s.listHeight)
    if s.selected < s.scrollTop { s.scrollTop = s.selected }
    if s.selected >= s.scrollTop + h { s.scrollTop = s.selected - h + 1 }
    s.scrollTop = max(0, min(s.scrollTop, max(0, s.total - h)))
}

func move(_ s: inout InboxState, to index: Int) -> [Effect] {
    s.selected = max(0, min(index, max(0, s.total - 1)))
    keepSelectionVisible(&s)
    return ensureLoaded(s)
}

/// Starts the queue again from the top. `load`: `.window` when only the order changed (the
/// number of items under the filter is the same, so it is not counted again). One screen of rows
/// is read: the frame after a filter, sort or search keystroke shows no more, and the rows below
/// are read (three screens at a time) when the list scrolls past it.
func refilter(_ s: inout InboxState, load: QueueLoad = .filtered, _ change: (inout QueueFilter) -> Void) -> [Effect] {
    change(&s.filter)
    s.selected = 0
    s.scrollTop = 0
    s.rows = []
    s.rowsOffset = 0
    s.loading = true
    return [.loadQueue(s.filter, s.order, offset: 0, limit: max(1, s.listHeight), load)]
}

// MARK: - Actions

func perform(_ s: inout InboxState, _ action: Action, _ env: InboxEnvironment) -> [Effect] {
    let page = max(1, s.listHeight - 1)
    switch action {
    case .quit:
        s.quitting = true
        return [.quit]
    case .help:
        s.helpContext = s.screen == .detail ? .detail : s.screen == .dashboard ? .dashboard : .queue
        s.helpReturn = s.screen
        s.screen = .help
        return []
    case .down:
        if s.screen == .dashboard { s.dashboardScroll += 1; return [] }
        if s.screen == .detail { s.detailScroll += 1; return [] }
        return move(&s, to: s.selected + 1)
    case .up:
        if s.screen == .dashboard { s.dashboardScroll = max(0, s.dashboardScroll - 1); return [] }
        if s.screen == .detail { s.detailScroll = max(0, s.detailScroll - 1); return [] }
        return move(&s, to: s.selected - 1)
    case .pageDown:
        if s.screen == .dashboard { s.dashboardScroll += page; return [] }
        if s.screen == .detail { s.detailScroll += page; return [] }
        s.scrollTop = min(max(0, s.total - s.listHeight), s.scrollTop + page)
        return move(&s, to: s.selected + page)
    case .pageUp:
        if s.screen == .dashboard { s.dashboardScroll = max(0, s.dashboardScroll - page); return [] }
        if s.screen == .detail { s.detailScroll = max(0, s.detailScroll - page); return [] }
        s.scrollTop = max(0, s.scrollTop - page)
        return move(&s, to: s.selected - page)
    case .top: return move(&s, to: 0)
    case .bottom: return move(&s, to: s.total - 1)
    case .open:
        guard let row = s.selectedRow else { return [] }
        s.screen = .detail
        s.detailScroll = 0
        if s.detail?.stored.id != row.id { s.detail = nil }
        return [.loadDetail(row.id), .logViewed(row.id)]
    case .back:
        if s.screen == .dashboard {
            s.screen = s.dashboardReturn == .detail && s.detail != nil ? .detail : .queue
            s.summary = nil
            return []
        }
        s.screen = .queue
        return []
    case .dashboard:
        s.dashboardReturn = s.screen
        s.screen = .dashboard
        s.summary = nil
        s.dashboardScroll = 0
        return [.loadSummary]
    case .export:
        guard let summary = s.summary else { return [] }
        s.status = StatusLine(text: "Exporting…", kind: .info)
        return [.exportSummary(summary)]
    case .nextItem, .previousItem:
        var effects = move(&s, to: s.selected + (action == .nextItem ? 1 : -1))
        if let row = s.selectedRow {
            s.detailScroll = 0
            effects += [.loadDetail(row.id), .logViewed(row.id)]
        }
        return effects
    case .refresh:
        if s.screen == .dashboard { return [.loadSummary] }
        var effects = [reload(s)]
        if s.screen == .detail, let id = s.detail?.stored.id { effects.append(.loadDetail(id)) }
        return effects
    case .search:
        s.prompt = .search(s.filter.search)
        return []
    case .filterRoute:
        return refilter(&s) { f in
            f.route = f.route == nil ? .answerInThread : f.route == .answerInThread ? .redirectPrivate : nil
        }
    case .filterPlatform:
        return refilter(&s) { f in
            let all = Platform.allCases
            if let p = f.platform, let i = all.firstIndex(of: p) { f.platform = i + 1 < all.count ? all[i + 1] : nil } else { f.platform = all.first }
        }
    case .filterUrgent:
        return refilter(&s) { $0.urgentOnly.toggle() }
    case .filterStatus:
        return refilter(&s) { f in
            let all = QueueFilter.Statuses.allCases
            f.statuses = all[(all.firstIndex(of: f.statuses)! + 1) % all.count]
        }
    case .filterOwner:
        return refilter(&s) { f in
            let all = QueueFilter.Ownership.allCases
            f.ownership = all[(all.firstIndex(of: f.ownership)! + 1) % all.count]
        }
    case .sortOrder:
        let all = QueueOrder.allCases
        s.order = all[(all.firstIndex(of: s.order)! + 1) % all.count]
        return refilter(&s, load: .window) { _ in }
    case .clearFilters:
        return refilter(&s) { $0 = QueueFilter() }
    case .claim:
        guard let id = currentItemID(s) else { return [] }
        return [.claim(id)]
    case .release:
        guard let id = currentItemID(s) else { return [] }
        return [.release(id)]
    case .reply, .redirect, .escalate, .note:
        guard let target = currentItem(s) else { return [] }
        openComposer(&s, for: target, action: action, env)
        return []
    case .noReplyNeeded:
        guard let target = currentItem(s) else { return [] }
        var c = Composer(itemID: target.id, version: target.version, mode: .single(.noReplyNeeded), text: TextField("No reply needed."))
        c.issues = []
        s.composer = c
        s.prompt = .confirm(.send)
        return []
    case .hideSpam:
        guard let id = currentItemID(s) else { return [] }
        s.prompt = .confirm(.setStatus(itemID: id, status: .hidden, event: .hiddenAsSpam, label: "Hide this item as spam"))
        return []
    case .resolveNext:
        guard let target = currentItem(s) else { return [] }
        guard target.status == .open else {
            // Already handled: just go on to the next item.
            var effects = perform(&s, .nextItem, env)
            if s.screen == .queue, let row = s.selectedRow {
                s.screen = .detail
                effects += [.loadDetail(row.id), .logViewed(row.id)]
            }
            return effects
        }
        s.advanceAfterRecord = true
        s.prompt = .confirm(.setStatus(itemID: target.id, status: .closed, event: .resolved,
                                       label: "Resolve #\(target.id) with no further reply and open the next"))
        return []
    case .override:
        guard let target = currentItem(s) else { return [] }
        s.prompt = .overrideReason(route: target.route == .answerInThread ? .redirectPrivate : .answerInThread,
                                   urgent: target.urgent, spam: target.spam, text: "")
        return []
    case .send, .cancel, .openEditor, .nextTemplate, .nextChannel, .switchField:
        return []
    }
}

/// The item the manager is looking at: the open detail, else the selected row.
func currentItem(_ s: InboxState) -> StoredItem? {
    if s.screen == .detail, let d = s.detail { return d.stored }
    return s.selectedRow?.stored
}

func currentItemID(_ s: InboxState) -> Int64? { currentItem(s)?.id }

func openComposer(_ s: inout InboxState, for target: StoredItem, action: Action, _ env: InboxEnvironment) {
    if s.detail?.stored.id != target.id { s.detail = nil }
    var ctx = env.replyContext
    ctx.author = target.item.author.handle
    func template(_ key: String) -> String {
        guard let t = env.savedReplies.first(where: { $0.key == key }) else { return "" }
        return SavedReplies.render(t.text, ctx).text
    }
    let mode: Composer.Mode
    var text = TextField()
    var ack: TextField?
    switch action {
    case .redirect:
        mode = .redirect(.privateMessage)
        let t = redirectTemplates(.privateMessage, author: target.item.author.handle, env)
        text = TextField(prefilled: t.message)
        ack = TextField(prefilled: t.acknowledgement)
    case .escalate:
        mode = .single(.escalated)
        text = TextField(prefilled: template("crisis"))
    case .note:
        mode = .single(.internalNote)
    default:
        mode = .single(.publicReply)
    }
    // A kept draft for the same item and mode wins over a fresh template.
    if let draft = s.drafts[target.id], draft.mode == mode {
        s.composer = draft
        s.composer!.version = draft.version
    } else {
        s.composer = Composer(itemID: target.id, version: target.version, mode: mode, text: text, acknowledgement: ack)
    }
    s.screen = .composer
    s.status = StatusLine(text: composerHint(s.composer!, env), kind: .info)
}

/// The prefilled public acknowledgement and private message of a redirect on `channel`.
func redirectTemplates(_ channel: ResponseChannel, author: String, _ env: InboxEnvironment) -> (acknowledgement: String, message: String) {
    var ctx = env.replyContext
    ctx.author = author
    func render(_ key: String) -> String {
        guard let t = env.savedReplies.first(where: { $0.key == key }) else { return "" }
        return SavedReplies.render(t.text, ctx).text
    }
    switch channel {
    case .email: return (render("redirect_public_email"), render("redirect_email"))
    case .phone: return (render("redirect_public_phone"), render("redirect_phone"))
    default: return (render("redirect_public"), render("redirect_dm"))
    }
}

func composerHint(_ c: Composer, _ env: InboxEnvironment) -> String {
    func k(_ a: Action) -> String { env.keymap.keys(for: a, in: .composer).map(Keymap.name).first ?? "?" }
    var parts = ["\(k(.help)) keys", "\(k(.send)) check & send", "\(k(.cancel)) leave (draft kept)", "\(k(.openEditor)) $EDITOR", "\(k(.nextTemplate)) saved reply"]
    if case .redirect = c.mode { parts += ["\(k(.switchField)) switch field", "\(k(.nextChannel)) channel"] }
    return parts.joined(separator: " · ")
}

// MARK: - Composer keys

func composerKey(_ s: inout InboxState, _ key: Key, _ env: InboxEnvironment) -> [Effect] {
    guard var c = s.composer else { s.screen = .queue; return [] }
    defer { s.composer = c }
    if let action = env.keymap.action(for: key, in: .composer) {
        switch action {
        case .cancel:
            s.drafts[c.itemID] = c
            s.screen = s.detail == nil ? .queue : .detail
            s.status = StatusLine(text: "Draft kept.", kind: .info)
            return []
        case .send:
            c.issues = checkIssues(c, s, env)
            if let block = c.issues.first(where: { $0.severity == .block }) {
                s.status = StatusLine(text: "Blocked: \(block.message)", kind: .error)
                return []
            }
            s.prompt = .confirm(.send)
            return []
        case .openEditor:
            let field = c.focus == 1 ? c.acknowledgement?.string ?? "" : c.text.string
            return [.openEditor(field)]
        case .nextTemplate:
            let fitting = env.savedReplies.filter { $0.channel.rawValue == templateChannel(c).rawValue }
            guard !fitting.isEmpty else { return [] }
            c.templateIndex = (c.templateIndex + 1) % fitting.count
            var ctx = env.replyContext
            if let item = s.detail?.stored, item.id == c.itemID { ctx.author = item.item.author.handle }
            let rendered = SavedReplies.render(fitting[c.templateIndex].text, ctx).text
            if c.focus == 1 { c.acknowledgement?.prefill(rendered) } else { c.text.prefill(rendered) }
            s.status = StatusLine(text: "Saved reply: \(fitting[c.templateIndex].title)", kind: .info)
            return []
        case .nextChannel:
            if case .redirect(let ch) = c.mode {
                let order: [ResponseChannel] = [.privateMessage, .email, .phone]
                let next = order[((order.firstIndex(of: ch) ?? 0) + 1) % order.count]
                c.mode = .redirect(next)
                // Prefilled texts follow the channel, unless the manager already edited them.
                let author = (s.detail?.stored.id == c.itemID ? s.detail?.stored : s.rows.first { $0.id == c.itemID }?.stored)?.item.author.handle ?? ""
                let old = redirectTemplates(ch, author: author, env)
                let new = redirectTemplates(next, author: author, env)
                if c.text.string == old.message { c.text.prefill(new.message) }
                if c.acknowledgement?.string == old.acknowledgement { c.acknowledgement?.prefill(new.acknowledgement) }
                c.issues = []
                s.status = StatusLine(text: "Private channel: \(channelLabel(next))", kind: .info)
            }
            return []
        case .switchField:
            if c.acknowledgement != nil { c.focus = 1 - c.focus }
            return []
        case .help:
            s.helpContext = .composer
            s.helpReturn = .composer
            s.screen = .help
            return []
        default:
            break
        }
    }
    // Text editing.
    func edit(_ body: (inout TextField) -> Void) {
        if c.focus == 1, c.acknowledgement != nil { body(&c.acknowledgement!) } else { body(&c.text) }
        c.issues = []
    }
    switch key {
    case .char(let ch): edit { $0.insert(ch) }
    case .enter: edit { $0.insert("\n") }
    case .backspace: edit { $0.backspace() }
    case .delete: edit { $0.deleteForward() }
    case .left: edit { $0.left() }
    case .right: edit { $0.right() }
    case .up: edit { $0.up() }
    case .down: edit { $0.down() }
    case .home, .ctrl("a"): edit { $0.home() }
    case .end, .ctrl("e"): edit { $0.end() }
    case .ctrl("w"): edit { $0.deleteWordBackward() }
    case .altChar("b"): edit { $0.wordLeft() }
    case .altChar("f"): edit { $0.wordRight() }
    default: break
    }
    return []
}

/// The saved-reply channel for the focused field.
func templateChannel(_ c: Composer) -> ReplyChannel {
    if c.focus == 1 { return .publicReply }
    switch c.channel {
    case .publicReply: return .publicReply
    case .privateMessage: return .privateMessage
    case .email: return .email
    case .phone: return .phone
    case .internalNote: return .internalNote
    case .escalated, .noReplyNeeded: return .privateMessage
    }
}

/// The reply check on every field that will be sent.
func checkIssues(_ c: Composer, _ s: InboxState, _ env: InboxEnvironment) -> [ReplyIssue] {
    guard let item = (s.detail?.stored.id == c.itemID ? s.detail?.stored : nil) ?? s.rows.first(where: { $0.id == c.itemID })?.stored else { return [] }
    var issues = env.replyCheck.check(reply: c.text.string, to: item.item, channel: templateChannel(Composer(itemID: c.itemID, version: c.version, mode: c.mode, text: c.text)))
    if let ack = c.acknowledgement {
        issues += env.replyCheck.check(reply: ack.string, to: item.item, channel: .publicReply)
    }
    return issues
}

// MARK: - Prompts

func promptKey(_ s: inout InboxState, _ key: Key, _ env: InboxEnvironment) -> [Effect] {
    guard let prompt = s.prompt else { return [] }
    switch prompt {
    case .search(var text):
        switch key {
        case .escape:
            s.prompt = nil
            return refilter(&s) { $0.search = "" }
        case .enter:
            s.prompt = nil
            return []
        case .backspace:
            if !text.isEmpty { text.removeLast() }
        case .ctrl("w"):
            var f = TextField(text)
            f.deleteWordBackward()
            text = f.string
        case .char(let c):
            text.append(c)
        default:
            return []
        }
        s.prompt = .search(text)
        // Incremental: the queue follows every keystroke (one screen of rows: see `refilter`).
        return refilter(&s) { $0.search = text }

    case .confirm(let action):
        switch key {
        case .char("y"), .char("Y"):
            s.prompt = nil
            switch action {
            case .send:
                guard let c = s.composer else { return [] }
                s.status = StatusLine(text: "Recording…", kind: .info)
                return [.send(c)]
            case .setStatus(let id, let status, let event, _):
                return [.setStatus(itemID: id, status: status, event: event)]
            }
        case .char("n"), .char("N"), .escape:
            s.prompt = nil
            s.advanceAfterRecord = false
            if case .send = action, let c = s.composer, c.mode == .single(.noReplyNeeded) { s.composer = nil }
            s.status = StatusLine(text: "Not sent.", kind: .info)
            return []
        default:
            return []
        }

    case .overrideReason(var route, var urgent, var spam, var text):
        switch key {
        case .escape:
            s.prompt = nil
            return []
        case .tab:
            route = route == .answerInThread ? .redirectPrivate : .answerInThread
        case .ctrl("u"):
            urgent.toggle()
            if urgent { spam = false }
        case .ctrl("p"):
            spam.toggle()
            if spam { urgent = false }
        case .backspace:
            if !text.isEmpty { text.removeLast() }
        case .char(let c):
            text.append(c)
        case .enter:
            let why = text.trimmingCharacters(in: .whitespaces)
            guard !why.isEmpty, let id = currentItemID(s) else {
                s.status = StatusLine(text: "An override needs a reason.", kind: .warning)
                return []
            }
            s.prompt = nil
            return [.overrideTriage(itemID: id, route: route, urgent: urgent, spam: spam, why: why)]
        default:
            return []
        }
        s.prompt = .overrideReason(route: route, urgent: urgent, spam: spam, text: text)
        return []
    }
}
