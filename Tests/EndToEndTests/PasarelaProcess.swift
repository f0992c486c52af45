import Foundation
import Testing

/// The real `pasarela` binary as a child process (so a test can kill it with SIGKILL), its output in a file.
final class PasarelaProcess: @unchecked Sendable {
    let process = Process()
    let log: String

    /// The binary beside the test bundle. `swift test` recompiles the project's modules but does not relink the
    /// executable, so a binary older than any of those objects is stale and refused (run `swift build` first).
    static func binary() throws -> String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let path = folder + "/pasarela"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure("no pasarela binary in \(folder): run `swift build` before `swift test` (the README's test command does)")
        }
        let files = FileManager.default
        let built = try files.attributesOfItem(atPath: path)[.modificationDate] as? Date ?? .distantPast
        let modules = (try files.contentsOfDirectory(atPath: folder))
            .filter { ($0.hasPrefix("Pasarela") || $0 == "pasarela.build") && $0.hasSuffix(".build") && !$0.hasSuffix("Tests.build")
                && !$0.hasPrefix("PasarelaTestSupport") }
        for module in modules {
            for object in (try? files.contentsOfDirectory(atPath: "\(folder)/\(module)")) ?? [] where object.hasSuffix(".o") {
                let compiled = try files.attributesOfItem(atPath: "\(folder)/\(module)/\(object)")[.modificationDate] as? Date
                if let compiled, compiled > built {
                    throw Failure("\(path) is older than \(module)/\(object): run `swift build` before `swift test` (the README's test command does)")
                }
            }
        }
        return path
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    init(_ arguments: [String], folder: String, environment: [String: String] = [:]) throws {
        log = folder + "/\(arguments[0])-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits for the line starting with `prefix` and returns the URL after it.
    func url(after prefix: String, seconds: Double = 60) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count).split(separator: " ").first ?? "")
            }
            guard process.isRunning else { throw Failure("pasarela \(process.arguments?.first ?? "") exited: \(text.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure("pasarela \(process.arguments?.first ?? "") did not start in \(seconds) s")
    }

    /// SIGKILL: no shutdown, no flush, as a crash.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Waits for the process to exit and returns its status and output.
    func finish() -> (Int32, String) {
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Waits for the process to exit without holding a thread (servers in this test process keep answering it).
    func finished() async throws -> (Int32, String) {
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        return finish()
    }
}
