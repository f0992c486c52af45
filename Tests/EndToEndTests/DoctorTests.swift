import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaApp
import PasarelaGateway
import Testing

/// `pasarela doctor`: a sound sandbox setup passes; an emulator answering dLocal's 3002 (unregistered IP), a Checkout
/// key the PSP refuses, a config that does not load and a public URL PSPs cannot reach each come out as problems with
/// their fix, and a non-zero exit.
@Suite struct DoctorTests {
    func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "pasarela-doctor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func aSoundSandboxSetupPassesAndNothingIsLeftBehind() throws {
        let folder = try folder()
        let database = folder + "/p.sqlite"
        let (exit, output) = try PasarelaProcess(["doctor", "--config", Harness.repositoryRoot, "--database", database], folder: folder).finish()
        #expect(exit == 0, "\(output)")
        for connection in ["dlocal", "checkout", "pagoefectivo"] {
            #expect(output.contains("\n\(connection)\n"), "\(connection) not checked: \(output)")
        }
        #expect(output.components(separatedBy: "credentials and request signing accepted").count == 4, "\(output)")
        #expect(output.contains("No problems found."))
        #expect(!FileManager.default.fileExists(atPath: database), "the doctor makes no database")
    }

    @Test func aRefusingPSPIsAProblemWithItsFix() async throws {
        let folder = try folder()
        let sandbox = try await SandboxStack.start(configDirectory: Harness.repositoryRoot)
        var request = HTTPClientRequest(url: sandbox.url + "/sandbox/dlocal/settings")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: #"{"unregistered_ip": true}"#))
        #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status == .ok)
        let process = try PasarelaProcess(["doctor", "--config", Harness.repositoryRoot, "--database", folder + "/p.sqlite",
                                           "--sandbox-url", sandbox.url],
                                          folder: folder, environment: ["CHECKOUT_SECRET_KEY": "sk_sbox_notthekeyzz234567notthekeyzz"])
        let (exit, output) = try await process.finished()
        await sandbox.stop()
        #expect(exit == 1, "\(output)")
        #expect(output.contains("PROBLEM the gateway's outbound IP is not registered with dLocal (3002)"), "\(output)")
        let checkout = output.components(separatedBy: "\ncheckout\n").last?.components(separatedBy: "\ndlocal\n").first ?? ""
        #expect(checkout.contains("PROBLEM") && checkout.lowercased().contains("key"), "\(checkout)")
        let pagoefectivo = output.components(separatedBy: "\npagoefectivo\n").last ?? ""
        #expect(!pagoefectivo.contains("PROBLEM"), "\(pagoefectivo)")
        #expect(output.contains("2 problems to fix."), "\(output)")
    }

    @Test func aConfigThatDoesNotLoadIsAProblemNamingTheLine() throws {
        let folder = try folder()
        try FileManager.default.createDirectory(atPath: folder + "/adapters", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Harness.repositoryRoot + "/adapters/dlocal.yaml", toPath: folder + "/adapters/dlocal.yaml")
        try "routes:\n  - name: default\n    targets: [stripe]\n".write(toFile: folder + "/routes.yaml", atomically: true, encoding: .utf8)
        let (exit, output) = try PasarelaProcess(["doctor", "--config", folder], folder: folder).finish()
        #expect(exit == 1)
        #expect(output.contains("PROBLEM routes.yaml:3:15: unknown connection 'stripe'"), "\(output)")
    }

    @Test func aPublicURLPSPsCannotReachIsNamed() {
        for (url, expected) in [("http://pay.example.com", "not https"), ("https://127.0.0.1", "loopback"), ("https://10.2.3.4:8443", "private"),
                                ("https://[fe80::1]", "link-local"), ("https://gw.local", "local name"), ("pay.example.com", "absolute"),
                                ("https://pay.example.com?x=1", "query")] {
            let finding = Doctor.diagnosePublicURL(url, production: true)
            #expect(finding.level == .problem, "\(url)")
            #expect(finding.message.contains(expected), "\(url): \(finding.message)")
        }
        #expect(Doctor.diagnosePublicURL("https://pay.example.com", production: true).level == .ok)
        #expect(Doctor.diagnosePublicURL("http://127.0.0.1:8080", production: false).level == .ok)
    }
}
