import Hummingbird
import Logging
import PasarelaCore
import PasarelaGateway
import PasarelaStore

/// Turns every error into the one JSON error shape: an ``APIError`` as it is, a domain refusal (``CommandError``,
/// ``WebhookRefusal``) through ``HTTPMapping``. Anything else becomes a 500 whose
/// body says nothing of the cause; the cause goes to the log.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    /// The routes' methods, for 405 on a known path asked with a method it does not answer.
    var routes: RouteTable?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return ServerResponse.error(error)
        } catch let error as CommandError {
            return ServerResponse.error(HTTPMapping.error(error))
        } catch let error as WebhookRefusal {
            return ServerResponse.error(HTTPMapping.error(error))
        } catch StoreError.unavailable(let reason) {
            logger.error("database unavailable", metadata: ["path": .string(request.uri.path), "reason": .string(reason)])
            return ServerResponse.error(.databaseUnavailable)
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            switch status {
            case 404 where routes?.methods(for: request.uri.path).map({ !$0.contains(request.method.rawValue) }) == true:
                let allowed = routes?.methods(for: request.uri.path) ?? []
                var response = ServerResponse.error(APIError(status: 405, type: "invalid_request_error", code: "method_not_allowed",
                                                             message: "\(request.method) is not allowed on \(request.uri.path.prefix(200)); use \(allowed.joined(separator: ", ")).",
                                                             param: nil))
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            case 404:
                return ServerResponse.error(APIError(status: 404, type: "invalid_request_error", code: "route_unknown",
                                                     message: "No such endpoint: \(request.method) \(request.uri.path)."))
            case 413:
                return ServerResponse.error(.tooLarge(limit: GatewayServer.maximumBodyBytes))
            case 400..<500:
                return ServerResponse.error(APIError(status: status, type: "invalid_request_error", code: "request_invalid",
                                                     message: error.body ?? "The request is not valid."))
            default:
                logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
                return ServerResponse.error(.internalError)
            }
        } catch {
            logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(type(of: error))")])
            return ServerResponse.error(.internalError)
        }
    }
}

enum ServerResponse {
    static func json(_ status: Int, _ body: [UInt8]) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func reply(_ reply: StoredReply) -> Response { json(reply.status, reply.body) }

    static func error(_ error: APIError) -> Response { json(error.status, ErrorResource.json(error).bytes) }
}
