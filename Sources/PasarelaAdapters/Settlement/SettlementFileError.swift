/// Why a settlement file cannot be imported: the line it is about (when one) and what is wrong. Nothing of the file is
/// written when there is one.
public struct SettlementFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}
