import Foundation
import RoundsCore
import RoundsStore
import RoundsSummary
import RoundsTerminal

/// What the inbox shows.
public enum Screen: Sendable, Equatable {
    case queue
    case detail
    case composer
    case help
    /// The shift dashboard: figures, charts, the handover list.
    case dashboard
}

/// A one-line prompt at the bottom of the screen.
public enum Prompt: Sendable, Equatable {
    /// `/` incremental search.
    case search(String)
    /// A yes/no question before something is recorded.
    case confirm(ConfirmAction)
    /// Override the triage: pick a route/flags, then type a reason.
    case overrideReason(route: Route, urgent: Bool, spam: Bool, text: String)
}

/// What a confirmation will do when the manager says yes.
public enum ConfirmAction: Sendable, Equatable {
    case send
    case setStatus(itemID: Int64, status: ItemStatus, event: EventKind, label: String)
}

/// A message on the status line.
public struct StatusLine: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case info, warning, error }
    public var text: String
    public var kind: Kind
}

/// A reply being written.
public struct Composer: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// One response on one channel.
        case single(ResponseChannel)
        /// A redirect: a public acknowledgement and a private message, recorded together.
        case redirect(ResponseChannel)
    }
    public var itemID: Int64
    /// The item version the manager saw when they opened the composer (the traffic cop).
    public var version: Int
    public var mode: Mode
    /// The main text (for a redirect: the private message).
    public var text: TextField
    /// For a redirect: the public acknowledgement.
    public var acknowledgement: TextField?
    /// Which field has the cursor: 0 main, 1 acknowledgement.
    public var focus: Int = 0
    /// Problems found by the last check.
    public var issues: [ReplyIssue] = []
    /// Cycles through the saved replies that fit the channel (Ctrl-T).
    public var templateIndex: Int = -1

    public var channel: ResponseChannel {
        switch mode {
        case .single(let c), .redirect(let c): c
        }
    }
}

/// The whole state of the inbox: a value, changed only by ``update(_:_:)``.
public struct InboxState: Sendable {
    public var width: Int
    public var height: Int
    public var now: Date
    public var agent: String
    public var orgName: String
    public var timeZone: TimeZone

    public var filter = QueueFilter()
    public var order: QueueOrder = .urgency
    /// The loaded slice of the queue: rows `rowsOffset ..< rowsOffset + rows.count`.
    public var rows: [QueueRow] = []
    public var rowsOffset = 0
    /// Size of the whole queue under the filter.
    public var total = 0
    /// Index of the selected row in the whole queue.
    public var selected = 0
    /// First queue index shown on screen.
    public var scrollTop = 0
    public var counts = QueueCounts()
    public var loading = false

    public var screen: Screen = .queue
    public var detail: ItemDetail?
    public var detailScroll = 0
    /// The current shift's summary, while the dashboard is open (nil: loading).
    public var summary: ShiftSummary?
    public var dashboardScroll = 0
    /// Where the dashboard returns to.
    public var dashboardReturn: Screen = .queue
    public var composer: Composer?
    /// Drafts kept per item when the composer is left or a send is refused.
    public var drafts: [Int64: Composer] = [:]
    public var prompt: Prompt?
    public var status: StatusLine?
    public var quitting = false
    /// The keys `?` lists (the context it was opened from) and where any key returns to.
    public var helpContext: KeyContext = .queue
    public var helpReturn: Screen = .queue
    /// Set by resolve-and-next: once the queue reloads after the write, open the selected row
    /// (the item after the resolved one).
    public var openSelectedAfterLoad = false
    /// Set by resolve-and-next while its confirmation is asked.
    public var advanceAfterRecord = false

    public init(width: Int, height: Int, now: Date, agent: String, orgName: String, timeZone: TimeZone) {
        self.width = width
        self.height = height
        self.now = now
        self.agent = agent
        self.orgName = orgName
        self.timeZone = timeZone
    }

    /// Rows of the queue list on screen (everything but the header, status and hint lines).
    public var listHeight: Int { max(0, height - 3) }

    /// The selected row, when it is loaded.
    public var selectedRow: QueueRow? {
        let i = selected - rowsOffset
        return rows.indices.contains(i) ? rows[i] : nil
    }

    /// True when the terminal is too small to work in.
    public var tooSmall: Bool { width < 40 || height < 10 }
}
