import RoundsIngest

/// Minimal, ordered JSON writing for command output (keys in a fixed, documented order).
enum JSONOutput {
    static func string(_ s: String) -> String { JSONText.quote(s) }
}
