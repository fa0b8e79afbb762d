// swift-tools-version: 6.0
import PackageDescription

// Layering (DESIGN.md §2): arrows only point down. SidecarHTTP, SidecarSQLite, SidecarModel and
// SidecarRedis are leaves; scripts/check-imports fails the tests when an import breaks the layering.
// Linux only: the event loop is epoll and the shims are Glibc's, so no Apple platform is declared.
let package = Package(
    name: "entitlement-sidecar",
    products: [
        .executable(name: "entitlement-sidecar", targets: ["entitlement-sidecar"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.0.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "SidecarSQLite", dependencies: ["CSQLite"]),
        // libcurl for calls to Stigg (TLS, proxies, keep-alive) on threads of our own; see
        // HTTPClient.swift for why not URLSession.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "SidecarHTTPClient", dependencies: ["CCurl"]),
        .target(name: "CSidecarShims"),
        .target(name: "SidecarHTTP", dependencies: ["CSidecarShims"]),
        .target(name: "SidecarModel"),
        // Our own Redis client (RESP2): no Swift Redis client is on the package mirror.
        .target(name: "SidecarRedis"),
        // The fleet tier (DESIGN.md §13): shared states, leases, change stream, shared budget.
        .target(name: "SidecarFleet", dependencies: ["SidecarRedis", "SidecarModel", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SidecarCache", dependencies: ["SidecarModel", "SidecarSQLite"]),
        .target(name: "SidecarConfig"),
        .target(name: "SidecarUpstream", dependencies: ["SidecarHTTPClient", "SidecarModel"]),
        .target(
            name: "SidecarSync",
            dependencies: ["SidecarFleet", "SidecarUpstream", "SidecarCache", "SidecarModel", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SidecarApp",
            dependencies: [
                "SidecarHTTP", "SidecarSync", "SidecarFleet", "SidecarUpstream", "SidecarCache", "SidecarModel", "SidecarConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // Already built for swift-prometheus; the request-latency histogram uses it.
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .executableTarget(
            name: "entitlement-sidecar",
            dependencies: [
                "SidecarApp", "SidecarConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A fake Stigg REST API for tests and local runs (not part of the sidecar).
        .target(name: "FakeStigg", dependencies: ["SidecarHTTP", "SidecarHTTPClient", "SidecarModel"]),
        .executableTarget(
            name: "fake-stigg",
            dependencies: ["FakeStigg", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Shared by the test targets: raw socket client, process runner, temp dirs.
        .target(name: "SidecarTestSupport", path: "Tests/SidecarTestSupport"),
        .testTarget(name: "SidecarHTTPTests", dependencies: ["SidecarHTTP", "SidecarHTTPClient", "SidecarModel", "SidecarTestSupport"]),
        .testTarget(name: "SidecarUpstreamTests", dependencies: ["SidecarUpstream", "SidecarModel", "FakeStigg"]),
        .testTarget(name: "SidecarSQLiteTests", dependencies: ["SidecarSQLite"]),
        .testTarget(name: "SidecarRedisTests", dependencies: ["SidecarRedis", "SidecarTestSupport"]),
        .testTarget(name: "SidecarCacheTests", dependencies: ["SidecarCache", "SidecarModel", "SidecarApp", "SidecarTestSupport"]),
        .testTarget(
            name: "SidecarSyncTests",
            dependencies: ["SidecarSync", "SidecarApp", "SidecarUpstream", "SidecarCache", "SidecarModel", "FakeStigg", "SidecarTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "FakeStiggTests", dependencies: ["FakeStigg", "SidecarModel", "SidecarHTTP", "SidecarHTTPClient", "SidecarTestSupport"]),
        .testTarget(name: "SidecarConfigTests", dependencies: ["SidecarConfig", "SidecarTestSupport"]),
        .testTarget(
            name: "SidecarFleetTests",
            dependencies: ["SidecarFleet", "SidecarRedis", "SidecarApp", "SidecarConfig", "SidecarModel", "SidecarTestSupport", "FakeStigg", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SidecarAppTests",
            dependencies: ["SidecarApp", "SidecarHTTP", "SidecarConfig", "SidecarCache", "SidecarModel", "SidecarTestSupport", "FakeStigg"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
