/// What a chunjun-dist folder holds, as a value: the planning core never touches the disk.
/// `files` maps each folder (relative, "" for the root) to the names of the regular files
/// directly inside it; `folders` lists every folder, relative to the root.
public struct ChunjunDist: Sendable, Equatable {
    public var root: String
    public var files: [String: [String]]
    public var folders: Set<String>

    public init(root: String, files: [String: [String]], folders: Set<String>) {
        self.root = root
        self.files = files
        self.folders = folders
    }

    /// A listing built from relative file paths, as tests and the corpus check write them.
    public init(root: String, paths: [String]) {
        var files: [String: [String]] = [:]
        var folders: Set<String> = [""]
        for path in paths {
            let parts = path.split(separator: "/").map(String.init)
            for depth in 1..<max(parts.count, 1) { folders.insert(parts[..<depth].joined(separator: "/")) }
            if path.hasSuffix("/") {
                folders.insert(parts.joined(separator: "/"))
            } else {
                files[parts.dropLast().joined(separator: "/"), default: []].append(parts.last ?? "")
            }
        }
        self.init(root: root, files: files.mapValues { $0.sorted() }, folders: folders)
    }

    /// Chunjun counts only `chunjun*.jar` (case-insensitive) as plugin jars, sorted for a stable plan.
    public func chunjunJars(in folder: String) -> [String] {
        (files[folder] ?? []).filter(Self.isChunjunJar).sorted()
    }

    static func isChunjunJar(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("chunjun") && lower.hasSuffix(".jar")
    }

    /// The sub-folders of `parent` (one level), e.g. the connector folders.
    public func subfolders(of parent: String) -> [String] {
        let prefix = parent.isEmpty ? "" : parent + "/"
        return folders.compactMap { folder -> String? in
            guard folder.hasPrefix(prefix), folder.count > prefix.count else { return nil }
            let rest = folder.dropFirst(prefix.count)
            return rest.contains("/") ? nil : String(rest)
        }.sorted()
    }
}
