import Foundation
import Testing
@testable import RoundsCore

@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test("UTC, offsets and fractions all land on the same instant")
    func offsets() throws {
        let utc = try #require(RFC3339.parse("2026-11-24T16:42:10Z"))
        #expect(RFC3339.parse("2026-11-24T18:42:10+02:00") == utc)
        #expect(RFC3339.parse("2026-11-24T11:42:10-05:00") == utc)
        #expect(RFC3339.parse("2026-11-24 16:42:10z") == utc)
        let frac = try #require(RFC3339.parse("2026-11-24T16:42:10.250Z"))
        #expect(frac.timeIntervalSince(utc) == 0.25)
        #expect(RFC3339.format(utc) == "2026-11-24T16:42:10Z")
        #expect(RFC3339.format(frac) == "2026-11-24T16:42:10.250Z")
    }

    @Test("Not RFC 3339", arguments: [
        "yesterday", "2026-11-24", "2026-11-24T16:42:10", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T16:42:10+0200",
        "2026-11-24T16:42:10Z ", "2026-11-24T16:42:10.Z",
    ])
    func rejects(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test("Leap day and dates before 1970 round-trip")
    func civil() throws {
        for text in ["2024-02-29T00:00:00Z", "1969-12-31T23:59:59Z", "2000-03-01T12:00:00Z"] {
            let date = try #require(RFC3339.parse(text))
            #expect(RFC3339.format(date) == text)
        }
    }
}
