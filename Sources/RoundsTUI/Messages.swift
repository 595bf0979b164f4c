import Foundation
import RoundsCore
import RoundsStore
import RoundsSummary
import RoundsTerminal

/// Everything that can happen to the inbox.
public enum Message: Sendable {
    case key(Key)
    /// Once a second: timers move.
    case tick(Date)
    case resized(width: Int, height: Int)
    /// Another process (or this one) committed to the database.
    case storeChanged
    /// Rows from `offset`; `total` and `counts` when the load asked for them (see ``QueueLoad``).
    case queueLoaded(offset: Int, rows: [QueueRow], total: Int?, counts: QueueCounts?)
    case detailLoaded(ItemDetail?)
    /// A write finished: a message for the status line, or the conflict that stopped it.
    case recorded(String)
    case refused(String)
    case failed(String)
    /// `$EDITOR` returned (nil: cancelled or failed, with a reason).
    case editorFinished(text: String?, error: String?)
    /// The current shift's summary, for the dashboard.
    case summaryLoaded(ShiftSummary)
    /// The summary was written to files (the message names them).
    case exported(String)
}

/// Work the inbox asks for; the ``EffectRunner`` does it and answers with messages.
public enum Effect: Sendable, Equatable {
    case loadQueue(QueueFilter, QueueOrder, offset: Int, limit: Int, QueueLoad)
    case loadDetail(Int64)
    case claim(Int64)
    case release(Int64)
    case send(Composer)
    case setStatus(itemID: Int64, status: ItemStatus, event: EventKind)
    case overrideTriage(itemID: Int64, route: Route, urgent: Bool, spam: Bool, why: String)
    case logViewed(Int64)
    case openEditor(String)
    /// Compute the current shift's summary (read only).
    case loadSummary
    /// Write the summary as Markdown, CSV (items and totals) and JSON files, mode 0600.
    case exportSummary(ShiftSummary)
    case quit
}




/// How much of the queue a load fetches: scrolling needs only rows; a new filter also the size of
/// the queue under it; a change of the data or of the clock also the status-bar counts (the
/// costliest query, a scan of the open items).
public enum QueueLoad: Sendable, Equatable {
    /// Rows only: the selection left the loaded window.
    case window
    /// Rows and the number of items under the filter.
    case filtered
    /// Rows, the number under the filter, and the status-bar counts, all read afresh: the data
    /// may have changed (another process wrote), so nothing counted before is reused.
    case everything
    /// Rows and the status-bar counts: time passed (items became due soon or breached), but
    /// nothing was written, so the number under the filter is unchanged.
    case clock
}
