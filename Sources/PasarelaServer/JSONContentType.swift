import Hummingbird
import PasarelaCore

/// Bodies are JSON: a request that names another media type in `Content-Type` is refused with 415 before it is read.
/// A request without `Content-Type` is read as JSON (the body then has to parse as such).
struct JSONContentType<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let type = request.headers[.contentType], !Self.isJSON(type) {
            throw APIError(status: 415, type: "invalid_request_error", code: "content_type_unsupported",
                           message: "Send the body as application/json, not \(type.prefix(60)).", param: "Content-Type")
        }
        return try await next(request, context)
    }

    /// `application/json` or a `+json` type, with any parameters (`; charset=utf-8`).
    static func isJSON(_ header: String) -> Bool {
        let media = header.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json"))
    }
}
