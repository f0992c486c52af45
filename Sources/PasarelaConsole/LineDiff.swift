/// A line diff (longest common subsequence), for a save's audit entry and a conflict's page.
public enum LineDiff {
    public enum Line: Sendable, Equatable {
        case same(String)
        case added(String)
        case removed(String)
    }

    public static func diff(_ old: String, _ new: String) -> [Line] {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Files of a few thousand lines at most: the table is small enough.
        guard a.count * b.count <= 25_000_000 else { return a.map(Line.removed) + b.map(Line.added) }
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var lines: [Line] = [], i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] == b[j] {
                lines.append(.same(a[i])); i += 1; j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                lines.append(.removed(a[i])); i += 1
            } else {
                lines.append(.added(b[j])); j += 1
            }
        }
        lines += a[i...].map(Line.removed) + b[j...].map(Line.added)
        return lines
    }

    /// The changed lines with `+`/`-`, as the audit log keeps them.
    public static func unified(_ lines: [Line]) -> String {
        lines.compactMap { line in
            switch line {
            case .same: nil
            case .added(let text): "+" + text
            case .removed(let text): "-" + text
            }
        }.joined(separator: "\n")
    }
}
