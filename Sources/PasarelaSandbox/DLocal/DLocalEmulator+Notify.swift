import Foundation
import PasarelaAdapters

extension DLocalEmulator {
    /// Posts the payment object to its `notification_url`, signed as dLocal signs notifications (1.10):
    /// `Authorization: V2-HMAC-SHA256, Signature: hex(HMAC(secret, login + X-Date + body))`, with `X-Date` sent.
    public func notify(_ paymentId: String) async -> WebhookSender.Delivery {
        guard let payment = state.withLock({ $0.payments[paymentId] }) else {
            return WebhookSender.Delivery(url: nil, status: nil, error: "no such payment", tries: 0)
        }
        return await send(Self.encode(payment), to: payment.notificationUrl)
    }

    /// Posts a refund object to the refund's own `notification_url` (1.10: refunds use their own URL), signed the same way.
    func notify(refund: EmulatedRefund) async -> WebhookSender.Delivery {
        await send(Self.encode(refund), to: refund.notificationUrl)
    }

    func send(_ body: [UInt8], to url: String?) async -> WebhookSender.Delivery {
        let date = EmulatorClock.format(now()).replacingOccurrences(of: "+0000", with: "Z")
        let headers = [("X-Date", date), ("X-Login", credentials.login),
                       ("Authorization", DLocalSignature.authorization(login: credentials.login, date: date, body: body,
                                                                       secretKey: credentials.secretKey))]
        return await sender.deliver(to: url, headers: headers, body: body)
    }
}
