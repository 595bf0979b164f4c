import Foundation
import RoundsCore
import RoundsIngest
import RoundsTerminal

/// The fuzz targets: each takes arbitrary bytes, runs one part of Rounds on them and checks the
/// properties that must hold whatever the input. A broken property is a `fatalError` (libFuzzer
/// then saves the input as a crash). The same functions are run by `rounds-fuzz` under libFuzzer
/// (`Scripts/fuzz.sh`) and by `RoundsReliabilityTests`, which replays `Fuzz/corpus/` in `swift test`.
///
/// Messages name the property, never the input: fuzz inputs are not patient text, but the habit
/// of never echoing input in a message is kept everywhere.
public enum FuzzTargets {
    /// Target name → entry point.
    public static let all: [(name: String, run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void)] = [
        ("jsonl", jsonl),
        ("csv", csv),
        ("triage", triage),
        ("text", text),
    ]

    public static func named(_ name: String) -> (@Sendable (UnsafeBufferPointer<UInt8>) -> Void)? {
        all.first { $0.name == name }?.run
    }

    static func check(_ condition: @autoclosure () -> Bool, _ property: @autoclosure () -> String) {
        if !condition() { fatalError("fuzz property broken: \(property())") }
    }

    // MARK: - JSONL: the byte-level JSON parser and the item decoder

    /// Splits the input into lines as `JSONLReader` does and decodes each one. A decoded item,
    /// written back in the canonical form, decodes to the same item; an error message carries no
    /// raw control or bidi character (it is printed on a terminal).
    public static func jsonl(_ data: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var lineNumber = 0
        while start <= data.count {
            var end = start
            while end < data.count && data[end] != 0x0A { end += 1 }
            lineNumber += 1
            var line = UnsafeBufferPointer(rebasing: data[start..<end])
            if line.last == 0x0D { line = UnsafeBufferPointer(rebasing: line[0..<(line.count - 1)]) }
            if lineNumber == 1, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeBufferPointer(rebasing: line[3...])
            }
            switch ItemDecoder.decode(line: line) {
            case .success(let item):
                let again = canonicalLine(item)
                switch ItemDecoder.decode(line: again) {
                case .success(var decoded):
                    // Times are written with millisecond precision (RFC3339.format).
                    check(abs(decoded.receivedAt.timeIntervalSince(item.receivedAt)) < 0.001, "jsonl: received_at changed by more than 1 ms when written back")
                    decoded.receivedAt = item.receivedAt
                    check(decoded == item, "jsonl: an item written back in canonical form decodes to a different item")
                case .failure(let e):
                    check(false, "jsonl: an item written back in canonical form is refused (\(e.field ?? "-"))")
                }
            case .failure(let e):
                check(isTerminalSafe(e.reason), "jsonl: an error message (field \(e.field ?? "-")) carries the raw character U+\(unsafeScalar(e.reason))")
                // A quoted value is at most 60 scalars, each escaped in at most 8 bytes (`\u{202e}`),
                // plus the fixed words (the longest: the list of platforms): bounded, never the whole record.
                check(e.reason.utf8.count < 1_000, "jsonl: an error message longer than 1,000 bytes")
            }
            if end >= data.count { break }
            start = end + 1
        }
        // The whole input as one JSON value: no crash, and a bounded column in any error.
        do throws(JSONSyntaxError) {
            _ = try JSONParser.parse(data)
        } catch {
            check(error.column >= 0 && error.column <= data.count + 1, "jsonl: error column out of range")
            check(isTerminalSafe(error.message), "jsonl: a syntax error message carries a raw control or bidi character")
        }
    }

    /// The canonical JSON line of an item (the form `ItemDecoder` reads).
    public static func canonicalLine(_ item: Item) -> String {
        var fields = [
            "\"id\":\(JSONText.quote(item.id))",
            "\"platform\":\(JSONText.quote(item.platform.rawValue))",
            "\"kind\":\(JSONText.quote(item.kind.rawValue))",
            "\"text\":\(JSONText.quote(item.text))",
            "\"received_at\":\(JSONText.quote(RFC3339.format(item.receivedAt)))",
        ]
        var author = "\"handle\":\(JSONText.quote(item.author.handle))"
        if let name = item.author.name { author += ",\"name\":\(JSONText.quote(name))" }
        fields.append("\"author\":{\(author)}")
        for (key, value) in [("thread_id", item.threadID), ("parent_id", item.parentID), ("url", item.url), ("lang", item.lang)] {
            if let value { fields.append("\"\(key)\":\(JSONText.quote(value))") }
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    // MARK: - CSV: the RFC 4180 reader and the CSV item reader

    /// Reads the input as CSV twice, in chunks of a size taken from the first byte and in one
    /// chunk: the records must be the same (a chunk boundary can fall anywhere). Then reads it as
    /// an item file with a header: no crash, messages safe for a terminal.
    public static func csv(_ data: UnsafeBufferPointer<UInt8>) {
        guard let first = data.first else { return }
        let chunk = Int(first % 17) + 1
        let bytes = Array(data.dropFirst())
        var small = CSVReader(bytes: bytes)
        small.chunkSize = chunk
        small.maxFieldBytes = 512
        small.maxFields = 64
        var whole = CSVReader(bytes: bytes)
        whole.maxFieldBytes = 512
        whole.maxFields = 64
        var a: [CSVReader.Record] = []
        var b: [CSVReader.Record] = []
        try? small.forEachRecord { a.append($0) }
        try? whole.forEachRecord { b.append($0) }
        check(a == b, "csv: records depend on the chunk size (\(chunk))")
        for case .error(let e) in a {
            check(isTerminalSafe(e.message), "csv: a syntax error message carries a raw control or bidi character")
        }
        _ = try? CSVItemReader.read(bytes: bytes, source: "fuzz.csv", chunkSize: chunk) { record in
            switch record {
            case .item: break
            case .error(let e):
                check(isTerminalSafe(e.description), "csv: an item error carries a raw control or bidi character")
            }
        }
    }

    // MARK: - Triage

    static let classifier = Triage(options: TriageOptions(organisationPhones: ["(555) 010-4000"], organisationEmails: ["hello@mercyvalley.example"]))

    /// Classifies the input as a post: no crash; the same decision twice; every reason's range
    /// lies inside the text and its evidence is that slice of the text.
    public static func triage(_ data: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: data, as: UTF8.self)
        let d = classifier.classify(text)
        check(d == classifier.classify(text), "triage: two classifications of one text differ")
        let utf8 = Array(text.utf8)
        check(!d.reasons.isEmpty, "triage: a decision without a reason")
        for r in d.reasons {
            guard let range = r.range else { continue }
            check(range.lowerBound >= 0 && range.upperBound <= utf8.count, "triage: reason \(r.rule) range outside the text")
            check(String(decoding: utf8[range], as: UTF8.self) == r.evidence, "triage: reason \(r.rule) evidence is not its range of the text")
        }
    }

    // MARK: - Text safety, display width, the cell buffer

    /// The text sanitiser and the width rules, on the input as text:
    /// - `TextSafety.visible` leaves no control or bidi character and is idempotent;
    /// - `Buffer.put` into a row leaves only safe cells, wide cells followed by their continuation,
    ///   and writes no more than the width it was given;
    /// - `DisplayWidth.wrap` lines fit the width; `truncate` fits the width.
    public static func text(_ data: UnsafeBufferPointer<UInt8>) {
        guard let first = data.first else { return }
        let width = Int(first % 40) + 1
        let s = String(decoding: UnsafeBufferPointer(rebasing: data[1...]), as: UTF8.self)
        let v = TextSafety.visible(s)
        check(isTerminalSafe(v) && !v.unicodeScalars.contains { $0.value < 0x20 }, "text: visible() left a control or bidi character")
        check(TextSafety.visible(v) == v, "text: visible() is not idempotent")

        var buffer = Buffer(width: width + 2, height: 1)
        let x = Int(first / 40 % 3)  // 0, 1 or 2
        let written = buffer.put(s, x: x, y: 0, maxWidth: width, ellipsis: first & 1 == 1)
        check(written >= 0 && written <= width, "text: put wrote \(written) columns into \(width)")
        var col = 0
        while col < buffer.width {
            let cell = buffer[x: col, y: 0]
            check(isTerminalSafe(cell.text) && !cell.text.unicodeScalars.contains { $0.value < 0x20 }, "text: a cell holds a control or bidi character")
            check(cell.width == 1 || cell.width == 2, "text: a cell of width \(cell.width) where a character starts")
            if cell.width == 2 {
                check(col + 1 < buffer.width && buffer[x: col + 1, y: 0].width == 0, "text: a wide cell without its continuation")
                col += 2
            } else {
                col += 1
            }
        }
        for line in DisplayWidth.wrap(s, width: width) {
            let w = DisplayWidth.of(line)
            check(w <= width || (width == 1 && w == 2), "text: a wrapped line of \(w) columns for width \(width)")
        }
        check(DisplayWidth.of(DisplayWidth.truncate(s, width: width)) <= width, "text: truncate() result wider than \(width)")
    }

    /// The first scalar that `isTerminalSafe` refuses, in hex (for messages: never the text itself).
    static func unsafeScalar(_ s: String) -> String {
        for scalar in s.unicodeScalars where !isTerminalSafe(String(scalar)) { return String(scalar.value, radix: 16, uppercase: true) }
        return "none"
    }

    /// No C1 control, DEL, ESC/BEL-like C0 control (tab and newline excepted) or bidi control.
    public static func isTerminalSafe(_ s: String) -> Bool {
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A: continue
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return false
            default: continue
            }
        }
        return true
    }
}
