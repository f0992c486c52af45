import Foundation

/// dLocal's credentials: `login` (X-Login), `trans_key` (X-Trans-Key), `secret_key` (the HMAC key of requests and
/// notifications).
public struct DLocalCredentials: Sendable {
    public var login: String
    public var transKey: String
    public var secretKey: String

    public init(login: String, transKey: String, secretKey: String) {
        self.login = login
        self.transKey = transKey
        self.secretKey = secretKey
    }

    public init(_ declared: DeclaredCredentials) throws(CredentialProblem) {
        self.init(login: try declared.required("login"), transKey: try declared.required("trans_key"), secretKey: try declared.required("secret_key"))
    }
}

extension AdapterKind {
    public static let dlocal = AdapterKind(name: "dlocal", credentials: .fixed(required: ["login", "trans_key", "secret_key"], optional: [])) {
        credentials, _ throws(CredentialProblem) in DLocalAdapter(credentials: try DLocalCredentials(credentials))
    }
}
