import PasarelaCore
import Testing

/// Bank accounts' shapes per country, checked before a refund reaches its PSP.
@Suite struct BankAccountRulesTests {
    func problem(_ number: String, bank: String = "BCP", type: String = "savings", country: String) -> String? {
        BankAccountRules.problem(BankAccount(beneficiaryName: "Ana", bank: bank, number: number, type: type), country: country)?.field
    }

    @Test func peruvianAccountsAndCCIs() {
        #expect(problem("19112345678012", country: "PE") == nil)
        #expect(problem("191-1234567-8-012", country: "PE") == nil, "the payer's hyphens are formatting")
        #expect(problem("123456789", country: "PE") == "number")
        #expect(problem("1911234567801A", country: "PE") == "number")
        #expect(problem("00219100123456789012", bank: "002", type: "interbank", country: "PE") == nil)
        #expect(problem("0021910012345678901", bank: "002", type: "interbank", country: "PE") == "number")
        #expect(problem("00319100123456789012", bank: "002", type: "interbank", country: "PE") == "bank")
        #expect(problem("19112345678012", bank: "x", country: "PE") == "bank")
    }

    @Test func clabesCarryACheckDigit() {
        // Bank 032, branch 180, account 00011835971, check digit 9 by the published rule (weights 3, 7, 1).
        let valid = "032180000118359719"
        #expect(problem(valid, bank: "032", country: "MX") == nil)
        #expect(problem("032180000118359718", bank: "032", country: "MX") == "number")
        #expect(problem(valid, bank: "002", country: "MX") == "bank")
        #expect(problem("12345", country: "MX") == "number")
    }

    @Test func otherCountries() {
        #expect(problem("0170099220000067797370", country: "AR") == nil)
        #expect(problem("017009922000006779737", country: "AR") == "number")
        #expect(problem("12345-6", bank: "001", country: "BR") == nil)
        #expect(problem("12345-X", bank: "237", country: "BR") == nil)
        #expect(problem("12345-6", bank: "Banco do Brasil", country: "BR") == "bank")
        #expect(problem("123456789", country: "CO") == nil)
        #expect(problem("12", country: "CL") == "number")
    }
}
