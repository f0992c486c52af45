import Foundation
import PasarelaStore

/// Operators as `pasarela operators` makes them: a name, a password (hashed with ``PasswordHash``) and a role.
public struct OperatorAccounts: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        /// Sees every page; changes nothing.
        case viewer
        /// Also saves rules and acts on payments (redeliver, cancel, capture, refund).
        case editor
    }

    public enum Problem: Error, CustomStringConvertible, Equatable {
        case badName
        case weakPassword
        case exists(String)
        case unknown(String)

        public var description: String {
            switch self {
            case .badName: "an operator name is 1 to 64 letters, digits, '.', '_', '-' or '@'"
            case .weakPassword: "a password has at least 12 characters"
            case .exists(let name): "an operator named \(name) exists"
            case .unknown(let name): "no operator named \(name)"
            }
        }
    }

    let store: any OperatorStore
    let hashing: PasswordHash
    let now: @Sendable () -> Date

    public init(store: any OperatorStore, hashing: PasswordHash = .standard, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.hashing = hashing
        self.now = now
    }

    public func add(name: String, password: String, role: Role) async throws {
        guard Self.validName(name) else { throw Problem.badName }
        guard password.count >= 12 else { throw Problem.weakPassword }
        let record = OperatorRecord(name: name, passwordHash: try hashing.hash(password), role: role.rawValue, createdAt: now())
        guard try await store.addOperator(record) else { throw Problem.exists(name) }
    }

    public func list() async throws -> [OperatorRecord] { try await store.operators() }

    /// Disables (ending every session of theirs) or enables an operator.
    public func setDisabled(_ name: String, _ disabled: Bool) async throws {
        guard try await store.setOperatorDisabled(name, disabled) else { throw Problem.unknown(name) }
    }

    static func validName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-_@".unicodeScalars.contains($0)
        }
    }
}
