import Foundation
import Synchronization

/// An emulator's ledger on disk: one JSON line per change (`{"kind": …, "value": …}`), replayed when the emulator
/// starts, so a restarted `pasarela sandbox --ledger DIR` remembers what its PSPs charged.
final class LedgerJournal: Sendable {
    private let handle: Mutex<FileHandle>

    /// Opens (creating if needed) the journal at `path` for appending.
    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        self.handle = Mutex(handle)
    }

    struct Line<Value: Encodable>: Encodable {
        var kind: String
        var value: Value
    }

    struct Kind: Decodable { var kind: String }

    struct Entry<Value: Decodable>: Decodable { var value: Value }

    /// Appends one change.
    func append<Value: Encodable>(_ kind: String, _ value: Value) {
        guard var data = try? JSONEncoder().encode(Line(kind: kind, value: value)) else { return }
        data.append(0x0A)
        handle.withLock { try? $0.write(contentsOf: data) }
    }

    /// Calls `apply` with each recorded change's kind and line, oldest first.
    static func replay(path: String, _ apply: (String, Data) throws -> Void) throws {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            let kind = try JSONDecoder().decode(Kind.self, from: Data(line)).kind
            try apply(kind, Data(line))
        }
    }

    /// The value of a recorded line.
    static func value<Value: Decodable>(_ line: Data, as type: Value.Type) throws -> Value {
        try JSONDecoder().decode(Entry<Value>.self, from: line).value
    }
}

/// Emulators that keep their ledger on disk when asked.
public protocol PersistentLedger {
    /// Replays the journal at `path` into the ledger, then records every change there.
    func persist(to path: String) throws
}
