import Foundation
import GRDB
import Testing
import RoundsCore
import RoundsStore

/// Several `rounds` processes writing one database at once, as several managers on one machine do.
@Suite("Concurrency: four processes on one database", .serialized)
struct ConcurrencyTests {
    /// What a user may see when two processes want the database at once: none of it must show.
    static func lockNoise(_ stderr: String) -> Bool {
        let s = stderr.lowercased()
        return s.contains("locked") || s.contains("sqlite") || s.contains("busy") || s.contains("could not be written")
    }

    @Test("Four processes × 1,000 claims and responses on the same 1,000 items: each item claimed by one agent and answered once, by that agent; every refusal is a conflict; no lock error")
    func fourWriters() throws {
        let dir = try Repo.temporaryFolder("concurrency")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("c.sqlite").path
        let n = 1_000
        let items = dir.appendingPathComponent("items.jsonl")
        try Workload.writeItems(items, prefix: "c", count: n)
        let imported = try Child.rounds(["import", items.path, "--db", db], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        let ids = try Workload.inspect(db) { d in try Int64.fetchAll(d, sql: "SELECT id FROM item ORDER BY id") }
        try #require(ids.count == n)

        // Four orders over the same items, so the workers meet everywhere: forward, backward,
        // shuffled, and odd-then-even. No version in the lines: each takes the version it reads.
        var rng = SystemRandomNumberGenerator()
        let orders: [[Int64]] = [ids, ids.reversed(), ids.shuffled(using: &rng), ids.enumerated().sorted { ($0.offset % 2, $0.offset) < ($1.offset % 2, $1.offset) }.map(\.element)]
        var batches: [URL] = []
        for (w, order) in orders.enumerated() {
            let url = dir.appendingPathComponent("batch-\(w).jsonl")
            try Data((order.enumerated().map { Workload.responseLine(item: $1, version: nil, n: $0) }.joined(separator: "\n") + "\n").utf8).write(to: url)
            batches.append(url)
        }
        let t0 = Date()
        let children = try batches.enumerated().map { (w, url) in
            try Child.spawn([Repo.rounds, "respond", "--batch", url.path, "--claim", "--agent", "w\(w)", "--db", db], outputIn: dir)
        }
        let results = try children.map { try $0.wait(timeout: 180) }
        let elapsed = Date().timeIntervalSince(t0)

        var reportedItems: [Int64: Int] = [:]
        for (w, r) in results.enumerated() {
            #expect(r.status == 0 || r.status == 3, "worker \(w) exit \(r.status): \(r.stderr.prefix(300))")
            #expect(!Self.lockNoise(r.stderr), "worker \(w): a lock error reached the user: \(r.stderr.split(separator: "\n").first { Self.lockNoise(String($0)) } ?? "")")
            #expect(!r.stderr.contains(HostileCorpus.canary))
            let reported = Workload.reported(r.stdout)
            let refusals = r.stderr.split(separator: "\n")
            // Every line is either recorded or refused as a conflict (claimed by another, or answered already).
            #expect(reported.count + refusals.count == n, "worker \(w): \(reported.count) recorded + \(refusals.count) refused ≠ \(n)")
            #expect(refusals.allSatisfy { $0.contains("claimed by") || $0.contains("changed") || $0.contains("version") }, "worker \(w): \(refusals.first { !$0.contains("claimed by") } ?? "")")
            for rep in reported { reportedItems[rep.item, default: 0] += 1 }
        }
        #expect(reportedItems.count == n, "every item answered by some worker")
        #expect(reportedItems.values.allSatisfy { $0 == 1 }, "an item reported as answered twice")

        let check = try Workload.inspect(db) { d in
            (responses: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM response")!,
             twice: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM (SELECT itemId FROM response GROUP BY itemId HAVING COUNT(*) > 1)")!,
             // A double claim: two agents with a claim event on one item (claims last 10 minutes and
             // are never released here, so one agent per item is the only correct outcome).
             doubleClaims: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM (SELECT itemId FROM event WHERE kind = 'claimed' GROUP BY itemId HAVING COUNT(DISTINCT agent) > 1)")!,
             claims: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM claim")!,
             notByClaimer: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM response r JOIN claim c ON c.itemId = r.itemId WHERE c.agent <> r.agent")!,
             events: try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM event WHERE kind IN ('replied','redirected','noted')")!)
        }
        #expect(check.responses == n, "no lost response")
        #expect(check.twice == 0, "no item answered twice")
        #expect(check.doubleClaims == 0, "no double claim")
        #expect(check.claims == n && check.notByClaimer == 0, "each response by the agent holding the claim")
        #expect(check.events == n, "each response with its event")
        #expect(try Workload.integrity(db) == "ok")
        let perWorker = results.map { Workload.reported($0.stdout).count }
        ConcurrencyFigures.record("4 × \(n) claims+responses: \(String(format: "%.1f", elapsed)) s wall, recorded per worker \(perWorker)")
        #expect(elapsed < 120, "four workers took \(elapsed) s")
    }

    @Test("Four processes racing `rounds claim` / `rounds release` on the same two items: never two holders at once, every success printed is in the log, no lock error")
    func claimRelease() throws {
        let dir = try Repo.temporaryFolder("claim-race")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("c.sqlite").path
        let items = dir.appendingPathComponent("items.jsonl")
        try Workload.writeItems(items, prefix: "k", count: 2)
        #expect(try Child.rounds(["import", items.path, "--db", db], in: dir).status == 0)
        let rounds = 15
        let t0 = Date()
        // Each worker: claim item 1 or 2; when it got it, release it. Failures are printed, not thrown.
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            var won = 0, lost = 0
            var noise: [String] = []
            for k in 0..<rounds {
                let item = "\(1 + (k + w) % 2)"
                do {
                    let c = try Child.rounds(["claim", item, "--agent", "a\(w)", "--ttl", "10m", "--db", db], in: dir)
                    if Self.lockNoise(c.stderr) { noise.append(c.stderr) }
                    if c.status == 0 {
                        won += 1
                        let r = try Child.rounds(["release", item, "--agent", "a\(w)", "--db", db], in: dir)
                        if r.status != 0 || Self.lockNoise(r.stderr) { noise.append("release: \(r.status) \(r.stderr)") }
                    } else if c.status == 3 && c.stderr.contains("claimed by") {
                        lost += 1
                    } else {
                        noise.append("claim: \(c.status) \(c.stderr)")
                    }
                } catch {
                    noise.append("\(error)")
                }
            }
            outcomes.set(w, (won, lost, noise))
        }
        let elapsed = Date().timeIntervalSince(t0)
        let outcome = outcomes.all
        for w in 0..<4 {
            #expect(outcome[w].noise.isEmpty, "worker \(w): \(outcome[w].noise.prefix(2))")
            #expect(outcome[w].won + outcome[w].lost == rounds)
        }
        // Replay the log per item: a claim while another agent holds it is a double claim.
        let events = try Workload.inspect(db) { d in
            try Row.fetchAll(d, sql: "SELECT itemId, agent, kind FROM event WHERE kind IN ('claimed','released') ORDER BY id")
                .map { (item: $0["itemId"] as Int64, agent: $0["agent"] as String, kind: $0["kind"] as String) }
        }
        var holder: [Int64: String] = [:]
        var doubles = 0, claimed = 0
        for e in events {
            if e.kind == "claimed" {
                claimed += 1
                if let h = holder[e.item], h != e.agent { doubles += 1 }
                holder[e.item] = e.agent
            } else {
                #expect(holder[e.item] == e.agent, "a release by someone who did not hold the claim")
                holder[e.item] = nil
            }
        }
        #expect(doubles == 0, "double claims in the event log")
        #expect(claimed == (0..<4).map { outcome[$0].won }.reduce(0, +), "every claim printed as won is in the log, and no other")
        #expect(holder.isEmpty, "every won claim was released")
        ConcurrencyFigures.record("claim/release race: 4 × \(rounds) claims, \((0..<4).map { outcome[$0].won }) won, \(String(format: "%.1f", elapsed)) s")
    }
}

/// The claim race's results per worker, written from four threads.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values = [(won: Int, lost: Int, noise: [String])](repeating: (0, 0, ["not run"]), count: 4)
    func set(_ w: Int, _ v: (won: Int, lost: Int, noise: [String])) { lock.lock(); values[w] = v; lock.unlock() }
    var all: [(won: Int, lost: Int, noise: [String])] { lock.lock(); defer { lock.unlock() }; return values }
}

enum ConcurrencyFigures {
    static func record(_ line: String) {
        guard ProcessInfo.processInfo.environment["ROUNDS_RELIABILITY_FIGURES"] != nil else { return }
        print("figures: \(line)")
    }
}
