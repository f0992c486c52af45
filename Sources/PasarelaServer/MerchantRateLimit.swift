import Hummingbird
import PasarelaCore
import PasarelaGateway

/// Spends one request of the authenticated merchant's allowance (`rate_limit:` in routes.yaml); past it, answers 429
/// `rate_limited` with `Retry-After` and does nothing else. Requests without a merchant go on to their 401.
struct MerchantRateLimit: RouterMiddleware {
    typealias Context = GatewayContext
    let gateway: Gateway

    func handle(_ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response) async throws -> Response {
        if let merchant = context.identity, let wait = gateway.rateLimits.admit(merchant: merchant) {
            var response = ServerResponse.error(.rateLimited(retryAfter: wait))
            response.headers[.retryAfter] = String(wait)
            return response
        }
        return try await next(request, context)
    }
}
