import Foundation
import PasarelaCore

/// The JSON columns of a payment row (`customer_json`, `metadata_json`, `next_action_json`), written and read by hand
/// with the strict reader: they are on every write and every read of a payment. The text is the one Foundation's
/// `JSONEncoder` wrote before (sorted keys, nil fields left out, dates as milliseconds since 1970), so rows written by
/// either read the same.
enum StoredJSON {
    struct Unreadable: Error {}

    static func text(_ value: JSONValue) -> String { String(decoding: value.bytes, as: UTF8.self) }

    static func object(_ text: String) throws -> [String: JSONValue] {
        guard case .object(let fields)? = try? JSONValue.parse(Array(text.utf8), bigIntegers: .keepAsText) else { throw Unreadable() }
        return fields
    }

    static func string(_ fields: [String: JSONValue], _ key: String) throws -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw Unreadable()
        }
    }

    // MARK: Customer

    static func encode(_ customer: Customer) -> String {
        var fields: [String: JSONValue] = ["name": .string(customer.name), "email": .string(customer.email)]
        if let document = customer.document {
            fields["document"] = .object(["type": .string(document.type), "number": .string(document.number)])
        }
        return text(.object(fields))
    }

    static func customer(_ text: String) throws -> Customer {
        let fields = try object(text)
        guard let name = try string(fields, "name"), let email = try string(fields, "email") else { throw Unreadable() }
        var customer = Customer(name: name, email: email)
        if case .object(let document)? = fields["document"] {
            guard let type = try string(document, "type"), let number = try string(document, "number") else { throw Unreadable() }
            customer.document = Document(type: type, number: number)
        }
        return customer
    }

    // MARK: Metadata

    static func encode(_ metadata: [String: String]) -> String { text(.object(metadata.mapValues(JSONValue.string))) }

    static func metadata(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in try object(text) {
            guard case .string(let text) = value else { throw Unreadable() }
            out[key] = text
        }
        return out
    }

    // MARK: Next action

    static func encode(_ action: NextAction) -> String {
        switch action {
        case .displayVoucher(let code, let barcode, let voucherURL, let expiresAt):
            var fields: [String: JSONValue] = ["code": .string(code)]
            if let barcode { fields["barcode"] = .string(barcode) }
            if let voucherURL { fields["voucherURL"] = .string(voucherURL) }
            if let expiresAt { fields["expiresAt"] = .int(Int64((expiresAt.timeIntervalSince1970 * 1000).rounded())) }
            return text(.object(["displayVoucher": .object(fields)]))
        case .redirect(let url):
            return text(.object(["redirect": .object(["url": .string(url)])]))
        }
    }

    static func nextAction(_ text: String) throws -> NextAction {
        let fields = try object(text)
        if case .object(let voucher)? = fields["displayVoucher"] {
            guard let code = try string(voucher, "code") else { throw Unreadable() }
            var expiresAt: Date?
            if let value = voucher["expiresAt"], value != .null {
                guard let millis = value.decimalValue else { throw Unreadable() }
                expiresAt = Date(timeIntervalSince1970: NSDecimalNumber(decimal: millis).doubleValue / 1000)
            }
            return .displayVoucher(code: code, barcode: try string(voucher, "barcode"), voucherURL: try string(voucher, "voucherURL"),
                                   expiresAt: expiresAt)
        }
        if case .object(let redirect)? = fields["redirect"], let url = try string(redirect, "url") { return .redirect(url: url) }
        throw Unreadable()
    }
}
