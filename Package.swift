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
    ],
    targets: [
        // Pure domain logic: items, triage, SLA. No I/O, no clock reads.
        .target(
            name: "RoundsCore",
            resources: [.copy("Resources/lexicon")]
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
            dependencies: ["RoundsCore", "RoundsIngest", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Resources/sample-items.jsonl")]
        ),
        .executableTarget(
            name: "rounds",
            dependencies: [
                "RoundsCore", "RoundsIngest", "RoundsConfig", "RoundsStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Release-mode benchmarks: `swift run -c release rounds-bench [--quick]`. Never run by `swift test`.
        .executableTarget(name: "rounds-bench", dependencies: ["RoundsCore", "RoundsIngest", "RoundsStore"]),
        .testTarget(name: "RoundsCoreTests", dependencies: ["RoundsCore", "RoundsIngest"]),
        .testTarget(name: "RoundsIngestTests", dependencies: ["RoundsIngest"]),
        .testTarget(name: "RoundsConfigTests", dependencies: ["RoundsConfig"]),
        .testTarget(name: "RoundsStoreTests", dependencies: ["RoundsStore", "RoundsConfig"]),
        .testTarget(name: "RoundsCLITests", dependencies: ["RoundsCore", "RoundsStore"]),
    ]
)
