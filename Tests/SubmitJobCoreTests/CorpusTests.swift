import Foundation
import Testing
@testable import SubmitJobCore

/// Every real Chunjun job file plans against a dist with all the 1.12.8 folders, or fails
/// with the code that says why (a connector 1.12.8 does not ship → 66).
@Suite struct CorpusTests {
    /// Connectors the examples use that Chunjun 1.12.8 does not ship.
    static let unshipped: Set<String> = ["phoenix5", "kingbase", "elasticsearch5", "gBase"]

    static var files: [URL] {
        let enumerator = FileManager.default.enumerator(at: TestPaths.corpus, includingPropertiesForKeys: nil)
        let all = (enumerator?.allObjects as? [URL]) ?? []
        return all.filter { ["json", "sql"].contains($0.pathExtension) }.sorted { $0.path < $1.path }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files.count == 213, "expected the 213 job files of ../shared/chunjun-examples")
    }

    @Test func everyFilePlansOrFailsForTheRightReason() throws {
        var planned = 0, missing: [String] = [], missingFolders: Set<String> = []
        for file in Self.files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let name = file.path.replacingOccurrences(of: TestPaths.corpus.path + "/", with: "")
            do {
                let job = try ChunjunJob(text: text)
                #expect(job.type == (file.pathExtension == "json" ? .sync : .sql), "\(name)")
                let plan = try PlanBuilder.build(job: job, dist: Fixtures.releaseDist(), options: SubmissionOptions())
                #expect(plan.programArgs[1] == JavaURLEncoder.encode(text), "\(name)")
                #expect(!plan.classpaths.isEmpty || job.type == .sql, "\(name)")
                planned += 1
            } catch {
                let folder = (error.context.first { $0.0 == "path" }?.1.stringValue ?? "").split(separator: "/").last.map(String.init) ?? ""
                #expect(error.code == .missingPlugin && Self.unshipped.contains(folder), "\(name): \(error.code) \(error.message) [\(folder)]")
                missing.append(name)
                missingFolders.insert(folder)
            }
        }
        #expect(planned + missing.count == Self.files.count)
        #expect(missingFolders == Self.unshipped)
        #expect(planned >= 190, "only \(planned) files planned; missing: \(missing)")
        print("corpus: \(planned) planned, \(missing.count) need a connector 1.12.8 does not ship")
    }
}
