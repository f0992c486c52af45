import Foundation
import Synchronization

/// The gateway's clock in tests: real time plus an offset the test moves, or frozen at an instant the test moves.
/// Timers that matter (notification retries, reconciler looks, voucher expiry) read it, so a test jumps a day ahead
/// instead of sleeping.
final class TestClock: Sendable {
    private let state: Mutex<(frozen: Date?, offset: TimeInterval)>

    /// - Parameter frozenAt: stop the clock at this instant; `nil` follows real time.
    init(frozenAt: Date? = nil) { state = Mutex((frozenAt, 0)) }

    func now() -> Date {
        state.withLock { state in state.frozen.map { $0.addingTimeInterval(state.offset) } ?? Date().addingTimeInterval(state.offset) }
    }

    func advance(by seconds: TimeInterval) { state.withLock { $0.offset += seconds } }
}
