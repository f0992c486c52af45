import Foundation
import PasarelaCore
import PasarelaStore

/// What `pasarela settle` found: the file's lines checked against Pasarela's books, and the books against every line
/// the connection's files have brought so far.
public struct SettlementReport: Sendable {
    public var connection: String
    public var fileName: String
    /// Lines of the file that move money (authorization and void lines are skipped).
    public var lines: Int
    public var imported: SettlementImport
    /// The period checked for payments and refunds Pasarela has and the PSP does not: the file's first to last line
    /// unless given.
    public var from: Date?
    public var to: Date?
    public var mismatches: [SettlementMismatch] = []
    /// Lines that agree with Pasarela's books.
    public var matched = 0
    public var totals: [String: SettlementTotal] = [:]

    public init(connection: String, fileName: String, lines: Int, imported: SettlementImport, from: Date?, to: Date?) {
        self.connection = connection
        self.fileName = fileName
        self.lines = lines
        self.imported = imported
        self.from = from
        self.to = to
    }
}

/// One disagreement between the PSP's file and Pasarela.
public struct SettlementMismatch: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The PSP collected (or refunded) money Pasarela has no record of.
        case notHere = "not_here"
        /// Pasarela has a succeeded payment or refund the PSP's files do not list.
        case notAtPSP = "not_at_psp"
        case amount = "amount_mismatch"
        case currency = "currency_mismatch"
        /// The PSP moved money for a payment or refund Pasarela holds in another status.
        case status = "status_mismatch"
    }

    public var kind: Kind
    /// The file's line, when the mismatch is about one.
    public var line: Int?
    public var what: SettlementKind
    public var pspPaymentId: String?
    public var pspRefundId: String?
    public var paymentId: String?
    public var refundId: String?
    public var pspAmount: Money?
    public var ourAmount: Money?
    public var ourStatus: String?
}

/// Money per currency in the file: gross payments, refunds, chargebacks and fees, and what is left.
public struct SettlementTotal: Sendable, Equatable {
    public var currency: Currency
    public var payments = 0
    public var gross: Int64 = 0
    public var refunds: Int64 = 0
    public var chargebacks: Int64 = 0
    public var fees: Int64 = 0
    public var net: Int64 { gross - refunds - chargebacks - fees }

    public init(currency: Currency) { self.currency = currency }

    mutating func add(_ line: SettlementLine) {
        switch line.kind {
        case .payment:
            payments += 1
            gross += line.amount.minorUnits
        case .refund: refunds += line.amount.minorUnits
        case .chargeback: chargebacks += line.amount.minorUnits
        case .fee: fees += line.amount.minorUnits
        }
        if line.kind != .fee { fees += line.fee?.minorUnits ?? 0 }
    }
}
