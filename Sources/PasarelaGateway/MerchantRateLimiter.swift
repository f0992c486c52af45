import Foundation
import PasarelaRouting
import Synchronization

/// A token bucket per merchant, kept by this instance: each `/v1` request takes one token; tokens come back at the
/// merchant's `requests_per_second` up to its `burst`. With several instances each keeps its own buckets, so a
/// merchant's allowance across the fleet is the per-instance one times the instances behind the load balancer.
public final class MerchantRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    public init() {}

    /// Takes one token for `merchant`, or says how many whole seconds until one is back.
    /// - Returns: `nil` when the request may go ahead; else the seconds to send in `Retry-After` (at least 1).
    public func take(merchant: String, rate: RateLimitConfig.Rate, now: Date) -> Int? {
        buckets.withLock { buckets in
            let capacity = Double(rate.burst)
            var bucket = buckets[merchant] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            bucket.tokens = min(capacity, bucket.tokens + elapsed * Double(rate.requestsPerSecond))
            bucket.updated = max(bucket.updated, now)
            defer { buckets[merchant] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / Double(rate.requestsPerSecond)).rounded(.up)))
        }
    }
}

/// Each merchant's `/v1` request allowance on this instance, under the live `rate_limit:`.
public struct RateLimits: Sendable {
    let live: LiveConfigs
    let limiter = MerchantRateLimiter()
    let now: @Sendable () -> Date

    /// Takes one request from the merchant's allowance.
    /// - Returns: `nil` to go ahead, else the seconds the merchant should wait (counted in metrics).
    public func admit(merchant: Merchant) -> Int? {
        let rate = live.current.snapshot.routes.rateLimit.rate(for: merchant.id)
        guard let wait = limiter.take(merchant: merchant.id, rate: rate, now: now()) else { return nil }
        GatewayMetrics.rateLimited(merchant: merchant.id)
        return wait
    }
}
