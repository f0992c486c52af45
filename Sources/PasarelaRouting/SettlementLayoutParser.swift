import Foundation
import PasarelaAdapters
import PasarelaCore
import Yams

/// Reads `settlement:` of a generic adapter file into a ``SettlementLayout``, each problem at its line and column.
struct SettlementLayoutParser {
    let reader: YAMLReader

    static let keys: Set<String> = ["name", "columns", "kinds", "amount_format", "date_format", "time_zone", "key", "payment_id_pattern",
                                    "delimiter"]

    func parse(_ node: Node) -> SettlementLayout? {
        var name = "settlement report"
        var columns: [SettlementLayout.Field: String] = [:]
        var kinds: [String: SettlementKind?] = [:]
        var minorUnits = false
        var dateFormat = SettlementLayout.DateFormat.iso8601
        var timeZone = TimeZone(secondsFromGMT: 0)!
        var key: [SettlementLayout.Field] = []
        var pattern: String?
        var delimiter: Character = ","
        for entry in reader.mapping(node, "settlement", allowed: Self.keys) {
            switch entry.key {
            case "name": name = reader.string(entry.value, "settlement.name") ?? name
            case "columns":
                let allowed = Set(SettlementLayout.Field.allCases.map(\.rawValue))
                for column in reader.mapping(entry.value, "settlement.columns", allowed: allowed) {
                    guard let field = SettlementLayout.Field(rawValue: column.key),
                          let header = reader.string(column.value, "settlement.columns.\(column.key)") else { continue }
                    columns[field] = header
                }
            case "kinds":
                guard let mapping = entry.value.mapping else {
                    reader.problem(at: entry.value, "settlement.kinds must map the PSP's words to payment, refund, chargeback, fee or ignore")
                    continue
                }
                for (wordNode, kindNode) in mapping {
                    guard let word = wordNode.scalar?.string, let value = reader.string(kindNode, "settlement.kinds.\(wordNode.scalar?.string ?? "")") else { continue }
                    if value == "ignore" { kinds[word] = .some(nil); continue }
                    guard let kind = SettlementKind(rawValue: value) else {
                        reader.problem(at: kindNode, "unknown kind '\(value)'; use payment, refund, chargeback, fee or ignore")
                        continue
                    }
                    kinds[word] = kind
                }
            case "amount_format":
                switch reader.string(entry.value, "settlement.amount_format") {
                case "decimal": minorUnits = false
                case "minor": minorUnits = true
                default: reader.problem(at: entry.value, "settlement.amount_format must be decimal or minor")
                }
            case "date_format":
                guard let text = reader.string(entry.value, "settlement.date_format") else { continue }
                dateFormat = text == "iso8601" ? .iso8601 : .pattern(text)
                if text != "iso8601", !text.contains("yy") || !text.contains("dd") {
                    reader.problem(at: entry.value, "settlement.date_format is iso8601 or a date pattern such as dd/MM/yyyy HH:mm:ss")
                }
            case "time_zone":
                guard let text = reader.string(entry.value, "settlement.time_zone") else { continue }
                guard let zone = Self.zone(text) else {
                    reader.problem(at: entry.value, "settlement.time_zone must be UTC, America/Lima or another IANA zone name")
                    continue
                }
                timeZone = zone
            case "key":
                for word in reader.stringList(entry.value, "settlement.key") {
                    guard let field = SettlementLayout.Field(rawValue: word) else {
                        reader.problem(at: entry.value, "settlement.key names '\(word)', not a field; fields: \(SettlementLayout.Field.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    key.append(field)
                }
            case "payment_id_pattern": pattern = reader.string(entry.value, "settlement.payment_id_pattern")
            case "delimiter":
                guard let text = reader.string(entry.value, "settlement.delimiter"), text.count == 1, let character = text.first,
                      character != "\"", !character.isNewline else {
                    reader.problem(at: entry.value, "settlement.delimiter must be one character, not a quote or a line break")
                    continue
                }
                delimiter = character
            default: break
            }
        }
        if columns[.kind] != nil, kinds.isEmpty { reader.problem(at: node, "settlement.kinds is required when a kind column is named") }
        if key.isEmpty { key = columns[.kind] != nil ? [.kind, .pspPaymentId] : [.pspPaymentId] }
        let layout = SettlementLayout(name: name, columns: columns, kinds: kinds, minorUnits: minorUnits, dateFormat: dateFormat,
                                      timeZone: timeZone, key: key, paymentIdPattern: pattern, delimiter: delimiter)
        for problem in layout.problems { reader.problem(at: node, problem) }
        return layout.problems.isEmpty ? layout : nil
    }

    /// `UTC`, `America/Lima` (a fixed UTC−05:00, independent of the machine's zone database) or another IANA name.
    static func zone(_ text: String) -> TimeZone? {
        switch text {
        case "UTC", "Z": TimeZone(secondsFromGMT: 0)
        case "America/Lima": Timestamps.lima
        default: TimeZone(identifier: text)
        }
    }
}
