import Foundation
import Hummingbird
import Logging
import NIOCore
import PasarelaAdapters
import PasarelaCore
import PasarelaGateway

/// The Hummingbird application: merchant API, webhooks, health.
public enum GatewayServer {
    /// The largest request body accepted by any endpoint.
    public static let maximumBodyBytes = 64 * 1024

    /// Builds the router with every endpoint.
    /// - Parameters:
    ///   - extraRoutes: lets the executable mount more routes (the sandbox controls) on the same port.
    ///   - metrics: renders `GET /metrics` (Prometheus text), when given.
    public static func router(gateway: Gateway, openAPI: String? = nil, metrics: (@Sendable () async -> [UInt8])? = nil,
                              extraRoutes: (any RouterMethods<GatewayContext>) -> Void = { _ in }) -> Router<GatewayContext> {
        let table = RouteTable()
        let base = Router(context: GatewayContext.self, options: .autoGenerateHeadEndpoints)
        let router = RecordingRouter(base, table: table)
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: APIErrorMiddleware(logger: gateway.logger, routes: table))
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(bytes: await metrics())))
            }
        }
        // Ready when the database answers: a load balancer takes an instance out while its database is away.
        router.get("/healthz") { _, _ in
            do {
                try await gateway.store.ping()
                return ServerResponse.json(200, Array(#"{"status":"ok","database":"ok"}"#.utf8))
            } catch {
                return ServerResponse.json(503, Array(#"{"status":"unavailable","database":"unreachable"}"#.utf8))
            }
        }
        if let openAPI {
            router.get("/openapi.yaml") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: openAPI)))
            }
        }
        MerchantRoutes(gateway: gateway).add(to: router.group("/v1").add(middleware: MerchantAuthenticator(gateway: gateway))
            .add(middleware: MerchantRateLimit(gateway: gateway)).add(middleware: JSONContentType()))
        router.post("/webhooks/:connection") { request, context in
            let body = try await collect(request)
            let name = context.parameters.get("connection") ?? ""
            let message = InboundMessage(status: 0, headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body)
            return ServerResponse.reply(HTTPMapping.webhook(try await gateway.receive(WebhookDelivery(connection: name, message: message,
                                                                                                      peer: context.peerIP))))
        }
        extraRoutes(router)
        return base
    }

    /// The whole application, listening on `host:port` (0 for a free port).
    public static func application(gateway: Gateway, host: String, port: Int, openAPI: String? = nil,
                                   metrics: (@Sendable () async -> [UInt8])? = nil,
                                   extraRoutes: (any RouterMethods<GatewayContext>) -> Void = { _ in },
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(gateway: gateway, openAPI: openAPI, metrics: metrics, extraRoutes: extraRoutes),
                    configuration: .init(address: .hostname(host, port: port), serverName: "pasarela"),
                    onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                    logger: gateway.logger)
    }

    /// Reads the whole body, refusing more than ``maximumBodyBytes`` with 413.
    static func collect(_ request: Request) async throws -> [UInt8] {
        do {
            return Array(buffer: try await request.body.collect(upTo: maximumBodyBytes))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(limit: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: maximumBodyBytes)
        }
    }
}
