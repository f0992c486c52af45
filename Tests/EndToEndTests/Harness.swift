import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaApp
import PasarelaGateway
import PasarelaTestSupport
import Testing

/// Starts the real stack (gateway + dLocal emulator over loopback, real SQLite file) on free ports.
struct Harness {
    let stack: RunningStack
    let key: String
    let clock: TestClock
    /// A PostgreSQL database made for this harness, dropped when it stops.
    var ownDatabase: String? = nil
    /// The folder holding the routes and adapters this gateway runs with.
    var configDirectory: String = ""

    /// `PASARELA_TEST_STORE=postgres` runs the end-to-end tests on PostgreSQL (a database per test) when a server is given.
    static var onPostgres: Bool { ProcessInfo.processInfo.environment["PASARELA_TEST_STORE"] == "postgres" && TestPostgres.runs }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// - Parameter adapterEdit: rewrites `adapters/dlocal.yaml` for this test (in a copy of the config folder).
    static func start(adapterEdit: ((String) -> String)? = nil, environment: [String: String] = [:], routes: String? = nil,
                      extraAdapters: [String: String] = [:], copyConfig: Bool = false, databasePath: String? = nil,
                      notificationSchedule: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(300)],
                      clock: TestClock = TestClock(), sandboxURL: String? = nil,
                      requestLease: RequestLease = RequestLease(renewEvery: nil),
                      console: StackOptions.ConsoleMode = .sameListener,
                      duplicateFlush: Duration = .seconds(1)) async throws -> Harness {
        var options = StackOptions()
        options.console = console
        options.duplicateFlushInterval = duplicateFlush
        options.now = { clock.now() }
        // The reconciler runs when a test says so (`reconcile()`), never behind its back.
        options.reconcileInterval = nil
        // A request's hold is not renewed unless a test says so: a request stuck in process stands for a dead instance.
        options.requestLease = requestLease
        options.sandboxURL = sandboxURL
        options.configPollInterval = .milliseconds(100)
        options.notificationSchedule = notificationSchedule
        options.outboxPollInterval = .milliseconds(100)
        options.port = 0
        options.environment = environment
        // Many gateways run side by side on one PostgreSQL server: a few connections each keep it under its limit.
        options.databasePoolSize = 4
        let folder = NSTemporaryDirectory() + "pasarela-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/adapters", withIntermediateDirectories: true)
        var ownDatabase: String?
        if databasePath == nil, onPostgres { ownDatabase = try await TestPostgres.createDatabase() }
        options.database = databasePath ?? ownDatabase ?? folder + "/pasarela.sqlite"
        if adapterEdit != nil || routes != nil || !extraAdapters.isEmpty || copyConfig {
            let adapterEdit = adapterEdit ?? { $0 }
            for file in try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/adapters") where file.hasSuffix(".yaml") {
                let original = try String(contentsOfFile: repositoryRoot + "/adapters/" + file, encoding: .utf8)
                let edited = file == "dlocal.yaml" ? adapterEdit(original) : original
                try edited.write(toFile: folder + "/adapters/" + file, atomically: true, encoding: .utf8)
            }
            for (name, text) in extraAdapters { try text.write(toFile: "\(folder)/adapters/\(name).yaml", atomically: true, encoding: .utf8) }
            if let routes {
                try routes.write(toFile: folder + "/routes.yaml", atomically: true, encoding: .utf8)
            } else {
                try FileManager.default.copyItem(atPath: repositoryRoot + "/routes.yaml", toPath: folder + "/routes.yaml")
            }
            options.configDirectory = folder
        } else {
            options.configDirectory = repositoryRoot
        }
        let stack = try await Stack.start(options)
        return Harness(stack: stack, key: try #require(stack.sandboxAPIKey), clock: clock, ownDatabase: ownDatabase,
                       configDirectory: options.configDirectory)
    }

    struct Reply {
        var status: Int
        var bytes: [UInt8]
        var headers: [(String, String)] = []
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
    }

    func call(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [(String, String)]? = nil) async throws -> Reply {
        try await call(method, url: stack.gatewayURL + path, body: body, headers: headers)
    }

    func call(_ method: String = "POST", url: String, body: [UInt8]? = nil, headers: [(String, String)]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers ?? [("Authorization", "Bearer \(key)")] { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return Reply(status: Int(response.status.code), bytes: Array(buffer: try await response.body.collect(upTo: 1 << 20)),
                     headers: response.headers.map { ($0.name, $0.value) })
    }

    func call(_ method: String, _ path: String, json: String, headers: [(String, String)]? = nil) async throws -> Reply {
        try await call(method, path, body: Array(json.utf8), headers: headers)
    }

    /// A loopback address nothing listens on: notifications fail there without leaving the machine.
    static let closedLoopback = "http://127.0.0.1:9/hooks"

    /// A PE cash payment's body; `notificationURL: nil` leaves the field out (the merchant's default applies).
    static func cashBody(order: String = UUID().uuidString, value: Int = 15000, description: String = "Pedido",
                         notificationURL: String? = closedLoopback) -> String {
        let url = notificationURL.map { #""notification_url":"\#($0)","# } ?? ""
        return """
        {"amount":{"value":\(value),"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},"order_id":"\(order)",
         "description":"\(description)",\(url)
         "customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":{"type":"DNI","number":"27662162"}}}
        """
    }

    func stop() async {
        await stack.stop()
        if let ownDatabase { await TestPostgres.dropDatabase(ownDatabase) }
    }

    /// One reconciler pass over what is due now (by the test clock).
    @discardableResult
    func reconcile() async -> ReconcileReport { await stack.gateway.reconciler.reconcileDue(limit: 500) }

    /// Waits (without a short timeout: CI machines are slow) until `condition` holds, checking every few milliseconds.
    func eventually(_ what: String, seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await !condition() {
            guard Date() < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The payment's JSON as the API shows it.
    func payment(_ id: String) async throws -> [String: Any] { try await call("GET", "/v1/payments/\(id)").json }

    /// Every delivery try of an event's notification.
    func deliveryTries(_ event: String) async throws -> [[String: Any]] {
        (try await call("GET", "/v1/events/\(event)").json["delivery"] as? [String: Any])?["tries"] as? [[String: Any]] ?? []
    }

    /// The types of the payment's events, oldest first.
    func eventTypes(_ id: String) async throws -> [String] {
        ((try await call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]]) ?? []).compactMap { $0["type"] as? String }
    }

    /// Polls a payment until it reaches `status` or `seconds` pass; returns the last status seen.
    func waitForStatus(_ id: String, _ status: String, seconds: Double = 5) async throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: String?
        repeat {
            last = try await call("GET", "/v1/payments/\(id)").json["status"] as? String
            if last == status { return last }
            try await Task.sleep(for: .milliseconds(50))
        } while Date() < deadline
        return last
    }

    static func body(country: String, currency: String, value: Int, method: String, order: String = UUID().uuidString) -> String {
        """
        {"amount":{"value":\(value),"currency":"\(currency)"},"country":"\(country)","payment_method":\(method),"order_id":"\(order)",
         "description":"Pedido","customer":{"name":"Ana Ruiz","email":"ana@example.com","document":\(document(country))}}
        """
    }

    static func document(_ country: String) -> String {
        switch country {
        case "MX": #"{"type":"CURP","number":"RUIA800101HDFXXX09"}"#
        case "BR": #"{"type":"CPF","number":"12345678901"}"#
        case "AR": #"{"type":"DNI","number":"12345678"}"#
        default: #"{"type":"DNI","number":"27662162"}"#
        }
    }

    /// Runs `body` against a fresh stack and always stops it.
    static func with(adapterEdit: ((String) -> String)? = nil, environment: [String: String] = [:], routes: String? = nil,
                     extraAdapters: [String: String] = [:], copyConfig: Bool = false, databasePath: String? = nil,
                     notificationSchedule: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(300)],
                     clock: TestClock = TestClock(), requestLease: RequestLease = RequestLease(renewEvery: nil),
                     _ body: (Harness) async throws -> Void) async throws {
        let harness = try await start(adapterEdit: adapterEdit, environment: environment, routes: routes, extraAdapters: extraAdapters,
                                      copyConfig: copyConfig, databasePath: databasePath, notificationSchedule: notificationSchedule,
                                      clock: clock, requestLease: requestLease)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}
