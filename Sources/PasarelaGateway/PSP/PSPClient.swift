import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// One call to a PSP, as a use case states it: the flow it counts under, the request to build (pure, from the
/// connection's context with its access token), how the answer reads (pure), and what no usable answer means.
struct PSPCall<Output> {
    var flow: PSPFlow
    var build: (AdapterContext) throws(AdapterError) -> OutboundRequest
    var read: (InboundMessage) -> Output
    /// No usable answer: the outcome says whether the PSP can have acted (`unknown`) or not (`failed`).
    var failed: (PSPOutcome) -> Output
}

/// The payment (and attempt) a PSP call is about, so its transcript is kept with them.
struct CallSubject: Sendable {
    var paymentId: String
    var attemptId: String?
}

/// The one way Pasarela talks to a PSP. Every call, the access-token exchange included, is held under the connection's
/// `limits.max_in_flight`, sent with its timeouts, counted in metrics by flow and outcome, checked for answers that mean
/// the connection is set up wrong (an alert, cleared by the next accepted call), and, when it is about a payment, kept as
/// a redacted transcript with it. The connections' circuit breakers live here too; the create path asks them before an
/// attempt and tells them how it settled.
public final class PSPClient: Sendable {
    let executor: HTTPExecutor
    /// Where transcripts of calls about payments are kept (none for tools that keep nothing, like the doctor).
    let callLog: (any CallLog)?
    let logger: Logger
    let now: @Sendable () -> Date
    let tokens = TokenCache()
    /// Calls in flight per connection, under `limits.max_in_flight`.
    public let inFlight = InFlightCounter()
    /// Alerts on connections whose PSP says they are set up wrong.
    public let alerts = ConnectionAlerts()
    /// One circuit breaker per connection.
    public let breakers = CircuitBreakers()

    init(executor: HTTPExecutor, callLog: (any CallLog)?, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.executor = executor
        self.callLog = callLog
        self.logger = logger
        self.now = now
    }

    /// Makes `call` on `connection` and keeps its transcript on its own.
    /// - Parameter timeoutMs: the answer's deadline; the connection's `request_timeout_ms` when `nil`.
    func call<Output>(_ call: PSPCall<Output>, on connection: Connection, about subject: CallSubject? = nil,
                      timeoutMs: Int? = nil) async -> Output {
        let (output, transcript) = await callKeepingTranscript(call, on: connection, about: subject, timeoutMs: timeoutMs)
        await keep(transcript)
        return output
    }

    /// ``call(_:on:about:timeoutMs:)``, handing the transcript back (when the call is about a payment) to be kept with the
    /// decision its answer makes, in the same transaction.
    func callKeepingTranscript<Output>(_ call: PSPCall<Output>, on connection: Connection, about subject: CallSubject?,
                                       timeoutMs: Int? = nil) async -> (Output, RecordedCall?) {
        let name = connection.config.name
        guard inFlight.acquire(name, limit: connection.config.maxInFlight) else {
            GatewayMetrics.pspCall(connection: name, flow: call.flow, outcome: "over_capacity", seconds: 0)
            return (call.failed(.notCreated(.rateLimited, code: "max_in_flight",
                                            message: "\(name) has \(connection.config.maxInFlight) calls in flight from this instance (limits.max_in_flight)")), nil)
        }
        defer { inFlight.release(name) }
        var context = connection.context
        switch await token(for: connection, about: subject) {
        case .success(let token): context.token = token
        case .failure(let failure): return (call.failed(failure.outcome), nil)
        }
        let exchange = await send(call.flow, on: connection, context: context, timeoutMs: timeoutMs ?? connection.config.requestTimeoutMs,
                                  build: call.build)
        if case .response(let response) = exchange.result, response.status == 401, let token = context.token {
            await tokens.invalidate(name, token: token)
        }
        let output = switch exchange.result {
        case .response(let response): call.read(response)
        case .failed(let outcome): call.failed(outcome)
        }
        return (output, exchange.transcript(about: subject, redactor: connection.redactor(token: context.token)))
    }

    /// Stores a call's transcript on its own. A transcript that cannot be kept never fails its payment.
    func keep(_ call: RecordedCall?) async {
        guard let call, let callLog else { return }
        do { try await callLog.recordCall(call) } catch {
            logger.warning("psp call transcript not kept", metadata: ["payment": .string(call.paymentId), "error": .string("\(type(of: error))")])
        }
    }

    /// A valid access token for the connection (`nil` for PSPs without tokens), exchanged through ``send`` when none is
    /// cached: the exchange is counted (flow `token`), alerts on refused credentials, and is kept with the payment whose
    /// call needed it.
    func token(for connection: Connection, about subject: CallSubject? = nil) async -> Result<String?, TokenCache.TokenFailure> {
        guard let flow = connection.adapter.token else { return .success(nil) }
        return await tokens.token(for: connection.config.name, refreshMargin: flow.refreshMargin, now: now) {
            await self.exchangeToken(flow, connection: connection, about: subject)
        }
    }

    /// Token requests sent for a connection so far.
    public func tokenExchanges(for connection: String) async -> Int { await tokens.exchangeCount(connection) }

    func exchangeToken(_ flow: any TokenFlow, connection: Connection, about subject: CallSubject?) async -> Result<AccessToken, TokenCache.TokenFailure> {
        let at = now()
        let exchange = await send(.token, on: connection, context: connection.context, timeoutMs: connection.config.requestTimeoutMs,
                                  build: { context throws(AdapterError) in try flow.buildTokenRequest(now: at, context: context) })
        let result: Result<AccessToken, TokenCache.TokenFailure>
        switch exchange.result {
        case .response(let response):
            do {
                result = .success(try flow.parseTokenResponse(response, now: now()))
            } catch {
                let failure: FailureClass = response.status >= 500 ? .http5xx : response.status == 429 ? .rateLimited : .rejected
                result = .failure(.init(outcome: .notCreated(failure, code: String(response.status), message: "token exchange failed: \(error)")))
            }
        case .failed(let outcome):
            // No payment can exist yet: only the token request was at stake.
            result = .failure(.init(outcome: .notCreated(outcome.failureClass == .rejected ? .rejected : .connectionError, code: outcome.errorCode,
                                                         message: "token exchange failed: \(outcome.errorMessage ?? "no answer")")))
        }
        let token = try? result.get().value
        await keep(exchange.transcript(about: subject, redactor: connection.redactor(token: token)))
        return result
    }

    /// One request sent and accounted for: built, executed under the connection's timeouts, counted, checked for a
    /// misconfigured connection.
    func send(_ flow: PSPFlow, on connection: Connection, context: AdapterContext, timeoutMs: Int,
              build: (AdapterContext) throws(AdapterError) -> OutboundRequest) async -> Exchange {
        let name = connection.config.name
        let startedAt = now()
        let outbound: OutboundRequest
        do {
            outbound = try build(context)
        } catch {
            let outcome: PSPOutcome = switch error {
            case .unsupported(let reason): .notCreated(.rejected, code: "unsupported", message: reason)
            case .authentication(let reason): .notCreated(.rejected, code: nil, message: reason)
            }
            return Exchange(flow: flow, connection: name, request: nil, raw: nil, error: nil, result: .failed(outcome), startedAt: startedAt, seconds: 0)
        }
        let clock = ContinuousClock.now
        let raw = await executor.execute(outbound, timeoutMs: timeoutMs, connectTimeoutMs: connection.config.connectTimeoutMs)
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        switch raw {
        case .response(let response):
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: "http_\(response.status / 100)xx", seconds: seconds)
            if let problem = connection.adapter.misconfiguration(response) {
                alerts.raise(problem, connection: name, at: startedAt, logger: logger)
            } else if (200..<300).contains(response.status) || response.status == 404 {
                // The PSP took the credentials and the address: what those alerts said no longer holds.
                alerts.clear(name, kinds: ["credentials", "ip_not_registered", "api_not_enabled", "api_version"])
            }
            return Exchange(flow: flow, connection: name, request: outbound, raw: raw, error: nil, result: .response(response),
                            startedAt: startedAt, seconds: seconds)
        case .notSent(let reason):
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: FailureClass.connectionError.rawValue, seconds: seconds)
            return Exchange(flow: flow, connection: name, request: outbound, raw: raw, error: reason,
                            result: .failed(.notCreated(.connectionError, code: nil, message: "could not reach \(name): \(reason)")),
                            startedAt: startedAt, seconds: seconds)
        case .noAnswer(let kind, let reason):
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: kind.failureClass.rawValue, seconds: seconds)
            return Exchange(flow: flow, connection: name, request: outbound, raw: raw, error: reason,
                            result: .failed(.ambiguous(code: nil, message: "no complete answer from \(name): \(reason)", failure: kind.failureClass)),
                            startedAt: startedAt, seconds: seconds)
        }
    }

    /// What sending one request gave, with what is needed to keep its transcript.
    struct Exchange {
        enum Answer {
            case response(InboundMessage)
            case failed(PSPOutcome)
        }
        var flow: PSPFlow
        var connection: String
        /// `nil` when the request could not be built (nothing was sent).
        var request: OutboundRequest?
        var raw: HTTPExecutor.Result?
        var error: String?
        var result: Answer
        var startedAt: Date
        var seconds: Double

        /// The redacted transcript, for a call about a payment that was sent.
        func transcript(about subject: CallSubject?, redactor: Redactor) -> RecordedCall? {
            guard let subject, let request else { return nil }
            let transcript = CallTranscript(flow: flow, connection: connection, request: request, result: raw, error: error, startedAt: startedAt,
                                            durationMs: Int(seconds * 1000), redactor: redactor)
            return RecordedCall(paymentId: subject.paymentId, attemptId: subject.attemptId, connection: connection, flow: flow.rawValue,
                                at: startedAt, transcript: transcript.bytes)
        }
    }
}
