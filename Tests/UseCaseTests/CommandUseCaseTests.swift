import Foundation
@testable import PasarelaGateway
import PasarelaAdapters
import PasarelaCore
import PasarelaStore
import Testing

/// The merchant's commands, each use case built on its own from the parts it takes, answering typed results and typed
/// refusals; no HTTP anywhere but the PSP calls to the emulators.
@Suite struct CreatePaymentTests {
    @Test func aVoucherIsMadeOnceAndItsKeyReplaysTheSameAnswer() async throws {
        try await World.with { world in
            let request = World.cash()
            let stored = try await world.created(request, key: World.key("k-1"))
            #expect(stored.payment.status == .requiresAction)
            #expect(stored.payment.connection == "dlocal")
            #expect(stored.payment.nextAction?.voucherCode != nil)
            // The same key and request: the answer the key keeps, byte for byte what the server renders now.
            guard case .replayed(let reply) = try await world.create.run(CreatePaymentCommand(request: request, merchant: World.merchant,
                                                                                              idempotency: World.key("k-1"))) else {
                Issue.record("a retry with the key ran the create again")
                return
            }
            #expect(reply == HTTPMapping.payment(stored, .created))
            #expect(world.dlocal.ledger.count == 1)
            // The same key with another request is refused, typed.
            await #expect(throws: CommandError.keyReused(body: true)) {
                try await world.create.run(CreatePaymentCommand(request: request, merchant: World.merchant, idempotency: World.key("k-1", "f2")))
            }
        }
    }

    @Test func whatCannotBeRoutedIsRefusedTyped() async throws {
        try await World.with { world in
            var request = World.cash()
            request.notificationURL = "http://169.254.169.254/latest"
            do {
                _ = try await world.created(request)
                Issue.record("a metadata address was taken as a notification URL")
            } catch CommandError.notificationURLRefused(let reason) {
                #expect(reason.contains("link-local"), "\(reason)")
            }
            var nowhere = World.cash()
            nowhere.amount = Money(minorUnits: 100, currency: Currency(code: "EUR")!)
            do {
                _ = try await world.created(nowhere)
                Issue.record("a payment no connection takes was created")
            } catch CommandError.noConnection(let method, let country, let currency, _, _) {
                #expect([method, country, currency] == ["cash", "PE", "EUR"])
            }
            #expect(world.dlocal.ledger.isEmpty)
        }
    }
}

@Suite struct CancelPaymentTests {
    @Test func aVoucherIsCanceledAtItsPSPAndARefusalIsKeptForTheKey() async throws {
        try await World.with { world in
            let stored = try await world.created(World.cash())
            let pspId = try #require(stored.payment.pspPaymentId)
            guard case .done(let outcome) = try await world.cancel.run(CancelPaymentCommand(paymentId: stored.payment.id, merchant: World.merchant,
                                                                                           idempotency: World.key("c-1"))) else {
                Issue.record("a first cancel was answered from a key")
                return
            }
            #expect(outcome.confirmed && outcome.stored.payment.status == .canceled)
            #expect(world.dlocal.status(of: pspId) == "CANCELLED")
            // Again, with another key: refused, and the refusal is what that key answers from now on.
            let again = CancelPaymentCommand(paymentId: stored.payment.id, merchant: World.merchant, idempotency: World.key("c-2"))
            var refused: CommandError?
            do { _ = try await world.cancel.run(again) } catch let error as CommandError { refused = error }
            guard case .cancelRefused(.alreadyEnded(.canceled), _)? = refused else {
                Issue.record("a second cancel was not refused as ended: \(String(describing: refused))")
                return
            }
            guard case .replayed(let reply) = try await world.cancel.run(again) else {
                Issue.record("a refused cancel's key ran again")
                return
            }
            #expect(reply == HTTPMapping.replies.refusal(try #require(refused)))
            #expect(reply.status == 409)
        }
    }

    @Test func anOutcomeNotKnownYetFreesTheKey() async throws {
        try await World.with { world in
            let stored = try await world.created(World.cash())
            let key = World.key("free-1")
            guard case .run(let claim) = try await world.keys.claim(key, stored: stored, operation: "cancel", merchant: World.merchant,
                                                                    abandoned: { nil }) else {
                Issue.record("a new key was not claimed")
                return
            }
            let open = CommandError.cancelRefused(.outcomeUnknown, stored.payment)
            await #expect(throws: open) {
                _ = try await world.keys.settled(claim, merchant: World.merchant, render: { (_: Int) in StoredReply(status: 200, body: []) }) {
                    throw open
                }
            }
            // Freed: the same key runs again rather than answering the refusal.
            guard case .run = try await world.keys.claim(key, stored: stored, operation: "cancel", merchant: World.merchant, abandoned: { nil }) else {
                Issue.record("the key kept an answer whose outcome was not known")
                return
            }
        }
    }
}

@Suite struct CaptureAndRefundTests {
    @Test func anAuthorizationIsCapturedNoMoreThanWasAuthorized() async throws {
        try await World.with { world in
            let stored = try await world.created(World.card(value: 8000))
            #expect(stored.payment.status == .authorized)
            #expect(stored.payment.connection == "checkout")
            let tooMuch = CapturePaymentCommand(paymentId: stored.payment.id, merchant: World.merchant,
                                                amount: Money(minorUnits: 9000, currency: Currency(code: "PEN")!), idempotency: nil)
            do {
                _ = try await world.capture.run(tooMuch)
                Issue.record("more than was authorized was captured")
            } catch CommandError.captureRefused(let refusal, _) {
                #expect(refusal == .exceedsAuthorized(authorized: stored.payment.request.amount))
            }
            guard case .done(let captured) = try await world.capture.run(CapturePaymentCommand(paymentId: stored.payment.id, merchant: World.merchant,
                                                                                              amount: nil, idempotency: nil)) else {
                Issue.record("a capture without a key was answered from one")
                return
            }
            // Checkout accepts a capture for later (202): the payment waits for its confirmation.
            #expect(captured.payment.pendingCapture == stored.payment.request.amount)
            do {
                _ = try await world.capture.run(CapturePaymentCommand(paymentId: stored.payment.id, merchant: World.merchant, amount: nil, idempotency: nil))
                Issue.record("a second capture went to the PSP")
            } catch CommandError.captureRefused(let refusal, _) {
                #expect(refusal == .alreadyPending)
            }
        }
    }

    @Test func aPaidVoucherIsRefundedNoMoreThanWasPaid() async throws {
        try await World.with { world in
            let stored = try await world.created(World.cash(value: 15000))
            let pspId = try #require(stored.payment.pspPaymentId)
            _ = try world.dlocal.complete(pspId, as: .paid)
            // No webhook reaches this world: the reconciler's look learns it.
            let report = await world.reconciler.reconcileAll()
            #expect(report.actions.map(\.reached) == [.succeeded], "\(report.lines)")
            let account = BankAccount(beneficiaryName: "Pedro Gomez", bank: "BCP", number: "19112345678012", type: "savings")
            let pen = Currency(code: "PEN")!
            guard case .done(let refund) = try await world.refund.run(RefundPaymentCommand(
                paymentId: stored.payment.id, merchant: World.merchant, amount: Money(minorUnits: 5000, currency: pen), reason: nil,
                bankAccount: account, idempotency: World.key("r-1"))) else {
                Issue.record("a first refund was answered from a key")
                return
            }
            #expect(refund.amount.minorUnits == 5000 && refund.status != .failed)
            do {
                _ = try await world.refund.run(RefundPaymentCommand(paymentId: stored.payment.id, merchant: World.merchant,
                                                                    amount: Money(minorUnits: 10001, currency: pen), reason: nil, bankAccount: account,
                                                                    idempotency: nil))
                Issue.record("more than was left was refunded")
            } catch CommandError.refundRefused(let refusal, _) {
                #expect(refusal == .exceedsRemaining(remaining: Money(minorUnits: 10000, currency: pen)))
            }
            await #expect(throws: CommandError.notFound("payment", id: "pay_nope")) {
                try await world.refund.run(RefundPaymentCommand(paymentId: "pay_nope", merchant: World.merchant, amount: nil, reason: nil,
                                                                bankAccount: nil, idempotency: nil))
            }
        }
    }
}
