import Foundation

/// The social network an item came from.
public enum Platform: String, Sendable, Hashable, CaseIterable, Codable {
    case facebook, instagram, x, youtube
    case googleReviews = "google_reviews"
    case linkedin

    /// A short label for narrow columns.
    public var shortLabel: String {
        switch self {
        case .facebook: "FB"
        case .instagram: "IG"
        case .x: "X"
        case .youtube: "YT"
        case .googleReviews: "GR"
        case .linkedin: "LI"
        }
    }
}

/// What sort of post an item is.
public enum ItemKind: String, Sendable, Hashable, CaseIterable, Codable {
    case question, comment, review, mention, dm
}

/// Who wrote an item.
public struct Author: Sendable, Hashable, Codable {
    /// The platform handle, e.g. `@dana_r`.
    public var handle: String
    /// The display name, when the platform gives one.
    public var name: String?

    public init(handle: String, name: String? = nil) {
        self.handle = handle
        self.name = name
    }
}

/// One incoming post, comment, review, mention or direct message.
///
/// The canonical JSON form (one object per line) is:
///
/// ```json
/// {"id": "fb-1001", "platform": "facebook", "kind": "comment", "text": "open sunday??",
///  "received_at": "2026-11-24T16:42:10Z", "author": {"handle": "@dana", "name": "Dana"},
///  "thread_id": "fb-t-77", "parent_id": "fb-1000", "url": "https://…", "lang": "en"}
/// ```
///
/// `id` is unique per platform. `received_at` is stored in UTC whatever offset it was given with.
public struct Item: Sendable, Hashable, Codable {
    public var id: String
    public var platform: Platform
    public var kind: ItemKind
    public var text: String
    public var receivedAt: Date
    public var author: Author
    public var threadID: String?
    public var parentID: String?
    public var url: String?
    public var lang: String?

    public init(
        id: String, platform: Platform, kind: ItemKind, text: String, receivedAt: Date,
        author: Author, threadID: String? = nil, parentID: String? = nil,
        url: String? = nil, lang: String? = nil
    ) {
        self.id = id
        self.platform = platform
        self.kind = kind
        self.text = text
        self.receivedAt = receivedAt
        self.author = author
        self.threadID = threadID
        self.parentID = parentID
        self.url = url
        self.lang = lang
    }

    enum CodingKeys: String, CodingKey {
        case id, platform, kind, text
        case receivedAt = "received_at"
        case author
        case threadID = "thread_id"
        case parentID = "parent_id"
        case url, lang
    }
}
