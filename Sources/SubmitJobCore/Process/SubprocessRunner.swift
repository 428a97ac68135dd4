import Subprocess
import Synchronization
import SystemPackage

/// The real `ProcessRunner`, on swift-subprocess. The child leads a process group of its own,
/// so a deadline kills whatever it started too (`bin/flink` is a shell script that execs java).
public struct SubprocessRunner: ProcessRunner {
    public init() {}

    public func run(_ command: ProcessCommand, deadline: ContinuousClock.Instant) async throws(SubmitJobError) -> ProcessOutcome {
        var options = PlatformOptions()
        options.processGroupID = 0
        var environment: [Environment.Key: String?] = [:]
        for (key, value) in command.environment { environment[Environment.Key(stringLiteral: key)] = value }
        let timedOut = Flag()
        do {
            let result = try await Subprocess.run(
                .path(FilePath(command.executable)),
                arguments: Arguments(command.arguments),
                environment: .inherit.updating(environment),
                platformOptions: options,
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                // Its own group (processGroupID 0): the group's id is the child's pid.
                let group = execution.processIdentifier.value
                WorkInProgress.shared.started(processGroup: group)
                defer { WorkInProgress.shared.ended(processGroup: group) }
                let watchdog = Task {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    timedOut.set()
                    try? execution.send(signal: .kill, toProcessGroup: true)
                }
                defer { watchdog.cancel() }
                async let errorText = Self.capture(execution.standardError, limit: command.outputLimit)
                let outputText = try await Self.capture(execution.standardOutput, limit: command.outputLimit)
                return (outputText, try await errorText)
            }
            let (output, error) = result.closureResult
            let termination: ProcessOutcome.Termination
            switch result.terminationStatus {
            case .exited(let code): termination = timedOut.isSet ? .timedOut : .exited(code)
            case .signaled(let signal): termination = timedOut.isSet ? .timedOut : .signaled(signal)
            }
            return ProcessOutcome(termination: termination, standardOutput: output, standardError: error)
        } catch let error as SubprocessError {
            if error.code == .executableNotFound || error.code == .spawnFailed {
                throw SubmitJobError(.missingFile, "cannot start \(command.executable): \(error)", context: [("path", .string(command.executable))])
            }
            throw SubmitJobError(.internal, "running \(command.executable) failed: \(error)")
        } catch {
            throw SubmitJobError(.internal, "running \(command.executable) failed: \(error)")
        }
    }

    static func capture(_ stream: SubprocessOutputSequence, limit: Int) async throws -> String {
        var capture = BoundedCapture(limit: limit)
        for try await buffer in stream {
            buffer.withUnsafeBytes { capture.append($0) }
        }
        return capture.text
    }
}

/// Set once from the watchdog task, read after the child is gone.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
