import Foundation

/// The secrets one connection resolved at load, by the names its kind (or, for `generic`, its file) declares. Its
/// description never shows the values.
public struct DeclaredCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    private let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// The secret named `name`, if the connection has it.
    public func value(_ name: String) -> String? { values[name] }

    /// The secret named `name`, which the kind requires: present and not empty, or a problem naming it.
    public func required(_ name: String) throws(CredentialProblem) -> String {
        guard let value = values[name], !value.isEmpty else { throw CredentialProblem(name: name, message: "credentials.\(name) is required") }
        return value
    }

    public var names: [String] { values.keys.sorted() }
    /// Every value, for redaction.
    public var secrets: [String] { Array(values.values) }
    public var description: String { "Credentials(\(names.joined(separator: ", ")): redacted)" }
    public var debugDescription: String { description }
}

/// A credential a kind cannot work without, found missing or unusable when its config is loaded.
public struct CredentialProblem: Error, Sendable, Equatable {
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }
}

/// One kind of adapter (`kind:` in `adapters/NAME.yaml`): the credentials it takes, its factory, and the flows it offers.
/// A connection's adapter is made once, when its config is loaded, with its credentials typed: a missing or empty one
/// stops the load with the connection, the variable or file, and the fix, instead of failing its first call.
public struct AdapterKind: Sendable {
    public enum Credentials: Sendable {
        /// Fixed names: these are required, these may be given.
        case fixed(required: [String], optional: [String])
        /// The file declares its own (`kind: generic`): each declared one is required.
        case declaredByFile
    }

    public var name: String
    public var credentials: Credentials
    /// Makes the adapter of one connection: its resolved credentials, and for `generic` the protocol its file describes.
    public var make: @Sendable (DeclaredCredentials, GenericDescriptor?) throws(CredentialProblem) -> any PSPAdapter

    public init(name: String, credentials: Credentials,
                make: @escaping @Sendable (DeclaredCredentials, GenericDescriptor?) throws(CredentialProblem) -> any PSPAdapter) {
        self.name = name
        self.credentials = credentials
        self.make = make
    }
}

/// The adapter kinds this binary knows. Adding a kind is its folder (the adapter, its typed credentials, its
/// ``AdapterKind``) and one entry here.
public struct AdapterRegistry: Sendable {
    public let kinds: [String: AdapterKind]

    public init(_ kinds: [AdapterKind]) { self.kinds = Dictionary(uniqueKeysWithValues: kinds.map { ($0.name, $0) }) }

    public static let builtIn = AdapterRegistry([.dlocal, .checkout, .generic])

    public subscript(kind: String) -> AdapterKind? { kinds[kind] }
    public var names: [String] { kinds.keys.sorted() }
}
