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

var args = CommandLine.arguments
// libFuzzer re-runs this binary for -jobs / -fork / -merge children with the argv it was given,
// which no longer holds the target name: the name travels in ROUNDS_FUZZ_TARGET instead.
let inherited = ProcessInfo.processInfo.environment["ROUNDS_FUZZ_TARGET"].flatMap { FuzzTargets.named($0) != nil ? $0 : nil }
let named = args.count >= 2 && FuzzTargets.named(args[1]) != nil
guard named || inherited != nil else {
    FileHandle.standardError.write(Data("usage: rounds-fuzz \(FuzzTargets.all.map(\.name).joined(separator: "|")) [libFuzzer options] [corpus folders]\n".utf8))
    exit(2)
}
let targetName = named ? args[1] : inherited!
let target = FuzzTargets.named(targetName)!
selected = target
setenv("ROUNDS_FUZZ_TARGET", targetName, 1)
if !named { args.insert(targetName, at: 1) }

if rounds_fuzz_has_libfuzzer() != 0 {
    // libFuzzer sees argv without the target name.
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    if named {
        argc -= 1
        argv![1] = argv![0]
        argv = argv! + 1
    }
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
