import Yams

/// Walks a YAML document node by node, recording each problem with its file, line and column,
/// so a config owner sees every mistake at once instead of the first one.
final class YAMLReader {
    let file: String
    private(set) var problems: [ConfigProblem] = []

    init(file: String) { self.file = file }

    /// Parses `text`; a syntax error becomes a problem and the result is `nil`.
    func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                problem(at: nil, "the file is empty")
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let text, let mark, _), .parser(_, let text, let mark, _), .composer(_, let text, let mark, _):
                problems.append(ConfigProblem(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(text)"))
            default:
                problem(at: nil, "YAML syntax: \(error)")
            }
            return nil
        } catch {
            problem(at: nil, "YAML syntax: \(error)")
            return nil
        }
    }

    func problem(at node: Node?, _ message: String) {
        let mark = node?.mark
        problems.append(ConfigProblem(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    /// The entries of a mapping, refusing keys not in `allowed` (typos must not pass silently) and duplicates.
    /// - Parameter allowed: the keys `what` may have; `nil` takes any key (a map by merchant id, say).
    func mapping(_ node: Node, _ what: String, allowed: Set<String>?) -> [(key: String, keyNode: Node, value: Node)] {
        guard let mapping = node.mapping else {
            problem(at: node, "\(what) must be a mapping")
            return []
        }
        var seen: Set<String> = []
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                problem(at: keyNode, "\(what) has a key that is not a plain word")
                continue
            }
            if let allowed, !allowed.contains(key) {
                let suggestion = allowed.min { editDistance($0, key) < editDistance($1, key) }
                let hint = suggestion.map { editDistance($0, key) <= 2 ? " (did you mean '\($0)'?)" : "" } ?? ""
                problem(at: keyNode, "unknown key '\(key)' in \(what)\(hint); allowed: \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            guard seen.insert(key).inserted else {
                problem(at: keyNode, "key '\(key)' appears twice in \(what)")
                continue
            }
            entries.append((key, keyNode, value))
        }
        return entries
    }

    func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            problem(at: node, "\(what) must be a non-empty text value")
            return nil
        }
        return scalar.string
    }

    func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let text = node.scalar?.string, let value = Int(text) else {
            problem(at: node, "\(what) must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            problem(at: node, "\(what) must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A single text value or a list of them (`PE` or `[PE, MX]`): lists mean "any of".
    func stringList(_ node: Node, _ what: String) -> [String] {
        if node.scalar != nil { return string(node, what).map { [$0] } ?? [] }
        guard let sequence = node.sequence else {
            problem(at: node, "\(what) must be a value or a list of values")
            return []
        }
        if sequence.isEmpty { problem(at: node, "\(what) must not be an empty list") }
        return sequence.compactMap { string($0, what) }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
