import Foundation

/// What the emulator reads from `POST /refunds` (1.8), every field optional so a missing one gets 5001 and its name.
struct EmulatorRefundRequest: Decodable {
    var id: String?
    var paymentId: String?
    var amount: Decimal?
    var currency: String?
    var notificationUrl: String?
    var description: String?
    var beneficiaryName: String?
    var bank: String?
    var bankAccount: String?
    var bankAccountType: String?
    var bankBranch: String?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, description, bank
        case paymentId = "payment_id"
        case notificationUrl = "notification_url"
        case beneficiaryName = "beneficiary_name"
        case bankAccount = "bank_account"
        case bankAccountType = "bank_account_type"
        case bankBranch = "bank_branch"
    }

    /// The bank-account fields a cash or transfer refund pays into, by name; all or none.
    var bankFields: [(name: String, value: String?)] {
        [("beneficiary_name", beneficiaryName), ("bank", bank), ("bank_account", bankAccount), ("bank_account_type", bankAccountType)]
    }
}

/// A refund in the emulator's ledger, rendered as dLocal's refund object (1.8).
public struct EmulatedRefund: Codable, Sendable {
    public var id: String
    var paymentId: String
    var amount: Decimal
    var amountRefunded: Decimal
    var currency: String
    public var status: String
    var statusCode: Int
    var statusDetail: String
    var createdDate: String
    var notificationUrl: String
    /// Whether the payer's bank account came with the request (a cash refund without it waits for the payer); not
    /// part of the refund object.
    var hasBankAccount = false

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, status
        case paymentId = "payment_id"
        case amountRefunded = "amount_refunded"
        case statusCode = "status_code"
        case statusDetail = "status_detail"
        case createdDate = "created_date"
        case notificationUrl = "notification_url"
    }

    /// Refunds that count against the payment: all but the rejected and cancelled.
    var counts: Bool { status == "PENDING" || status == "SUCCESS" }

    /// The refund statuses a sandbox control can set.
    public enum Ending: String, CaseIterable, Sendable {
        case succeed, reject, cancel

        var status: (String, Int, String) {
            switch self {
            case .succeed: ("SUCCESS", 200, "The refund was paid.")
            case .reject: ("REJECTED", 300, "The refund was rejected.")
            case .cancel: ("CANCELLED", 400, "The refund was cancelled.")
            }
        }
    }

    mutating func end(_ ending: Ending) {
        (status, statusCode, statusDetail) = ending.status
        if ending == .succeed { amountRefunded = amount }
    }
}
