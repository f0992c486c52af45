import Foundation
import Logging
import Metrics
import PasarelaCore
import PasarelaGateway
import Prometheus
import Synchronization

/// Metrics (Prometheus, through swift-metrics) and logs (text or JSON lines, each with its request and payment ids),
/// set up once per process.
public enum Observability {
    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// What `GET /metrics` renders.
    public static let registry = PrometheusCollectorRegistry()
    private static let done = Mutex(false)

    /// Sets up metrics and logging the first time it is called in a process; later calls change nothing.
    public static func bootstrap(logFormat: LogFormat) {
        guard done.withLock({ done in defer { done = true }; return !done }) else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        // Hummingbird's own metrics are named with dots (http.server.request.duration): Prometheus takes underscores.
        factory.nameAndLabelSanitizer = { name, labels in (sanitize(name), labels.map { (sanitize($0.0), $0.1) }) }
        MetricsSystem.bootstrap(factory)
        LoggingSystem.bootstrap({ label, provider in
            switch logFormat {
            case .text: StreamLogHandler.standardOutput(label: label, metadataProvider: provider)
            case .json: JSONLogHandler(label: label, metadataProvider: provider)
            }
        }, metadataProvider: RequestLog.metadataProvider)
    }

    /// Letters, digits and `_` kept, anything else `_` (over the UTF-8 bytes: this runs whenever a handle is made).
    static func sanitize(_ name: String) -> String {
        let bytes = name.utf8
        func kept(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        if bytes.allSatisfy(kept) { return name }
        return String(decoding: bytes.map { kept($0) ? $0 : 0x5F }, as: UTF8.self)
    }
}

/// One JSON object per line on standard output: `time`, `level`, `logger`, `message`, then the metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info
    static let output = Mutex(FileHandle.standardOutput)

    init(label: String, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level, message = event.message
        var fields: [String: Any] = [:]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged { fields[key] = Self.plain(value) }
        fields["time"] = Timestamps.utcMillis(Date())
        fields["level"] = level.rawValue
        fields["logger"] = label
        fields["message"] = message.description
        guard var data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        // A log sink that fails never fails a payment.
        Self.output.withLock { try? $0.write(contentsOf: data) }
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let items): items.map(plain)
        case .dictionary(let entries): entries.mapValues(plain)
        }
    }
}
