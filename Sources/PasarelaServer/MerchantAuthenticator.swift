import Hummingbird
import HummingbirdAuth
import PasarelaCore
import PasarelaGateway

/// Authenticates `/v1` requests by `Authorization: Bearer <api key>` and puts the merchant into the request context.
/// A key that is wrong, revoked or past its roll's overlap is 401 here; a request without one is 401 at its route.
struct MerchantAuthenticator: AuthenticatorMiddleware {
    typealias Context = GatewayContext
    let gateway: Gateway

    func authenticate(request: Request, context: GatewayContext) async throws -> Merchant? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthenticated("Authorization must be 'Bearer <api key>'.")
        }
        guard let merchant = try await gateway.merchants.merchant(forKey: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw APIError.unauthenticated("Invalid API key.")
        }
        return merchant
    }
}
