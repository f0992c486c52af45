import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// What claiming a command's idempotency key decided.
enum CommandClaim {
    /// Run the command, holding this claim (none when the merchant sent no key).
    case run(IdempotencyClaim?)
    /// Answer this without running anything (a replay, or what a dead request left).
    case answer(APIReply)
}

extension Gateway {
    /// Claims the key of a command on an existing payment (cancel, capture, refund). The key is bound to the command's
    /// method, path and body; a reused key with another request is 409; one still held is 409 in flight; one whose
    /// request died is answered by `abandoned` (the payment or object as it stands), or, when that finds nothing to
    /// show, released so the command runs now.
    func claimCommand(_ key: String?, _ route: String, body: [UInt8], stored: StoredPayment, operation: String, merchant: Merchant,
                      abandoned: () async throws -> APIReply?) async throws -> CommandClaim {
        guard let key else { return .run(nil) }
        let claim = IdempotencyClaim(key: key, requestHash: Hex.encode(SHA256.hash(data: Array("\(route)\n".utf8) + body)))
        let lease = now().addingTimeInterval(requestLease.duration)
        switch try await store.claim(claim, merchantId: merchant.id, paymentId: stored.payment.id, operation: operation, leaseUntil: lease) {
        case .created: return .run(claim)
        case .replay(let reply): return .answer(APIReply(status: reply.status, body: reply.body))
        case .inFlight:
            throw APIError.idempotency("idempotency_in_flight", "A request with this Idempotency-Key is still being processed. Retry shortly.")
        case .abandoned:
            guard let reply = try await abandoned() else {
                try await store.release(key: key, merchantId: merchant.id)
                return try await claimCommand(key, route, body: body, stored: stored, operation: operation, merchant: merchant, abandoned: abandoned)
            }
            let settled = try await store.settle(key: key, merchantId: merchant.id, reply: IdempotencyReply(key: key, status: reply.status, body: reply.body))
            return .answer(APIReply(status: settled.status, body: settled.body))
        case .mismatch:
            throw APIError.idempotency("idempotency_key_reused", "This Idempotency-Key was used with a different request.")
        }
    }

    /// Runs a command and stores its answer for the key: a refusal is the answer too; a transient failure (the outcome
    /// is not known yet, a PSP gave no answer) frees the key for a retry.
    func settled(_ claim: IdempotencyClaim?, merchant: Merchant, _ command: () async throws -> APIReply) async throws -> APIReply {
        do {
            // The key's hold is renewed while the command runs: a retry waits (409) only while this instance lives.
            let reply = try await keepingLease(merchantId: merchant.id, key: claim?.key, paymentId: nil, command)
            if let claim {
                let stored = try await store.settle(key: claim.key, merchantId: merchant.id,
                                                    reply: IdempotencyReply(key: claim.key, status: reply.status, body: reply.body))
                return APIReply(status: stored.status, body: stored.body)
            }
            return reply
        } catch let error as APIError {
            if let claim {
                if error.code == "payment_processing" || error.status >= 500 {
                    try await store.release(key: claim.key, merchantId: merchant.id)
                } else {
                    _ = try await store.settle(key: claim.key, merchantId: merchant.id,
                                               reply: IdempotencyReply(key: claim.key, status: error.status, body: ErrorResource.json(error).bytes))
                }
            }
            throw error
        } catch {
            if let claim { try? await store.release(key: claim.key, merchantId: merchant.id) }
            throw error
        }
    }
}
