import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// `GET /v1/payments/{id}/attempts/{attempt_id}`: the attempt and every PSP call made for it (the create, lookups and
    /// replays, and the cancel, capture and refund calls on its PSP payment), each as a redacted transcript: what a
    /// merchant hands a PSP's support desk.
    public func attempt(paymentId: String, attemptId: String, merchant: Merchant) async throws -> APIReply {
        guard let stored = try await store.payment(id: paymentId, merchantId: merchant.id) else { throw APIError.missing("payment", id: paymentId) }
        guard let attempt = stored.attempt(attemptId) else { throw APIError.missing("attempt", id: attemptId, param: "attempt_id") }
        return APIReply(status: 200, body: try await Self.attemptJSON(attempt, of: paymentId, store: store).bytes)
    }

    /// An attempt with its calls, for the API and `pasarela payments show`.
    public static func attemptJSON(_ attempt: Attempt, of paymentId: String, store: any CallLog) async throws -> JSONBody {
        let calls = try await store.calls(paymentId: paymentId, attemptId: attempt.id)
        guard case .object(var fields) = PaymentResource.attempt(attempt) else { return PaymentResource.attempt(attempt) }
        fields.insert(("object", .string("attempt")), at: 1)
        fields.append(("payment_id", .string(paymentId)))
        fields.append(("calls", .array(calls.map { .raw($0.transcript) })))
        return .object(fields)
    }
}
