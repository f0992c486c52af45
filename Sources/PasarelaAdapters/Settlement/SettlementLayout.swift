import Foundation
import PasarelaCore

/// How one PSP's settlement report is laid out: a CSV file with a header row, the columns that hold each field, the
/// words for each kind of line, how amounts and dates are written, and what the PSP's payment ids look like (so a
/// file of another connection is refused). dLocal and Checkout declare theirs in code; a generic adapter file declares
/// one under `settlement:`. Each layout is documented in docs/settlement.md.
public struct SettlementLayout: Sendable {
    /// The fields a line can carry.
    public enum Field: String, Sendable, CaseIterable {
        case lineId = "line_id", kind, pspPaymentId = "psp_payment_id", pspRefundId = "psp_refund_id", reference, currency, amount, fee, date
    }

    /// How dates are written.
    public enum DateFormat: Sendable, Equatable {
        /// RFC 3339 / ISO 8601, with or without fractional seconds.
        case iso8601
        /// A fixed pattern (`yyyy-MM-dd HH:mm:ss`) read in `timeZone`.
        case pattern(String)
    }

    /// What the file is, for messages: "dLocal settlement report".
    public var name: String
    /// Field → the header of its column. `psp_payment_id`, `currency`, `amount` and `date` are required.
    public var columns: [Field: String]
    /// The kind column's words → the kind of line; a word mapped to `nil` is a line with no money to check (an
    /// authorization, a void), skipped. Without a kind column every line is a payment.
    public var kinds: [String: SettlementKind?]
    /// Whether amounts are decimals in major units (`12.50`) or integers in minor units (`1250`).
    public var minorUnits: Bool
    public var dateFormat: DateFormat
    public var timeZone: TimeZone
    /// The fields whose values make a line unique among all the connection's lines, ever.
    public var key: [Field]
    /// A regular expression every payment id of this PSP matches in full.
    public var paymentIdPattern: String?
    public var delimiter: Character

    public init(name: String, columns: [Field: String], kinds: [String: SettlementKind?], minorUnits: Bool, dateFormat: DateFormat,
                timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!, key: [Field], paymentIdPattern: String?, delimiter: Character = ",") {
        self.name = name
        self.columns = columns
        self.kinds = kinds
        self.minorUnits = minorUnits
        self.dateFormat = dateFormat
        self.timeZone = timeZone
        self.key = key
        self.paymentIdPattern = paymentIdPattern
        self.delimiter = delimiter
    }

    /// The fields every layout must map to a column.
    public static let required: [Field] = [.pspPaymentId, .currency, .amount, .date]

    /// Problems with the layout itself (a required field without a column, a key field without one, a bad pattern).
    public var problems: [String] {
        var problems: [String] = []
        for field in Self.required where columns[field] == nil { problems.append("settlement.columns.\(field.rawValue) is required") }
        for field in key where columns[field] == nil && field != .kind {
            problems.append("settlement.key names \(field.rawValue), which has no column")
        }
        if key.isEmpty { problems.append("settlement.key needs at least one field") }
        if let pattern = paymentIdPattern, (try? Regex(pattern)) == nil { problems.append("settlement.payment_id_pattern is not a valid regular expression") }
        return problems
    }
}
