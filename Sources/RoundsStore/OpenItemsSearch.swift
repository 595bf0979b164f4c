import Foundation
import GRDB
import RoundsCore
import CPrefetch

#if canImport(Glibc)
import Glibc
#endif

/// A needle folded for ``firstOccurrence(_:anchor:in:count:readable:)``, with the byte to look for first: its
/// rarest in folded posts (so `memchr` stops as seldom as it can), by an English letter ranking.
struct Needle: Sendable {
    let bytes: [UInt8]
    /// The position in ``bytes`` of the rarest byte.
    let anchor: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var best = 0
        for (i, b) in bytes.enumerated() where Self.commonness(b) < Self.commonness(bytes[best]) { best = i }
        anchor = best
    }

    /// How common a byte is in folded text, higher for more common: the blank, then the letters
    /// from "e" to "z", then the bytes of non-ASCII letters, digits and punctuation.
    static func commonness(_ b: UInt8) -> Int {
        if b == 32 { return 100 }
        if let i = letterRanks[Int(b)] { return 90 - i }
        if b >= 0x80 { return 40 }
        return 30
    }

    private static let letterRanks: [Int?] = {
        var ranks = [Int?](repeating: nil, count: 256)
        for (i, c) in "etaoinshrdlcumwfgypbvkjxqz".utf8.enumerated() { ranks[Int(c)] = i * 2 }
        return ranks
    }()
}

/// The first place `needle` occurs in `hay[0..<count]`, or nil (glibc's `memmem` is a GNU
/// extension Swift does not import). One byte: `memchr`. Longer: sixteen places at a time are
/// tested for two adjacent bytes of the needle (its rarest and the next, `k` and `k + 1`) with
/// vector compares, and only where both match is the whole needle compared; a pair of letters
/// is rare enough that dense text ("as" in English) costs a pass over the bytes, not a stop at
/// every "s".
///
/// `readable` (at least `count`) is how many bytes from `hay` may be loaded: past `count`, the
/// vector loads may read on (a match must still start and end inside `count`), so a short text
/// inside a longer buffer needs no byte-by-byte tail.
@inline(__always)
func firstOccurrence(_ needle: UnsafeBufferPointer<UInt8>, anchor: Int, in hay: UnsafePointer<UInt8>, count: Int,
                     readable: Int? = nil) -> UnsafePointer<UInt8>? {
    let n = needle.count
    guard n > 0, count >= n else { return n == 0 ? hay : nil }
    let pin = needle.baseAddress!
    if n == 1 {
        return memchr(hay, Int32(pin[0]), count).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
    }
    let k = min(anchor, n - 2)
    let first = SIMD16<UInt8>(repeating: pin[k]), second = SIMD16<UInt8>(repeating: pin[k + 1])
    let lastStart = count - n  // the last place a match can start
    let loadable = max(count, readable ?? count)
    var i = 0
    // Starts i..<i+16 need the bytes up to i + 15 + k + 1 for the pair.
    while i + 16 + k + 1 <= loadable, i <= lastStart {
        let raw = UnsafeRawPointer(hay + i + k)
        let hits = (raw.loadUnaligned(as: SIMD16<UInt8>.self) .== first) .& (raw.loadUnaligned(fromByteOffset: 1, as: SIMD16<UInt8>.self) .== second)
        if any(hits) {
            for j in 0..<16 where hits[j] {
                let start = i + j
                if start > lastStart { return nil }
                if memcmp(hay + start, pin, n) == 0 { return hay + start }
            }
        }
        i += 16
    }
    while i <= lastStart {
        if hay[i + k] == pin[k], hay[i + k + 1] == pin[k + 1], memcmp(hay + i, pin, n) == 0 { return hay + i }
        i += 1
    }
    return nil
}

/// The open items' searchable text held in memory, so that the inbox's incremental search
/// answers each keystroke without reading every open row (a `LIKE` over 100,000 rows costs
/// ≈ 150 ms; this, a few milliseconds).
///
/// It matches exactly as ``AppDatabase/queue(_:order:agent:offset:limit:total:)`` does: the
/// trimmed needle is a substring of the post's text, the author's handle or the item's id, ASCII
/// letters compared without case and everything else byte for byte (SQLite's `LIKE`). It holds a
/// snapshot of the store: route, platform, urgency and the three queue orders of every open item.
/// Stale once anything is written; the holder drops it (``EffectRunner`` does, with the tally).
///
/// It answers only the filters it can (``canSearch(_:)``: a search over the open items, anyone's);
/// the others go to SQL. Successive needles that extend the previous one (typing) scan only the
/// previous needle's matches.
///
/// Not for concurrent use: one owner at a time (it caches the last needle's matches). It is
/// `@unchecked Sendable` so that it can be read on a background thread and handed over.
public final class OpenItemsSearch: @unchecked Sendable {
    struct Entry: Sendable {
        var id: Int64
        var route: Route
        var platform: Platform
        var urgent: Bool
        /// The item's folded text, handle and id in ``haystack``: `start..<end`.
        var start: Int
        var end: Int
    }

    /// Entries in the urgency order (the queue's default).
    private var entries: [Entry] = []
    /// Every entry's folded text, handle and id, separated by 0xFF (never a byte of UTF-8, so a
    /// match cannot straddle two fields), one item after another.
    private var haystack: [UInt8] = []
    /// Per entry, the byte pairs its text, handle and id hold, in ``PairBits/words`` words: word
    /// `w` of entry `i` at `w * count + i` (a needle's pairs fall in one to a few words, each a
    /// dense array the scan walks). An entry lacking one of a needle's pairs cannot match, so a
    /// keystroke scans only the text of entries that may ("ast" is in ~1 post in 10; its pairs rule
    /// out most of the others without reading them), and a needle of two letters is answered from
    /// these alone (their bit is exact).
    private var pairWords: [UInt64] = []
    /// Per entry, the bytes its text, handle and id hold (exactly: bit b for byte b): a one-byte
    /// needle is answered from these alone, a longer one must find all its bytes here too.
    private var bytesHeld: [ByteSet] = []
    /// Indexes into ``entries`` in the age and platform orders.
    private var byAge: [Int32] = []
    private var byPlatform: [Int32] = []
    /// The last needle's matches (entry indexes, ascending), whatever the filter.
    private var last: (needle: [UInt8], matches: [Int32])?

    /// How many open items it holds.
    public var count: Int { entries.count }

    /// Whether it answers `filter`: a non-empty search over the open items, not limited by claims.
    public static func canSearch(_ filter: QueueFilter) -> Bool {
        filter.statuses == .open && filter.ownership == .anyone && !filter.search.trimmingCharacters(in: .whitespaces).isEmpty
    }

    init() {}

    /// Reads the open items: one walk of the queue in each order (the orders' indexes) and the
    /// searchable columns once.
    static func load(_ db: Database) throws -> OpenItemsSearch {
        let index = OpenItemsSearch()
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, route, platform, urgent, text, authorHandle, externalID FROM item
            WHERE status = 'open' ORDER BY \(AppDatabase.orderClause(.urgency))
            """)
        var position: [Int64: Int32] = [:]
        while let row = try rows.next() {
            let start = index.haystack.count
            for column in 4...6 {
                if column > 4 { index.haystack.append(0xFF) }
                if let text: String = row[column] { fold(text, into: &index.haystack) }
            }
            let id: Int64 = row[0]
            position[id] = Int32(index.entries.count)
            index.entries.append(Entry(id: id, route: Route(rawValue: row[1]) ?? .redirectPrivate,
                                       platform: Platform(rawValue: row[2]) ?? .facebook, urgent: row[3],
                                       start: start, end: index.haystack.count))
            index.haystack.withUnsafeBufferPointer {
                let text = UnsafeBufferPointer(rebasing: $0[start...])
                index.bytesHeld.append(ByteSet(bytesOf: text))
            }
            index.haystack.append(0xFF)
        }
        // The pair words once the number of entries (their stride) is known, in one array of its
        // final size (no copy of 12 MB at 100,000 entries left to the allocator).
        let stride = index.entries.count
        index.pairWords = [UInt64](repeating: 0, count: stride * PairBits.words)
        index.haystack.withUnsafeBufferPointer { hay in
            index.pairWords.withUnsafeMutableBufferPointer { words in
                for (i, e) in index.entries.enumerated() {
                    PairBits.insert(UnsafeBufferPointer(rebasing: hay[e.start..<e.end])) { words[$0 * stride + i] |= $1 }
                }
            }
        }
        // Room for the last entry's vector loads to read past its end (see `firstOccurrence`).
        index.haystack.append(contentsOf: repeatElement(0xFF, count: 32))
        func order(_ o: QueueOrder) throws -> [Int32] {
            var out: [Int32] = []
            out.reserveCapacity(index.entries.count)
            let ids = try Int64.fetchCursor(db, sql: "SELECT id FROM item WHERE status = 'open' ORDER BY \(AppDatabase.orderClause(o))")
            while let id = try ids.next() { if let p = position[id] { out.append(p) } }
            return out
        }
        index.byAge = try order(.age)
        index.byPlatform = try order(.platform)
        return index
    }

    /// ASCII letters to lower case, as SQLite's `LIKE` compares them; every other byte as is.
    static func fold(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            for b in bytes { out.append(b &- 65 < 26 ? b | 0x20 : b) }
        }
    }

    /// The queue's size under `filter` and the ids of its rows `[offset, offset + limit)` in
    /// `order`, or nil when the filter is not one it answers.
    public func search(_ filter: QueueFilter, order: QueueOrder, offset: Int, limit: Int) -> (total: Int, ids: [Int64])? {
        guard Self.canSearch(filter) else { return nil }
        var needle: [UInt8] = []
        Self.fold(filter.search.trimmingCharacters(in: .whitespaces), into: &needle)
        let matches = textMatches(needle)
        func keep(_ e: Entry) -> Bool {
            (filter.route.map { e.route == $0 } ?? true) && (filter.platform.map { e.platform == $0 } ?? true) && (!filter.urgentOnly || e.urgent)
        }
        let unfiltered = filter.route == nil && filter.platform == nil && !filter.urgentOnly
        let lower = max(0, offset), upper = lower + max(0, limit)
        var total = 0
        var ids: [Int64] = []
        func take(_ i: Int32) {
            let e = entries[Int(i)]
            guard unfiltered || keep(e) else { return }
            if total >= lower && total < upper { ids.append(e.id) }
            total += 1
        }
        switch order {
        case .urgency:
            if unfiltered {
                total = matches.count
                if lower < total { ids = matches[lower..<min(upper, total)].map { entries[Int($0)].id } }
            } else {
                for i in matches { take(i) }
            }
        case .age, .platform:
            var matched = [Bool](repeating: false, count: entries.count)
            for i in matches { matched[Int(i)] = true }
            for i in order == .age ? byAge : byPlatform where matched[Int(i)] { take(i) }
        }
        return (total, ids)
    }

    /// From how many candidates a scan is split between two threads. Below it, handing half
    /// the work over costs more than it saves; at 100,000 open items the split takes "ast" from
    /// 2.2 to 1.2 ms and "as" from 1.2 to 0.7 ms (`Docs/performance.md`). Tests lower it to
    /// run the split on small queues.
    var parallelScanMinimum = 4_096

    /// The entries whose text, handle or id contains `needle` (folded), ascending.
    private func textMatches(_ folded: [UInt8]) -> [Int32] {
        if let last, last.needle == folded { return last.matches }
        let needle = Needle(folded)
        // Only entries holding all the needle's bytes and pairs can match.
        let wanted = PairBits.wanted(folded)
        let wantedBytes = folded.withUnsafeBufferPointer { ByteSet(bytesOf: $0) }
        let single = folded.count == 1
        // Two letters: an entry holding their pair holds the needle.
        let pairIsNeedle = folded.count == 2 && PairBits.isExact(folded[0], folded[1])
        // The candidates: the last needle's matches when this one extends it (typing), else all.
        let narrowed: [Int32]? = last.flatMap { Self.contains(folded, $0.needle) ? $0.matches : nil }
        let count = narrowed?.count ?? entries.count
        // Local buffers: a class's arrays read in the loop would be checked for exclusive access
        // at every read.
        let (entries, pairWords, bytesHeld, haystack) = (self.entries, self.pairWords, self.bytesHeld, self.haystack)
        let stride = entries.count  // between one word of all entries and the next
        // How far ahead to prefetch: 8 candidates was best of 4, 8 and 16 ("asth" 1.5, 1.4, 2.3 ms
        // before the pair bits and the entries' prefetch).
        let ahead = 8
        // The scan of candidates `range`, in order: writes the matches from `out` on, returns
        // how many. It allocates nothing, so a helper thread that runs it never needs a malloc
        // arena of its own (one cost ≈ 12 MB of the inbox's peak RSS).
        @Sendable func scan(_ range: Range<Int>, into out: UnsafeMutablePointer<Int32>) -> Int {
            var found = 0
            haystack.withUnsafeBufferPointer { hay in
                needle.bytes.withUnsafeBufferPointer { n in
                    entries.withUnsafeBufferPointer { entries in
                        pairWords.withUnsafeBufferPointer { pairWords in
                            bytesHeld.withUnsafeBufferPointer { bytesHeld in
                                wanted.withUnsafeBufferPointer { wanted in
                                    let base = hay.baseAddress!
                                    for c in range {
                                        let i = narrowed.map { Int($0[c]) } ?? c
                                        // The candidate `ahead` places on is asked into the cache now: a
                                        // narrowed scan visits entries scattered over the arrays, and
                                        // waiting on each one's text was its largest cost (perf). Its
                                        // entry (where its text starts) is asked twice as far ahead, so
                                        // that reading it then does not wait either. Hints only: no
                                        // effect on what matches.
                                        if !single, !pairIsNeedle, c + 2 * ahead < range.upperBound {
                                            rounds_prefetch(entries.baseAddress! + (narrowed.map { Int($0[c + 2 * ahead]) } ?? c + 2 * ahead))
                                        }
                                        if !single, c + ahead < range.upperBound {
                                            let j = narrowed.map { Int($0[c + ahead]) } ?? c + ahead
                                            if !pairIsNeedle { rounds_prefetch(base + entries[j].start) }
                                            rounds_prefetch(pairWords.baseAddress! + wanted[0].word * stride + j)
                                            rounds_prefetch(bytesHeld.baseAddress! + j)
                                        }
                                        guard bytesHeld[i].contains(wantedBytes) else { continue }
                                        // One byte: held is matched (the byte set is exact).
                                        if single { out[found] = Int32(i); found += 1; continue }
                                        var held = true
                                        for p in wanted where pairWords[p.word * stride + i] & p.mask != p.mask {
                                            held = false
                                            break
                                        }
                                        guard held else { continue }
                                        if pairIsNeedle { out[found] = Int32(i); found += 1; continue }
                                        let e = entries[i]
                                        if firstOccurrence(n, anchor: needle.anchor, in: base + e.start, count: e.end - e.start,
                                                           readable: hay.count - e.start) != nil {
                                            out[found] = Int32(i)
                                            found += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return found
        }
        // A scan over many candidates is split between two threads (the inbox's other core is
        // idle while a key is answered): each writes its half's matches in order into its half
        // of the buffer, and the second's are then moved down to follow the first's.
        let out = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let start = buffer.baseAddress else { initialized = 0; return }
            guard !single, count >= parallelScanMinimum else {
                initialized = scan(0..<count, into: start)
                return
            }
            let half = count / 2
            nonisolated(unsafe) let base = start
            let found = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
            defer { found.deallocate() }
            nonisolated(unsafe) let counts = found  // each iteration writes its own slot only
            DispatchQueue.concurrentPerform(iterations: 2) { k in
                counts[k] = k == 0 ? scan(0..<half, into: base) : scan(half..<count, into: base + half)
            }
            memmove(start + found[0], start + half, found[1] * MemoryLayout<Int32>.stride)  // the two may overlap
            initialized = found[0] + found[1]
        }
        last = (folded, out)
        return out
    }

    private static func contains(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if b.isEmpty { return true }
        if b.count > a.count { return false }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in firstOccurrence(y, anchor: 0, in: x.baseAddress!, count: x.count) != nil }
        }
    }
}

/// The set of the bytes a text holds (bit b for byte b: exact, no hashing): ``OpenItemsSearch``'s
/// first filter before the text scan.
struct ByteSet: Equatable, Sendable {
    var bits: SIMD4<UInt64> = .zero

    /// The set of the bytes themselves (bit b for byte b: exact, no hashing).
    init(bytesOf bytes: UnsafeBufferPointer<UInt8>) {
        var words = Words()
        for b in bytes { words.insert(UInt32(b)) }
        bits = words.bits
    }

    /// The four words while a set is built (faster to fill than the vector's lanes).
    private struct Words {
        var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        @inline(__always)
        mutating func insert(_ slot: UInt32) {
            let bit = UInt64(1) << UInt64(slot & 63)
            switch slot >> 6 {
            case 0: w.0 |= bit
            case 1: w.1 |= bit
            case 2: w.2 |= bit
            default: w.3 |= bit
            }
        }

        var bits: SIMD4<UInt64> { SIMD4(w.0, w.1, w.2, w.3) }
    }

    /// True when every byte of `other` is in this set.
    @inline(__always)
    func contains(_ other: ByteSet) -> Bool { (bits & other.bits) == other.bits }
}

/// The byte pairs a text holds, in 1,024 bits: each pair of ASCII lower-case letters (folded
/// text holds no capitals) has a bit of its own, so its bit is exact; every other pair shares the
/// remaining 348 bits by a hash. Pairs that hold the 0xFF field separator are left out (a needle
/// never holds it).
enum PairBits {
    /// Words of a text's pairs.
    static let words = 16
    private static let letterPairs = 26 * 26

    /// True when the pair (a, b) has a bit of its own.
    @inline(__always)
    static func isExact(_ a: UInt8, _ b: UInt8) -> Bool { a &- 97 < 26 && b &- 97 < 26 }

    /// The pair's bit, `0..<1024`.
    @inline(__always)
    static func slot(_ a: UInt8, _ b: UInt8) -> Int {
        if isExact(a, b) { return Int(a &- 97) * 26 + Int(b &- 97) }
        let hash = (UInt32(a) << 8 | UInt32(b)) &* 0x9E37_79B1
        return letterPairs + Int((hash >> 16) % UInt32(words * 64 - letterPairs))
    }

    /// Calls `set(word, bit)` for the pairs in `bytes`, a bit at a time.
    @inline(__always)
    static func insert(_ bytes: UnsafeBufferPointer<UInt8>, _ set: (Int, UInt64) -> Void) {
        guard bytes.count > 1 else { return }
        var previous = bytes[0]
        for k in 1..<bytes.count {
            let b = bytes[k]
            if previous != 0xFF && b != 0xFF {
                let bit = slot(previous, b)
                set(bit >> 6, 1 << UInt64(bit & 63))
            }
            previous = b
        }
    }

    /// The ``words`` words of the pairs in `bytes`.
    static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: words)
        insert(bytes) { out[$0] |= $1 }
        return out
    }

    /// The words and bits of `needle`'s pairs, one entry a word (none for fewer than two bytes).
    static func wanted(_ needle: [UInt8]) -> [(word: Int, mask: UInt64)] {
        var out: [(word: Int, mask: UInt64)] = []
        guard needle.count > 1 else { return out }
        for k in 1..<needle.count {
            let bit = slot(needle[k - 1], needle[k])
            if let i = out.firstIndex(where: { $0.word == bit >> 6 }) {
                out[i].mask |= 1 << UInt64(bit & 63)
            } else {
                out.append((bit >> 6, 1 << UInt64(bit & 63)))
            }
        }
        return out
    }
}

extension AppDatabase {
    /// The open items' search index, read in one transaction (≈ 0.2–0.3 s at 100,000 open items).
    public func openItemsSearch() throws -> OpenItemsSearch {
        try writer.read { db in try OpenItemsSearch.load(db) }
    }

    /// The queue rows of `ids`, in that order (ids no longer in the store are left out).
    public func queueRows(ids: [Int64]) throws -> [QueueRow] {
        guard !ids.isEmpty else { return [] }
        let at = now
        return try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                \(QueueRow.selectSQL)
                WHERE item.id IN (\(ids.map { String($0) }.joined(separator: ",")))
                """)
            var byID: [Int64: QueueRow] = [:]
            for r in try QueueRow.all(rows, at: at) { byID[r.id] = r }
            return ids.compactMap { byID[$0] }
        }
    }
}
