import Foundation
import PasarelaCore

/// Reads a settlement report in its connection's layout into checked lines. Every problem names its line; a file with
/// any problem yields no lines at all.
public enum SettlementFile {
    public static func lines(_ bytes: [UInt8], layout: SettlementLayout) throws(SettlementFileError) -> [SettlementLine] {
        let records = try CSVReader.records(bytes, delimiter: layout.delimiter)
        let expected = SettlementLayout.Field.allCases.compactMap { layout.columns[$0] }
        guard let header = records.first else {
            throw SettlementFileError(line: nil, "the file is empty; a \(layout.name) starts with the header row \(expected.joined(separator: ","))")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [SettlementLayout.Field: Int] = [:]
        for (field, column) in layout.columns {
            guard let position = names.firstIndex(where: { $0.caseInsensitiveCompare(column) == .orderedSame }) else {
                throw SettlementFileError(line: header.line, "no column '\(column)': this is not a \(layout.name) (its header is \(expected.joined(separator: ",")))")
            }
            index[field] = position
        }
        if let repeated = names.enumerated().first(where: { item in names.prefix(item.offset).contains(item.element) && !item.element.isEmpty }) {
            throw SettlementFileError(line: header.line, "the column '\(repeated.element)' appears twice")
        }
        let pattern = layout.paymentIdPattern.flatMap { try? Regex($0) }
        let dates = DateReader(layout)
        var lines: [SettlementLine] = []
        var seen: [String: Int] = [:]
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                throw SettlementFileError(line: record.line, "\(record.fields.count) fields where the header has \(names.count)")
            }
            let reader = LineReader(record: record, index: index, layout: layout, dates: dates)
            guard let line = try reader.line(pattern: pattern) else { continue }
            if let first = seen[line.key] {
                throw SettlementFileError(line: record.line, "repeats line \(first) (the same \(layout.key.map(\.rawValue).joined(separator: " and ")))")
            }
            seen[line.key] = record.line
            lines.append(line)
        }
        return lines
    }
}

/// One record read by the layout's columns.
struct LineReader {
    let record: CSVReader.Record
    let index: [SettlementLayout.Field: Int]
    let layout: SettlementLayout
    let dates: DateReader

    func value(_ field: SettlementLayout.Field) -> String? {
        guard let position = index[field] else { return nil }
        let text = record.fields[position].trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    func required(_ field: SettlementLayout.Field) throws(SettlementFileError) -> String {
        guard let text = value(field) else { throw SettlementFileError(line: record.line, "\(layout.columns[field] ?? field.rawValue) is empty") }
        return text
    }

    /// The line, or `nil` for a kind of line that moves no money.
    func line(pattern: Regex<AnyRegexOutput>?) throws(SettlementFileError) -> SettlementLine? {
        var kind = SettlementKind.payment
        var word = "payment"
        if index[.kind] != nil {
            word = try required(.kind)
            guard let known = layout.kinds.first(where: { $0.key.caseInsensitiveCompare(word) == .orderedSame }) else {
                let words = layout.kinds.keys.sorted().joined(separator: ", ")
                throw SettlementFileError(line: record.line, "unknown \(layout.columns[.kind] ?? "kind") '\(word.prefix(40))'; this layout knows \(words)")
            }
            guard let mapped = known.value else { return nil }
            kind = mapped
        }
        let paymentId = kind == .fee ? value(.pspPaymentId) : try required(.pspPaymentId)
        if let paymentId, let pattern, (try? pattern.wholeMatch(in: paymentId)) == nil {
            throw SettlementFileError(line: record.line, "payment id '\(paymentId.prefix(60))' is not one of this connection's; is the file from another connection?")
        }
        let code = try required(.currency)
        guard let currency = Currency(code: code.uppercased()) else {
            throw SettlementFileError(line: record.line, "currency '\(code.prefix(10))' is not a supported ISO-4217 code")
        }
        let amount = try money(.amount, currency)
        let fee = value(.fee) == nil ? nil : try money(.fee, currency)
        let text = try required(.date)
        guard let date = dates.read(text) else {
            throw SettlementFileError(line: record.line, "\(layout.columns[.date] ?? "date") '\(text.prefix(40))' is not a date as this layout writes them")
        }
        let keyParts = layout.key.map { field in field == .kind ? kind.rawValue : value(field) ?? "" }
        return SettlementLine(line: record.line, key: keyParts.joined(separator: "|"), kind: kind, pspKind: word, pspPaymentId: paymentId,
                              pspRefundId: value(.pspRefundId), reference: value(.reference), amount: amount, fee: fee, date: date)
    }

    /// An amount as the layout writes it, its sign dropped.
    func money(_ field: SettlementLayout.Field, _ currency: Currency) throws(SettlementFileError) -> Money {
        let text = try required(field)
        let parsed: Money? = if layout.minorUnits {
            Int64(text).flatMap { abs($0) <= Money.maximumMinorUnits ? Money(minorUnits: $0, currency: currency) : nil }
        } else {
            Money(majorUnits: text, currency: currency)
        }
        guard let parsed else {
            let form = layout.minorUnits ? "an integer of minor units" : "a decimal with at most \(currency.exponent) decimals"
            throw SettlementFileError(line: record.line, "\(layout.columns[field] ?? field.rawValue) '\(text.prefix(30))' is not \(form) of \(currency.code)")
        }
        return Money(minorUnits: abs(parsed.minorUnits), currency: currency)
    }
}

/// Reads dates as a layout writes them.
struct DateReader {
    let formatter: DateFormatter?

    init(_ layout: SettlementLayout) {
        guard case .pattern(let pattern) = layout.dateFormat else {
            formatter = nil
            return
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = layout.timeZone
        formatter.dateFormat = pattern
        formatter.isLenient = false
        self.formatter = formatter
    }

    func read(_ text: String) -> Date? {
        guard let formatter else { return Timestamps.parse(text) }
        return formatter.date(from: text)
    }
}
