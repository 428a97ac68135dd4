import Synchronization

/// Reads one job's status from Flink: the job, then its counters, checkpoints and (for a failed
/// job) exceptions, asked at once. Only the job itself must answer: a part that fails leaves its
/// field empty, with a warning, rather than hiding the rest.
///
/// Flink answers every `GET /jobs/:id/...` from a copy of the job it refreshes every
/// `web.refresh-interval` (3 s): a job cancelled a moment ago still says RUNNING there. The
/// state therefore comes from a live source: `GET /jobs/:id/status` where it exists (1.16 and
/// later; 1.12–1.15 answer 404, seen live by `make compat`), else `GET /jobs/overview`.
public final class JobInspector: Sendable {
    public struct Detail: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let counters = Detail(rawValue: 1)
        public static let checkpoints = Detail(rawValue: 2)
        public static let all: Detail = [.counters, .checkpoints]
    }

    public let client: FlinkRESTClient
    /// Whether this cluster has `GET /jobs/:id/status`, once an answer told.
    private let hasStatusEndpoint = Mutex<Bool?>(nil)

    public init(client: FlinkRESTClient) {
        self.client = client
    }

    /// The job's status; `job_not_found` when Flink does not know the id.
    public func status(of id: String, detail: Detail = .all, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> (JobStatus, warnings: [String]) {
        async let live = capture { () async throws(SubmitJobError) in try await self.liveState(of: id, deadline: deadline) }
        guard let details = try await client.jobDetails(id: id, deadline: deadline) else {
            throw Self.notFound(id, client: client)
        }
        var warnings: [String] = []
        func value<T>(_ result: Result<T?, SubmitJobError>, _ what: String) throws(SubmitJobError) -> T? {
            switch result {
            case .success(let value): return value
            case .failure(let error) where error.code == .timedOut: throw error
            case .failure(let error):
                warnings.append("the job's \(what) could not be read: \(error.message)")
                return nil
            }
        }
        let liveState = try value(await live, "live state")
        let failed = details["state"]?.stringValue == "FAILED" || liveState == "FAILED"
        let client = self.client
        func part(_ name: String, _ wanted: Bool) async -> Result<JSONValue?, SubmitJobError> {
            guard wanted else { return .success(nil) }
            return await capture { () async throws(SubmitJobError) in try await client.jobPart(id: id, name, deadline: deadline) }
        }
        async let accumulators = part("accumulators", detail.contains(.counters))
        async let checkpoints = part("checkpoints", detail.contains(.checkpoints))
        async let exceptions = part("exceptions", failed)
        let status = try JobStatus.parse(details: details, liveState: liveState,
            accumulators: try value(await accumulators, "counters"),
            checkpoints: try value(await checkpoints, "checkpoints"),
            exceptions: try value(await exceptions, "exceptions"))
        return (status, warnings)
    }

    /// The status of a job that ended, once Flink's cached copy of it has caught up with the
    /// live state (at most `web.refresh-interval`, 3 s, after the end): the final counters, the
    /// savepoint of a stop and a failure's exceptions all come from that copy.
    public func settledStatus(of id: String, detail: Detail = .all, clock: JobClock, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> (JobStatus, warnings: [String]) {
        var result = try await status(of: id, detail: detail, deadline: deadline)
        while result.0.hasEnded, !result.0.isSettled, clock.now() < deadline {
            await clock.sleep(.milliseconds(250), notPast: deadline)
            result = try await status(of: id, detail: detail, deadline: deadline)
        }
        return result
    }

    /// The job's state now; nil when Flink does not know the id.
    public func liveState(of id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String? {
        if hasStatusEndpoint.withLock({ $0 }) != false {
            let response = try await client.send(.get, "/jobs/\(id)/status", deadline: deadline)
            if (200..<300).contains(response.status) {
                let json = try client.json(response, "GET /jobs/\(id)/status")
                guard let state = json["status"]?.stringValue else {
                    throw SubmitJobError(.unexpectedResponse, "Flink answered GET /jobs/\(id)/status without a status")
                }
                hasStatusEndpoint.withLock { $0 = true }
                return state
            }
            // An unknown job (1.20 and 2.x answer 500 with FlinkJobNotFoundException), or a Flink
            // without the endpoint (1.12: 404): the overview tells which.
        }
        guard let job = try await client.jobsOverview(deadline: deadline).first(where: { $0.id == id }) else { return nil }
        hasStatusEndpoint.withLock { $0 = false }
        return job.state
    }

    public static func notFound(_ id: String, client: FlinkRESTClient) -> SubmitJobError {
        SubmitJobError(.jobNotFound, "Flink at \(client.baseURL) does not know job \(id) (a JobManager without high availability forgets its jobs when it restarts)",
            context: [("jobId", .string(id))])
    }
}

private func capture<T>(_ body: () async throws(SubmitJobError) -> T) async -> Result<T, SubmitJobError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
