import Foundation

/// What one line of a PSP's settlement report records.
public enum SettlementKind: String, Sendable, Codable, CaseIterable {
    /// Money the PSP collected for a payment (a capture, a paid voucher).
    case payment
    /// Money the PSP gave back for a refund.
    case refund
    /// Money the PSP took back for a dispute.
    case chargeback
    /// A fee not tied to one payment.
    case fee
}

/// One line of a settlement report, read and checked.
public struct SettlementLine: Sendable, Equatable {
    /// The line's number in the file (the header is line 1).
    public var line: Int
    /// What makes the line unique among all of the connection's lines (the layout's `key` fields).
    public var key: String
    public var kind: SettlementKind
    /// The PSP's word for the kind (`PAYMENT`, `Capture`, `Pagado`).
    public var pspKind: String
    public var pspPaymentId: String?
    public var pspRefundId: String?
    public var reference: String?
    /// The gross amount, never negative (reports write debits with a minus sign; the kind says which way it went).
    public var amount: Money
    /// The PSP's fee for the line, never negative.
    public var fee: Money?
    /// When the money moved, in UTC.
    public var date: Date

    public init(line: Int, key: String, kind: SettlementKind, pspKind: String, pspPaymentId: String?, pspRefundId: String?,
                reference: String?, amount: Money, fee: Money?, date: Date) {
        self.line = line
        self.key = key
        self.kind = kind
        self.pspKind = pspKind
        self.pspPaymentId = pspPaymentId
        self.pspRefundId = pspRefundId
        self.reference = reference
        self.amount = amount
        self.fee = fee
        self.date = date
    }
}
