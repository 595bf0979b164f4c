import Foundation
import RoundsCore

/// A record that could not be read, with its place: `items.jsonl:17: received_at: not an RFC 3339 time: "yesterday"`.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as the user gave it (`-` for standard input).
    public var source: String
    /// 1-based line number.
    public var line: Int
    /// The field at fault (`author.handle`), or `nil` when the line is not valid JSON at all.
    public var field: String?
    public var reason: String
    /// The rejected record as it was read (for the rejects file), when the reader kept it.
    public var record: String?

    public init(source: String, line: Int, field: String?, reason: String, record: String? = nil) {
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
        self.record = record
    }

    public var description: String {
        if let field { return "\(source):\(line): \(field): \(reason)" }
        return "\(source):\(line): \(reason)"
    }
}

/// A field-level problem, before it is given its file and line.
public struct FieldError: Error, Sendable, Equatable {
    public var field: String?
    public var reason: String

    public init(_ field: String?, _ reason: String) {
        self.field = field
        self.reason = reason
    }
}

/// Decodes the canonical item form (see ``Item``) from one JSON line.
public enum ItemDecoder {
    /// Longest id accepted; longer ids are refused rather than truncated.
    public static let maxIDLength = 256

    /// Decodes one line. Unknown fields are ignored (newer producers may add some).
    public static func decode(line bytes: UnsafeBufferPointer<UInt8>) -> Result<Item, FieldError> {
        let value: JSONValue
        do throws(JSONSyntaxError) {
            value = try JSONParser.parse(bytes)
        } catch {
            return .failure(FieldError(nil, "invalid JSON at column \(error.column): \(error.message)"))
        }
        return decode(value)
    }

    public static func decode(line: String) -> Result<Item, FieldError> {
        var line = line
        return line.withUTF8 { decode(line: $0) }
    }

    public static func decode(_ value: JSONValue) -> Result<Item, FieldError> {
        guard case .object(let o) = value else {
            return .failure(FieldError(nil, "expected a JSON object, found \(value.typeName)"))
        }
        do {
            let id = try requiredString(o, "id")
            guard id.utf8.count <= maxIDLength else { throw FieldError("id", "longer than \(maxIDLength) bytes") }
            let platformName = try requiredString(o, "platform")
            guard let platform = Platform(rawValue: platformName) else {
                throw FieldError("platform", "unknown platform \(quoted(platformName)) (expected one of \(Platform.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let kindName = try requiredString(o, "kind")
            guard let kind = ItemKind(rawValue: kindName) else {
                throw FieldError("kind", "unknown kind \(quoted(kindName)) (expected one of \(ItemKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let textValue = o["text"] else { throw FieldError("text", "missing") }
            guard case .string(let rawText) = textValue else { throw FieldError("text", "expected a string, found \(textValue.typeName)") }
            let text = storable(rawText)
            let timeText = try requiredString(o, "received_at")
            guard let receivedAt = RFC3339.parse(timeText) else {
                throw FieldError("received_at", "not an RFC 3339 time: \(quoted(timeText))")
            }
            guard let authorValue = o["author"] else { throw FieldError("author", "missing") }
            let author: Author
            switch authorValue {
            case .object(let a):
                let handle = try requiredString(a, "handle", prefix: "author.")
                let name = try optionalString(a, "name", prefix: "author.")
                author = Author(handle: handle, name: name)
            case .string(let handle) where !handle.isEmpty:
                author = Author(handle: handle)
            default:
                throw FieldError("author", "expected an object with a handle, found \(authorValue.typeName)")
            }
            return .success(Item(
                id: id, platform: platform, kind: kind, text: text, receivedAt: receivedAt, author: author,
                threadID: try optionalString(o, "thread_id", numberAllowed: true), parentID: try optionalString(o, "parent_id", numberAllowed: true),
                url: try optionalString(o, "url"), lang: try optionalString(o, "lang")))
        } catch let e as FieldError {
            return .failure(e)
        } catch {
            return .failure(FieldError(nil, "\(error)"))
        }
    }

    static func requiredString(_ o: [String: JSONValue], _ key: String, prefix: String = "") throws -> String {
        guard let v = o[key] else { throw FieldError(prefix + key, "missing") }
        guard case .string(let s) = v else { throw FieldError(prefix + key, "expected a string, found \(v.typeName)") }
        guard s.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { throw FieldError(prefix + key, "empty") }
        return storable(s)
    }

    /// U+0000 becomes U+FFFD: SQLite text ends at a NUL when it is read back, so a NUL kept in a
    /// post would silently cut it (and could make two ids collide). A NUL carries nothing a reader needs.
    static func storable(_ s: String) -> String {
        guard s.utf8.contains(0) else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value == 0 ? "\u{FFFD}" : $0 }))
    }

    static func optionalString(_ o: [String: JSONValue], _ key: String, prefix: String = "", numberAllowed: Bool = false) throws -> String? {
        guard let v = o[key] else { return nil }
        switch v {
        case .null: return nil
        case .string(let s): return s.isEmpty ? nil : storable(s)
        // Platforms often send numeric ids; accept integers as their decimal text (ids only).
        case .number(let d) where numberAllowed && d == d.rounded() && abs(d) < 1e15: return String(Int64(d))
        default: throw FieldError(prefix + key, "expected a string, found \(v.typeName)")
        }
    }

    /// Quotes a value for an error message, with control characters escaped — only when it looks
    /// like a value (at most 40 characters, no space): text that landed in the wrong field (a
    /// shifted CSV column) may be a patient's post, and is described, never shown.
    static func quoted(_ s: String) -> String {
        let scalars = s.unicodeScalars
        if scalars.count > 40 || scalars.contains(" ") {
            return "(\(scalars.count) characters, not shown)"
        }
        var out = "\""
        for scalar in s.unicodeScalars.prefix(60) {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else if scalar == "\"" {
                out += "\\\""
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        if s.unicodeScalars.count > 60 { out += "…" }
        return out + "\""
    }
}
