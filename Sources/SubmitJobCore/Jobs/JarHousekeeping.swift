/// Which of the cluster's jars submitjob uploaded, and which of those `jars prune` removes.
/// Only `chunjun-core-<16 hex>.jar` and `chunjun-bundle-<16 hex>.jar` uploads are ever touched;
/// the jars of other tools stay. Core jars and bundles are counted apart: one plugin set's
/// bundle does not replace another's, so more of them stay by default.
///
/// Flink does not say which upload a job was started from (no endpoint names it on 1.12.5,
/// 1.20.3 or 2.2.1), and need not: the jar went to its blob server when the job started, so a
/// running job never notices its upload being deleted (seen live on all three).
public enum JarHousekeeping {
    /// What `jars prune` decided, before (or after) it acts.
    public struct Pruning: Sendable, Equatable {
        public var delete: [FlinkRESTClient.Jar]
        public var keep: [FlinkRESTClient.Jar]
    }

    /// An upload of submitjob's: a name `RESTSubmitter.jarName` or `PluginBundle.name` gives.
    public static func isOurs(_ name: String) -> Bool { kind(of: name) != nil }

    /// "core" or "bundle" for submitjob's uploads.
    public static func kind(of name: String) -> String? {
        if RESTSubmitter.isJarName(name) { return "core" }
        if PluginBundle.isName(name) { return "bundle" }
        return nil
    }

    /// Keeps the `keep` most recently uploaded core jar names and the `keepBundles` most recent
    /// bundle names, each in its earliest copy (the one submissions use, `FlinkRESTClient.jar(named:)`);
    /// deletes every other copy of ours: older versions, and duplicates that concurrent
    /// submitters uploaded. Both lists come newest first.
    public static func prune(_ jars: [FlinkRESTClient.Jar], keep: Int, keepBundles: Int) -> Pruning {
        let ours = jars.filter { isOurs($0.name) }.sorted { ($0.uploaded, $0.id) > ($1.uploaded, $1.id) }
        var keptNames: [String: [String]] = [:]
        for jar in ours {
            let kind = kind(of: jar.name) ?? ""
            let limit = kind == "bundle" ? keepBundles : keep
            if !(keptNames[kind] ?? []).contains(jar.name), (keptNames[kind] ?? []).count < limit {
                keptNames[kind, default: []].append(jar.name)
            }
        }
        let kept = Set(keptNames.values.joined())
        // The earliest copy of each kept name: `ours` is newest first, so its last copy.
        let earliest = Set(kept.compactMap { name in ours.last { $0.name == name }?.id })
        return Pruning(delete: ours.filter { !earliest.contains($0.id) }, keep: ours.filter { earliest.contains($0.id) })
    }

    public static func fields(_ jar: FlinkRESTClient.Jar) -> JSONValue {
        .object([
            ("id", .string(jar.id)),
            ("name", .string(jar.name)),
            ("uploaded", Timestamp.json(epochMilliseconds: Int(jar.uploaded))),
            ("submitjob", .bool(isOurs(jar.name))),
            ("kind", kind(of: jar.name).map { .string($0) } ?? .null),
        ])
    }
}

extension JarHousekeeping {
    /// Lists the jars, decides, and deletes (unless `dryRun`). A jar that is already gone when
    /// its turn comes (another pruner) counts as deleted.
    public static func pruneCluster(client: FlinkRESTClient, keep: Int, keepBundles: Int, dryRun: Bool, deadline: ContinuousClock.Instant,
                                    log: @Sendable (String) -> Void) async throws(SubmitJobError) -> Pruning {
        let pruning = prune(try await client.jars(deadline: deadline), keep: keep, keepBundles: keepBundles)
        guard !dryRun else { return pruning }
        for jar in pruning.delete {
            do {
                try await client.deleteJar(id: jar.id, deadline: deadline)
                log("deleted \(jar.id)")
            } catch where error.code == .flinkRejected || error.code == .unexpectedResponse {
                guard try await client.jars(deadline: deadline).contains(where: { $0.id == jar.id }) else { continue }
                throw error
            }
        }
        return pruning
    }
}
