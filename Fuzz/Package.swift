// swift-tools-version:6.1
// libFuzzer harnesses for what submitjob reads from untrusted text. A package of its own so the
// instrumented build (-sanitize=fuzzer) lives in Fuzz/.build, apart from the product's. Run
// through scripts/fuzz.sh. Foundation is allowed here only: these binaries are never shipped.
import PackageDescription

let targets = ["FuzzJSON", "FuzzSQL", "FuzzFlinkConfig", "FuzzArguments"]

let package = Package(
    name: "SubmitJobFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "submitjob", path: "..")],
    targets: [.target(name: "FuzzDriver")] + targets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzDriver", .product(name: "SubmitJobCore", package: "submitjob")])
    }
)
