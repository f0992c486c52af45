import Foundation
import PasarelaRouting
import Testing

/// The sandbox credentials the adapter files ship are ones the PSPs' own client libraries accept as well-formed
/// (`scripts/check-checkout-sdk` runs Checkout's Python SDK itself against the sandbox).
@Suite struct SandboxCredentialsTests {
    let snapshot: ConfigSnapshot

    init() throws {
        snapshot = try ConfigSnapshot.load(directory: ConfigLoadingTests.repositoryRoot, env: [:])
    }

    @Test func checkoutsSandboxKeyHasTheShapeItsSDKsDemand() throws {
        // checkout-sdk (Python) `sdk_authorization.py`: a NAS secret key is sk_, optionally sbox_, and 27 base-32 characters.
        let key = try #require(snapshot.connections["checkout"]?.credentials.value("secret_key"))
        #expect(key.wholeMatch(of: /sk_sbox_[a-z2-7]{26}[a-z2-7*#$=]/) != nil, "\(key)")
    }

    @Test func pagoEfectivosServiceIdIsANumber() throws {
        // The SDKs send idService as an integer: the 4–5 digit id of the merchant's store.
        let id = try #require(snapshot.connections["pagoefectivo"]?.credentials.value("id_service"))
        #expect(id.wholeMatch(of: /[0-9]{4,5}/) != nil, "\(id)")
    }
}
