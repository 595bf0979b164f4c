// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Rounds",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rounds", targets: ["rounds"]),
        .library(name: "RoundsCore", targets: ["RoundsCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
    ],
    targets: [
        // Pure domain logic: items, triage, SLA. No I/O, no clock reads.
        .target(
            name: "RoundsCore",
            resources: [.copy("Resources/lexicon"), .copy("Resources/jargon.txt")]
        ),
        // Parsers for the canonical JSONL form (and, later, CSV and platform payloads).
        .target(name: "RoundsIngest", dependencies: ["RoundsCore"]),
        // The config file: SLA policies, calendar, the organisation's public channels.
        .target(
            name: "RoundsConfig",
            dependencies: ["RoundsCore", .product(name: "TOMLKit", package: "TOMLKit")],
            resources: [.copy("Resources/config.toml")]
        ),
        // SQLite through GRDB: items, triage, claims, responses, events, shifts.
        .target(
            name: "RoundsStore",
            dependencies: ["RoundsCore", "RoundsIngest", .product(name: "GRDB", package: "GRDB.swift"),
                           // SQLite's C API, for the scans that read a million rows (RawRows.swift).
                           .product(name: "GRDBSQLite", package: "GRDB.swift"), "CPrefetch"],
            resources: [.copy("Resources/sample-items.jsonl")]
        ),
        // The end-of-shift summary: a window, the figures, Markdown / CSV / JSON exports.
        .target(
            name: "RoundsSummary",
            dependencies: ["RoundsCore", "RoundsIngest", "RoundsStore", .product(name: "CSV", package: "CSV.swift")]
        ),
        // ncursesw through pkg-config; shim.h switches on the wide-character API (Docs/terminal.md).
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        // wcwidth, the UTF-8 locale, and async-signal-safe signal handling / terminal restore.
        .target(name: "CWidth"),
        // A cache prefetch hint for the search scan (OpenItemsSearch.swift).
        .target(name: "CPrefetch"),
        // Cell buffer, display width, sanitising, diffing, key decoding; curses and test terminals.
        .target(name: "RoundsTerminal", dependencies: ["CNcursesw", "CWidth"]),
        // The inbox: state, messages, a pure update, views into a Buffer, the effect runner.
        .target(name: "RoundsTUI", dependencies: ["RoundsCore", "RoundsConfig", "RoundsStore", "RoundsSummary", "RoundsTerminal"]),
        .executableTarget(
            name: "rounds",
            dependencies: [
                "RoundsCore", "RoundsIngest", "RoundsConfig", "RoundsStore", "RoundsTerminal", "RoundsTUI", "RoundsSummary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Release-mode benchmarks: `swift run -c release rounds-bench [--quick]`. Never run by `swift test`.
        .executableTarget(name: "rounds-bench", dependencies: [
            "RoundsCore", "RoundsIngest", "RoundsStore", "RoundsSummary", "RoundsTerminal", "RoundsTUI",
        ]),
        // Fuzzing (issue 7): the targets as a library, a weak libFuzzer hook, and `rounds-fuzz`, a libFuzzer
        // binary when built with -sanitize=fuzzer (Scripts/fuzz.sh), a corpus replayer otherwise.
        .target(name: "RoundsFuzzTargets", dependencies: ["RoundsCore", "RoundsIngest", "RoundsTerminal"], path: "Fuzz/Targets"),
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
        .executableTarget(name: "rounds-fuzz", dependencies: ["RoundsFuzzTargets", "CFuzzDriver"], path: "Fuzz/Runner"),
        .testTarget(name: "RoundsCoreTests", dependencies: ["RoundsCore", "RoundsIngest"]),
        .testTarget(name: "RoundsIngestTests", dependencies: ["RoundsIngest"]),
        .testTarget(name: "RoundsConfigTests", dependencies: ["RoundsConfig"]),
        .testTarget(name: "RoundsStoreTests", dependencies: ["RoundsStore", "RoundsConfig"]),
        .testTarget(name: "RoundsCLITests", dependencies: ["RoundsCore", "RoundsStore"]),
        .testTarget(
            name: "RoundsSummaryTests",
            dependencies: ["RoundsSummary", "RoundsStore", "RoundsCore", .product(name: "CSV", package: "CSV.swift")],
            exclude: ["Golden"]
        ),
        .testTarget(name: "RoundsTerminalTests", dependencies: ["RoundsTerminal", "CNcursesw"]),
        .testTarget(name: "RoundsTUITests", dependencies: ["RoundsTUI", "RoundsTerminal", "RoundsStore", "RoundsConfig", "RoundsCore", "RoundsSummary"]),
        .testTarget(name: "RoundsReliabilityTests", dependencies: [
            "RoundsCore", "RoundsIngest", "RoundsStore", "RoundsTerminal", "RoundsTUI", "RoundsConfig", "RoundsFuzzTargets",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
