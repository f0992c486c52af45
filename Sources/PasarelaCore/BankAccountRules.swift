import Foundation

/// The shape of a payer's bank account per country, checked before a refund reaches its PSP: a number the country's
/// banks cannot have, or a bank code of the wrong form, is refused with the field named instead of being sent to the
/// PSP (which would refuse it later, or e-mail the payer to ask again).
public enum BankAccountRules {
    /// A field of the account that cannot be right, and why.
    public struct Problem: Sendable, Equatable {
        /// `number` or `bank`.
        public var field: String
        public var message: String
    }

    /// What is wrong with `account` for a payer in `country`, or `nil` when its shape is possible there.
    /// Spaces and hyphens in the number are the payer's formatting and are ignored.
    public static func problem(_ account: BankAccount, country: String) -> Problem? {
        let number = String(account.number.filter { $0 != " " && $0 != "-" })
        let bank = account.bank.trimmingCharacters(in: .whitespaces)
        let code = bank.count == 3 && bank.allSatisfy(\.isASCIIDigit) ? bank : nil
        switch country {
        case "PE":
            // Account numbers run 10 to 18 digits by bank; a CCI (interbank code) is 20, its first 3 the bank's code.
            guard number.allSatisfy(\.isASCIIDigit) else { return .init(field: "number", message: "A Peruvian account number has only digits.") }
            if account.type == "interbank" {
                guard number.count == 20 else {
                    return .init(field: "number", message: "A Peruvian interbank account (CCI) has 20 digits; this has \(number.count).")
                }
                if let code, !number.hasPrefix(code) {
                    return .init(field: "bank", message: "The CCI starts with bank code \(number.prefix(3)), not \(code).")
                }
            } else if !(10...18).contains(number.count) {
                return .init(field: "number", message: "A Peruvian account number has 10 to 18 digits; this has \(number.count) (a CCI has 20: type interbank).")
            }
        case "MX":
            guard number.count == 18, number.allSatisfy(\.isASCIIDigit) else {
                return .init(field: "number", message: "A Mexican account is refunded to its CLABE: 18 digits.")
            }
            guard clabeChecks(number) else { return .init(field: "number", message: "The CLABE's check digit does not match: a digit is wrong.") }
            if let code, !number.hasPrefix(code) {
                return .init(field: "bank", message: "The CLABE starts with bank code \(number.prefix(3)), not \(code).")
            }
        case "AR":
            guard number.count == 22, number.allSatisfy(\.isASCIIDigit) else {
                return .init(field: "number", message: "An Argentine account is refunded to its CBU or CVU: 22 digits.")
            }
        case "BR":
            // Account digits, then an optional check digit (0-9 or X) after a hyphen the payer may have typed.
            let body = number.dropLast(number.last.map { $0 == "X" || $0 == "x" } == true ? 1 : 0)
            guard (3...13).contains(number.count), body.allSatisfy(\.isASCIIDigit) else {
                return .init(field: "number", message: "A Brazilian account number has 3 to 13 digits (the last may be an X).")
            }
            guard code != nil else { return .init(field: "bank", message: "A Brazilian bank is named by its 3-digit COMPE code (001, 237, 341...).") }
        default:
            let range = countryLengths[country] ?? 4...34
            guard range.contains(number.count), number.allSatisfy(\.isASCIIDigit) else {
                return .init(field: "number", message: "An account number in \(country) has \(range.lowerBound) to \(range.upperBound) digits.")
            }
        }
        guard code != nil || (2...60).contains(bank.count) && bank.allSatisfy({ $0.isLetter || $0.isNumber || " .&-".contains($0) }) else {
            return .init(field: "bank", message: "The bank is its code (3 digits) or its name (2 to 60 letters).")
        }
        return nil
    }

    /// Account number lengths where only digits are checked.
    static let countryLengths: [String: ClosedRange<Int>] = ["CO": 6...17, "CL": 5...20, "UY": 4...20]

    /// A CLABE's 18th digit: weights 3, 7, 1 over the first 17, summed modulo 10, subtracted from 10.
    static func clabeChecks(_ clabe: String) -> Bool {
        let digits = clabe.compactMap(\.wholeNumberValue)
        guard digits.count == 18 else { return false }
        let weights = [3, 7, 1]
        let sum = (0..<17).reduce(0) { $0 + (digits[$1] * weights[$1 % 3]) % 10 }
        return (10 - sum % 10) % 10 == digits[17]
    }
}
