import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaRouting
import PasarelaSandbox

/// The emulators that stand in for sandbox connections: built in process, or reached in a running `pasarela sandbox`.
public enum Emulators {
    /// The emulator for a sandbox connection, accepting exactly the credentials its file resolves to.
    public static func make(for connection: ConnectionConfig, now: @escaping @Sendable () -> Date = Date.init) -> (any SandboxEmulator)? {
        let secrets = connection.credentials
        switch connection.sandboxEmulator {
        case "dlocal":
            return DLocalEmulator(credentials: .init(login: secrets.value("login") ?? "", transKey: secrets.value("trans_key") ?? "",
                                                     secretKey: secrets.value("secret_key") ?? ""), now: now)
        case "checkout":
            return CheckoutEmulator(credentials: .init(secretKey: secrets.value("secret_key") ?? "", webhookSecret: secrets.value("webhook_secret") ?? ""),
                                    now: now)
        case "pagoefectivo":
            return PagoEfectivoEmulator(credentials: .init(idService: Int(secrets.value("id_service") ?? "") ?? 0,
                                                           accessKey: secrets.value("access_key") ?? "", secretKey: secrets.value("secret_key") ?? ""),
                                        now: now)
        default:
            return nil
        }
    }

    /// Base URLs in a running `pasarela sandbox` at `url`: each sandbox connection with an emulator is at `url/NAME`.
    static func external(_ url: String, for snapshot: ConfigSnapshot) -> [String: String] {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        var urls: [String: String] = [:]
        for (name, connection) in snapshot.connections where connection.environment == .sandbox && connection.sandboxEmulator != nil {
            urls[name] = "\(base)/\(name)"
        }
        return urls
    }

    /// Tells a running sandbox where this gateway takes each connection's webhooks (PSPs that post to a registered URL).
    static func register(_ url: String, connections: [String], gatewayURL: String) async throws {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        for name in connections {
            var request = HTTPClientRequest(url: "\(base)/sandbox/\(name)/notification-url")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"url":"\#(gatewayURL)/webhooks/\#(name)"}"#))
            let response: HTTPClientResponse
            do {
                response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            } catch {
                throw StackError.sandboxUnreachable("\(base): \(error)")
            }
            guard response.status == .ok else {
                throw StackError.sandboxUnreachable("\(base)/sandbox/\(name) answered \(response.status.code); does that sandbox run this config?")
            }
        }
    }
}
