import Foundation

extension DLocalAdapter {
    /// dLocal's 403 codes (1.9) say the connection is set up wrong, not that a payment failed.
    public func misconfiguration(_ response: InboundMessage) -> Misconfiguration? {
        guard (400..<500).contains(response.status),
              let error = DLocalErrorBody.read(response.body) else { return nil }
        switch error.code {
        case 3001:
            return Misconfiguration(kind: "credentials", fix: "dLocal refused the credentials (3001): check the login, trans_key and secret_key variables adapters/dlocal.yaml names")
        case 3002:
            return Misconfiguration(kind: "ip_not_registered", fix: "the gateway's outbound IP is not registered with dLocal (3002): add it to the allowed IPs in dLocal's merchant dashboard")
        case 3003:
            return Misconfiguration(kind: "api_not_enabled", fix: "this dLocal account has no authorization for the Payins API (3003): ask dLocal to enable it")
        case 5017:
            return Misconfiguration(kind: "api_version", fix: "dLocal refused the API version (5017): the adapter sends X-Version 2.1")
        default:
            return nil
        }
    }
}
