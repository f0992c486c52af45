import Foundation
import Synchronization
import Testing

/// The real `pasarela` binary as a child process (so a test can kill it with SIGKILL), its output in a file.
///
/// Started with `posix_spawn`, not Foundation's `Process`: on Linux (Swift 6.3) `Process.run()` reads past a buffer while
/// listing `/proc/self/fd` and now and then crashes the whole test process (swift-corelibs-foundation #5472), the more
/// likely the more descriptors are open, as they are here with many stores and servers at once.
final class PasarelaProcess: Sendable {
    let pid: pid_t
    let command: String
    let log: String
    /// The exit status once the child is reaped.
    private let exit = Mutex<Int32?>(nil)

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
        command = arguments.first ?? ""
        log = folder + "/\(command)-\(UUID().uuidString.prefix(8)).log"
        let output = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw Failure("cannot open \(log)") }
        defer { close(output) }
        let binary = try Self.binary()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // Nothing else of this process (its stores' files, its servers' sockets) goes to the child.
        if let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, binary, &actions, nil, &argv, &envp)
        guard result == 0 else { throw Failure("cannot start \(binary): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Whether the child still runs (reaps it when it has ended).
    var isRunning: Bool {
        exit.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = raw
            return false
        }
    }

    /// Blocks until the child ends; its exit code (128 + the signal when a signal ended it).
    @discardableResult
    func waitUntilExit() -> Int32 {
        while true {
            if let status = exit.withLock({ $0 }) { return Self.code(status) }
            var raw: Int32 = 0
            if waitpid(pid, &raw, 0) == pid {
                exit.withLock { $0 = raw }
            } else if errno != EINTR {
                exit.withLock { if $0 == nil { $0 = 0 } }
            }
        }
    }

    static func code(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Waits for the line starting with `prefix` and returns the URL after it.
    func url(after prefix: String, seconds: Double = 60) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line.dropFirst(prefix.count).split(separator: " ").first ?? "")
            }
            guard isRunning else { throw Failure("pasarela \(command) exited: \(text.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure("pasarela \(command) did not start in \(seconds) s")
    }

    /// SIGKILL: no shutdown, no flush, as a crash.
    func kill() {
        guard isRunning else { return }
        Foundation.kill(pid, SIGKILL)
        waitUntilExit()
    }

    /// SIGTERM and wait.
    func stop() {
        guard isRunning else { return }
        Foundation.kill(pid, SIGTERM)
        waitUntilExit()
    }

    /// Waits for the process to exit and returns its status and output.
    func finish() -> (Int32, String) {
        (waitUntilExit(), (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Waits for the process to exit without holding a thread (servers in this test process keep answering it).
    func finished() async throws -> (Int32, String) {
        while isRunning { try await Task.sleep(for: .milliseconds(50)) }
        return finish()
    }
}
