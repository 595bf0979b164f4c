import Foundation
import RoundsStore

/// Reads the open items' search index (``OpenItemsSearch``, ≈ 0.2–0.3 s at 100,000 open items)
/// on a background thread, so that the first search keystroke finds it ready instead of paying
/// for it: once when the inbox opens, and again after the store changes if a search was used
/// recently. ``take()`` waits for a read in progress, or reads on the caller's thread if none is.
///
/// A read that started before a change is thrown away when it ends (its snapshot is older than
/// the change); every read is of one transaction, so an index is never half old, half new.
final class SearchPreparation: @unchecked Sendable {
    private let db: AppDatabase
    private let condition = NSCondition()
    /// Bumped by every change; a read keeps its result only if nothing changed while it ran.
    private var generation = 0
    private var reading = false
    private var ready: OpenItemsSearch?

    init(db: AppDatabase) { self.db = db }

    /// Starts a background read unless one is running or an index is ready.
    func prepare() {
        condition.lock(); defer { condition.unlock() }
        guard !reading, ready == nil else { return }
        reading = true
        let started = generation
        DispatchQueue.global(qos: .utility).async { [self] in
            let index = try? db.openItemsSearch()
            condition.lock()
            reading = false
            if started == generation { ready = index }
            condition.broadcast()
            let again = started != generation && rereadAfterChange
            condition.unlock()
            if again { prepare() }
        }
    }

    /// Whether the read after a change should start at once (set by ``changed(reread:)``).
    private var rereadAfterChange = false

    /// The store changed: the index is out of date. `reread`: read a fresh one in the background
    /// now (when searches are in use), rather than on the next search.
    func changed(reread: Bool) {
        condition.lock()
        generation += 1
        ready = nil
        rereadAfterChange = reread
        let start = reread && !reading
        condition.unlock()
        if start { prepare() }
    }

    /// Returns once no background read is running (for benchmarks and tests that want the
    /// inbox settled before they time it).
    func waitWhileReading() {
        condition.lock()
        while reading { condition.wait() }
        condition.unlock()
    }

    /// The index: the one ready, the one being read (waited for), or one read now.
    func take() throws -> OpenItemsSearch {
        condition.lock()
        while reading { condition.wait() }
        if let ready {
            condition.unlock()
            return ready
        }
        let started = generation
        condition.unlock()
        let index = try db.openItemsSearch()
        condition.lock()
        if started == generation { ready = index }
        condition.unlock()
        return index
    }
}
