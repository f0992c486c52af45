import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaAdapters

extension DLocalEmulator {
    /// What happened to one notification.
    public struct Delivery: Sendable {
        public var url: String?
        /// The receiver's HTTP status, or `nil` when it could not be reached.
        public var status: Int?
        public var error: String?
    }

    /// Posts the payment object to its `notification_url`, signed as dLocal signs notifications (1.10):
    /// `Authorization: V2-HMAC-SHA256, Signature: hex(HMAC(secret, login + X-Date + body))`.
    public func notify(_ paymentId: String, client: HTTPClient = .shared) async -> Delivery {
        guard let payment = state.withLock({ $0.payments[paymentId] }) else {
            return Delivery(url: nil, status: nil, error: "no such payment")
        }
        guard let url = payment.notificationUrl else { return Delivery(url: nil, status: nil, error: "payment has no notification_url") }
        let body = Self.encode(payment)
        let date = EmulatorClock.format(now()).replacingOccurrences(of: "+0000", with: "Z")
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Date", value: date)
        request.headers.add(name: "X-Login", value: credentials.login)
        request.headers.add(name: "Authorization", value: DLocalSignature.authorization(
            login: credentials.login, date: date, body: body, secretKey: credentials.secretKey))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 1 << 16)
            return Delivery(url: url, status: Int(response.status.code), error: nil)
        } catch {
            return Delivery(url: url, status: nil, error: "\(error)")
        }
    }
}
