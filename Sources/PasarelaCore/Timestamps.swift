import Foundation

/// Formatting of instants: RFC 3339 in UTC for the API, and Lima local time (UTC−05:00, no DST)
/// for what a payer reads, such as a voucher's expiry.
///
/// Written with civil-calendar arithmetic (proleptic Gregorian, H. Hinnant's days-from-civil), not `DateFormatter`:
/// these run on every request and every PSP answer, and ICU formatters cost tens of microseconds each.
public enum Timestamps {
    /// Lima's fixed offset. America/Lima has had no DST since 1994, so a fixed zone avoids
    /// depending on the machine's tz database.
    public static let lima = TimeZone(secondsFromGMT: -5 * 3600)!
    static let limaOffset = -5 * 3600

    /// `2026-11-27T10:04:05-05:00`
    public static func lima(_ date: Date) -> String { format(date, offset: limaOffset, millis: false) }

    /// `2026-11-26T15:04:05Z`
    public static func utc(_ date: Date) -> String { format(date, offset: 0, millis: false) }

    /// `2026-11-26T15:04:05.123Z`, the form dLocal's `X-Date` header takes.
    public static func utcMillis(_ date: Date) -> String { format(date, offset: 0, millis: true) }

    /// Parses RFC 3339 / ISO 8601 with or without fractional seconds (any number of digits; those past the
    /// milliseconds are dropped) and with `Z`, `+hh:mm` or `+hhmm`.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// `2026-11-26 15:04:05.123`: how SQLite rows hold instants (GRDB's format, UTC).
    public static func sqlText(_ date: Date) -> String {
        format(date, offset: 0, millis: true, separator: UInt8(ascii: " "), zone: false)
    }

    /// Reads ``sqlText(_:)``; `nil` for another form.
    public static func parseSQLText(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 23, bytes[10] == UInt8(ascii: " ") else { return nil }
            var copy = Array(bytes)
            copy[10] = UInt8(ascii: "T")
            copy.append(UInt8(ascii: "Z"))
            return copy.withUnsafeBufferPointer { parse($0) }
        }
    }

    // MARK: - Formatting

    /// - Parameters:
    ///   - separator: between the date and the time (`T`, or a space for SQLite's form).
    ///   - zone: whether `Z` or the offset is written.
    static func format(_ date: Date, offset: Int, millis: Bool, separator: UInt8 = UInt8(ascii: "T"), zone: Bool = true) -> String {
        // Whole milliseconds, floored (15:04:05.9996 is still second 05), after rounding to the microsecond so a binary
        // fraction just under a millisecond (…334.9999999) does not lose it.
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let totalMillis = floorDiv(micros, 1000) + Int64(offset) * 1000
        let seconds = floorDiv(totalMillis, 1000), milliseconds = Int(totalMillis - seconds * 1000)
        let days = floorDiv(seconds, 86_400), secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civil(fromDays: days)
        var out: [UInt8] = []
        out.reserveCapacity(29)
        append(&out, year, digits: 4)
        out.append(UInt8(ascii: "-")); append(&out, month, digits: 2)
        out.append(UInt8(ascii: "-")); append(&out, day, digits: 2)
        out.append(separator); append(&out, secondOfDay / 3600, digits: 2)
        out.append(UInt8(ascii: ":")); append(&out, secondOfDay / 60 % 60, digits: 2)
        out.append(UInt8(ascii: ":")); append(&out, secondOfDay % 60, digits: 2)
        if millis { out.append(UInt8(ascii: ".")); append(&out, milliseconds, digits: 3) }
        if zone, offset == 0 {
            out.append(UInt8(ascii: "Z"))
        } else if zone {
            out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
            append(&out, abs(offset) / 3600, digits: 2)
            out.append(UInt8(ascii: ":")); append(&out, abs(offset) / 60 % 60, digits: 2)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` in decimal, zero-padded to `digits` (a longer number is written whole).
    static func append(_ out: inout [UInt8], _ value: Int, digits: Int) {
        let value = max(0, value)
        var width = 1, limit = 10
        while limit <= value { width += 1; limit *= 10 }
        width = max(width, digits)
        // Written in place from the last digit back: no array per number.
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
        var rest = value, index = start + width - 1
        while rest > 0 {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
    }

    // MARK: - Parsing

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Date? {
        // YYYY-MM-DDTHH:MM:SS
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = number(b, 0, 4), let month = number(b, 5, 2), let day = number(b, 8, 2),
              let hour = number(b, 11, 2), let minute = number(b, 14, 2), let second = number(b, 17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        var index = 19, millis = 0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, isDigit(b[index]) {
                if index - start < 3 { millis = millis * 10 + Int(b[index] - UInt8(ascii: "0")) }
                index += 1
            }
            let count = index - start
            guard count > 0 else { return nil }
            for _ in min(count, 3)..<3 { millis *= 10 }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(b, index, 2) else { return nil }
            index += 2
            if index < b.count, b[index] == UInt8(ascii: ":") { index += 1 }
            guard let minutes = number(b, index, 2), hours < 24, minutes < 60 else { return nil }
            index += 2
            offset = sign * (hours * 3600 + minutes * 60)
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// The decimal number in `count` digits at `start`, or `nil` when any is not a digit or the text ends.
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var value = 0
        for index in start..<start + count {
            guard isDigit(b[index]) else { return nil }
            value = value * 10 + Int(b[index] - UInt8(ascii: "0"))
        }
        return value
    }

    // MARK: - Civil calendar

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a civil date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let m = Int64(month), d = Int64(day)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day counted from 1970-01-01.
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
