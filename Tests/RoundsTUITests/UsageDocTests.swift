import Foundation
import Testing
@testable import RoundsTUI

/// Docs/usage.md's keymap table is the default keymap: a binding added or changed in code without
/// the doc (or the other way round) fails here.
@Suite("Docs/usage.md")
struct UsageDocTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Docs/usage.md")

    /// The table rows the default keymap implies, in context and action order.
    static func expectedRows() -> [String] {
        var rows: [String] = []
        for context in KeyContext.allCases {
            for action in Action.allCases {
                let keys = Keymap.defaults.keys(for: action, in: context)
                guard !keys.isEmpty else { continue }
                rows.append("| \(context.rawValue) | \(keys.map { "`\(Keymap.name($0))`" }.joined(separator: " ")) | \(action.help) |")
            }
        }
        return rows
    }

    @Test("The keymap table lists exactly the default bindings")
    func keymapTable() throws {
        let text = try String(contentsOf: Self.doc, encoding: .utf8)
        let table = text.components(separatedBy: "\n").filter { line in
            KeyContext.allCases.contains { line.hasPrefix("| \($0.rawValue) | `") }
        }
        let expected = Self.expectedRows()
        #expect(table == expected, "Docs/usage.md should have these rows:\n\(expected.joined(separator: "\n"))")
    }
}
