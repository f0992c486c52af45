import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaApp
import Testing

/// `pasarela sandbox`: the emulators behind one port, reached by a gateway through `--sandbox-url`; with `--ledger`,
/// a restarted sandbox remembers what its PSPs hold.
@Suite struct SandboxProcessTests {
    @Test func aGatewayTalksToAnOutOfProcessSandboxWhoseLedgerSurvivesARestart() async throws {
        let ledger = NSTemporaryDirectory() + "pasarela-ledger-\(UUID().uuidString)"
        var sandbox = try await SandboxStack.start(configDirectory: Harness.repositoryRoot, ledgerDirectory: ledger)
        let port = try #require(URLComponents(string: sandbox.url)?.port)
        let harness = try await Harness.start(sandboxURL: sandbox.url)
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
        let id = try #require(created.json["id"] as? String)
        let pspId = try #require(created.json["psp_payment_id"] as? String)
        #expect(harness.stack.emulatorURLs["dlocal"] == sandbox.url + "/dlocal")
        #expect((created.json["next_action"] as? [String: Any])?["voucher_url"] as? String == "\(sandbox.url)/dlocal/tickets/\(pspId)")
        let cip = try await harness.call("POST", "/v1/payments", json: Harness.body(country: "MX", currency: "MXN", value: 25050,
                                                                                   method: #"{"type":"cash"}"#))
        let checkoutId = try #require(cip.json["psp_payment_id"] as? String)
        // The sandbox stops and starts again on the same port with the same ledgers.
        await sandbox.stop()
        sandbox = try await SandboxStack.start(configDirectory: Harness.repositoryRoot, port: port, ledgerDirectory: ledger)
        // The client's pool may still hold a keep-alive connection to the stopped sandbox: a call that finds it closed
        // before anything was sent is made again on a new one.
        let dlocal = try await Self.afterRestart { try await harness.call("GET", url: sandbox.url + "/sandbox/dlocal/payments", headers: []) }
        #expect((try JSONSerialization.jsonObject(with: Data(dlocal.bytes)) as? [[String: Any]])?.map { $0["id"] as? String } == [pspId])
        let checkout = try await harness.call("GET", url: sandbox.url + "/sandbox/checkout/payments", headers: [])
        #expect((try JSONSerialization.jsonObject(with: Data(checkout.bytes)) as? [[String: Any]])?.map { $0["id"] as? String } == [checkoutId])
        // The restored payment is paid at the PSP; its notification reaches the gateway.
        #expect(try await harness.call("POST", url: sandbox.url + "/sandbox/dlocal/payments/\(pspId)/pay", headers: []).status == 200)
        #expect(try await harness.payment(id)["status"] as? String == "succeeded")
        // So is the Checkout voucher: the webhook URL the gateway registered was kept too.
        let cashId = try #require(cip.json["id"] as? String)
        #expect(try await harness.call("POST", url: sandbox.url + "/sandbox/checkout/payments/\(checkoutId)/succeed", headers: []).status == 200)
        #expect(try await harness.payment(cashId)["status"] as? String == "succeeded")
        await harness.stop()
        await sandbox.stop()
    }

    static func afterRestart(_ call: () async throws -> Harness.Reply) async throws -> Harness.Reply {
        do { return try await call() } catch let error as ChannelError where error == .ioOnClosedChannel {
            return try await call()
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            return try await call()
        }
    }
}
