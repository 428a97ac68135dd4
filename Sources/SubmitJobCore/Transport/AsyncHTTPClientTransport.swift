import AsyncHTTPClient
import Crypto
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The real transport: async-http-client over SwiftNIO (no Foundation networking, so the binary links statically).
public final class AsyncHTTPClientTransport: HTTPTransport {
    /// Bound on a response body: Flink's answers are small; a huge one is garbage, not a reason to grow.
    static let maxResponseBytes = 16 << 20
    /// How long past a deadline a stalled body may keep a call open (part of the documented grace).
    static let deadlineMargin: Duration = .milliseconds(250)
    private let client: HTTPClient
    private let tls: TLSConfiguration
    private let headers: [(String, String)]

    /// `tls`: what https URLs are verified with and present (default: the system's CAs, no client
    /// certificate). `headers` go on every request (a gateway's credentials).
    public init(tls: TLSConfiguration = .makeClientConfiguration(), headers: [(String, String)] = []) {
        self.tls = tls
        self.headers = headers
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // The client retries a refused connection until this passes: long enough to ride out a JobManager
        // restart, short enough that a wrong address is reported promptly (exit 69).
        configuration.timeout.connect = .seconds(5)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(_ request: HTTPRequest, deadline: ContinuousClock.Instant) async throws -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        outgoing.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { outgoing.headers.add(name: name, value: value) }
        switch request.body {
        case .none:
            break
        case .json(let text):
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(string: text))
        case .file(let field, let fileName, let path, let sha256, let progress):
            let upload = try MultipartFileUpload(field: field, fileName: fileName, path: path, sha256: sha256, progress: progress)
            outgoing.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(upload.boundary)")
            outgoing.body = .stream(upload, length: .known(upload.length))
        }

        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { throw TransportError.timedOut }
        let client = self.client
        let tls = self.tls
        let prepared = outgoing
        // The client's own deadline stops at the response head; the race also bounds the body.
        return try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
            group.addTask {
                do {
                    let nanos = Int64(remaining.components.seconds) * 1_000_000_000 + remaining.components.attoseconds / 1_000_000_000
                    let response = try await client.execute(prepared, deadline: .now() + .nanoseconds(nanos))
                    let body = try await response.body.collect(upTo: Self.maxResponseBytes)
                    var kept: [String: String] = [:]
                    for name in ["WWW-Authenticate", "Location"] {
                        if let value = response.headers.first(name: name) { kept[name.lowercased()] = value }
                    }
                    return HTTPResponse(status: Int(response.status.code), body: Array(buffer: body), headers: kept)
                } catch {
                    let mapped = Self.transportError(error, url: request.url, presented: !tls.certificateChain.isEmpty)
                    if case .tls(let reason) = mapped, reason == TLSDiagnosis.verificationFailed {
                        throw TransportError.tls(await TLSDiagnosis.whyUntrusted(url: request.url, tls: tls, deadline: deadline))
                    }
                    throw mapped
                }
            }
            group.addTask {
                // A moment after the client's own deadline, which, for a request still waiting for
                // a connection, reports why none came (a name that does not resolve, refused): that
                // is "unreachable", not "timed out".
                try await Task.sleep(until: deadline + Self.deadlineMargin, clock: .continuous)
                throw TransportError.timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TransportError.timedOut }
            return first
        }
    }

    static func transportError(_ error: any Error, url: String, presented: Bool) -> TransportError {
        if let error = error as? TransportError { return error }
        if error is CancellationError { return .timedOut }
        if let reason = TLSDiagnosis.reason(for: error, host: TLSDiagnosis.hostAndPort(url)?.0 ?? url, presented: presented) { return .tls(reason) }
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout, .cancelled].contains(error) { return .timedOut }
            if error == .connectTimeout { return .unreachable("connection timed out") }
            if error == .remoteConnectionClosed { return .failed("the server closed the connection") }
            if [.invalidURL, .emptyHost, .emptyScheme].contains(error) { return .unreachable("invalid URL (\(error))") }
            return .failed(String(describing: error))
        }
        if error is NIOTooManyBytesError {
            return .failed("the response was larger than \(maxResponseBytes) bytes")
        }
        if let error = error as? NIOConnectionError {
            return .unreachable(describe(error.connectionErrors.first?.error ?? error))
        }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) {
            return .unreachable(describe(error))
        }
        if let error = error as? SocketAddressError {
            return .unreachable("host not found (\(error))")
        }
        return .failed(describe(error))
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return String(describing: error)
    }
}

/// A multipart body of one file part, read from disk chunk by chunk as the connection asks for it.
struct MultipartFileUpload: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    static let chunkSize = 256 << 10

    let boundary: String
    let head: String
    let tail: String
    let path: String
    let fileSize: Int64
    let expectedSHA256: String?
    let progress: (@Sendable (Int64, Int64) -> Void)?
    var length: Int64 { Int64(head.utf8.count) + fileSize + Int64(tail.utf8.count) }

    init(field: String, fileName: String, path: String, sha256: String? = nil, progress: (@Sendable (Int64, Int64) -> Void)? = nil) throws {
        self.progress = progress
        self.expectedSHA256 = sha256
        var generator = SystemRandomNumberGenerator()
        boundary = "submitjob-" + String(generator.next(), radix: 16) + String(generator.next(), radix: 16)
        head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\nContent-Type: application/java-archive\r\n\r\n"
        tail = "\r\n--\(boundary)--\r\n"
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else { throw TransportError.failed("cannot read \(path): \(String(cString: strerror(errno)))") }
        fileSize = Int64(info.st_size)
    }

    func makeAsyncIterator() -> Iterator { Iterator(upload: self) }

    struct Iterator: AsyncIteratorProtocol {
        let upload: MultipartFileUpload
        var stage = 0
        var file: OpenFile?
        var sent: Int64 = 0
        var hasher = SHA256()

        mutating func next() async throws -> ByteBuffer? {
            switch stage {
            case 0:
                stage = 1
                file = try OpenFile(path: upload.path)
                return ByteBuffer(string: upload.head)
            case 1:
                guard let file else { return nil }
                var buffer = ByteBuffer()
                let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: MultipartFileUpload.chunkSize) { raw in
                    read(file.fd, raw.baseAddress, MultipartFileUpload.chunkSize)
                }
                if count < 0 { throw TransportError.failed("reading \(upload.path) failed") }
                if count > 0 {
                    if upload.expectedSHA256 != nil { buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
                    sent += Int64(count)
                    upload.progress?(sent, upload.fileSize)
                    return buffer
                }
                self.file = nil
                stage = 2
                // The length was announced up front; a file that changed size would corrupt the upload.
                guard sent == upload.fileSize else { throw TransportError.sourceChanged("\(upload.path) changed size during the upload") }
                // The tail is what makes the part whole: without it Flink stores nothing.
                if let expected = upload.expectedSHA256 {
                    let digest = hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
                    guard digest == expected else {
                        throw TransportError.sourceChanged("\(upload.path) changed during the upload (its bytes hash to \(digest.prefix(16)), not \(expected.prefix(16)))")
                    }
                }
                return ByteBuffer(string: upload.tail)
            default:
                return nil
            }
        }
    }

    /// Closes the descriptor however the upload ends (done, failed or cancelled).
    final class OpenFile {
        let fd: Int32
        init(path: String) throws {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw TransportError.failed("cannot open \(path): \(String(cString: strerror(errno)))") }
        }
        deinit { close(fd) }
    }
}
