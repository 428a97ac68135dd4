// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "submitjob",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "submitjob", targets: ["submitjob"]),
        .library(name: "SubmitJobCore", targets: ["SubmitJobCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Already under async-http-client; named because the core configures TLS and NIO itself.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        // No traits: the default one (SubprocessFoundation) would pull Foundation in.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "submitjob",
            dependencies: [
                "SubmitJobCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libyaml for config.yaml, from Debian's libyaml-dev (libyaml.a goes into the static binary).
        // Not Yams: it imports Foundation in every file, which brought ICU's 45 MB along.
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(
            name: "SubmitJobCore",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                "CLibYAML",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "SubmitJobCoreTests",
            dependencies: ["SubmitJobCore", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            resources: [.copy("Golden")]
        ),
        // Drives the release binary against real Flink clusters that scripts/test.sh starts.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SubmitJobCore"]
        ),
    ]
)
