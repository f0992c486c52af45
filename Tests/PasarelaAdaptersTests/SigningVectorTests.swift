import Crypto
import PasarelaAdapters
import Testing

/// Every vector of PSP-PROTOCOLS.md; the signing primitives must reproduce them exactly.
@Suite struct SigningVectorTests {
    let login = "sak223k2wdksdl2"
    let date = "2018-02-20T15:44:42.310Z"
    let secret = "test_secret_key_123"

    @Test func dLocalSignatureOverTheSpecBody() throws {
        let body = try Fixtures.bytes("dlocal-signing-vector-body")
        #expect(body.count == 266)
        #expect(DLocalSignature.signature(login: login, date: date, body: body, secretKey: secret)
            == "55bed3567075189f92a106a5e8a7d61b660cac27854b95f5d1577ad3a6c2f1c4")
    }

    @Test func dLocalSignatureOverAnEmptyBody() {
        #expect(DLocalSignature.signature(login: login, date: date, body: [], secretKey: secret)
            == "2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211")
    }

    @Test func dLocalAuthorizationHeaderHasTheDocumentedForm() {
        #expect(DLocalSignature.authorization(login: login, date: date, body: [], secretKey: secret)
            == "V2-HMAC-SHA256, Signature: 2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211")
    }

    @Test(arguments: [
        "V2-HMAC-SHA256, Signature: 2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211",
        "v2-hmac-sha256,signature:2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211",
        "V2-HMAC-SHA256,  Signature:  2614F6E41AA420E3072AC71D2014B2EF0BB2B70B84518A6FA7139E9D6B1DC211",
    ])
    func dLocalVerificationReadsTheHeaderTolerantly(header: String) {
        #expect(DLocalSignature.verify(authorization: header, login: login, date: date, body: [], secretKey: secret))
    }

    @Test(arguments: [
        "",
        "2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211",
        "V2-HMAC-SHA256, Signature: 2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc210",
        "V2-HMAC-SHA256, Signature: zz14f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211",
        "V2-HMAC-SHA256, Signature: 2614f6",
        "HMAC-SHA256, Signature: 2614f6e41aa420e3072ac71d2014b2ef0bb2b70b84518a6fa7139e9d6b1dc211",
    ])
    func dLocalVerificationRefusesWrongHeaders(header: String) {
        #expect(!DLocalSignature.verify(authorization: header, login: login, date: date, body: [], secretKey: secret))
    }

    @Test func dLocalVerificationRefusesAnotherDateOrKey() {
        let header = DLocalSignature.authorization(login: login, date: date, body: [], secretKey: secret)
        #expect(!DLocalSignature.verify(authorization: header, login: login, date: "2018-02-20T15:44:42.311Z", body: [], secretKey: secret))
        #expect(!DLocalSignature.verify(authorization: header, login: login, date: date, body: [], secretKey: "other"))
        #expect(!DLocalSignature.verify(authorization: header, login: "other", date: date, body: [], secretKey: secret))
    }

    @Test func checkoutSignatureVector() {
        let body = #"{"id":"evt_hagjst6cjlhexnmdq5y2kvj72i","type":"payment_expired","version":"1.0.9","created_on":"2021-06-11T12:01:26.316Z","data":{"id":"pay_4urtxiosfxxejmzuriescptqsi","action_id":"act_57v7ihlibudebdu7eoct2niioi","reference":"ORD-5023-4E89","amount":300,"currency":"EUR"}}"#
        #expect(HMACSHA256.hex(key: "whsec_example_key", parts: [Array(body.utf8)])
            == "0b5c840100f3f91937a7de730474ddd4da2a00585b917f9baa41e49ca6b7a938")
    }

    @Test func pagoEfectivoRealSignatureVector() {
        let body = #"{"EventType":"Test.PCDaniel","OperationNumber":2123,"Data":{"Cip":1,"Currency":"PEN","Amount":1001.00,"PaymentDate":"2020-06-18T23:28:45.1220545-05:00","TransactionCode":84}}"#
        #expect(HMACSHA256.hex(key: "MsB3V0seHJY2gcdly7LsNVtXJF+QLGO+l/Oc8z4j", parts: [Array(body.utf8)])
            == "89138e0dd0681d2463467160d41a4a9b0b0257ba14af06a7ab441b693b57699e")
    }

    @Test func pagoEfectivoSelfComputedSignatureVector() {
        let body = #"{"eventType":"cip.paid","operationNumber":"0001","data":{"cip":2523136,"currency":"PEN","amount":201.01,"paymentDate":"2020-07-20T11:05:00-05:00","transactionCode":"101"}}"#
        #expect(HMACSHA256.hex(key: "SECRETKEYEXAMPLE", parts: [Array(body.utf8)])
            == "8b2a0ab7caff4d294c157634c8462d00471401bca77f7c826d0a8d8e036bc505")
    }

    @Test func pagoEfectivoTokenHashVector() {
        let text = "1035.ACCESSKEYEXAMPLE.SECRETKEYEXAMPLE.2020-07-20T10:00:00-05:00"
        #expect(Hex.encode(SHA256.hash(data: Array(text.utf8)))
            == "38fd1cd459026a7975d7d9c97c347b9e5de711585a8b950f9e99b23d48067b84")
    }

    @Test func constantTimeEqualityNeedsSameLengthAndBytes() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
        #expect(ConstantTime.equals([], []))
    }

    @Test func hexRoundTripsAndRefusesNonHex() {
        #expect(Hex.decode(Hex.encode([0, 15, 16, 255])) == [0, 15, 16, 255])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
