import Foundation
import Testing
import RoundsFuzzTargets

/// The fuzz targets' committed corpus (seeds, and every crash found by fuzzing, kept as a
/// regression) replayed through the same entry points libFuzzer drives (`Scripts/fuzz.sh`).
/// A broken property is a `fatalError`, so a regression crashes the test run loudly.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    @Test("Every committed fuzz input passes its target's properties", arguments: FuzzTargets.all.map(\.name))
    func replay(target: String) throws {
        let run = try #require(FuzzTargets.named(target))
        let dir = Self.corpus.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files.count >= 5, "the \(target) corpus is nearly empty")
        for name in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            data.withUnsafeBytes { run($0.bindMemory(to: UInt8.self)) }
        }
    }
}
