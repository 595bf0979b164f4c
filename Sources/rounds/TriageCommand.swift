import ArgumentParser
import Foundation
import RoundsConfig
import RoundsCore
import RoundsIngest
import RoundsTerminal

struct TriageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Triage canonical JSONL items and print one decision per item.",
        discussion: """
            Prints one JSON object per input item, in input order:
              {"id": …, "route": "answer_in_thread"|"redirect_private", "urgent": …, "spam": …,
               "reasons": [{"rule": …, "evidence": …}]}
            A bad line is reported on standard error with its line number; the other lines are \
            still triaged. Exit status 1 when any line was bad.
            """
    )

    @Argument(help: "A JSONL file of items, or - for standard input.")
    var file: String = "-"

    @Flag(help: "Print a readable verdict with the reasons and the evidence highlighted.")
    var explain = false

    @Flag(help: "With --explain, also list every vocabulary phrase found and its tags (for tuning).")
    var tags = false

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        let triage = Triage(options: config.triageOptions)
        let fd: Int32
        if file == "-" {
            fd = 0
        } else {
            fd = open(file, O_RDONLY)
            guard fd >= 0 else {
                throw ValidationError("\(file): \(String(cString: strerror(errno)))")
            }
        }
        defer { if fd != 0 { close(fd) } }
        let highlight = explain && isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        var out = StandardOutput()
        var bad = 0
        try JSONLReader.read(fd: fd, source: file) { record in
            switch record {
            case .item(let item, _):
                let d = triage.classify(item)
                out.write(explain ? Self.explanation(item, d, highlight: highlight) : Self.json(item, d))
                if explain && tags {
                    for m in triage.matchedPhrases(item.text) {
                        out.write("    · \(TextMarkup.visible(m.phrase)): \(m.tags.map { "\($0)" }.joined(separator: " "))\n")
                    }
                    out.write("\n")
                }
            case .error(let e):
                bad += 1
                out.flush()
                FileHandle.standardError.write(Data("rounds triage: \(e)\n".utf8))
            }
        }
        out.flush()
        if bad > 0 { throw ExitCode(1) }
    }

    static func json(_ item: Item, _ d: TriageDecision) -> String {
        var s = "{\"id\":\(JSONOutput.string(item.id)),\"route\":\"\(d.route.rawValue)\",\"urgent\":\(d.urgent),\"spam\":\(d.spam),\"reasons\":["
        for (i, r) in d.reasons.enumerated() {
            if i > 0 { s += "," }
            s += "{\"rule\":\(JSONOutput.string(r.rule)),\"evidence\":\(JSONOutput.string(r.evidence))}"
        }
        return s + "]}\n"
    }

    static func explanation(_ item: Item, _ d: TriageDecision, highlight: Bool) -> String {
        var flags: [String] = []
        if d.urgent { flags.append("URGENT") }
        if d.spam { flags.append("SPAM") }
        let verdict = d.route == .redirectPrivate ? "PRIVATE — redirect to DM, e-mail or phone" : "PUBLIC — answer in thread"
        var s = "\(item.id) [\(item.platform.rawValue) \(item.kind.rawValue)]  \(verdict)"
        if !flags.isEmpty { s += "  " + flags.joined(separator: " ") }
        s += "\n  " + TextMarkup.highlighted(item.text, ranges: d.reasons.compactMap(\.range), ansi: highlight) + "\n"
        for r in d.reasons {
            s += "  - \(r.rule) (policy rule \(r.policyRule))"
            if !r.evidence.isEmpty { s += ": " + TextMarkup.visible(r.evidence) }
            s += "\n"
        }
        return s + "\n"
    }
}

/// Buffered standard output (one write per 64 KiB instead of one per line).
struct StandardOutput {
    private var buffer = [UInt8]()

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { if errno == EINTR { continue }; break }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Text from outside made safe for a terminal line, with optional highlighting of byte ranges.
enum TextMarkup {
    /// Control characters, escapes and bidi overrides become visible markers (the sanitiser of the
    /// inbox, `TextSafety`); newlines become `⏎`.
    static func visible(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { TextSafety.visible(String($0)) }.joined(separator: "⏎ ")
    }

    static func highlighted(_ text: String, ranges: [Range<Int>], ansi: Bool) -> String {
        let utf8 = Array(text.utf8)
        var marks = [Bool](repeating: false, count: utf8.count)
        for r in ranges where r.lowerBound >= 0 && r.upperBound <= utf8.count {
            for k in r { marks[k] = true }
        }
        var out = ""
        var i = 0
        while i < utf8.count {
            var j = i
            while j < utf8.count && marks[j] == marks[i] { j += 1 }
            let piece = visible(String(decoding: utf8[i..<j], as: UTF8.self))
            if marks[i] {
                out += ansi ? "\u{1B}[1;4m" + piece + "\u{1B}[0m" : "[[" + piece + "]]"
            } else {
                out += piece
            }
            i = j
        }
        return out
    }
}
