import Foundation

extension AdapterKind {
    /// A PSP described by its file: it declares its credentials, each required, and its whole protocol.
    public static let generic = AdapterKind(name: "generic", credentials: .declaredByFile) { credentials, descriptor throws(CredentialProblem) in
        guard let descriptor else { throw CredentialProblem(name: "", message: "a generic adapter needs its protocol described in its file") }
        for name in credentials.names { _ = try credentials.required(name) }
        return GenericAdapter(descriptor: descriptor, credentials: credentials)
    }
}
