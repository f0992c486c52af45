import PasarelaCore
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [("PEN", 2), ("USD", 2), ("MXN", 2), ("BRL", 2), ("ARS", 2), ("COP", 2), ("EUR", 2),
                      ("CLP", 0), ("JPY", 0), ("KWD", 3), ("BHD", 3)])
    func exponentTable(code: String, exponent: Int) throws {
        #expect(try #require(Currency(code: code)).exponent == exponent)
    }

    @Test func unknownOrLowerCaseCurrenciesAreRefused() {
        #expect(Currency(code: "XXX") == nil)
        #expect(Currency(code: "pen") == nil)
        #expect(Currency(code: "") == nil)
    }

    @Test(arguments: [("PEN", Int64(15000), "150.00"), ("PEN", 1, "0.01"), ("PEN", 5, "0.05"), ("PEN", 100, "1.00"),
                      ("JPY", 1500, "1500"), ("CLP", 0, "0"), ("KWD", 1234, "1.234"), ("BHD", 5, "0.005"),
                      ("USD", 999_999_999_999, "9999999999.99")])
    func minorUnitsRoundTripThroughMajorUnitText(code: String, minor: Int64, text: String) throws {
        let currency = try #require(Currency(code: code))
        let money = Money(minorUnits: minor, currency: currency)
        #expect(money.majorUnitString == text)
        #expect(Money(majorUnits: text, currency: currency) == money)
    }

    @Test func everyValueRoundTripsForEveryExponent() throws {
        for code in ["PEN", "JPY", "KWD"] {
            let currency = try #require(Currency(code: code))
            for minor in [Int64(0), 1, 9, 10, 99, 100, 101, 999, 1000, 123_456_789] {
                let money = Money(minorUnits: minor, currency: currency)
                #expect(Money(majorUnits: money.majorUnitString, currency: currency) == money, "\(minor) \(code)")
            }
        }
    }

    @Test func majorUnitTextIsParsedExactly() throws {
        let pen = try #require(Currency(code: "PEN"))
        #expect(Money(majorUnits: "150", currency: pen)?.minorUnits == 15000)
        #expect(Money(majorUnits: "150.5", currency: pen)?.minorUnits == 15050)
        #expect(Money(majorUnits: "100.000", currency: pen)?.minorUnits == 10000)
        #expect(Money(majorUnits: "-1.50", currency: pen)?.minorUnits == -150)
        for bad in ["1.005", "", ".5", "1.", "1e3", "1,00", "abc", " 1", "0x10", "99999999999999999999"] {
            #expect(Money(majorUnits: bad, currency: pen) == nil, "\(bad)")
        }
        let jpy = try #require(Currency(code: "JPY"))
        #expect(Money(majorUnits: "1.5", currency: jpy) == nil)
        #expect(Money(majorUnits: "15.0", currency: jpy)?.minorUnits == 15)
    }
}
