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
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
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
        .target(
            name: "SubmitJobCore",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "SubmitJobCoreTests",
            dependencies: ["SubmitJobCore"],
            resources: [.copy("Golden")]
        ),
        // Drives the release binary against real Flink clusters that scripts/test.sh starts.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SubmitJobCore"]
        ),
    ]
)
