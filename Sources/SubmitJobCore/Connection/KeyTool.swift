#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The JRE's keytool, for the stores the native reader cannot take (JKS, JCEKS, keytool's
/// certificate-only PKCS#12). A JRE is present wherever Flink runs. Behind a protocol so the
/// loading rules are tested without spawning a JVM.
public protocol KeyTool: Sendable {
    /// The store's trusted certificates as PEM (`keytool -list -rfc`).
    func certificates(of store: TLSSettings.Store, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String
    /// The store re-written as a PKCS#12 file protected by the store's password
    /// (`keytool -importkeystore`), returned as bytes; nothing of it stays on disk.
    func pkcs12(of store: TLSSettings.Store, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> [UInt8]
}

/// keytool run as a child process. Passwords travel in the child's environment
/// (`-storepass:env`), never on its command line, which other users can read in `ps`.
public struct JREKeyTool: KeyTool {
    public let executable: String?
    let runner: any ProcessRunner

    /// `$JAVA_HOME/bin/keytool`, else the first `keytool` on `PATH`.
    public init(environment: (String) -> String?, runner: any ProcessRunner, isExecutable: (String) -> Bool) {
        var candidates: [String] = []
        if let javaHome = environment("JAVA_HOME"), !javaHome.isEmpty { candidates.append(javaHome + "/bin/keytool") }
        for dir in (environment("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            candidates.append(dir + "/keytool")
        }
        executable = candidates.first(where: isExecutable)
        self.runner = runner
    }

    static let storePasswordVariable = "SUBMITJOB_KEYTOOL_STOREPASS"
    static let keyPasswordVariable = "SUBMITJOB_KEYTOOL_KEYPASS"

    public func certificates(of store: TLSSettings.Store, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String {
        var arguments = ["-list", "-rfc", "-keystore", store.path, "-storepass:env", Self.storePasswordVariable]
        if let type = store.type { arguments += ["-storetype", type] }
        return try await run(arguments, store: store, deadline: deadline)
    }

    public func pkcs12(of store: TLSSettings.Store, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> [UInt8] {
        let directory = try PrivateDirectory()
        let target = directory.path + "/identity.p12"
        var arguments = ["-importkeystore", "-noprompt", "-srckeystore", store.path, "-srcstorepass:env", Self.storePasswordVariable,
                         "-destkeystore", target, "-deststoretype", "PKCS12", "-deststorepass:env", Self.storePasswordVariable]
        if let type = store.type { arguments += ["-srcstoretype", type] }
        if store.keyPassword != nil, store.keyPassword != store.password {
            arguments += ["-srckeypass:env", Self.keyPasswordVariable]
        }
        _ = try await run(arguments, store: store, deadline: deadline)
        do {
            return try LocalFileSystem().read(target, limit: TLSMaterial.storeSizeLimit)
        } catch {
            throw SubmitJobError(.configuration, "keytool did not write a PKCS#12 copy of \(store.path)")
        }
    }

    private func run(_ arguments: [String], store: TLSSettings.Store, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String {
        guard let executable else {
            throw TLSMaterial.unreadable(store, because: "submitjob reads only PKCS#12 files holding a private key by itself (this is JKS, a certificate-only or an undecryptable PKCS#12), and no keytool was found ($JAVA_HOME/bin, PATH) to read it")
        }
        var environment: [String: String?] = [Self.storePasswordVariable: store.password]
        if let key = store.keyPassword { environment[Self.keyPasswordVariable] = key }
        // A short JVM run: start-up matters more than peak speed. Java's messages in English
        // whatever the locale, so they read the same in every log.
        let jvm = ["-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Duser.language=en"]
        let outcome = try await runner.run(ProcessCommand(executable: executable, arguments: jvm + arguments, environment: environment, outputLimit: 1 << 20), deadline: deadline)
        switch outcome.termination {
        case .exited(0):
            return outcome.standardOutput
        case .timedOut:
            throw SubmitJobError(.timedOut, "keytool did not read \(store.path) before the deadline")
        default:
            let said = (outcome.standardOutput + "\n" + outcome.standardError).split(separator: "\n")
                .first { $0.contains("keytool error") }.map { String($0.trimmingWhitespace) } ?? "keytool failed"
            throw TLSMaterial.unreadable(store, because: said)
        }
    }
}

/// A 0700 folder under $TMPDIR, removed with everything in it when the value goes away.
final class PrivateDirectory {
    let path: String

    init() throws(SubmitJobError) {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/submitjob-tls.XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SubmitJobError(.internal, "cannot make a private folder under \(base): \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != ".", name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}
