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

/// A queue of faults, each used by one API call, in order.
public final class FaultQueue: Sendable {
    private let queue = Mutex<[Fault]>([])

    public init() {}

    /// Adds `fault` for the next `times` calls.
    public func inject(_ fault: Fault, times: Int = 1) {
        queue.withLock { $0.append(contentsOf: Array(repeating: fault, count: times)) }
    }

    private let held = ReplyGate()

    /// Calls waiting under ``Fault/holdBeforeProcessing``.
    public var heldCount: Int { held.heldCount }

    /// Lets every call held by ``Fault/holdBeforeProcessing`` be processed now.
    @discardableResult public func releaseHeld() -> Int { held.release() }

    /// Waits until ``releaseHeld()``.
    func waitUntilReleased() async {
        held.hold()
        await held.pass()
    }

    /// Forgets every pending fault.
    public func clear() { queue.withLock { $0.removeAll() } }

    /// The fault for the call now arriving, if any; with `only`, the next fault is taken only when it qualifies.
    func next(only: (Fault) -> Bool = { _ in true }) -> Fault? {
        queue.withLock { queue in
            guard let first = queue.first, only(first) else { return nil }
            return queue.removeFirst()
        }
    }
}
