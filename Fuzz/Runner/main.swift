// rounds-fuzz TARGET [libFuzzer options and corpus folders...]
//
// Built with `-sanitize=fuzzer` (Scripts/fuzz.sh), this is a libFuzzer binary for one of the
// targets in FuzzTargets (jsonl, csv, triage, text). Built normally (`swift build`), libFuzzer
// is absent and it replays the files and folders it is given through the same target, once each:
// `rounds-fuzz text Fuzz/corpus/text`.
import CFuzzDriver
import Foundation
import RoundsFuzzTargets

nonisolated(unsafe) var selected: (@Sendable (UnsafeBufferPointer<UInt8>) -> Void)?

let callback: RoundsFuzzCallback = { data, size in
    selected?(UnsafeBufferPointer(start: data, count: size))
    return 0
}

let args = CommandLine.arguments
guard args.count >= 2, let target = FuzzTargets.named(args[1]) else {
    FileHandle.standardError.write(Data("usage: rounds-fuzz \(FuzzTargets.all.map(\.name).joined(separator: "|")) [libFuzzer options] [corpus folders]\n".utf8))
    exit(2)
}
selected = target

if rounds_fuzz_has_libfuzzer() != 0 {
    // libFuzzer sees argv without the target name.
    var argc = CommandLine.argc - 1
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    argv![1] = argv![0]
    argv = argv! + 1
    exit(rounds_fuzz_run_driver(&argc, &argv, callback))
}

// Replay mode: every regular file under the given paths, once.
var count = 0
for path in args.dropFirst(2) where !path.hasPrefix("-") {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        FileHandle.standardError.write(Data("rounds-fuzz: no such file or folder: \(path)\n".utf8))
        exit(2)
    }
    let files = isDir.boolValue
        ? (try FileManager.default.contentsOfDirectory(atPath: path)).sorted().map { path + "/" + $0 }
        : [path]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        data.withUnsafeBytes { raw in target(raw.bindMemory(to: UInt8.self)) }
        count += 1
    }
}
print("rounds-fuzz: replayed \(count) input(s) through \(args[1]) (not built with libFuzzer: no fuzzing)")
