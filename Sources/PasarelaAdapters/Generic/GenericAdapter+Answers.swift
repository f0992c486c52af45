import Foundation
import PasarelaCore

extension GenericAdapter {
    /// Reads an answer up to its JSON body: errors become outcomes (a replayed create the PSP already holds is
    /// ambiguous, never "not created"); a 2xx whose body is not JSON is ambiguous, since the PSP may have acted.
    func read(_ response: InboundMessage, fields: GenericDescriptor.ResponseFields) -> Result<JSONValue, PSPOutcomeError> {
        let json = Self.json(response.body)
        let code = json.flatMap { body in fields.errorCode.flatMap { $0.text(in: body) } }
        let message = json.flatMap { body in fields.errorMessage.flatMap { $0.text(in: body) } }
        if let duplicate = fields.duplicate, let json, duplicate.path.text(in: json) == duplicate.equals {
            return .failure(.init(.alreadyHeld(code: code, message: "the PSP already holds this attempt: \(message ?? "duplicate")")))
        }
        guard (200..<300).contains(response.status) else {
            let text = message ?? "HTTP \(response.status)"
            switch response.status {
            case 429: return .failure(.init(.notCreated(.rateLimited, code: code ?? "429", message: text)))
            case 504: return .failure(.init(.ambiguous(code: code ?? "504", message: text, failure: .timeout)))
            case 500..<600: return .failure(.init(.notCreated(.http5xx, code: code ?? String(response.status), message: text)))
            default:
                return .failure(.init(.notCreated(json == nil ? .invalidResponse : .rejected, code: code ?? String(response.status), message: text)))
            }
        }
        guard let json else {
            return .failure(.init(.ambiguous(code: nil, message: "HTTP \(response.status) with a body that is not JSON", failure: .invalidResponse)))
        }
        if let success = fields.success, success.path.text(in: json) != success.equals {
            // The PSP answered and said no: nothing was created.
            return .failure(.init(.notCreated(.rejected, code: code ?? success.path.text(in: json), message: message ?? "success condition not met")))
        }
        return .success(json)
    }

    /// One payment read from `json` by the declared paths.
    func item(_ json: JSONValue, fields: GenericDescriptor.ResponseFields) -> PSPOutcome {
        guard let pspId = fields.pspPaymentId.flatMap({ $0.text(in: json) }) else {
            return .ambiguous(code: nil, message: "the answer has no payment id at \(fields.pspPaymentId?.description ?? "?")",
                              failure: .invalidResponse)
        }
        var action: NextAction?
        if let voucher = fields.voucherCode.flatMap({ $0.text(in: json) }) {
            let expiry = fields.expiresAt.flatMap { $0.text(in: json) }.flatMap(Timestamps.parse)
            action = .displayVoucher(code: voucher, barcode: fields.barcode.flatMap { $0.text(in: json) },
                                     voucherURL: fields.voucherURL.flatMap { $0.text(in: json) }, expiresAt: expiry)
        } else if let url = fields.redirectURL.flatMap({ $0.text(in: json) }) {
            action = .redirect(url: url)
        }
        var status: PaymentStatus = action == nil ? .processing : .requiresAction
        let pspStatus = fields.status.flatMap { $0.text(in: json) }
        if let pspStatus {
            guard let mapped = descriptor.statusMap[pspStatus] else {
                return PSPOutcome(outcome: .unknown, status: .processing, pspPaymentId: pspId, pspStatus: pspStatus,
                                  errorMessage: "status '\(pspStatus.prefix(30))' is not in status_map")
            }
            if let mapped, !(mapped == .processing && action != nil) { status = mapped }
        }
        var result = PSPOutcome(outcome: AttemptOutcome(status: status), status: status, pspPaymentId: pspId,
                                pspStatus: pspStatus ?? "created", amount: fields.amount?.read(json) ?? .absent)
        if status == .requiresAction || status == .processing {
            result.nextAction = action
            if case .displayVoucher(_, _, _, let expiry) = action { result.expiresAt = expiry }
        }
        if status == .failed {
            result.declineClass = .soft
            result.errorCode = fields.errorCode.flatMap { $0.text(in: json) }
            result.errorMessage = fields.errorMessage.flatMap { $0.text(in: json) }
        }
        return result
    }
}

/// An answer that ended before a payment could be read: the outcome says what it means.
struct PSPOutcomeError: Error {
    var outcome: PSPOutcome
    init(_ outcome: PSPOutcome) { self.outcome = outcome }
}
