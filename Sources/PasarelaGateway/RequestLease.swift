import Foundation
import PasarelaStore

/// How long a request (a create, or a cancel, capture or refund) holds its payment and its idempotency key: short, and
/// renewed while the request runs. A retry with the key meanwhile is told the request is in flight; once an instance
/// dies, its hold ends within one lease and another instance takes the work over (the reconciler, or the retry itself).
public struct RequestLease: Sendable {
    /// How far each renewal pushes the hold.
    public var duration: TimeInterval
    /// How often a running request renews it; `nil` never (tests that stand for a dead instance in process).
    public var renewEvery: Duration?

    public init(duration: TimeInterval = 15, renewEvery: Duration? = .seconds(5)) {
        self.duration = duration
        self.renewEvery = renewEvery
    }
}

extension Gateway {
    /// Runs `body` while renewing the hold of the request on `key` (and on the payment, for a create) every
    /// ``RequestLease/renewEvery``. A renewal that fails is logged and tried again at the next tick; the hold then
    /// lapses only if the instance cannot reach the database for a whole lease.
    func keepingLease<T: Sendable>(merchantId: String, key: String?, paymentId: String?,
                                   _ body: () async throws -> T) async throws -> T {
        guard let every = requestLease.renewEvery, key != nil || paymentId != nil else { return try await body() }
        let renewer = Task { [self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: every) } catch { return }
                do {
                    try await store.renewLease(merchantId: merchantId, key: key, paymentId: paymentId,
                                               until: now().addingTimeInterval(requestLease.duration))
                } catch {
                    logger.warning("request lease not renewed", metadata: ["payment": .string(paymentId ?? "-"), "error": .string("\(type(of: error))")])
                }
            }
        }
        defer { renewer.cancel() }
        return try await body()
    }
}
