import Foundation
import PasarelaGateway
import Testing

/// Each merchant's `/v1` requests spend a token bucket (`rate_limit:` in routes.yaml): past it, 429 `rate_limited`
/// with `Retry-After`, nothing done; another merchant is not slowed; tokens come back with the clock.
@Suite struct RateLimitTests {
    static let routes = """
        rate_limit:
          requests_per_second: 1
          burst: 3
          merchants:
            roomy: { requests_per_second: 50, burst: 50 }
        routes:
          - name: peru-cash
            match: { country: PE, method: cash }
            targets: [dlocal, pagoefectivo]
          - name: default
            targets: [dlocal]

        """

    @Test func aMerchantPastItsAllowanceIsToldWhenToComeBack() async throws {
        // A frozen clock: tokens come back only when the test moves it, however slow the machine.
        try await Harness.with(routes: Self.routes, clock: TestClock(frozenAt: Date())) { harness in
            for _ in 0..<3 { #expect(try await harness.call("GET", "/v1/payments").status == 200) }
            let order = UUID().uuidString
            let refused = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(order: order))
            #expect(refused.status == 429, "\(refused.text)")
            #expect(refused.error["code"] as? String == "rate_limited")
            #expect(refused.error["type"] as? String == "rate_limit_error")
            #expect(refused.headers.first { $0.0.lowercased() == "retry-after" }?.1 == "1")
            #expect(harness.stack.dlocal?.ledger.isEmpty == true, "a refused create reaches no PSP")

            // Another merchant has its own bucket.
            let admin = MerchantAdmin(store: harness.stack.gateway.store)
            _ = try await admin.addMerchant(id: "roomy", name: nil, notificationURL: nil, policy: harness.stack.gateway.live.outbound)
            let roomy = try await admin.createKey(merchantId: "roomy", mode: "test").secret
            for _ in 0..<10 {
                #expect(try await harness.call("GET", "/v1/payments", headers: [("Authorization", "Bearer \(roomy)")]).status == 200)
            }
            // Without a key there is no merchant to charge: the answer stays 401.
            #expect(try await harness.call("GET", "/v1/payments", headers: [("Authorization", "Bearer nope")]).status == 401)

            harness.clock.advance(by: 1)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(order: order))
            #expect(created.status == 201, "one token is back after a second: \(created.text)")
            #expect(try await harness.call("GET", "/v1/payments").status == 429)
        }
    }
}
