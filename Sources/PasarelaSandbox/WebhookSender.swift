import AsyncHTTPClient
import Foundation
import NIOCore

/// Posts a PSP notification and retries a few times on failure, as PSPs do (at least once).
public struct WebhookSender: Sendable {
    /// What one delivery did.
    public struct Delivery: Sendable {
        public var url: String?
        /// The last HTTP status received, or `nil` when the receiver could not be reached.
        public var status: Int?
        public var error: String?
        public var tries: Int

        public var json: [String: Any] {
            ["url": url as Any? ?? NSNull(), "status": status as Any? ?? NSNull(), "error": error as Any? ?? NSNull(), "tries": tries]
        }
    }

    var attempts = 3
    var firstBackoffMs = 100

    /// Posts `body` with `headers` to `url` until a 2xx or the tries run out.
    func deliver(to url: String?, headers: [(String, String)], body: [UInt8], client: HTTPClient = .shared) async -> Delivery {
        guard let url else { return Delivery(url: nil, status: nil, error: "no notification URL", tries: 0) }
        var delivery = Delivery(url: url, status: nil, error: nil, tries: 0)
        for attempt in 0..<attempts {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(firstBackoffMs << (attempt - 1))) }
            delivery.tries += 1
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                delivery.status = Int(response.status.code)
                delivery.error = nil
                if (200..<300).contains(delivery.status!) { return delivery }
            } catch {
                delivery.error = "\(error)"
            }
        }
        return delivery
    }
}

/// Random ids in the PSPs' styles.
enum EmulatorIds {
    static let base32 = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// `pay_` + 26 base-32 characters, as Checkout writes them.
    static func checkout(_ prefix: String) -> String {
        prefix + "_" + String((0..<26).map { _ in base32.randomElement()! })
    }
}
