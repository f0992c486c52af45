import Foundation
import PasarelaCore

/// A card source as the Checkout emulator checks it: `token`/`id` by prefix, a full `card` by Luhn and expiry.
struct CheckoutEmulatorCard {
    var last4: String?
    /// The response code a test token asks for (`tok_decline_<code>`).
    var declineCode: Int?
}

extension CheckoutEmulator {
    static func card(_ source: CheckoutEmulatorRequest.Source, type: String, now: Date) throws(CheckoutEmulatorError) -> CheckoutEmulatorCard {
        guard type == "card" else {
            let token = source.token ?? source.id ?? ""
            guard token.hasPrefix("tok_") || token.hasPrefix("src_") else { throw .invalid(type == "token" ? "token_invalid" : "source_id_invalid") }
            var card = CheckoutEmulatorCard(last4: "4242")
            if token.hasPrefix("tok_decline_"), let code = Int(token.dropFirst(12)), (20000..<50000).contains(code) { card.declineCode = code }
            return card
        }
        guard let number = source.number, (12...19).contains(number.count), number.allSatisfy(\.isASCIIDigit), luhn(number) else {
            throw .invalid("card_number_invalid")
        }
        guard let month = source.expiryMonth, (1...12).contains(month) else { throw .invalid("card_expiry_month_invalid") }
        guard let year = source.expiryYear, (2000...2099).contains(year) else { throw .invalid("card_expiry_year_invalid") }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(secondsFromGMT: 0)!
        let today = utc.dateComponents([.year, .month], from: now)
        guard (year, month) >= (today.year ?? 0, today.month ?? 0) else { throw .invalid("card_expired") }
        if let cvv = source.cvv, !((3...4).contains(cvv.count) && cvv.allSatisfy(\.isASCIIDigit)) { throw .invalid("cvv_invalid") }
        return CheckoutEmulatorCard(last4: String(number.suffix(4)))
    }

    /// The Luhn check digit test card numbers pass.
    static func luhn(_ number: String) -> Bool {
        var sum = 0
        for (index, character) in number.reversed().enumerated() {
            guard var digit = character.wholeNumberValue else { return false }
            if index % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }
}
