import Foundation
import Hummingbird
import PasarelaCore
import PasarelaGateway

/// Gives every request an id: the caller's `X-Request-Id` when it is a sensible one (1 to 128 characters of letters,
/// digits and `-_.:`), else a new `req_…`. Every log line of the request carries it (and the payment its path names),
/// and the answer echoes it.
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    static func valid(_ text: String) -> Bool {
        (1...128).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = request.headers[.init("X-Request-Id")!]
        let id = given.flatMap { Self.valid($0) ? $0 : nil } ?? Identifier.make("req")
        // /v1/payments/{id}/...: the payment the request is about.
        let parts = request.uri.path.split(separator: "/")
        let payment = parts.count >= 3 && parts[0] == "v1" && parts[1] == "payments" && parts[2].hasPrefix("pay_") ? String(parts[2]) : nil
        var response = try await RequestLog.$requestId.withValue(String(id)) {
            try await RequestLog.$paymentId.withValue(payment) { try await next(request, context) }
        }
        response.headers[.init("X-Request-Id")!] = String(id)
        return response
    }
}
