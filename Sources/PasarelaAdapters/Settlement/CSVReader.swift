/// Reads CSV as RFC 4180 writes it: fields separated by a delimiter, optionally in double quotes (a quote inside doubled),
/// records ended by LF or CRLF, a UTF-8 byte-order mark ignored. Each record keeps the line it starts on.
public enum CSVReader {
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    public static func records(_ bytes: [UInt8], delimiter: Character = ",") throws(SettlementFileError) -> [Record] {
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw SettlementFileError(line: nil, "the file is not UTF-8 text") }
        var text = Substring(decoded)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var fieldWasQuoted = false
        var line = 1
        var recordLine = 1
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let character = pending { pending = nil; return character }
            return iterator.next()
        }
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        while let character = next() {
            if quoted {
                if character == "\"" {
                    if let following = next() {
                        if following == "\"" { field.append("\"") } else { quoted = false; pending = following }
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"":
                guard field.isEmpty, !fieldWasQuoted else { throw SettlementFileError(line: line, "a quote inside an unquoted field") }
                quoted = true
                fieldWasQuoted = true
            case delimiter:
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                guard !fieldWasQuoted else { throw SettlementFileError(line: line, "text after a closing quote") }
                field.append(character)
            }
        }
        if quoted { throw SettlementFileError(line: recordLine, "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}
