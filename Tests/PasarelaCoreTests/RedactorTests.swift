import PasarelaCore
import Testing

/// The redactor every transcript, log line and error goes through.
@Suite struct RedactorTests {
    let redactor = Redactor(secrets: ["s3cr3t-key", "s3cr3t-key-longer", "tiny"])

    @Test func secretsAreReplacedWhereverTheyStand() {
        #expect(redactor.text("s3cr3t-key") == "***")
        #expect(redactor.text("Bearer s3cr3t-key, again s3cr3t-key.") == "Bearer ***, again ***.")
        #expect(redactor.text("x=s3cr3t-key-longer") == "x=***", "the longer secret first, not its prefix")
        #expect(redactor.text("s3cr3t-ke") == "s3cr3t-ke", "a part of a secret is not the secret")
        #expect(redactor.text("ss3cr3t-keyy") == "s***y")
        #expect(redactor.text("tiny words stay") == "tiny words stay", "values under six characters are not secrets")
        #expect(redactor.text("ñandú 🙂 s3cr3t-key ✓") == "ñandú 🙂 *** ✓")
        #expect(Redactor().text("s3cr3t-key") == "s3cr3t-key")
    }

    @Test func payerFieldsAreMaskedWhateverTheirCase() {
        let body = Array(#"{"Email":"pedro@example.com","card":{"number":"4242424242424242"},"cip":"12345678","note":"s3cr3t-key"}"#.utf8)
        let masked = redactor.body(body)
        #expect(masked.contains(#""Email":"p***@example.com""#))
        #expect(masked.contains(#""number":"****4242""#))
        #expect(masked.contains(#""cip":"12345678""#), "a voucher's number is the payer's to show")
        #expect(masked.contains(#""note":"***""#))
        #expect(!masked.contains("s3cr3t-key") && !masked.contains("4242424242424242"))
    }
}
