/// The local Flink that `bin/flink` and the configuration come from, found the way Flink's
/// scripts find them: the home from `--flink-home`, `$FLINK_HOME`, else `/opt/flink`; the
/// configuration from `--flink-conf-dir`, `$FLINK_CONF_DIR`, else `<home>/conf`.
public struct FlinkInstallation: Sendable {
    /// A value and what decided it ("--flink-home", "$FLINK_HOME", "default").
    public struct Choice: Sendable, Equatable {
        public var value: String
        public var from: String

        public init(_ value: String, from: String) {
            self.value = value
            self.from = from
        }
    }

    public var home: Choice
    public var confDir: Choice
    /// From `<home>/lib/flink-dist*.jar`; nil when there is no such jar.
    public var version: FlinkVersion?
    public var configuration: FlinkConfiguration
    /// Things a person should know about the choice (a file that was present but not read).
    public var notes: [String]

    public static let defaultHome = "/opt/flink"

    public static func locate(home: Choice, confDir explicitConfDir: Choice?, fileSystem: some FileSystem) throws(SubmitJobError) -> FlinkInstallation {
        let homePath = PlanBuilder.trimmedRoot(home.value)
        let confDir = explicitConfDir.map { Choice(PlanBuilder.trimmedRoot($0.value), from: $0.from) } ?? Choice(homePath + "/conf", from: "\(home.from) + /conf")
        let version = fileSystem.entries(of: homePath + "/lib")?.lazy.compactMap { FlinkVersion(distJarName: $0) }.first
        let names = fileSystem.entries(of: confDir.value)
        if names == nil, explicitConfDir?.from.hasPrefix("--") == true {
            throw SubmitJobError(.missingFile, "the Flink configuration folder \(confDir.value) does not exist (\(confDir.from))", context: [("path", .string(confDir.value))])
        }
        let hasLegacy = names?.contains(FlinkConfiguration.Dialect.legacy.rawValue) ?? false
        let hasStandard = names?.contains(FlinkConfiguration.Dialect.standard.rawValue) ?? false
        var notes: [String] = []
        var configuration = FlinkConfiguration()
        if let dialect = FlinkConfiguration.dialect(hasLegacy: hasLegacy, hasStandard: hasStandard, version: version) {
            let path = "\(confDir.value)/\(dialect.rawValue)"
            let bytes = try fileSystem.read(path, limit: 16 << 20)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SubmitJobError(.configuration, "\(path) is not UTF-8 text", context: [("file", .string(path))])
            }
            configuration = dialect == .legacy ? FlinkConfiguration.parseLegacy(text, file: path) : try FlinkConfiguration.parseStandard(text, file: path)
            if hasLegacy, hasStandard {
                let other = dialect == .legacy ? FlinkConfiguration.Dialect.standard : .legacy
                notes.append("\(confDir.value) holds both files; Flink \(version?.text ?? "1.x (version unknown)") reads \(dialect.rawValue), so \(other.rawValue) was not read")
            }
        } else if hasLegacy || hasStandard {
            let present = hasLegacy ? FlinkConfiguration.Dialect.legacy : .standard
            notes.append("\(confDir.value)/\(present.rawValue) was not read: Flink \(version?.text ?? "") does not read that file")
        }
        return FlinkInstallation(home: Choice(homePath, from: home.from), confDir: confDir, version: version, configuration: configuration, notes: notes)
    }

    public var launcher: String { FlinkCLI.launcher(flinkHome: home.value) }
}
