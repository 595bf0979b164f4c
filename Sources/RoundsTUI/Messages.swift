import Foundation
import RoundsCore
import RoundsStore
import RoundsTerminal

/// Everything that can happen to the inbox.
public enum Message: Sendable {
    case key(Key)
    /// Once a second: timers move.
    case tick(Date)
    case resized(width: Int, height: Int)
    /// Another process (or this one) committed to the database.
    case storeChanged
    case queueLoaded(offset: Int, rows: [QueueRow], total: Int, counts: QueueCounts)
    case detailLoaded(ItemDetail?)
    /// A write finished: a message for the status line, or the conflict that stopped it.
    case recorded(String)
    case refused(String)
    case failed(String)
    /// `$EDITOR` returned (nil: cancelled or failed, with a reason).
    case editorFinished(text: String?, error: String?)
}

/// Work the inbox asks for; the ``EffectRunner`` does it and answers with messages.
public enum Effect: Sendable, Equatable {
    case loadQueue(QueueFilter, QueueOrder, offset: Int, limit: Int)
    case loadDetail(Int64)
    case claim(Int64)
    case release(Int64)
    case send(Composer)
    case setStatus(itemID: Int64, status: ItemStatus, event: EventKind)
    case overrideTriage(itemID: Int64, route: Route, urgent: Bool, spam: Bool, why: String)
    case logViewed(Int64)
    case openEditor(String)
    case quit
}



