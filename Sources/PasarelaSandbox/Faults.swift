import Foundation
import Synchronization

/// Misbehaviour an emulator can be told to show on its next API calls, so tests can see how the gateway copes.
public enum Fault: Sendable, Equatable {
    /// Answer with this HTTP status and a PSP-shaped error body, without processing the request.
    case status(Int)
    /// Process the request, then answer 200 with bytes that are not JSON.
    case garbage
    /// Process the request, then wait this long before answering (a timeout after the PSP created the payment).
    case delayAfterProcessing(milliseconds: Int)
    /// Wait this long before processing (a slow PSP that has not created anything yet).
    case delayBeforeProcessing(milliseconds: Int)
    /// Wait, without processing, until ``FaultQueue/releaseHeld()``: a PSP that has not created anything yet for as
    /// long as a test needs, however slow the machine (creates only). The caller's giving up does not end the wait.
    case holdBeforeProcessing
    /// Process the request, then hold the answer until ``FaultQueue/releaseHeld()``: a PSP that created the payment
    /// and whose answer is lost, for as long as the caller's timeout takes (creates only).
    case holdAfterProcessing
}

extension Fault {
    /// Faults an API call that only reads (a lookup) can show: an error status, or garbage.
    var readable: Bool {
        switch self {
        case .status, .garbage: true
        case .delayAfterProcessing, .delayBeforeProcessing, .holdBeforeProcessing, .holdAfterProcessing: false
        }
    }

    /// The faults a struggling PSP shows at random (``FaultQueue/setFailureRate(percent:)``): 503 and 500 before it
    /// processes anything, and a 200 with garbage after it processed the request.
    static let struggling: [Fault] = [.status(503), .status(500), .garbage]
}

/// A queue of faults, each used by one API call, in order; and, when the queue is empty, a rate of calls that fail at
/// random like a struggling PSP's.
public final class FaultQueue: Sendable {
    private let queue = Mutex<[Fault]>([])
    private let failureRate = Mutex(0)

    /// From now on, this percentage of API calls (with no fault queued) fail at random: 503, 500, or 200 with garbage
    /// after processing, in equal parts. 0 stops it.
    public func setFailureRate(percent: Int) { failureRate.withLock { $0 = max(0, min(100, percent)) } }

    public init() {}

    /// Adds `fault` for the next `times` calls.
    public func inject(_ fault: Fault, times: Int = 1) {
        queue.withLock { $0.append(contentsOf: Array(repeating: fault, count: times)) }
    }

    private let held = ReplyGate()

    /// Calls waiting under ``Fault/holdBeforeProcessing``.
    public var heldCount: Int { held.heldCount }

    /// Lets the calls held by ``Fault/holdBeforeProcessing`` be processed now: the `count` oldest, or all of them.
    @discardableResult public func releaseHeld(count: Int? = nil) -> Int { held.release(count) }

    /// Waits until ``releaseHeld()``.
    func waitUntilReleased() async {
        held.hold()
        await held.pass()
    }

    /// Forgets every pending fault and stops failing at random.
    public func clear() {
        queue.withLock { $0.removeAll() }
        failureRate.withLock { $0 = 0 }
    }

    /// The fault for the call now arriving, if any: the next queued one when it qualifies (`only`), else one drawn at the
    /// failure rate.
    func next(only: (Fault) -> Bool = { _ in true }) -> Fault? {
        let queued: Fault? = queue.withLock { queue in
            guard let first = queue.first, only(first) else { return nil }
            return queue.removeFirst()
        }
        if let queued { return queued }
        let rate = failureRate.withLock { $0 }
        guard rate > 0, Int.random(in: 0..<100) < rate, let fault = Fault.struggling.randomElement(), only(fault) else { return nil }
        return fault
    }
}
