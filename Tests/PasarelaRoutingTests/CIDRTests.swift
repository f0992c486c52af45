import PasarelaRouting
import Testing

@Suite struct CIDRTests {
    @Test func networksContainTheirAddresses() throws {
        let v4 = try #require(CIDR("203.0.113.0/24"))
        #expect(v4.contains("203.0.113.0"))
        #expect(v4.contains("203.0.113.255"))
        #expect(!v4.contains("203.0.114.1"))
        #expect(v4.contains("::ffff:203.0.113.9"))
        #expect(!v4.contains("not an address"))
        let single = try #require(CIDR("127.0.0.1"))
        #expect(single.contains("127.0.0.1") && !single.contains("127.0.0.2"))
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains("2001:db8:1::5"))
        #expect(!v6.contains("2001:db9::1"))
        #expect(!v6.contains("203.0.113.9"))
        #expect(try #require(CIDR("0.0.0.0/0")).contains("8.8.8.8"))
        #expect(try #require(CIDR("10.0.0.0/7")).contains("11.255.0.1"))
    }

    @Test func badNetworksAreRefused() {
        for text in ["", "10.0.0.0/33", "10.0.0/8", "2001:db8::/129", "abc", "10.0.0.0/-1", "10.0.0.0/8/1"] {
            #expect(CIDR(text) == nil, "\(text)")
        }
    }
}
