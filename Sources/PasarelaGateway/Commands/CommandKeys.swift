import Foundation
import PasarelaCore
import PasarelaStore

/// The idempotency of commands on an existing payment (cancel, capture, refund): one key, one request, one answer.
struct CommandKeys: Sendable {
    let keys: any IdempotencyKeys
    let leases: RequestLeases
    let replies: any ReplyRendering

    /// What claiming a key decided.
    enum Claim {
        /// Run the command, holding this claim (none when the merchant sent no key).
        case run(IdempotencyClaim?)
        /// Answer this without running anything (a replay, or what a dead request left).
        case answer(StoredReply)
    }

    /// Claims the key of a command on `stored`. The key is bound to the request's fingerprint; a reused key with another
    /// request is refused; one still held is in flight; one whose request died is answered by `abandoned` (the payment
    /// or object as it stands), or, when that finds nothing to show, released so the command runs now.
    func claim(_ key: IdempotencyKey?, stored: StoredPayment, operation: String, merchant: Merchant,
               abandoned: () async throws -> StoredReply?) async throws -> Claim {
        guard let key else { return .run(nil) }
        let claim = IdempotencyClaim(key: key.key, requestHash: key.fingerprint)
        switch try await keys.claim(claim, merchantId: merchant.id, paymentId: stored.payment.id, operation: operation, leaseUntil: leases.until) {
        case .created: return .run(claim)
        case .replay(let reply): return .answer(StoredReply(reply))
        case .inFlight: throw CommandError.keyInFlight(paymentId: nil)
        case .abandoned:
            guard let reply = try await abandoned() else {
                try await keys.release(key: key.key, merchantId: merchant.id)
                return try await self.claim(key, stored: stored, operation: operation, merchant: merchant, abandoned: abandoned)
            }
            return .answer(StoredReply(try await keys.settle(key: key.key, merchantId: merchant.id, reply: reply.keyed(key.key))))
        case .mismatch: throw CommandError.keyReused(body: false)
        }
    }

    /// A command on one of the merchant's payments: the payment read (not the merchant's: not found), its key claimed,
    /// `command` run on it and its answer kept for the key.
    /// - Parameter abandoned: what a key whose request died answers (the object as it stands); `nil` runs the command.
    func run<Value: Sendable>(on paymentId: String, merchant: Merchant, key: IdempotencyKey?, operation: String, payments: any PaymentLedger,
                              abandoned: () async throws -> StoredReply?, render: (Value) -> StoredReply,
                              _ command: (StoredPayment) async throws -> Value) async throws -> CommandAnswer<Value> {
        guard let stored = try await payments.payment(id: paymentId, merchantId: merchant.id) else { throw CommandError.notFound("payment", id: paymentId) }
        switch try await claim(key, stored: stored, operation: operation, merchant: merchant, abandoned: abandoned) {
        case .answer(let reply): return .replayed(reply)
        case .run(let claim): return try await settled(claim, merchant: merchant, render: render) { try await command(stored) }
        }
    }

    /// The payment as it stands, as what a command's key answers when its request died.
    func current(_ paymentId: String, merchant: Merchant, in payments: any PaymentLedger) async throws -> StoredReply? {
        try await payments.payment(id: paymentId, merchantId: merchant.id).map { replies.payment($0, .done) }
    }

    /// Runs a command and stores its answer for the key: a refusal is the answer too; one that leaves the outcome open
    /// (``CommandError/freesKey``), or a failure of Pasarela's own, frees the key for a retry.
    func settled<Value: Sendable>(_ claim: IdempotencyClaim?, merchant: Merchant, render: (Value) -> StoredReply,
                                  _ command: () async throws -> Value) async throws -> CommandAnswer<Value> {
        do {
            // The key's hold is renewed while the command runs: a retry waits (in flight) only while this instance lives.
            let value = try await leases.keeping(merchantId: merchant.id, key: claim?.key, paymentId: nil, command)
            guard let claim else { return .done(value) }
            let rendered = render(value)
            let kept = StoredReply(try await keys.settle(key: claim.key, merchantId: merchant.id, reply: rendered.keyed(claim.key)))
            return kept == rendered ? .done(value) : .replayed(kept)
        } catch let error as CommandError {
            if let claim {
                if error.freesKey {
                    try await keys.release(key: claim.key, merchantId: merchant.id)
                } else {
                    _ = try await keys.settle(key: claim.key, merchantId: merchant.id, reply: replies.refusal(error).keyed(claim.key))
                }
            }
            throw error
        } catch {
            if let claim { try? await keys.release(key: claim.key, merchantId: merchant.id) }
            throw error
        }
    }
}
