import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsIngest

/// Accuracy on labelled data, against thresholds set a little below what was measured
/// (see Docs/triage.md). A change that makes triage worse fails here.
@Suite("Triage accuracy on labelled data")
struct TriageAccuracyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Score {
        var n = 0, route = 0, urgent = 0, spam = 0
        var urgentMissed = 0
        func rate(_ k: Int) -> Double { Double(k) / Double(max(n, 1)) }
    }

    static func score(items: URL, labels: [String: (Route, Bool, Bool)], triage: Triage) throws -> Score {
        var s = Score()
        for line in try String(contentsOf: items, encoding: .utf8).split(separator: "\n") {
            let item = try ItemDecoder.decode(line: String(line)).get()
            guard let (route, urgent, spam) = labels[item.id] else { continue }
            let d = triage.classify(item)
            s.n += 1
            if d.route == route { s.route += 1 }
            if d.urgent == urgent { s.urgent += 1 }
            if d.spam == spam { s.spam += 1 }
            if urgent && !d.urgent { s.urgentMissed += 1 }
        }
        return s
    }

    static func labels(_ url: URL, key: String?) throws -> [String: (Route, Bool, Bool)] {
        var out: [String: (Route, Bool, Bool)] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let e = key.map { obj[$0] as! [String: Any] } ?? obj
            out[obj["id"] as! String] = (Route(rawValue: e["route"] as! String)!, e["urgent"] as! Bool, e["spam"] as! Bool)
        }
        return out
    }

    @Test("Sample data (the development set): route ≥ 94%, urgent ≥ 97%, spam ≥ 97%")
    func sample() throws {
        let labels = try Self.labels(Self.root.appendingPathComponent("sample-data/labels.jsonl"), key: nil)
        let s = try Self.score(items: Self.root.appendingPathComponent("sample-data/items.jsonl"), labels: labels, triage: mercyTriage)
        #expect(s.n >= 300)
        #expect(s.rate(s.route) >= 0.94, "route accuracy \(s.rate(s.route))")
        #expect(s.rate(s.urgent) >= 0.97, "urgent accuracy \(s.rate(s.urgent))")
        #expect(s.rate(s.spam) >= 0.97, "spam accuracy \(s.rate(s.spam))")
    }

    @Test("Holdout set (another author, another organisation): route ≥ 92%, urgent ≥ 97%, spam ≥ 97%")
    func holdout() throws {
        let url = Self.root.appendingPathComponent("Tests/Fixtures/triage-holdout.jsonl")
        let labels = try Self.labels(url, key: "expected")
        let stBrigid = Triage(options: TriageOptions(organisationPhones: ["(555) 013-2200"], organisationEmails: ["info@stbrigid.example"]))
        let s = try Self.score(items: url, labels: labels, triage: stBrigid)
        #expect(s.n >= 200)
        #expect(s.rate(s.route) >= 0.92, "route accuracy \(s.rate(s.route))")
        #expect(s.rate(s.urgent) >= 0.97, "urgent accuracy \(s.rate(s.urgent))")
        #expect(s.rate(s.spam) >= 0.97, "spam accuracy \(s.rate(s.spam))")
        #expect(s.urgentMissed <= 2, "urgent items missed: \(s.urgentMissed)")
    }
}
