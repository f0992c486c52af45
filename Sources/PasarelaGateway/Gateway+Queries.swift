import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// `POST /v1/routing/explain`: the plan the live path would make now, without calling any PSP.
    public func explain(_ request: PaymentRequest, merchant: Merchant) -> APIReply {
        APIReply(status: 200, body: PlanResource.json(plan(request, merchant: merchant, config: config, draw: 0)).bytes)
    }

    /// `GET /v1/connections`: health and breaker state of every connection, and its webhooks' fate.
    public func connections() async throws -> APIReply {
        let live = config
        var rows: [ConnectionResource.Row] = []
        for connection in live.connections.values.sorted(by: { $0.config.name < $1.config.name }) {
            var counts = try await store.webhookCounts(connection: connection.config.name)
            counts["refused"] = refusedWebhooks(connection.config.name)
            rows.append(ConnectionResource.Row(connection: connection,
                                               breaker: breakers.snapshot(connection.config.name, config: connection.config.breaker, now: now()),
                                               webhooks: counts, reconciler: reconcilerCounts(connection.config.name),
                                               alerts: alerts.active(connection.config.name), inFlight: inFlight.count(connection.config.name)))
        }
        return APIReply(status: 200, body: ConnectionResource.json(rows).bytes)
    }

    /// `GET /v1/events?since=evt_…` or `GET /v1/payments/{id}/events`: a merchant's events, oldest first.
    public func events(merchant: Merchant, paymentId: String?, since: String?, limit: Int) async throws -> APIReply {
        if let paymentId, try await store.payment(id: paymentId, merchantId: merchant.id) == nil {
            throw APIError.missing("payment", id: paymentId)
        }
        if let since, try await store.event(id: since, merchantId: merchant.id) == nil {
            throw APIError.missing("event", id: since, param: "since")
        }
        let rows = try await store.events(merchantId: merchant.id, paymentId: paymentId, after: since, limit: limit + 1)
        return APIReply(status: 200, body: EventResource.list(Array(rows.prefix(limit)), hasMore: rows.count > limit))
    }

    /// `GET /v1/events/{id}`: one event with its delivery record.
    public func event(id: String, merchant: Merchant) async throws -> APIReply {
        guard let (event, state) = try await store.event(id: id, merchantId: merchant.id) else { throw APIError.missing("event", id: id) }
        return APIReply(status: 200, body: EventResource.detail(event, state))
    }

    /// `POST /v1/events/{id}/redeliver`: sends the notification again now.
    public func redeliver(id: String, merchant: Merchant) async throws -> APIReply {
        guard try await store.event(id: id, merchantId: merchant.id) != nil else { throw APIError.missing("event", id: id) }
        guard try await store.redeliver(eventId: id, merchantId: merchant.id, now: now()) else {
            throw APIError.conflict("notification_url_missing",
                                    "This event has no notification URL: set notification_url on the payment or a merchant default.")
        }
        outbox.wake()
        return try await event(id: id, merchant: merchant)
    }
}
