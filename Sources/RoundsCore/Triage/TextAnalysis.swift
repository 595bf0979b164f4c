#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A phrase of the lexicon found in a text: tokens `first...last`.
struct PhraseMatch {
    var first: Int32
    var last: Int32
    var tags: TagSet
}

/// One text, tokenised and matched against the lexicon: what the rules read.
///
/// Everything is indexed by token, so the rules can ask "is there a possessive within three
/// words before this health term?" without scanning the text again.
struct TextAnalysis {
    let bytes: UnsafeBufferPointer<UInt8>
    var tokens: [Token] = []
    var sentences: [Sentence] = []
    var matches: [PhraseMatch] = []
    /// Union of the tags of the phrases that start at each token.
    var startTags: [TagSet] = []
    /// Tags of the one-word phrase at each token.
    var wordTags: [TagSet] = []
    /// Union of every tag found in the text.
    var allTags = TagSet()
    /// Union of the tags of the phrases that start in each sentence.
    var sentenceTags: [TagSet] = []

    init(bytes: UnsafeBufferPointer<UInt8>, lexicon: borrowing Lexicon) {
        self.init(bytes: bytes, lexicon: lexicon, reusing: nil)
    }

    /// Analyses `bytes` in the buffers of `scratch` (left empty until ``recycle(into:)``), so
    /// that a run of items allocates them once instead of six times an item.
    init(bytes: UnsafeBufferPointer<UInt8>, lexicon: borrowing Lexicon, reusing scratch: AnalysisScratch?) {
        self.bytes = bytes
        if let scratch {
            exchangeBuffers(with: scratch)
            tokens.removeAll(keepingCapacity: true)
            sentences.removeAll(keepingCapacity: true)
            matches.removeAll(keepingCapacity: true)
            startTags.removeAll(keepingCapacity: true)
            wordTags.removeAll(keepingCapacity: true)
            sentenceTags.removeAll(keepingCapacity: true)
        }
        tokens.reserveCapacity(bytes.count / 4 + 4)
        Tokenizer.tokenize(bytes, lexicon: lexicon, tokens: &tokens, sentences: &sentences)
        let n = tokens.count
        startTags.reserveCapacity(n)
        wordTags.reserveCapacity(n)
        sentenceTags.reserveCapacity(sentences.count)
        // Tokens come sentence by sentence (every sentence has one), so the per-token and
        // per-sentence unions are appended in order as the phrases starting at each token are found.
        var sentenceUnion = TagSet()
        var all = TagSet()
        tokens.withUnsafeBufferPointer { tokens in
            var i = 0
            while i < n {
                let sentence = tokens[i].sentence
                if i > 0 && sentence != tokens[i - 1].sentence {
                    sentenceTags.append(sentenceUnion)
                    sentenceUnion = TagSet()
                }
                var node: Int32 = 0
                var j = i
                var startUnion = TagSet()
                var word = TagSet()
                while j < n, tokens[j].sentence == sentence {
                    let t = tokens[j]
                    guard let next = lexicon.child(of: node, word: t.exact) ?? lexicon.child(of: node, word: t.prefix) else { break }
                    node = next
                    let tags = lexicon.terminal[Int(node)]
                    if !tags.isEmpty {
                        matches.append(PhraseMatch(first: Int32(i), last: Int32(j), tags: tags))
                        startUnion.formUnion(tags)
                        if i == j { word = tags }
                    }
                    j += 1
                }
                startTags.append(startUnion)
                wordTags.append(word)
                sentenceUnion.formUnion(startUnion)
                all.formUnion(startUnion)
                i += 1
            }
        }
        if n > 0 { sentenceTags.append(sentenceUnion) }
        allTags = all
    }

    /// Hands the buffers back to `scratch` for the next text (the analysis is empty afterwards).
    mutating func recycle(into scratch: AnalysisScratch) {
        // A very long text's buffers are not worth pinning for the thread's lifetime.
        guard tokens.capacity <= 4096, matches.capacity <= 8192 else { return }
        exchangeBuffers(with: scratch)
    }

    /// Swaps the six buffers with the scratch's: lending them out and taking them back are the
    /// same exchange.
    private mutating func exchangeBuffers(with scratch: AnalysisScratch) {
        swap(&tokens, &scratch.tokens)
        swap(&sentences, &scratch.sentences)
        swap(&matches, &scratch.matches)
        swap(&startTags, &scratch.startTags)
        swap(&wordTags, &scratch.wordTags)
        swap(&sentenceTags, &scratch.sentenceTags)
    }

    // MARK: Questions the rules ask

    /// The text of tokens `first...last`, as written.
    func text(_ first: Int32, _ last: Int32) -> String {
        let r = byteRange(first, last)
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }

    func byteRange(_ first: Int32, _ last: Int32) -> Range<Int> {
        Int(tokens[Int(first)].start)..<Int(tokens[Int(last)].end)
    }

    func reason(_ rule: String, _ first: Int32, _ last: Int32) -> TriageReason {
        TriageReason(rule: rule, evidence: text(first, last), range: byteRange(first, last))
    }

    /// Matches whose first token lies in sentence `s`, in order.
    func matches(in s: Sentence) -> ArraySlice<PhraseMatch> {
        // Matches are sorted by first token; binary search the slice.
        var lo = 0
        var hi = matches.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if matches[mid].first < s.firstToken { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < matches.count, matches[end].first < s.endToken { end += 1 }
        return matches[lo..<end]
    }

    /// The last match carrying any of `tags` that ends in `[from, before)` (token indexes).
    func lastMatch(_ tags: TagSet, endingIn from: Int32, _ before: Int32, within ms: ArraySlice<PhraseMatch>) -> PhraseMatch? {
        var found: PhraseMatch?
        for m in ms where m.tags.intersects(tags) && m.last >= from && m.last < before {
            if found == nil || m.last >= found!.last { found = m }
        }
        return found
    }

    /// The first match carrying any of `tags` that starts in `[from, to)`.
    func firstMatch(_ tags: TagSet, startingIn from: Int32, _ to: Int32, within ms: ArraySlice<PhraseMatch>) -> PhraseMatch? {
        for m in ms where m.tags.intersects(tags) && m.first >= from && m.first < to { return m }
        return nil
    }

    /// True when some phrase with any of `tags` starts in `[from, to)`.
    func has(_ tags: TagSet, from: Int32, to: Int32) -> Bool {
        var i = max(from, 0)
        let end = min(to, Int32(tokens.count))
        while i < end {
            if startTags[Int(i)].intersects(tags) { return true }
            i += 1
        }
        return false
    }

    func has(_ tags: TagSet, in s: Sentence) -> Bool {
        self.tags(of: s).intersects(tags)
    }

    /// Union of the tags of the phrases that start in sentence `s`: every tag of `matches(in: s)`.
    func tags(of s: Sentence) -> TagSet {
        guard s.firstToken < s.endToken else { return TagSet() }
        return sentenceTags[Int(tokens[Int(s.firstToken)].sentence)]
    }

    /// The sentence's opening word is a question word (after a greeting).
    func opensWithQuestion(_ s: Sentence) -> Bool {
        var i = s.firstToken
        // Skip up to two untagged words or greetings ("hi", "ok so").
        while i < s.endToken && i < s.firstToken + 3 {
            let tags = startTags[Int(i)]
            if tags.contains(.interrogative) { return true }
            if !tags.isEmpty && !tags.contains(.notName) { return false }
            i += 1
        }
        return false
    }
}

/// One thread's ``TextAnalysis`` buffers, kept between items (a thread-specific value: triage
/// runs on several threads at once, and each needs its own).
final class AnalysisScratch {
    var tokens: [Token] = []
    var sentences: [Sentence] = []
    var matches: [PhraseMatch] = []
    var startTags: [TagSet] = []
    var wordTags: [TagSet] = []
    var sentenceTags: [TagSet] = []
    private var inUse = false

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // Released when its thread exits.
        let rc = pthread_key_create(&key) { raw in
            let raw: UnsafeMutableRawPointer? = raw
            if let raw { Unmanaged<AnalysisScratch>.fromOpaque(raw).release() }
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    /// This thread's scratch, or `nil` while it is already lent out.
    static func borrow() -> AnalysisScratch? {
        let scratch: AnalysisScratch
        if let raw = pthread_getspecific(key) {
            scratch = Unmanaged<AnalysisScratch>.fromOpaque(raw).takeUnretainedValue()
        } else {
            scratch = AnalysisScratch()
            pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        }
        guard !scratch.inUse else { return nil }
        scratch.inUse = true
        return scratch
    }

    /// Takes back the buffers of `analysis` and ends the loan.
    func giveBack(_ analysis: inout TextAnalysis) {
        analysis.recycle(into: self)
        inUse = false
    }
}
