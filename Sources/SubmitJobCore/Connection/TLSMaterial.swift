import NIOSSL

/// Turns `TLSSettings` into swift-nio-ssl's configuration: PEM files and PKCS#12 key stores
/// natively, everything else through keytool, as Flink would read the same files. A store
/// neither way can read is a configuration error (78) that says how to convert it; a TLS
/// setting is never dropped in favour of a plain or less verified connection.
public enum TLSMaterial {
    static let storeSizeLimit = 4 << 20

    public static func configuration(for settings: TLSSettings, fileSystem: some FileSystem, keyTool: any KeyTool, cache: TruststoreCache? = nil,
                                      deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch settings.trust {
        case .system:
            break
        case .anything:
            tls.certificateVerification = .none
        case .certificates(let paths):
            var roots: [NIOSSLCertificate] = []
            for path in paths { roots += try certificates(inPEM: try fileSystem.read(path, limit: storeSizeLimit), from: path, what: "--ca-cert") }
            tls.trustRoots = .certificates(roots)
        case .store(let store):
            tls.trustRoots = .certificates(try await trustedCertificates(in: store, fileSystem: fileSystem, keyTool: keyTool, cache: cache, deadline: deadline))
        }
        if !settings.verifyHostname, tls.certificateVerification == .fullVerification {
            tls.certificateVerification = .noHostnameVerification
        }
        switch settings.identity {
        case .none:
            break
        case .pem(let certificatePath, let keyPath):
            let chain = try certificates(inPEM: try fileSystem.read(certificatePath, limit: storeSizeLimit), from: certificatePath, what: "--client-cert")
            let keyBytes = try fileSystem.read(keyPath, limit: storeSizeLimit)
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: keyBytes, format: .pem))
            } catch {
                throw SubmitJobError(.configuration, "--client-key \(keyPath) is not an unencrypted PEM private key (decrypt it with `openssl pkey -in KEY -out KEY.pem`)",
                    context: [("path", .string(keyPath))])
            }
            tls.certificateChain = chain.map { .certificate($0) }
        case .store(let store):
            let bundle = try await keyBundle(in: store, fileSystem: fileSystem, keyTool: keyTool, deadline: deadline)
            tls.certificateChain = bundle.certificateChain.map { .certificate($0) }
            tls.privateKey = .privateKey(bundle.privateKey)
        }
        return tls
    }

    static func trustedCertificates(in store: TLSSettings.Store, fileSystem: some FileSystem, keyTool: any KeyTool, cache: TruststoreCache? = nil,
                                    deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> [NIOSSLCertificate] {
        let bytes = try readStore(store, fileSystem: fileSystem)
        if KeyStoreFile(bytes) == .pkcs12WithKey, let bundle = nativeBundle(bytes, store: store) {
            return bundle.certificateChain
        }
        let key = TruststoreCache.key(storeBytes: bytes, password: store.password, type: store.type)
        if let pem = cache?.certificatesPEM(forKey: key), let found = try? certificates(inPEM: Array(pem.utf8), from: store.path, what: store.key) {
            return found
        }
        let pem = try await keyTool.certificates(of: store, deadline: deadline)
        let found = try certificates(inPEM: Array(pem.utf8), from: store.path, what: store.key)
        // Only the certificates of keytool's listing (no aliases, no dates).
        cache?.remember(pemBlocks(pem).map { $0 + "\n" }.joined(), forKey: key)
        return found
    }

    /// The `-----BEGIN CERTIFICATE-----` ... `-----END CERTIFICATE-----` blocks of a text.
    static func pemBlocks(_ text: String) -> [Substring] {
        var blocks: [Substring] = []
        var rest = Substring(text)
        while let begin = rest.firstRange(of: "-----BEGIN CERTIFICATE-----"), let end = rest[begin.upperBound...].firstRange(of: "-----END CERTIFICATE-----") {
            blocks.append(rest[begin.lowerBound..<end.upperBound])
            rest = rest[end.upperBound...]
        }
        return blocks
    }

    static func keyBundle(in store: TLSSettings.Store, fileSystem: some FileSystem, keyTool: any KeyTool,
                          deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> NIOSSLPKCS12Bundle {
        let bytes = try readStore(store, fileSystem: fileSystem)
        if KeyStoreFile(bytes) == .pkcs12WithKey, let bundle = nativeBundle(bytes, store: store) {
            return bundle
        }
        let converted = try await keyTool.pkcs12(of: store, deadline: deadline)
        guard KeyStoreFile(converted) == .pkcs12WithKey, let bundle = nativeBundle(converted, store: TLSSettings.Store(path: store.path, password: store.password, key: store.key)) else {
            throw unreadable(store, because: "it holds no private key to present as the client certificate")
        }
        return bundle
    }

    /// Only called on a PKCS#12 outline that shows a key bag: swift-nio-ssl ends the process on one without.
    static func nativeBundle(_ bytes: [UInt8], store: TLSSettings.Store) -> NIOSSLPKCS12Bundle? {
        var passwords = [store.password]
        if let key = store.keyPassword, key != store.password { passwords.append(key) }
        for password in passwords {
            if let bundle = try? NIOSSLPKCS12Bundle(buffer: bytes, passphrase: Array(password.utf8)) { return bundle }
        }
        return nil
    }

    static func readStore(_ store: TLSSettings.Store, fileSystem: some FileSystem) throws(SubmitJobError) -> [UInt8] {
        do {
            return try fileSystem.read(store.path, limit: storeSizeLimit)
        } catch {
            throw SubmitJobError(error.code, "\(store.key) \(store.path): \(error.message)", context: [("path", .string(store.path))])
        }
    }

    /// Every certificate in a PEM text (other lines, like keytool's, are skipped).
    static func certificates(inPEM bytes: [UInt8], from path: String, what: String) throws(SubmitJobError) -> [NIOSSLCertificate] {
        var found: [NIOSSLCertificate] = []
        for block in pemBlocks(String(decoding: bytes, as: UTF8.self)) {
            guard let certificate = try? NIOSSLCertificate(bytes: Array(block.utf8), format: .pem) else {
                throw SubmitJobError(.configuration, "\(what) \(path): a PEM certificate in it cannot be read", context: [("path", .string(path))])
            }
            found.append(certificate)
        }
        guard !found.isEmpty else {
            throw SubmitJobError(.configuration, "\(what) \(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)", context: [("path", .string(path))])
        }
        return found
    }

    static func unreadable(_ store: TLSSettings.Store, because reason: String) -> SubmitJobError {
        SubmitJobError(.configuration,
            "cannot read \(store.key) \(store.path): \(reason). Convert it to PKCS#12 with `keytool -importkeystore -srckeystore \(store.path) -destkeystore \(store.path).p12 -deststoretype PKCS12`, or give the certificates as PEM (--ca-cert, --client-cert/--client-key)",
            context: [("path", .string(store.path))])
    }
}

extension AsyncHTTPClientTransport {
    /// The transport for one connection: its TLS material loaded (for an https address only:
    /// an http one needs none, and must not fail on a store it will not use) and its headers set.
    public static func connecting(to connection: FlinkConnection, fileSystem: some FileSystem, keyTool: any KeyTool, cache: TruststoreCache? = nil,
                                  deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> AsyncHTTPClientTransport {
        var tls = TLSConfiguration.makeClientConfiguration()
        if connection.usesTLS {
            tls = try await TLSMaterial.configuration(for: connection.tls, fileSystem: fileSystem, keyTool: keyTool, cache: cache, deadline: deadline)
        }
        return AsyncHTTPClientTransport(tls: tls, headers: connection.credentials.requestHeaders)
    }
}
