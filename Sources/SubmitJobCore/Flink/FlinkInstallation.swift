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
    /// That jar's path.
    public var versionJar: String?
    public var configuration: FlinkConfiguration
    /// Why the configuration file could not be read. Kept, not thrown: it matters only when the
    /// endpoint has to come from the file (an explicit --flink must not fail on a broken file).
    public var configurationError: SubmitJobError?
    /// Things a person should know about the choice (a file that was present but not read).
    public var notes: [String]

    public static let defaultHome = "/opt/flink"

    public static func locate(home: Choice, confDir explicitConfDir: Choice?, fileSystem: some FileSystem) throws(SubmitJobError) -> FlinkInstallation {
        let homePath = PlanBuilder.trimmedRoot(home.value)
        // A folder given by flag must be there; the environment's and the default may be absent
        // (a REST-only machine has no Flink).
        if home.from.hasPrefix("--"), fileSystem.entries(of: homePath) == nil {
            throw SubmitJobError(.missingFile, "the Flink home \(homePath) does not exist (\(home.from))", context: [("path", .string(homePath))])
        }
        let confDir = explicitConfDir.map { Choice(PlanBuilder.trimmedRoot($0.value), from: $0.from) } ?? Choice(homePath + "/conf", from: "\(home.from) + /conf")
        let distJar = fileSystem.entries(of: homePath + "/lib")?.lazy.compactMap { name in FlinkVersion(distJarName: name).map { (name, $0) } }.first
        let version = distJar?.1
        let names = fileSystem.entries(of: confDir.value)
        if names == nil, explicitConfDir?.from.hasPrefix("--") == true {
            throw SubmitJobError(.missingFile, "the Flink configuration folder \(confDir.value) does not exist (\(confDir.from))", context: [("path", .string(confDir.value))])
        }
        let hasLegacy = names?.contains(FlinkConfiguration.Dialect.legacy.rawValue) ?? false
        let hasStandard = names?.contains(FlinkConfiguration.Dialect.standard.rawValue) ?? false
        var notes: [String] = []
        var configuration = FlinkConfiguration()
        var configurationError: SubmitJobError?
        if let dialect = FlinkConfiguration.dialect(hasLegacy: hasLegacy, hasStandard: hasStandard, version: version) {
            let path = "\(confDir.value)/\(dialect.rawValue)"
            do {
                configuration = try read(path, dialect: dialect, fileSystem: fileSystem)
            } catch {
                configurationError = error
                notes.append(error.message)
            }
            if hasLegacy, hasStandard {
                let other = dialect == .legacy ? FlinkConfiguration.Dialect.standard : .legacy
                notes.append("\(confDir.value) holds both files; Flink \(version?.text ?? "1.x (version unknown)") reads \(dialect.rawValue), so \(other.rawValue) was not read")
            }
        } else if hasLegacy || hasStandard {
            let present = hasLegacy ? FlinkConfiguration.Dialect.legacy : .standard
            notes.append("\(confDir.value)/\(present.rawValue) was not read: Flink \(version?.text ?? "") does not read that file")
        }
        return FlinkInstallation(home: Choice(homePath, from: home.from), confDir: confDir, version: version,
            versionJar: distJar.map { "\(homePath)/lib/\($0.0)" }, configuration: configuration,
            configurationError: configurationError, notes: notes)
    }

    static func read(_ path: String, dialect: FlinkConfiguration.Dialect, fileSystem: some FileSystem) throws(SubmitJobError) -> FlinkConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.read(path, limit: 16 << 20)
        } catch {
            throw SubmitJobError(.configuration, "cannot read \(path): \(error.message)", context: [("file", .string(path))])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SubmitJobError(.configuration, "\(path) is not UTF-8 text", context: [("file", .string(path))])
        }
        return dialect == .legacy ? FlinkConfiguration.parseLegacy(text, file: path) : try FlinkConfiguration.parseStandard(text, file: path)
    }

    public var launcher: String { FlinkCLI.launcher(flinkHome: home.value) }
}
