import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting

/// Routes a merchant's request with the live config and the breakers' state: the one function behind the live path,
/// `POST /v1/routing/explain` and `pasarela routes explain`. Test keys reach only sandbox connections and live keys only
/// production ones; each connection's adapter is asked whether it can carry the request.
public struct RoutePlanner: Sendable {
    let live: LiveConfigs
    let breakers: CircuitBreakers
    let now: @Sendable () -> Date

    /// The plan the live path makes now for `request` from `merchant`, under `config`.
    public func plan(_ request: PaymentRequest, merchant: Merchant, config: LiveConfig, draw: Double) -> RoutePlan {
        Self.plan(request, merchant: merchant.id, livemode: merchant.livemode, snapshot: config.snapshot,
                  breakers: breakers.view(config.snapshot.connections, now: now()), draw: draw)
    }

    /// The plan for `request` with the config in force, without calling any PSP.
    public func explain(_ request: PaymentRequest, merchant: Merchant) -> RoutePlan {
        plan(request, merchant: merchant, config: live.current, draw: 0)
    }

    /// - Parameter livemode: the key's mode; `nil` (the CLI's explain) considers every connection.
    public static func plan(_ request: PaymentRequest, merchant: String?, livemode: Bool? = nil, snapshot: ConfigSnapshot,
                            breakers: BreakerView, draw: Double) -> RoutePlan {
        Router.plan(request, merchant: merchant, config: snapshot, breakers: breakers, draw: draw) { connection, request in
            if let livemode, livemode != (connection.environment == .production) {
                return (.keyMode, livemode ? "live keys reach only production connections; \(connection.name) is sandbox"
                                           : "test keys reach only sandbox connections; \(connection.name) is production")
            }
            return connection.adapter.unsupportedReason(request).map { (.unsupported, $0) }
        }
    }
}
