/// The job-control part of Flink's REST API: reading a job, cancelling it, savepoints, jars.
extension FlinkRESTClient {
    /// A row of `GET /jobs/overview`.
    public struct JobSummary: Sendable, Equatable {
        public var id: String
        public var name: String
        public var state: String
        /// Epoch milliseconds; nil when not started.
        public var startTime: Int?
        public var endTime: Int?
    }

    /// The state of an asynchronous savepoint or stop operation.
    public enum SavepointOperationState: Sendable, Equatable {
        case inProgress
        case completed(location: String)
        /// Flink's whole trace of why it failed.
        case failed(trace: String)
    }

    /// `GET /jobs/:id`, or nil when Flink does not know the job.
    public func jobDetails(id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> JSONValue? {
        try await optionalJSON(.get, "/jobs/\(id)", deadline: deadline)
    }

    /// `GET /jobs/:id/<part>` (accumulators, checkpoints, exceptions), or nil when there is none.
    public func jobPart(id: String, _ part: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> JSONValue? {
        try await optionalJSON(.get, "/jobs/\(id)/\(part)", deadline: deadline)
    }

    public func jobsOverview(deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> [JobSummary] {
        let json = try json(try expectSuccess(await send(.get, "/jobs/overview", deadline: deadline), "GET /jobs/overview"), "GET /jobs/overview")
        guard case .array(let jobs)? = json["jobs"] else {
            throw SubmitJobError(.unexpectedResponse, "Flink answered GET /jobs/overview without a jobs list")
        }
        return jobs.compactMap { job in
            guard let id = job["jid"]?.stringValue, let state = job["state"]?.stringValue else { return nil }
            return JobSummary(id: id, name: job["name"]?.stringValue ?? "", state: state,
                              startTime: JobStatus.time(job["start-time"]), endTime: JobStatus.time(job["end-time"]))
        }
    }

    /// `PATCH /jobs/:id?mode=cancel`, answered as is: the caller knows what a refusal means.
    public func cancel(id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> HTTPResponse {
        try await send(.patch, "/jobs/\(id)?mode=cancel", deadline: deadline)
    }

    /// `POST /jobs/:id/savepoints` or `/stop`; returns Flink's trigger id for the operation.
    public func trigger(_ operation: String, id: String, body: JSONValue, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> String {
        let call = "POST /jobs/\(id)/\(operation)"
        let response = try await send(.post, "/jobs/\(id)/\(operation)", body: .json(body.serialized()), deadline: deadline)
        let json = try json(try expectSuccess(response, call), call)
        guard let trigger = json["request-id"]?.stringValue, !trigger.isEmpty else {
            throw SubmitJobError(.unexpectedResponse, "Flink answered \(call) without a request-id")
        }
        return trigger
    }

    /// `GET /jobs/:id/savepoints/:trigger` (stop operations are polled there too); nil when Flink
    /// does not know the trigger (results are kept 5 minutes, and not across a restart).
    public func savepointOperation(id: String, trigger: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> SavepointOperationState? {
        guard let json = try await optionalJSON(.get, "/jobs/\(id)/savepoints/\(trigger)", deadline: deadline) else { return nil }
        switch json["status"]?["id"]?.stringValue {
        case "IN_PROGRESS":
            return .inProgress
        case "COMPLETED":
            let operation = json["operation"]
            if let location = operation?["location"]?.stringValue { return .completed(location: location) }
            let cause = operation?["failure-cause"]
            return .failed(trace: cause?["stack-trace"]?.stringValue ?? cause?["class"]?.stringValue ?? "no reason given")
        default:
            throw SubmitJobError(.unexpectedResponse, "Flink answered GET /jobs/\(id)/savepoints/\(trigger) without a status")
        }
    }

    public func deleteJar(id: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) {
        _ = try expectSuccess(await send(.delete, "/jars/\(id)", deadline: deadline), "DELETE /jars/\(id)")
    }

    /// A JSON answer, or nil for 404 (an unknown job, trigger or part).
    func optionalJSON(_ method: HTTPRequest.Method, _ path: String, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> JSONValue? {
        let call = "\(method.rawValue) \(path)"
        let response = try await send(method, path, deadline: deadline)
        if response.status == 404 { return nil }
        return try json(try expectSuccess(response, call), call)
    }
}
