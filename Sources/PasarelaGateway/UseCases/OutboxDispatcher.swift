import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import PasarelaAdapters
import PasarelaStore
import ServiceLifecycle
import Synchronization

/// Wakes the outbox dispatcher when new events are committed, so notifications leave at once instead of at the next poll.
public final class OutboxSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    public init() {}

    public func wake() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when woken, or after `limit`.
    func wait(upTo limit: Duration) async {
        let timer = Task { [weak self] in
            // A timer canceled because a real wake came first must not wake again: that would run an empty pass.
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            self?.wake()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready: Bool = state.withLock { state in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        timer.cancel()
    }
}

/// Delivers unified status events to merchants from the outbox: signed `Pasarela-Signature: t=…,v1=…`, retried with
/// exponential backoff for about a day, every try recorded. State lives in the store, so a restart resumes pending
/// deliveries.
public final class OutboxDispatcher: Service, Sendable {
    /// Waits before each retry: 30 s, 1, 2, 5, 10, 20, 40 min, 1, 2, 4, 8, 8 h (about 24 h in all).
    public static let defaultSchedule: [Duration] = [.seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
                                                     .seconds(1200), .seconds(2400), .seconds(3600), .seconds(7200),
                                                     .seconds(14_400), .seconds(28_800), .seconds(28_800)]

    let outbox: any Outbox
    let signal: OutboxSignal
    let live: LiveConfigs
    let merchants: MerchantBook
    let merchantAlerts: ConnectionAlerts
    let workLease: TimeInterval
    let now: @Sendable () -> Date
    let schedule: [Duration]
    let pollInterval: Duration
    let client: HTTPClient
    let logger: Logger

    /// The dispatcher of `gateway`'s outbox, with its merchants, outbound policy and alerts.
    public init(gateway: Gateway, schedule: [Duration] = OutboxDispatcher.defaultSchedule, pollInterval: Duration = .seconds(1),
                client: HTTPClient = HTTPExecutor.pspClient, logger: Logger) {
        outbox = gateway.store
        signal = gateway.outbox
        live = gateway.live
        merchants = gateway.merchants
        merchantAlerts = gateway.merchantAlerts
        workLease = gateway.workLease
        now = gateway.now
        self.schedule = schedule
        self.pollInterval = pollInterval
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.deliverDue()
                await self.signal.wait(upTo: self.pollInterval)
            }
        }
    }

    /// Delivers every notification due now, claiming a few at a time.
    public func deliverDue() async {
        // 16 per claim, 8 at a time with a 10 s timeout each: delivered well within the claim's lease, so no other
        // instance takes them up while this one is still sending.
        let batch = 16
        while !Task.isCancelled {
            let due: [DueNotification]
            do {
                due = try await outbox.claimNotifications(now: now(), limit: batch, leaseUntil: now().addingTimeInterval(workLease))
            } catch is CancellationError {
                return   // shutting down
            } catch {
                logger.error("outbox: cannot claim due notifications", metadata: ["error": .string("\(error)".prefix(200).description)])
                return
            }
            await withTaskGroup(of: Void.self) { group in
                for (index, notification) in due.enumerated() {
                    if index >= 8 { await group.next() }
                    group.addTask { await self.deliver(notification) }
                }
            }
            if due.count < batch { return }
        }
    }

    /// The `Pasarela-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, one `v1` per secret
    /// in use (two while a rolled secret's overlap runs).
    public static func signature(body: [UInt8], secrets: [String], timestamp: Int) -> String {
        (["t=\(timestamp)"] + secrets.map { "v1=" + HMACSHA256.hex(key: $0, parts: [Array("\(timestamp).".utf8), body]) }).joined(separator: ",")
    }

    public static func signature(body: [UInt8], secret: String, timestamp: Int) -> String {
        signature(body: body, secrets: [secret], timestamp: timestamp)
    }

    func deliver(_ notification: DueNotification) async {
        let started = now()
        var status: Int?, failure: String?, refused = false
        let refusal = await live.outbound.check(notification.url)
        if case .unresolved(let reason)? = refusal {
            // Perhaps a passing DNS failure: tried again on schedule.
            failure = reason
        } else if case .notAllowed(let reason)? = refusal {
            // Checked again when called: the host may resolve elsewhere now than when the URL was given. Trying again on
            // schedule would not change that: the notification ends refused, the operator is told how to fix it.
            failure = "refused by the outbound URL policy: \(reason)"
            refused = true
            merchantAlerts.raise(merchant: notification.merchantId, kind: "notification_url_refused",
                                  fix: Self.refusalFix(notification, reason: reason), at: started, logger: logger)
        } else if case let secrets = await merchants.notificationSecrets(merchantId: notification.merchantId), !secrets.isEmpty {
            var request = HTTPClientRequest(url: notification.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Pasarela-Webhooks/0.1")
            request.headers.add(name: "Pasarela-Signature",
                                value: Self.signature(body: notification.body, secrets: secrets, timestamp: Int(started.timeIntervalSince1970)))
            request.body = .bytes(ByteBuffer(bytes: notification.body))
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                status = Int(response.status.code)
            } catch {
                failure = String("\(error)".prefix(300))
            }
        } else {
            failure = "merchant \(notification.merchantId) has no webhook secret configured"
        }
        let attempt = DeliveryAttempt(eventId: notification.eventId, at: started, httpStatus: status, error: failure,
                                      durationMs: Int(now().timeIntervalSince(started) * 1000), refused: refused)
        let retryAt: Date? = attempt.delivered || refused || notification.attempts >= schedule.count ? nil
            : now().addingTimeInterval(Self.seconds(schedule[notification.attempts]))
        do {
            try await outbox.record(attempt, retryAt: retryAt)
        } catch where Task.isCancelled {
            // Stopping: the notification stays due and is sent again by the next dispatcher (at least once).
            logger.info("outbox: stopped before recording a delivery", metadata: ["event": .string(notification.eventId)])
        } catch {
            logger.error("outbox: cannot record a delivery", metadata: ["event": .string(notification.eventId), "error": "\(error)"])
        }
        GatewayMetrics.notification(result: attempt.delivered ? "delivered" : refused ? "refused" : (retryAt == nil ? "given_up" : "retry"))
        logger.info("merchant notification", metadata: [
            "event": .string(notification.eventId), "status": .string(status.map(String.init) ?? "-"),
            "try": .stringConvertible(notification.attempts + 1), "retry": .string(retryAt.map { "\($0)" } ?? "no"),
        ])
    }

    /// What an operator does about a notification URL the policy refuses.
    static func refusalFix(_ notification: DueNotification, reason: String) -> String {
        let host = URL(string: notification.url)?.host ?? notification.url
        return "merchant \(notification.merchantId)'s notification URL \(notification.url.prefix(200)) is refused (\(reason)): "
            + "point \(host) at a public address, or give the merchant another URL (pasarela merchants update \(notification.merchantId) "
            + "--notification-url https://…; a payment's own notification_url is the merchant's to change), or allow the network under "
            + "outbound.allow in routes.yaml; then send the refused events again (POST /v1/events/{id}/redeliver)"
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
