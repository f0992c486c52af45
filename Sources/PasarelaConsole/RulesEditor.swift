import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import Synchronization

/// `routes.yaml` edited in the browser: every change checked as `pasarela routes check` would (file:line:column) against
/// the live connections, a sample payment explained under the edited and the live rules, and a save that writes the file
/// atomically only when it is valid and only over the version the editor started from. The file stays the source of
/// truth: the save reloads it, as the watcher would.
public final class RulesEditor: Sendable {
    let directory: String
    let file: String
    let live: LiveConfigs
    let reload: @Sendable () -> Result<String, ConfigError>
    /// One save at a time in this process: the version check and the write happen together.
    private let saving = Mutex(())

    public init(directory: String, file: String = "routes.yaml", live: LiveConfigs, reload: @escaping @Sendable () -> Result<String, ConfigError>) {
        self.directory = directory
        self.file = file
        self.live = live
        self.reload = reload
    }

    var path: String { directory + "/" + file }

    /// The file as it is on disk, and its version (SHA-256 of its bytes).
    public func current() -> (text: String, version: String) {
        let bytes = FileManager.default.contents(atPath: path).map { Array($0) } ?? []
        return (String(decoding: bytes, as: UTF8.self), Self.version(bytes))
    }

    static func version(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }

    /// The rules in `text` against the live connections, or their problems.
    public func candidate(_ text: String) -> Result<ConfigSnapshot, ConfigError> {
        do { return .success(try live.current.snapshot.replacingRoutes(text: text, file: file)) } catch { return .failure(error) }
    }

    public struct Check: Sendable {
        public var problems: [ConfigProblem]
        /// The sample's plan under the live rules and under the edited ones (`nil` while the edit has problems).
        public var live: String
        public var candidate: String?
        public var sampleProblem: String?
    }

    public func check(_ text: String, sample: SampleRequest, merchant: String? = nil) -> Check {
        let snapshot = candidate(text)
        let problems = (try? snapshot.get()) == nil ? (snapshotError(snapshot)?.problems ?? []) : []
        let request: PaymentRequest
        do { request = try sample.request() } catch {
            return Check(problems: problems, live: "", candidate: nil, sampleProblem: error.description)
        }
        let livePlan = RoutePlanner.plan(request, merchant: merchant, snapshot: live.current.snapshot, breakers: BreakerView(), draw: 0)
        let candidatePlan = (try? snapshot.get()).map {
            PlanResource.text(RoutePlanner.plan(request, merchant: merchant, snapshot: $0, breakers: BreakerView(), draw: 0))
        }
        return Check(problems: problems, live: PlanResource.text(livePlan), candidate: candidatePlan, sampleProblem: nil)
    }

    public enum SaveResult: Sendable {
        /// Written and reloaded; the new file version and the config version now live (or the reload's problems).
        case saved(version: String, diff: [LineDiff.Line], reload: Result<String, ConfigError>)
        /// The file changed since `base`: nothing written; the diff from the file now to the edit.
        case conflict(current: String, diff: [LineDiff.Line])
        case invalid([ConfigProblem])
        case unchanged
    }

    public func save(_ text: String, base: String) -> SaveResult {
        if case .failure(let error) = candidate(text) { return .invalid(error.problems) }
        let outcome: SaveResult = saving.withLock { _ in
            let (now, version) = current()
            guard version == base else { return .conflict(current: version, diff: LineDiff.diff(now, text)) }
            guard now != text else { return .unchanged }
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                return .invalid([ConfigProblem(file: file, line: 1, column: 1, message: "cannot write \(path): \(error.localizedDescription)")])
            }
            return .saved(version: Self.version(Array(text.utf8)), diff: LineDiff.diff(now, text), reload: .success(""))
        }
        guard case .saved(let version, let diff, _) = outcome else { return outcome }
        return .saved(version: version, diff: diff, reload: reload())
    }

    private func snapshotError(_ result: Result<ConfigSnapshot, ConfigError>) -> ConfigError? {
        if case .failure(let error) = result { return error }
        return nil
    }
}
