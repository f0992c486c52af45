import Foundation

/// Formatting of instants: RFC 3339 in UTC for the API, and Lima local time (UTC−05:00, no DST)
/// for what a payer reads, such as a voucher's expiry.
public enum Timestamps {
    /// Lima's fixed offset. America/Lima has had no DST since 1994, so a fixed zone avoids
    /// depending on the machine's tz database.
    public static let lima = TimeZone(secondsFromGMT: -5 * 3600)!

    /// `2026-11-27T10:04:05-05:00`
    public static func lima(_ date: Date) -> String {
        formatter(format: "yyyy-MM-dd'T'HH:mm:ssxxx", zone: lima).string(from: date)
    }

    /// `2026-11-26T15:04:05Z`
    public static func utc(_ date: Date) -> String {
        formatter(format: "yyyy-MM-dd'T'HH:mm:ss'Z'", zone: TimeZone(secondsFromGMT: 0)!).string(from: date)
    }

    /// `2026-11-26T15:04:05.123Z`, the form dLocal's `X-Date` header takes.
    public static func utcMillis(_ date: Date) -> String {
        formatter(format: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", zone: TimeZone(secondsFromGMT: 0)!).string(from: date)
    }

    /// Parses RFC 3339 / ISO 8601 with or without fractional seconds and with `Z`, `+hh:mm` or `+hhmm`.
    public static func parse(_ text: String) -> Date? {
        // Pick the one pattern the text's shape calls for: each failed DateFormatter attempt costs tens of µs.
        let fraction = text.contains(".") ? ".SSS" : ""
        let offset = text.hasSuffix("Z") || text.suffix(6).contains(":") ? "XXXXX" : "xx"
        if let date = formatter(format: "yyyy-MM-dd'T'HH:mm:ss\(fraction)\(offset)", zone: TimeZone(secondsFromGMT: 0)!).date(from: text) {
            return date
        }
        // More than three fractional digits (`.4821546Z`): drop the excess and try again.
        if let dot = text.firstIndex(of: "."),
           let end = text[dot...].firstIndex(where: { !$0.isASCIIDigit && $0 != "." }),
           text.distance(from: dot, to: end) > 4 {
            let trimmed = String(text[..<text.index(dot, offsetBy: 4)]) + String(text[end...])
            return parse(trimmed)
        }
        return nil
    }

    private static func formatter(format: String, zone: TimeZone) -> DateFormatter {
        let key = "pasarela.df.\(format).\(zone.secondsFromGMT())"
        if let cached = Thread.current.threadDictionary[key] as? DateFormatter { return cached }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = format
        Thread.current.threadDictionary[key] = formatter
        return formatter
    }
}
