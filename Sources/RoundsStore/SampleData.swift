import Foundation
import RoundsCore
import RoundsIngest

/// The sample queue shipped with Rounds (`sample-data/items.jsonl`), for a first look.
public enum SampleData {
    public static var url: URL { Bundle.module.url(forResource: "sample-items", withExtension: "jsonl")! }

    /// The sample items with their times shifted so the newest arrived a minute before `now`:
    /// a fresh demo shows live SLA timers in every state.
    public static func items(shiftedTo now: Date) throws -> [Item] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var items: [Item] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            items.append(try ItemDecoder.decode(line: String(line)).get())
        }
        guard let newest = items.map(\.receivedAt).max() else { return [] }
        let delta = now.addingTimeInterval(-60).timeIntervalSince(newest)
        // Whole seconds, so shifted times stay readable.
        let shift = delta.rounded(.down)
        return items.map { var i = $0; i.receivedAt = i.receivedAt.addingTimeInterval(shift); return i }
    }

    /// Imports the shifted sample items (already-known items are left alone).
    @discardableResult
    public static func seed(_ db: AppDatabase, triage: Triage, sla: SLAEngine) throws -> ImportSummary {
        let items = try items(shiftedTo: db.now)
        // Parents before children, so follow-ups find their parent.
        let sorted = items.sorted { $0.receivedAt < $1.receivedAt }
        let r = try db.importItems(sorted.map { ($0, triage.classify($0)) }, sla: sla)
        var s = ImportSummary()
        s.read = items.count
        s.new = r.inserted
        s.known = r.alreadyKnown
        return s
    }
}
