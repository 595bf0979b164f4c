import Foundation
import Testing
@testable import RoundsCore
@testable import RoundsIngest
@testable import RoundsStore

@Suite("Store: search in memory")
struct OpenItemsSearchTests {
    /// What SQL says for the same filter, order and page.
    func sql(_ db: AppDatabase, _ f: QueueFilter, _ o: QueueOrder, offset: Int, limit: Int) throws -> (total: Int, ids: [Int64]) {
        (try db.queueSize(f, agent: "dana"), try db.queue(f, order: o, agent: "dana", offset: offset, limit: limit).map(\.id))
    }

    /// Needles cut from the sample's own texts, handles and ids, some with their case flipped,
    /// and the awkward ones: LIKE's wildcards, a backslash, non-ASCII letters whose case SQLite
    /// does not fold, surrounding blanks, and something nobody wrote.
    func needles(_ db: AppDatabase) throws -> [String] {
        let texts = try db.writer.read { db in
            try String.fetchAll(db, sql: "SELECT text || char(10) || authorHandle || char(10) || externalID FROM item WHERE status = 'open' ORDER BY id")
        }.flatMap { $0.split(separator: "\n").map(String.init) }
        var seed: UInt64 = 42
        func next(_ n: Int) -> Int {  // a fixed sequence, not the system's randomness
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(max(1, n)))
        }
        var out = ["%", "_", "\\", "é", "É", "İ", "ß", "  asthma  ", "ASTHMA", "zzzqqq-nobody-wrote-this", "a", "e", "o d", "@", "#", "🙂", "'"]
        for _ in 0..<70 {
            let t = Array(texts[next(texts.count)])
            guard !t.isEmpty else { continue }
            let start = next(t.count), length = 1 + next(8)
            var piece = String(t[start..<min(t.count, start + length)])
            if next(3) == 0 { piece = piece.uppercased() }
            if !piece.trimmingCharacters(in: .whitespaces).isEmpty { out.append(piece) }
        }
        return out
    }

    @Test("Every needle, filter, order and page gives what the SQL LIKE gives, the scan on one thread or split between two",
          arguments: [Int.max, 2])
    func matchesSQL(parallelScanMinimum: Int) throws {
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try SampleData.seed(s.db, triage: storeTriage, sla: storeSLA)
        let index = try s.db.openItemsSearch()
        index.parallelScanMinimum = parallelScanMinimum
        #expect(index.count == (try s.db.counts().open))
        let filters: [QueueFilter] = [
            QueueFilter(), QueueFilter(route: .redirectPrivate), QueueFilter(route: .answerInThread, platform: .facebook),
            QueueFilter(urgentOnly: true), QueueFilter(platform: .googleReviews),
        ]
        var nonEmpty = 0, partial = 0
        for needle in try needles(s.db) {
            for var f in filters {
                f.search = needle
                for o in QueueOrder.allCases {
                    let expected = try sql(s.db, f, o, offset: 0, limit: 25)
                    let got = try #require(index.search(f, order: o, offset: 0, limit: 25))
                    #expect(got.total == expected.total && got.ids == expected.ids, "\(needle.debugDescription) \(f) \(o)")
                    if expected.total > 0 { nonEmpty += 1 }
                    if expected.total > 0 && expected.total < index.count { partial += 1 }
                    if expected.total > 30 {  // a page further down
                        let later = try sql(s.db, f, o, offset: expected.total - 7, limit: 25)
                        #expect(index.search(f, order: o, offset: expected.total - 7, limit: 25)?.ids == later.ids, "\(needle.debugDescription) \(f) \(o), last page")
                    }
                }
            }
        }
        #expect(nonEmpty > 300 && partial > 300, "the needles must select something, and not everything")
    }

    @Test("Typing and deleting (each needle narrowing or widening the last) still matches SQL, the scan on one thread or split between two",
          arguments: [Int.max, 2])
    func typing(parallelScanMinimum: Int) throws {
        let s = try TempStore(now: "2027-03-01T12:00:00Z")
        _ = try SampleData.seed(s.db, triage: storeTriage, sla: storeSLA)
        let index = try s.db.openItemsSearch()
        index.parallelScanMinimum = parallelScanMinimum
        var typed = ""
        var sequence: [String] = []
        for c in "appointment" { typed.append(c); sequence.append(typed) }
        while !typed.isEmpty { typed.removeLast(); if !typed.isEmpty { sequence.append(typed) } }
        sequence += ["pain", "pai", "paint", "Pain", "in"]
        for needle in sequence {
            let f = QueueFilter(search: needle)
            let expected = try sql(s.db, f, .age, offset: 0, limit: 40)
            let got = index.search(f, order: .age, offset: 0, limit: 40)
            #expect(got?.total == expected.total && got?.ids == expected.ids, "\(needle)")
        }
    }

    @Test("Filters it cannot answer from memory are left to SQL")
    func declines() throws {
        let s = try TempStore()
        let index = try s.db.openItemsSearch()
        #expect(index.search(QueueFilter(), order: .urgency, offset: 0, limit: 10) == nil, "no search")
        #expect(index.search(QueueFilter(statuses: .answered, search: "a"), order: .urgency, offset: 0, limit: 10) == nil)
        #expect(index.search(QueueFilter(ownership: .mine, search: "a"), order: .urgency, offset: 0, limit: 10) == nil)
        #expect(index.search(QueueFilter(search: "   "), order: .urgency, offset: 0, limit: 10) == nil)
        #expect(index.search(QueueFilter(search: "a"), order: .urgency, offset: 0, limit: 10).map(\.total) == 0)
    }

    @Test("The byte search finds the first occurrence as a naive scan does, at every length and edge")
    func byteSearch() {
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let alphabet: [UInt8] = Array("abs ".utf8)  // few letters, so matches and near misses are many
        var found = 0
        for _ in 0..<20_000 {
            let hay = (0..<next(70)).map { _ in alphabet[next(alphabet.count)] }
            let needle = (0..<(1 + next(5))).map { _ in alphabet[next(alphabet.count)] }
            var naive: Int?
            if hay.count >= needle.count {
                naive = (0...(hay.count - needle.count)).first { i in Array(hay[i..<(i + needle.count)]) == needle }
            }
            let anchor = next(needle.count)
            let got: Int? = hay.withUnsafeBufferPointer { h in
                needle.withUnsafeBufferPointer { n in
                    guard let base = h.baseAddress else { return nil }
                    return firstOccurrence(n, anchor: anchor, in: base, count: h.count).map { base.distance(to: $0) }
                }
            }
            #expect(got == naive, "\(String(decoding: needle, as: UTF8.self).debugDescription) in \(String(decoding: hay, as: UTF8.self).debugDescription)")
            // The same text inside a longer buffer, the loads allowed to read on past it: a match
            // in what follows (the junk is of the same letters) is never reported.
            let padded = hay + (0..<next(40)).map { _ in alphabet[next(alphabet.count)] }
            let inside: Int? = padded.withUnsafeBufferPointer { h in
                needle.withUnsafeBufferPointer { n in
                    guard let base = h.baseAddress else { return nil }
                    return firstOccurrence(n, anchor: anchor, in: base, count: hay.count, readable: h.count).map { base.distance(to: $0) }
                }
            }
            #expect(inside == naive, "readable past the end: \(String(decoding: needle, as: UTF8.self).debugDescription) in \(String(decoding: hay, as: UTF8.self).debugDescription)")
            if naive != nil { found += 1 }
        }
        #expect(found > 5_000 && found < 19_000, "both hits and misses")
    }

    @Test("An entry's pair bits and byte set hold those of every piece of its text; the byte set and a pair of letters are exact")
    func pairSets() {
        var seed: UInt64 = 11
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        func holds(_ words: [UInt64], _ needle: [UInt8]) -> Bool {
            PairBits.wanted(needle).allSatisfy { words[$0.word] & $0.mask == $0.mask }
        }
        let alphabet: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz 0123456789".utf8) + [0xC3, 0xA9, 0xFF]
        var ruledOut = 0, letterPairs = (held: 0, not: 0)
        for _ in 0..<5_000 {
            let text = (0..<(1 + next(200))).map { _ in alphabet[next(alphabet.count)] }
            let from = next(text.count), to = from + 1 + next(min(8, text.count - from))
            // A needle never holds the separator: drop it from the piece.
            let piece = Array(text[from..<to]).filter { $0 != 0xFF }
            let other = (0..<(1 + next(4))).map { _ in alphabet[next(alphabet.count - 1)] }
            let whole = text.withUnsafeBufferPointer { PairBits.words($0) }
            #expect(whole.count == PairBits.words)
            text.withUnsafeBufferPointer { t in
                piece.withUnsafeBufferPointer { p in
                    let bytes = ByteSet(bytesOf: t)
                    if !piece.isEmpty, !Array(text[from..<to]).contains(0xFF) {
                        #expect(holds(whole, piece), "pairs of \(piece) in \(text)")
                    }
                    #expect(bytes.contains(ByteSet(bytesOf: p)))
                    other.withUnsafeBufferPointer { o in
                        let held = other.allSatisfy { text.contains($0) }
                        #expect(bytes.contains(ByteSet(bytesOf: o)) == held, "bytes of \(other) in \(text)")
                        if !holds(whole, other) { ruledOut += 1 }
                    }
                }
            }
            // Two letters: their bit is set exactly when the text holds them side by side.
            let pair = [alphabet[next(26)], alphabet[next(26)]]
            let adjacent = zip(text, text.dropFirst()).contains { $0 == pair[0] && $1 == pair[1] }
            #expect(PairBits.isExact(pair[0], pair[1]))
            #expect(holds(whole, pair) == adjacent, "\(pair) in \(text)")
            if adjacent { letterPairs.held += 1 } else { letterPairs.not += 1 }
        }
        #expect(ruledOut > 500, "the pair bits rule some needles out")
        #expect(letterPairs.held > 100 && letterPairs.not > 100, "\(letterPairs)")
        #expect(!PairBits.isExact(97, 32) && !PairBits.isExact(0xC3, 0xA9) && !PairBits.isExact(65, 97))
        #expect((0..<256).allSatisfy { a in (0..<256).allSatisfy { b in (0..<1024).contains(PairBits.slot(UInt8(a), UInt8(b))) } })
    }

    @Test("Rows by id come back in the order asked, without the ids that are gone")
    func rowsByID() throws {
        let s = try TempStore()
        _ = try s.db.importItems(triaged([item("r1", "one"), item("r2", "two"), item("r3", "three")]), sla: storeSLA)
        let ids = try ["r3", "r1", "r2"].map { try #require(try s.db.item(platform: .facebook, externalID: $0)).id }
        #expect(try s.db.queueRows(ids: [ids[0], 999_999, ids[1], ids[2]]).map(\.id) == ids)
        #expect(try s.db.queueRows(ids: []).isEmpty)
    }
}
