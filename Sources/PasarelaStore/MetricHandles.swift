import Metrics
import Synchronization

/// Metric handles made once per label set and kept: making one per event asks the metrics factory to look it up (and
/// the Prometheus factory to sanitise its names) every time, which showed in the profile of every request.
public enum MetricHandles {
    struct Key: Hashable {
        var label: String
        var dimensions: [String]
    }

    private static let counters = Mutex<[Key: Counter]>([:])
    private static let timers = Mutex<[Key: Timer]>([:])

    static func key(_ label: String, _ dimensions: [(String, String)]) -> Key {
        Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
    }

    public static func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        let key = key(label, dimensions)
        if let counter = counters.withLock({ $0[key] }) { return counter }
        let counter = Counter(label: label, dimensions: dimensions)
        counters.withLock { $0[key] = counter }
        return counter
    }

    public static func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Timer {
        let key = key(label, dimensions)
        if let timer = timers.withLock({ $0[key] }) { return timer }
        let timer = Timer(label: label, dimensions: dimensions)
        timers.withLock { $0[key] = timer }
        return timer
    }
}
