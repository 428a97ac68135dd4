/// The bodies of `POST /jobs/:id/savepoints` and `POST /jobs/:id/stop`, holding only the fields
/// the cluster's version knows (1.12–1.19 reject unknown fields, as for the run body).
///
/// | field | 1.12–1.14 | 1.15+ |
/// |---|---|---|
/// | `target-directory` / `targetDirectory`, `cancel-job` / `drain` | yes | yes |
/// | `triggerId` (the caller's own id for the operation) | no: 400, unrecognized field | yes |
/// | `formatType` (CANONICAL, NATIVE) | no | yes; not sent: CANONICAL is the default |
///
/// Seen live by `make compat` (COMPATIBILITY.md): 1.14.6 refuses `triggerId` with 400
/// "Unrecognized field", 1.15.4 and later take it.
public enum SavepointRequest {
    /// From 1.15 the caller may name the operation: an answer lost on the way back can then be
    /// settled by polling that id instead of triggering a second savepoint.
    public static func acceptsTriggerID(_ version: FlinkVersion) -> Bool { version.atLeast(1, 15) }

    public static func savepointBody(directory: String?, triggerID: String?, version: FlinkVersion) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let directory { fields.append(("target-directory", .string(directory))) }
        fields.append(("cancel-job", false))
        if let triggerID, acceptsTriggerID(version) { fields.append(("triggerId", .string(triggerID))) }
        return .object(fields)
    }

    public static func stopBody(directory: String?, drain: Bool, triggerID: String?, version: FlinkVersion) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let directory { fields.append(("targetDirectory", .string(directory))) }
        fields.append(("drain", .bool(drain)))
        if let triggerID, acceptsTriggerID(version) { fields.append(("triggerId", .string(triggerID))) }
        return .object(fields)
    }
}
