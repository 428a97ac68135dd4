import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Names the cause of a failed TLS handshake. BoringSSL reports every verification failure as
/// one CERTIFICATE_VERIFY_FAILED; to tell "expired" from "unknown CA", a second handshake
/// collects the server's certificates (without trusting them) and looks at their dates.
enum TLSDiagnosis {
    static let verificationFailed = "the server's certificate could not be verified"

    /// The reason for a TLS error, or nil when the error is not about TLS. `host`: as in the
    /// URL; `presented`: whether a client certificate was offered.
    static func reason(for error: any Error, host: String, presented: Bool) -> String? {
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's certificate does not name \(host) (it is for another host name)"
        }
        guard "\(type(of: error))".contains("NIOSSL") || error is BoringSSLError else { return nil }
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return verificationFailed }
        // Alerts the server sent about our certificate, or the lack of one (Flink's JDK sends
        // bad_certificate for none at all, certificate_unknown for one from a CA it does not trust).
        for (alert, meaning) in [("CERTIFICATE_REQUIRED", "certificate required"), ("HANDSHAKE_FAILURE", "handshake failure"),
                                 ("BAD_CERTIFICATE", "bad certificate"), ("UNKNOWN_CA", "unknown CA"), ("CERTIFICATE_UNKNOWN", "certificate unknown"),
                                 ("CERTIFICATE_EXPIRED", "certificate expired"), ("ACCESS_DENIED", "access denied")] where text.contains("ALERT_" + alert) {
            return presented
                ? "the server refused our client certificate (TLS alert: \(meaning)): it is not issued by a CA the server trusts, not meant for client authentication, or expired"
                : "the server asks for a client certificate (TLS alert: \(meaning)): give --client-cert and --client-key, or security.ssl.rest.keystore with security.ssl.rest.authentication-enabled: true"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return "the server does not speak TLS on this port (is it http://?)"
        }
        return "TLS handshake failed: \(text)"
    }

    /// Why the server's chain was refused: expired or not yet valid (with the date), else not
    /// issued by a CA in the trust store in use.
    static func whyUntrusted(url: String, tls: TLSConfiguration, deadline: ContinuousClock.Instant) async -> String {
        guard let (host, port) = hostAndPort(url), let chain = await peerCertificates(host: host, port: port, tls: tls, deadline: deadline), let leaf = chain.first else {
            return verificationFailed + " (expired, not yet valid, or not issued by a trusted CA)"
        }
        let now = time(nil)
        for (index, certificate) in chain.enumerated() {
            let which = index == 0 ? "the server's certificate\(subject(leaf))" : "a CA certificate in the server's chain\(subject(certificate))"
            if certificate.notValidAfter < now { return "\(which) expired on \(Timestamp.iso8601(epochMilliseconds: Int64(certificate.notValidAfter) * 1000))" }
            if certificate.notValidBefore > now { return "\(which) is not valid before \(Timestamp.iso8601(epochMilliseconds: Int64(certificate.notValidBefore) * 1000))" }
        }
        return "the server's certificate\(subject(leaf)) is not issued by a CA submitjob trusts (--ca-cert, security.ssl.rest.truststore, else the system's CAs)"
    }

    private static func subject(_ certificate: NIOSSLCertificate) -> String {
        // "<NIOSSLCertificate;serial_number=...;common_name=localhost>"
        guard let range = certificate.description.firstRange(of: "common_name=") else { return "" }
        let name = certificate.description[range.upperBound...].prefix { $0 != ";" && $0 != ">" }
        return name.isEmpty ? "" : " (CN=\(name))"
    }

    static func hostAndPort(_ url: String) -> (String, Int)? {
        guard let parts = FlinkCLI.URLParts(url) else { return nil }
        return (parts.host, parts.port)
    }

    /// The chain the server presents, collected by a verification callback that accepts nothing.
    private static func peerCertificates(host: String, port: Int, tls: TLSConfiguration, deadline: ContinuousClock.Instant) async -> [NIOSSLCertificate]? {
        var probe = tls
        probe.certificateVerification = .noHostnameVerification
        guard let context = try? NIOSSLContext(configuration: probe) else { return nil }
        let seen = NIOLockedValueBox<[NIOSSLCertificate]?>(nil)
        let serverName = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
        let opened = NIOLockedValueBox<(any Channel)?>(nil)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.seconds(5))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                                seen.withLockedValue { $0 = certificates }
                                promise.succeed(NIOSSLVerificationResult.failed)
                            }
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                    }
                guard let channel = try? await bootstrap.connect(host: host, port: port).get() else { return }
                opened.withLockedValue { $0 = channel }
                try? await channel.closeFuture.get()
            }
            group.addTask { try? await Task.sleep(until: min(deadline, .now + .seconds(5)), clock: .continuous) }
            await group.next()
            // A server that never finishes the handshake must not hold the answer up.
            opened.withLockedValue { $0 }?.close(promise: nil)
            group.cancelAll()
            return seen.withLockedValue { $0 }
        }
    }
}
