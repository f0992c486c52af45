// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Pasarela",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pasarela", targets: ["pasarela"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .target(name: "PasarelaCore"),
        .target(name: "PasarelaAdapters", dependencies: [
            "PasarelaCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "PasarelaRouting", dependencies: [
            "PasarelaCore", "PasarelaAdapters",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "PasarelaStore", dependencies: [
            "PasarelaCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "PasarelaGateway", dependencies: [
            "PasarelaCore", "PasarelaAdapters", "PasarelaRouting", "PasarelaStore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "PasarelaServer", dependencies: [
            "PasarelaGateway", "PasarelaStore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "PasarelaSandbox", dependencies: [
            "PasarelaCore", "PasarelaAdapters",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PasarelaApp", dependencies: [
            "PasarelaServer", "PasarelaSandbox",
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .executableTarget(name: "pasarela", dependencies: [
            "PasarelaApp",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "PasarelaBenchmarks", dependencies: ["PasarelaApp"], path: "Benchmarks/PasarelaBenchmarks"),
        .testTarget(name: "PasarelaCoreTests", dependencies: ["PasarelaCore"]),
        .testTarget(name: "PasarelaAdaptersTests", dependencies: [
            "PasarelaAdapters", .product(name: "Crypto", package: "swift-crypto"),
        ],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PasarelaRoutingTests", dependencies: ["PasarelaRouting", "PasarelaAdapters"]),
        .target(name: "PasarelaTestSupport", dependencies: [
            "PasarelaStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/Support"),
        .testTarget(name: "PasarelaStoreTests", dependencies: [
            "PasarelaStore", "PasarelaTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "UseCaseTests", dependencies: [
            "PasarelaGateway", "PasarelaSandbox", "PasarelaStore", "PasarelaRouting", "PasarelaAdapters", "PasarelaCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "PasarelaApp", "PasarelaTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
