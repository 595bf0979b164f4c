import Foundation
import RoundsCore
import RoundsIngest

/// SplitMix64: small, fast and the same on every machine, so a seed always gives the same items.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Realistic items at any scale: the sample queue's posts (all platforms, kinds, languages,
/// identifiers, emoji, urgent and spam cases) recombined under a seed. Each item starts from a
/// sample post and, at random, gets a new author, its numbers changed (phone numbers, dates and
/// doses stay numbers of the same shape), a greeting or a second post's sentence added, or its
/// case changed — so the triage sees the sample's variety without seeing the same text every
/// 407 items, and the database sees unique ids, authors and times.
struct ItemGenerator {
    let sample: [Item]
    var random: SeededRandom
    /// Items are spread over this window before `end` (default: 24 h).
    let end: Date
    let span: TimeInterval
    private var counter = 0

    static let firstNames = ["maria", "james", "aisha", "wei", "dana", "jordan", "priya", "luis", "fatima", "noah", "emma",
                             "kwame", "sofia", "liam", "mei", "omar", "grace", "diego", "hana", "tyler", "zoe", "ravi"]
    static let greetings = ["Hi!", "hello,", "Hey there.", "Good morning.", "Quick question:", "Hola,", "@MercyValleyHlth", "ok so"]
    static let closings = ["thanks", "Thank you!", "🙏", "any help appreciated", "gracias", "??", "pls reply", "❤️"]

    init(sample: [Item], seed: UInt64, end: Date, span: TimeInterval = 86_400) {
        precondition(!sample.isEmpty, "the generator needs the sample queue")
        self.sample = sample
        random = SeededRandom(seed: seed)
        self.end = end
        self.span = span
    }

    mutating func next() -> Item {
        counter += 1
        var item = sample[Int.random(in: 0..<sample.count, using: &random)]
        item.id = "gen-\(counter)"
        item.receivedAt = end.addingTimeInterval(-Double.random(in: 0..<span, using: &random))
        item.threadID = item.threadID.map { "\($0)-\(counter % 97)" }
        item.parentID = nil
        if Int.random(in: 0..<10, using: &random) < 7 {
            let name = Self.firstNames.randomElement(using: &random)!
            item.author = Author(handle: "\(name)\(["", ".", "_"].randomElement(using: &random)!)\(Int.random(in: 1...9999, using: &random))",
                                 name: Bool.random(using: &random) ? name.capitalized : nil)
        }
        var text = item.text
        if Int.random(in: 0..<10, using: &random) < 5 { text = renumbered(text) }
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<3: text = Self.greetings.randomElement(using: &random)! + " " + text
        case 3..<5: text += " " + Self.closings.randomElement(using: &random)!
        case 5..<7:
            // A sentence of another post: posts that mix two topics.
            let other = sample[Int.random(in: 0..<sample.count, using: &random)].text
            if let sentence = other.split(whereSeparator: { ".?!".contains($0) }).first { text += " " + sentence.trimmingCharacters(in: .whitespaces) }
        case 7: text = text.lowercased()
        case 8: text = text.uppercased()
        default: break
        }
        item.text = text
        return item
    }

    /// Every digit replaced by a random digit (the first of a number never by 0), so numbers keep their shape.
    private mutating func renumbered(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousWasDigit = false
        for scalar in text.unicodeScalars {
            if scalar.value >= 48 && scalar.value <= 57 {
                let low: UInt32 = previousWasDigit ? 0 : 1
                out.append(Unicode.Scalar(48 + UInt32.random(in: low...9, using: &random))!)
                previousWasDigit = true
            } else {
                out.append(scalar)
                previousWasDigit = false
            }
        }
        return String(out)
    }

    /// `count` items as canonical JSONL (the import format), one per line.
    mutating func jsonl(_ count: Int) -> String {
        var out = ""
        out.reserveCapacity(count * 420)
        for _ in 0..<count { out += Self.jsonLine(next()) + "\n" }
        return out
    }

    static func jsonLine(_ item: Item) -> String {
        var fields = [
            "\"id\":\(JSONText.quote(item.id))", "\"platform\":\"\(item.platform.rawValue)\"", "\"kind\":\"\(item.kind.rawValue)\"",
            "\"text\":\(JSONText.quote(item.text))", "\"received_at\":\"\(RFC3339.format(item.receivedAt))\"",
        ]
        var author = "{\"handle\":\(JSONText.quote(item.author.handle))"
        if let name = item.author.name { author += ",\"name\":\(JSONText.quote(name))" }
        fields.append("\"author\":" + author + "}")
        if let t = item.threadID { fields.append("\"thread_id\":\(JSONText.quote(t))") }
        if let u = item.url { fields.append("\"url\":\(JSONText.quote(u))") }
        if let l = item.lang { fields.append("\"lang\":\(JSONText.quote(l))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
