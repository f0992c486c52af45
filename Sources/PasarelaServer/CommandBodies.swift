import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaGateway

/// The bodies of the commands on a payment, parsed into what their commands carry, with a field error for each thing
/// wrong: unknown parameters, wrong types, amounts and bank details that cannot be read.
enum CommandBodies {
    /// The capture body: nothing (all of it), `{}`, or `{"amount": {"value", "currency"}}`.
    static func captureAmount(_ body: [UInt8]) throws -> Money? {
        guard let fields = try object(body, allowed: ["amount"]) else { return nil }
        return try fields["amount"].map(amount)
    }

    /// The cancel body: nothing, `{}`, or `{"reason": "..."}` (at most 200 characters).
    static func checkCancel(_ body: [UInt8]) throws {
        guard let fields = try object(body, allowed: ["reason"]) else { return }
        _ = try reason(fields["reason"])
    }

    /// The refund body: `{"amount": {"value", "currency"}?, "reason"?, "bank_account"?}`.
    static func refund(_ body: [UInt8]) throws -> (amount: Money?, reason: String?, bankAccount: BankAccount?) {
        guard let fields = try object(body, allowed: ["amount", "reason", "bank_account"]) else { return (nil, nil, nil) }
        return (try fields["amount"].map(amount), try reason(fields["reason"]), try fields["bank_account"].map(bankAccount))
    }

    /// The merchant's key, bound to the request it came with: a command's method, path and body; a create's body.
    static func idempotency(_ key: String?, route: String?, body: [UInt8]) -> IdempotencyKey? {
        key.map { IdempotencyKey(key: $0, fingerprint: Hex.encode(SHA256.hash(data: (route.map { Array("\($0)\n".utf8) } ?? []) + body))) }
    }

    /// A JSON object with only `allowed` keys; `nil` for an empty body.
    static func object(_ body: [UInt8], allowed: Set<String>) throws -> [String: JSONValue]? {
        guard !body.isEmpty else { return nil }
        let json: JSONValue
        do { json = try JSONValue.parse(body, bigIntegers: .keepAsText) } catch {
            throw APIError.malformed("The request body is not valid JSON (byte \(error.offset): \(error.message)).")
        }
        guard case .object(let fields) = json else { throw APIError.malformed("The request body must be a JSON object.") }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid(unknown, "Unknown parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        return fields
    }

    /// `reason`: absent, or a string of 1 to 200 characters (code points, as JSON Schema counts them).
    static func reason(_ value: JSONValue?) throws -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value, (1...200).contains(text.unicodeScalars.count) else {
            throw APIError.invalid("reason", "reason must be a string of 1 to 200 characters.")
        }
        return text
    }

    /// `{"value": 1500, "currency": "PEN"}`.
    static func amount(_ value: JSONValue) throws -> Money {
        guard case .object(let fields) = value else { throw APIError.invalid("amount", "amount must be an object with value and currency.") }
        if let unknown = fields.keys.sorted().first(where: { !["value", "currency"].contains($0) }) {
            throw APIError.invalid("amount.\(unknown.prefix(40))", "Unknown parameter 'amount.\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        guard case .string(let code)? = fields["currency"], let currency = Currency(code: code) else {
            throw APIError.invalid("amount.currency", "amount.currency must be a supported ISO-4217 code.", code: "currency_not_supported")
        }
        guard let value = fields["value"] else {
            throw APIError.invalid("amount.value", "amount.value is required.", code: "parameter_missing")
        }
        return try PaymentRequest.parseAmount(value, currency: currency)
    }

    /// `bank_account`: the payer's account for a refund that goes by transfer.
    static func bankAccount(_ value: JSONValue) throws -> BankAccount {
        guard case .object(let fields) = value else { throw APIError.invalid("bank_account", "bank_account must be an object.") }
        let allowed = ["beneficiary_name", "bank", "number", "type", "branch"]
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid("bank_account.\(unknown.prefix(40))", "Unknown parameter 'bank_account.\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        func text(_ key: String, required: Bool = true) throws -> String? {
            guard let value = fields[key] else {
                if required { throw APIError.invalid("bank_account.\(key)", "bank_account.\(key) is required.", code: "parameter_missing") }
                return nil
            }
            guard case .string(let string) = value, (1...100).contains(string.unicodeScalars.count) else {
                throw APIError.invalid("bank_account.\(key)", "bank_account.\(key) must be a string of 1 to 100 characters.")
            }
            return string
        }
        let type = try text("type")!
        guard ["checking", "savings", "interbank"].contains(type) else {
            throw APIError.invalid("bank_account.type", "bank_account.type must be checking, savings or interbank.")
        }
        return BankAccount(beneficiaryName: try text("beneficiary_name")!, bank: try text("bank")!, number: try text("number")!, type: type,
                           branch: try text("branch", required: false))
    }
}
