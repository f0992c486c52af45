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
        for bad in ["", "yesterday", "2026-11-26", "2026-13-40T99:00:00Z", "2026-02-29T00:00:00Z", "2026-11-26T15:04:05",
                    "2026-11-26T15:04:05.Z", "2026-11-26T15:04:05Zx", "2026-11-26T15:04:05+5", "2026-11-26 15:04:05Z",
                    "2026-11-26T24:00:00Z", "2026-11-26T15:60:00Z", "2026-11-26T15:04:05+25:00", "2O26-11-26T15:04:05Z"] {
            #expect(Timestamps.parse(bad) == nil, "\(bad)")
        }
    }

    /// Against Foundation's own ISO 8601 reading and writing, over instants from 1900 to 2200 with milliseconds, in UTC
    /// and at fixed offsets.
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    @Test func agreesWithFoundationOverThreeCenturies() throws {
        var generator = SystemRandomNumberGenerator()
        let reader = ISO8601DateFormatter()
        reader.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<5000 {
            let millis = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let text = Timestamps.utcMillis(date)
            #expect(reader.date(from: text).map(Self.millis) == millis, "\(text)")
            #expect(Timestamps.parse(text).map(Self.millis) == millis, "\(text)")
            let lima = Timestamps.lima(date)
            #expect(Timestamps.parse(lima).map(Self.millis) == millis - ((millis % 1000) + 1000) % 1000, "\(lima)")
            #expect(ISO8601DateFormatter().date(from: Timestamps.utc(date)).map(Self.millis) == Timestamps.parse(Timestamps.utc(date)).map(Self.millis))
        }
        #expect(Timestamps.parse("2024-02-29T23:59:59.999+14:00").map(Self.millis) == reader.date(from: "2024-02-29T23:59:59.999+14:00").map(Self.millis))
        #expect(Timestamps.parse("2000-01-01T00:00:00.5-03:30").map(Self.millis) == 946_697_400_500)
    }
}
