/// An open-addressing hash table from 64-bit keys to `Int32`, for the lexicon's hot lookups.
///
/// The keys are already hashes (FNV-1a of a word, or a trie edge), so a multiplicative mix and
/// linear probing are enough: no SipHash, no allocation on lookup. Load factor stays ≤ 0.5.
struct WordTable: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// 0 marks an empty slot, so the key 0 is stored as 1 (a collision of 1 in 2^64).
    @inline(__always)
    private static func stored(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    @inline(__always)
    subscript(key: UInt64) -> Int32? {
        let k = Self.stored(key)
        return keys.withUnsafeBufferPointer { ks in
            var i = slot(k)
            while true {
                let s = ks[i]
                if s == k { return values[i] }
                if s == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    mutating func insert(_ key: UInt64, _ value: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        let k = Self.stored(key)
        var i = slot(k)
        while keys[i] != 0 && keys[i] != k { i = (i + 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = k
        values[i] = value
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (i, k) in oldKeys.enumerated() where k != 0 {
            var j = slot(k)
            while keys[j] != 0 { j = (j + 1) & mask }
            keys[j] = k
            values[j] = oldValues[i]
            count += 1
        }
    }
}
