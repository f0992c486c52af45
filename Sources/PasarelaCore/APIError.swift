/// An error Pasarela reports to a merchant: `{"error": {"type", "code", "message", "param"}}` with an HTTP status.
/// Messages are written for people and never contain secrets or internals.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var code: String
    public var message: String
    public var param: String?

    public init(status: Int, type: String, code: String, message: String, param: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
    }

    public var description: String { "\(status) \(type)/\(code): \(message)" + (param.map { " [\($0)]" } ?? "") }

    /// 422: a field is wrong; `param` names it.
    public static func invalid(_ param: String, _ message: String, code: String = "parameter_invalid") -> APIError {
        APIError(status: 422, type: "invalid_request_error", code: code, message: message, param: param)
    }

    /// 400: the body is not usable at all (not JSON, not an object).
    public static func malformed(_ message: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", code: "body_invalid", message: message)
    }

    /// 413: the body is larger than the limit.
    public static func tooLarge(limit: Int) -> APIError {
        APIError(status: 413, type: "invalid_request_error", code: "body_too_large",
                 message: "Request body is larger than \(limit) bytes.")
    }

    /// 404: unknown id, or one that belongs to another merchant.
    public static func missing(_ what: String, id: String, param: String = "id") -> APIError {
        APIError(status: 404, type: "invalid_request_error", code: "resource_missing",
                 message: "No such \(what): '\(id.prefix(80))'.", param: param)
    }

    /// 401: missing or unknown API key.
    public static func unauthenticated(_ message: String) -> APIError {
        APIError(status: 401, type: "authentication_error", code: "api_key_invalid", message: message)
    }

    /// 429: the merchant sent more requests than its allowance; `Retry-After` says when to try again.
    public static func rateLimited(retryAfter: Int) -> APIError {
        APIError(status: 429, type: "rate_limit_error", code: "rate_limited",
                 message: "Too many requests for this merchant; retry after \(retryAfter) second\(retryAfter == 1 ? "" : "s").")
    }

    /// 409: idempotency key misuse.
    public static func idempotency(_ code: String, _ message: String) -> APIError {
        APIError(status: 409, type: "idempotency_error", code: code, message: message, param: "Idempotency-Key")
    }

    /// 409: the payment's state does not allow the command.
    public static func conflict(_ code: String, _ message: String) -> APIError {
        APIError(status: 409, type: "invalid_request_error", code: code, message: message)
    }

    /// 502: a PSP gave no usable answer; nothing changed and retrying is safe.
    /// The database cannot be reached now: nothing was done, and the same request (with its Idempotency-Key) may be
    /// sent again shortly.
    public static let databaseUnavailable = APIError(status: 503, type: "api_error", code: "database_unavailable",
                                                     message: "The database cannot be reached right now; nothing was done. Retry shortly with the same Idempotency-Key.")

    public static func pspUnavailable(_ message: String) -> APIError {
        APIError(status: 502, type: "api_error", code: "psp_unavailable", message: message)
    }

    /// 500: Pasarela itself failed; the message never carries the underlying error.
    public static let internalError = APIError(status: 500, type: "api_error", code: "internal_error",
                                               message: "Pasarela could not complete the request. It is safe to retry with the same Idempotency-Key.")
}
