import Foundation
import PasarelaCore
import Testing

@Suite struct TimestampsTests {
    let instant = Date(timeIntervalSince1970: 1_795_705_445)   // 2026-11-26T15:04:05Z

    @Test func utcAndLimaFormats() {
        #expect(Timestamps.utc(instant) == "2026-11-26T15:04:05Z")
        #expect(Timestamps.lima(instant) == "2026-11-26T10:04:05-05:00")
        #expect(Timestamps.utcMillis(instant.addingTimeInterval(0.123)) == "2026-11-26T15:04:05.123Z")
    }

    @Test(arguments: ["2026-11-26T15:04:05Z", "2026-11-26T10:04:05-05:00", "2026-11-26T15:04:05.000+0000",
                      "2026-11-26T15:04:05.0000000Z", "2026-11-26T15:04:05.0000000+00:00", "2026-11-26T10:04:05.000-0500"])
    func parsesEveryPSPForm(text: String) throws {
        #expect(try #require(Timestamps.parse(text)) == instant)
    }

    @Test func refusesNonTimes() {
        for bad in ["", "yesterday", "2026-11-26", "2026-13-40T99:00:00Z"] { #expect(Timestamps.parse(bad) == nil, "\(bad)") }
    }
}
