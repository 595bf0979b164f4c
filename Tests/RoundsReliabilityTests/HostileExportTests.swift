import Foundation
import Testing
import RoundsCore
import RoundsIngest

/// The last leg of hostile text: import → store → respond → summary exports. The exports, with
/// the texts included, must still parse (JSON, CSV) and carry no raw control character.
@Suite("Hostile text: summary exports")
struct HostileExportTests {
    @Test("Summaries of the hostile corpus (with texts, responses and notes holding hostile text too) parse as JSON and CSV; no raw control byte in any format")
    func exports() throws {
        let dir = try Repo.temporaryFolder("hostile-export")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("x.sqlite").path
        let generated = try HostileCorpus.writeGenerated(in: dir)
        let imported = try Child.rounds(["import", HostileCorpus.jsonl.path, HostileCorpus.csv.path, generated.path, "--db", db,
                                         "--rejects", dir.appendingPathComponent("rej.jsonl").path], in: dir)
        #expect(imported.status == 0, "\(imported.stderr)")
        let ids = try Workload.inspect(db) { d in try Int64.fetchAll(d, sql: "SELECT id FROM item ORDER BY id") }
        #expect(ids.count > 20)
        // Responses and notes with hostile text of their own, on every third item.
        let batch = dir.appendingPathComponent("responses.jsonl")
        let channels = ["public", "note", "dm", "email"]
        let lines = ids.enumerated().filter { $0.offset % 3 == 0 }.map { k, id in
            #"{"item":\#(id),"channel":"\#(channels[k % channels.count])","text":\#(JSONText.quote("Reply \u{1B}]52;c;bad\u{07} \u{202E}x\u{202C} \u{9B}2J, line\u{2028}two\r\nthree\t\"q\",; \(HostileCorpus.canary)"))}"#
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: batch)
        let responded = try Child.rounds(["respond", "--batch", batch.path, "--agent", "dana", "--db", db], in: dir)
        #expect(responded.status == 0, "\(responded.stderr.prefix(400))")
        #expect(Workload.reported(responded.stdout).count == lines.count)

        let since = ["--since", "2026-11-24T00:00:00Z", "--include-text", "--db", db]
        // JSON: one document that parses.
        let json = dir.appendingPathComponent("s.json")
        let j = try Child.rounds(["summary", "--format", "json", "-o", json.path] + since, in: dir)
        #expect(j.status == 0, "\(j.stderr)")
        let jsonData = try Data(contentsOf: json)
        #expect(try JSONSerialization.jsonObject(with: jsonData) is [String: Any], "the JSON export does not parse")
        #expect(String(decoding: jsonData, as: UTF8.self).contains(HostileCorpus.canary), "the texts are in (so the checks see hostile text)")
        #expect(RawControlScan.problems(in: Array(jsonData), lineBreaks: true).isEmpty, "raw control characters in the JSON export")

        // CSV: every record parses and has the header's number of fields, in both files.
        let csv = dir.appendingPathComponent("s.csv")
        let c = try Child.rounds(["summary", "--format", "csv", "-o", csv.path] + since, in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        for url in [csv, dir.appendingPathComponent("s-totals.csv")] {
            let bytes = Array(try Data(contentsOf: url))
            var reader = CSVReader(bytes: bytes)
            reader.maxFieldBytes = 8 << 20
            reader.maxFields = 1_000
            var widths: [Int] = []
            var errors: [String] = []
            try reader.forEachRecord { record in
                switch record {
                case .fields(let f, _): widths.append(f.count)
                case .error(let e): errors.append(e.message)
                }
            }
            #expect(errors.isEmpty, "\(url.lastPathComponent): \(errors.prefix(3))")
            #expect(widths.count > 1 && Set(widths).count == 1, "\(url.lastPathComponent): records of different widths \(Set(widths))")
            #expect(RawControlScan.problems(in: bytes, lineBreaks: true).filter { !$0.contains("0x0D") }.isEmpty,
                    "\(url.lastPathComponent): raw control characters (CR of CRLF record ends allowed)")
        }
        // Markdown, to a file and to the terminal.
        let md = try Child.rounds(["summary"] + since, in: dir)
        #expect(md.status == 0 && md.stdout.contains(HostileCorpus.canary), "\(md.stderr)")
        #expect(RawControlScan.problems(in: Array(md.stdout.utf8), lineBreaks: true).isEmpty, "raw control characters in the Markdown summary")
    }
}
