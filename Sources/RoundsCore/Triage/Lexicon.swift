import Foundation

/// An error in a lexicon file, with its place.
public struct LexiconError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// The triage vocabulary compiled into a word-level trie.
///
/// Words are identified by a 64-bit FNV-1a hash of their normalised bytes (see ``Tokenizer``),
/// so matching a text needs no string allocation. A phrase word ending in `*` matches any word
/// with that prefix.
public struct Lexicon: Sendable {
    /// Word id by hash of an exact word.
    var exactWords = WordTable()
    /// Word id by hash of a prefix (for `word*` entries).
    var prefixWords = WordTable()
    /// Bit `n` set when some prefix entry is `n` bytes long (bit 3 always, for `prefixStarts`).
    var prefixLengths: UInt64 = 0
    /// Hashes of the first three bytes of every prefix entry: most words start otherwise, and
    /// skip the per-length prefix probes.
    var prefixStarts = WordTable()
    /// Trie edges: `(node << 32) | wordID` → child node. Node 0 is the root.
    var edges = WordTable()
    /// Tags of the phrase that ends at each node (empty when none ends there).
    var terminal: [TagSet] = [TagSet()]
    /// Number of phrases loaded.
    public private(set) var phraseCount = 0

    public init() {}

    /// The vocabulary shipped with Rounds (`Resources/lexicon`).
    public static let bundled: Lexicon = {
        do {
            return try Lexicon(directory: bundledDirectory)
        } catch {
            fatalError("The bundled triage lexicon is broken: \(error)")
        }
    }()

    static var bundledDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("lexicon")
    }

    /// Loads every `*.txt` file under `directory` (sub-folders included).
    public init(directory: URL) throws {
        self.init()
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw LexiconError(file: directory.path, line: 0, message: "not a readable folder")
        }
        var files: [URL] = []
        for case let url as URL in walker where url.pathExtension == "txt" && url.lastPathComponent != "README.txt" {
            files.append(url)
        }
        for url in files.sorted(by: { $0.path < $1.path }) {
            let text = try String(contentsOf: url, encoding: .utf8)
            try add(source: text, file: url.lastPathComponent)
        }
    }

    /// Adds the phrases of one lexicon file.
    ///
    /// Lines: `# comment`, `[tagA tagB]` starts a section, anything else is a phrase. A file
    /// without a section tags its phrases with the tag named like the file.
    public mutating func add(source: String, file: String) throws {
        let stem = (file as NSString).deletingPathExtension
        var current: TagSet? = LexiconTag(sectionName: stem).map { TagSet($0) }
        var lineNumber = 0
        for raw in source.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw LexiconError(file: file, line: lineNumber, message: "unclosed section header \(line)")
                }
                var tags = TagSet()
                for name in line.dropFirst().dropLast().split(separator: " ") {
                    guard let tag = LexiconTag(sectionName: String(name)) else {
                        throw LexiconError(file: file, line: lineNumber, message: "unknown tag \"\(name)\"")
                    }
                    tags.insert(tag)
                }
                current = tags
                continue
            }
            guard let tags = current else {
                throw LexiconError(file: file, line: lineNumber, message: "phrase before any [section]")
            }
            try addPhrase(line, tags: tags, file: file, line: lineNumber)
        }
    }

    mutating func addPhrase(_ phrase: String, tags: TagSet, file: String, line: Int) throws {
        let words = Tokenizer.normalisedWords(of: phrase)
        guard !words.isEmpty else {
            throw LexiconError(file: file, line: line, message: "phrase has no words: \"\(phrase)\"")
        }
        var node: Int32 = 0
        for word in words {
            let id: Int32
            if word.prefix {
                guard word.length >= 3, word.length < 64 else {
                    throw LexiconError(file: file, line: line, message: "a prefix needs 3 to 63 bytes: \"\(phrase)\"")
                }
                id = prefixWords[word.hash] ?? nextWordID
                prefixWords.insert(word.hash, id)
                prefixLengths |= 1 << UInt64(word.length) | 1 << 3
                prefixStarts.insert(word.hash3, 1)
            } else {
                id = exactWords[word.hash] ?? nextWordID
                exactWords.insert(word.hash, id)
            }
            let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: id))
            if let child = edges[key] {
                node = child
            } else {
                let child = Int32(terminal.count)
                terminal.append(TagSet())
                edges.insert(key, child)
                node = child
            }
        }
        terminal[Int(node)].formUnion(tags)
        phraseCount += 1
    }

    private var nextWordID: Int32 { Int32(exactWords.count + prefixWords.count) }


    @inline(__always)
    func child(of node: Int32, word: Int32) -> Int32? {
        guard word >= 0 else { return nil }
        return edges[UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: word))]
    }

    /// The tags of `phrase` if the lexicon holds it exactly (for tests and tuning tools).
    public func tags(ofPhrase phrase: String) -> TagSet {
        var node: Int32 = 0
        for w in Tokenizer.normalisedWords(of: phrase) {
            let exact = exactWords[w.hash] ?? -1
            guard let next = child(of: node, word: exact) else { return TagSet() }
            node = next
        }
        return terminal[Int(node)]
    }
}
