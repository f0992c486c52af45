import Foundation

/// An emulator's records by key, in insertion order, with at most `limit` of them in memory: past that, the ones that
/// entered memory first are moved to a scratch file (one JSON line each) and read back from there when asked for. A PSP
/// never forgets a payment, and neither does the emulator: what leaves memory is still found, listed and changed, so
/// a long load keeps a bounded heap instead of every payment it ever took.
struct SpillingLedger<Key: Hashable & Sendable, Value: Codable & Sendable>: Sendable {
    /// The most records kept in memory.
    static var defaultLimit: Int { 5_000 }

    let limit: Int
    private var memory: [Key: Value] = [:]
    /// Keys in memory, first come first (from `head` on; earlier slots are stale).
    private var queue: [Key] = []
    private var head = 0
    private var spilled: [Key: Range<UInt64>] = [:]
    private let scratch: Scratch
    /// Every key, oldest first.
    private(set) var keys: [Key] = []

    init(limit: Int = Self.defaultLimit) {
        self.limit = max(1, limit)
        scratch = Scratch()
    }

    var count: Int { keys.count }
    /// How many records are in memory now.
    var inMemory: Int { memory.count }

    subscript(key: Key) -> Value? {
        get {
            if let value = memory[key] { return value }
            guard let range = spilled[key] else { return nil }
            return scratch.read(range, as: Value.self)
        }
        set {
            guard let newValue else {
                preconditionFailure("ledger records are never removed")
            }
            if memory.updateValue(newValue, forKey: key) == nil {
                if spilled.removeValue(forKey: key) == nil { keys.append(key) }
                queue.append(key)
                evict()
            }
        }
    }

    func contains(_ key: Key) -> Bool { memory[key] != nil || spilled[key] != nil }

    /// Every record, oldest first.
    func all() -> [Value] { keys.compactMap { self[$0] } }

    private mutating func evict() {
        while memory.count > limit, head < queue.count {
            let key = queue[head]
            head += 1
            guard let value = memory[key], let range = scratch.append(value) else { continue }
            memory[key] = nil
            spilled[key] = range
        }
        if head > 4096, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}

/// The scratch file behind a ``SpillingLedger``: created on first use in the temporary folder and removed at once
/// (the open handle keeps it), so nothing is left behind when the process ends.
final class Scratch: @unchecked Sendable {
    private var handle: FileHandle?
    private var end: UInt64 = 0
    private let lock = NSLock()

    func append<Value: Encodable>(_ value: Value) -> Range<UInt64>? {
        guard var line = try? JSONEncoder().encode(value) else { return nil }
        line.append(0x0A)
        return lock.withLock {
            guard let handle = opened() else { return nil }
            do {
                try handle.seek(toOffset: end)
                try handle.write(contentsOf: line)
            } catch {
                return nil
            }
            let range = end..<(end + UInt64(line.count))
            end = range.upperBound
            return range
        }
    }

    func read<Value: Decodable>(_ range: Range<UInt64>, as type: Value.Type) -> Value? {
        let data: Data? = lock.withLock {
            guard let handle else { return nil }
            try? handle.seek(toOffset: range.lowerBound)
            return try? handle.read(upToCount: Int(range.count))
        }
        return data.flatMap { try? JSONDecoder().decode(Value.self, from: $0) }
    }

    private func opened() -> FileHandle? {
        if let handle { return handle }
        let path = NSTemporaryDirectory() + "pasarela-sandbox-ledger-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forUpdatingAtPath: path) else { return nil }
        unlink(path)
        self.handle = handle
        return handle
    }

    deinit { try? handle?.close() }
}
