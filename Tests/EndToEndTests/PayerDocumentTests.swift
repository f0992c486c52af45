import Foundation
import Testing

/// Each connection takes the payer documents its PSP accepts, in the PSP's words: dLocal takes DNI and RUC payers in
/// Peru, PagoEfectivo's CIPs name DNI and PAS and leave other documents out. A payer dLocal cannot take is routed past it
/// (explain says why) instead of being refused there.
@Suite struct PayerDocumentTests {
    static func cash(_ type: String, _ number: String) -> String {
        """
        {"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},"order_id":"\(UUID().uuidString)",
         "customer":{"name":"Ana Ruiz","email":"ana@example.com","document":{"type":"\(type)","number":"\(number)"}}}
        """
    }

    func ledger(_ harness: Harness, _ connection: String) async throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(try await harness.call("GET", "/sandbox/\(connection)/payments").bytes)) as? [[String: Any]] ?? []
    }

    @Test func ceAndPassportPayersGoToPagoEfectivoAndRUCPayersToDLocalInTheirPSPsWords() async throws {
        try await Harness.with { harness in
            let ce = try await harness.call("POST", "/v1/payments", json: Self.cash("CE", "001234567"))
            #expect(ce.json["connection"] as? String == "pagoefectivo", "\(ce.text)")
            #expect((ce.json["attempts"] as? [[String: Any]])?.count == 1)
            let passport = try await harness.call("POST", "/v1/payments", json: Self.cash("PAS", "AB123456"))
            #expect(passport.json["connection"] as? String == "pagoefectivo", "\(passport.text)")
            let ruc = try await harness.call("POST", "/v1/payments", json: Self.cash("RUC", "20123456789"))
            #expect(ruc.json["connection"] as? String == "dlocal", "\(ruc.text)")

            let cips = try await ledger(harness, "pagoefectivo")
            let byCIP = Dictionary(uniqueKeysWithValues: cips.map { ("\($0["cip"] ?? "")", $0) })
            let ceId = try #require(ce.json["psp_payment_id"] as? String), passportId = try #require(passport.json["psp_payment_id"] as? String)
            let ceCIP = try #require(byCIP[ceId])
            // PagoEfectivo has no word for a carné de extranjería: the document is left out, not sent as something else.
            #expect(ceCIP["userDocumentType"] == nil)
            #expect(ceCIP["userDocumentNumber"] == nil)
            let passportCIP = try #require(byCIP[passportId])
            #expect(passportCIP["userDocumentType"] as? String == "PAS")
            #expect(passportCIP["userDocumentNumber"] as? String == "AB123456")
            let payer = try #require((try await ledger(harness, "dlocal")).first?["payer"] as? [String: Any])
            #expect(payer["document_type"] as? String == "RUC")
            #expect(payer["document"] as? String == "20123456789")

            let explain = try await harness.call("POST", "/v1/routing/explain",
                                                 json: #"{"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},"customer":{"document":{"type":"CE"}}}"#)
            #expect(explain.json["chain"] as? [String] == ["pagoefectivo"], "\(explain.text)")
            let skipped = (explain.json["skipped"] as? [[String: Any]])?.first
            #expect(skipped?["connection"] as? String == "dlocal")
            #expect((skipped?["reason"] as? String)?.contains("CE document") == true)
        }
    }
}
