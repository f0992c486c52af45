import Foundation
import Testing

/// Bad input over HTTP: each gets a 4xx with the JSON error naming the field, and nothing is written.
@Suite struct MerchantAPIValidationTests {
    func expectNothingWritten(_ harness: Harness) async throws {
        let list = try await harness.call("GET", "/v1/payments")
        #expect(list.status == 200)
        #expect((list.json["data"] as? [Any])?.isEmpty == true, "\(list.text)")
        #expect(harness.stack.dlocal?.ledger.isEmpty == true)
    }

    @Test func authenticationIsRequired() async throws {
        try await Harness.with { harness in
            for headers in [[], [("Authorization", "Bearer sk_test_wrong")], [("Authorization", "Basic abc")],
                            [("Authorization", "Bearer \(harness.key)x")]] as [[(String, String)]] {
                let reply = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(), headers: headers)
                #expect(reply.status == 401)
                #expect(reply.error["type"] as? String == "authentication_error")
            }
            #expect(try await harness.call("GET", "/v1/payments/pay_x", headers: []).status == 401)
            try await expectNothingWritten(harness)
        }
    }

    @Test func malformedBodiesAre400AndOversizedAre413() async throws {
        try await Harness.with { harness in
            for body in ["{", "", "not json", "[1,2]", "{\"amount\":}"] {
                let reply = try await harness.call("POST", "/v1/payments", json: body)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                #expect(reply.error["type"] as? String == "invalid_request_error")
            }
            let huge = Harness.cashBody(description: String(repeating: "x", count: 70_000))
            let reply = try await harness.call("POST", "/v1/payments", json: huge)
            #expect(reply.status == 413)
            #expect(reply.error["code"] as? String == "body_too_large")
            try await expectNothingWritten(harness)
        }
    }

    @Test func fieldErrorsAre422WithTheParam() async throws {
        try await Harness.with { harness in
            let cases: [(String, String)] = [
                (Harness.cashBody().replacingOccurrences(of: "\"PEN\"", with: "\"XYZ\""), "amount.currency"),
                (Harness.cashBody().replacingOccurrences(of: "\"PEN\"", with: "\"MXN\""), "amount.currency"),
                (Harness.cashBody(value: 0), "amount.value"),
                (Harness.cashBody(value: -5), "amount.value"),
                (Harness.cashBody().replacingOccurrences(of: "15000", with: "150.5"), "amount.value"),
                (Harness.cashBody().replacingOccurrences(of: "\"country\":\"PE\"", with: "\"country\":\"ZZ\""), "country"),
                (Harness.cashBody().replacingOccurrences(of: "pedro@example.com", with: "pedro"), "customer.email"),
                (Harness.cashBody().replacingOccurrences(of: "27662162", with: "123"), "customer.document.number"),
                (Harness.cashBody().replacingOccurrences(of: "\"order_id\"", with: "\"orderId\""), "orderId"),
            ]
            for (body, param) in cases {
                let reply = try await harness.call("POST", "/v1/payments", json: body)
                #expect(reply.status == 422, "\(param): \(reply.text)")
                #expect(reply.error["param"] as? String == param, "\(reply.text)")
                #expect((reply.error["message"] as? String)?.isEmpty == false)
            }
            try await expectNothingWritten(harness)
        }
    }

    @Test func unknownIdsAndRoutesAre404() async throws {
        try await Harness.with { harness in
            let missing = try await harness.call("GET", "/v1/payments/pay_doesnotexist")
            #expect(missing.status == 404)
            #expect(missing.error["code"] as? String == "resource_missing")
            #expect(try await harness.call("GET", "/v1/nothing").status == 404)
            #expect(try await harness.call("GET", "/v1/payments?limit=0").status == 422)
            #expect(try await harness.call("GET", "/v1/payments?colour=red").status == 422)
            #expect(try await harness.call("GET", "/healthz", headers: []).status == 200)
        }
    }

    @Test func anIdempotencyKeyReplaysTheFirstReplyAndRefusesAnotherBody() async throws {
        try await Harness.with { harness in
            let body = Harness.cashBody()
            let headers = [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", "key-1")]
            let first = try await harness.call("POST", "/v1/payments", json: body, headers: headers)
            let second = try await harness.call("POST", "/v1/payments", json: body, headers: headers)
            #expect(first.status == 201)
            #expect(second.status == 201)
            #expect(first.bytes == second.bytes)
            let other = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 100), headers: headers)
            #expect(other.status == 409)
            #expect(other.error["type"] as? String == "idempotency_error")
            #expect(harness.stack.dlocal?.ledger.count == 1)
        }
    }
}

/// Listing: filters and cursor paging, newest first.
@Suite struct PaymentListTests {
    @Test func listsFilterByStatusAndPageWithACursor() async throws {
        try await Harness.with { harness in
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try #require(try await harness.call("POST", "/v1/payments", json: Harness.cashBody()).json["id"] as? String))
            }
            let pspId = try #require(try await harness.call("GET", "/v1/payments/\(ids[0])").json["psp_payment_id"] as? String)
            _ = try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay")
            let page = try await harness.call("GET", "/v1/payments?limit=2")
            #expect((page.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[2], ids[1]])
            #expect(page.json["has_more"] as? Bool == true)
            let next = try await harness.call("GET", "/v1/payments?limit=2&starting_after=\(ids[1])")
            #expect((next.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[0]])
            #expect(next.json["has_more"] as? Bool == false)
            let paid = try await harness.call("GET", "/v1/payments?status=succeeded")
            #expect((paid.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[0]])
            #expect(try await harness.call("GET", "/v1/payments?status=paid").status == 422)
            #expect(try await harness.call("GET", "/v1/payments?starting_after=pay_nope").status == 404)
        }
    }
}
