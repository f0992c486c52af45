import Foundation
import PasarelaStore

/// `GET /v1/connections`: each connection's health and breaker state, what its webhooks and the reconciler did, its
/// open alerts and calls in flight.
public final class ConnectionStatus: Sendable {
    let inbox: any WebhookInbox
    let live: LiveConfigs
    let psp: PSPClient
    let counters: ConnectionCounters
    let duplicates: DuplicateCounter

    init(inbox: any WebhookInbox, live: LiveConfigs, psp: PSPClient, counters: ConnectionCounters, duplicates: DuplicateCounter) {
        self.duplicates = duplicates
        self.inbox = inbox
        self.live = live
        self.psp = psp
        self.counters = counters
    }

    public func rows() async throws -> [ConnectionResource.Row] {
        var rows: [ConnectionResource.Row] = []
        for connection in live.current.connections.values.sorted(by: { $0.config.name < $1.config.name }) {
            let name = connection.config.name
            var counts = try await duplicates.counts(connection: name) { try await inbox.webhookCounts(connection: name) }
            counts["refused"] = counters.refusedWebhooks(name)
            rows.append(ConnectionResource.Row(connection: connection,
                                               breaker: psp.breakers.snapshot(name, config: connection.config.breaker, now: psp.now()),
                                               webhooks: counts, reconciler: counters.reconcilerCounts(name),
                                               alerts: psp.alerts.active(name), inFlight: psp.inFlight.count(name)))
        }
        return rows
    }
}
