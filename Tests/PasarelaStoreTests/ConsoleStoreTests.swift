import Foundation
import PasarelaCore
import PasarelaStore
import Testing

private typealias F = Fixtures

/// The console's roles on both stores: operators, sessions found only alive and only by digest, the audit log, payment
/// search across merchants, a period's history a page at a time and a window's attempts.
@Suite struct ConsoleStoreTests {
    @Test(arguments: StoreKind.available) func operatorsSessionsAndTheAuditLog(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let at = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await store.addOperator(OperatorRecord(name: "ana", passwordHash: "scrypt$x", role: "editor", createdAt: at)))
            #expect(try await store.addOperator(OperatorRecord(name: "ana", passwordHash: "other", role: "viewer", createdAt: at)) == false)
            #expect(try await store.operatorNamed("ana")?.role == "editor")
            let session = SessionRecord(digest: "d1", operatorName: "ana", csrf: "c1", createdAt: at, expiresAt: at.addingTimeInterval(60))
            try await store.addSession(session)
            #expect(try await store.session(digest: "d1", now: at.addingTimeInterval(59))?.0 == session)
            #expect(try await store.session(digest: "d1", now: at.addingTimeInterval(60)) == nil)
            #expect(try await store.session(digest: "d2", now: at) == nil)
            // Disabling ends every session of theirs.
            #expect(try await store.setOperatorDisabled("ana", true))
            #expect(try await store.session(digest: "d1", now: at) == nil)
            #expect(try await store.operatorNamed("ana")?.disabled == true)
            #expect(try await store.setOperatorDisabled("nobody", true) == false)
            try await store.appendAudit(AuditEntry(at: at, operatorName: "ana", action: "login", subject: "console", detail: ""))
            try await store.appendAudit(AuditEntry(at: at, operatorName: "ana", action: "rules.save", subject: "routes.yaml", detail: "+x"))
            #expect(try await store.audit(limit: 10).map(\.action) == ["rules.save", "login"])
        }
    }

    @Test(arguments: StoreKind.available) func paymentsAreSearchedAcrossMerchantsAndReadAPageAtATime(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var ids: [String] = []
            for index in 0..<5 {
                let payment = F.payment(merchant: index % 2 == 0 ? "m1" : "m2", order: "o-\(index)", at: start.addingTimeInterval(Double(index)))
                _ = try await store.create(payment, idempotency: nil)
                var attempt = F.attempt(for: payment)
                attempt.startedAt = payment.createdAt
                _ = try await F.write(store, payment, attempts: [attempt]) { $0.connection = index == 4 ? "pagoefectivo" : "dlocal" }
                ids.append(payment.id)
            }
            #expect(try await store.searchPayments(PaymentSearch(limit: 10)).map(\.payment.id) == ids.reversed())
            #expect(try await store.searchPayments(PaymentSearch(orderId: "o-3")).map(\.payment.id) == [ids[3]])
            #expect(try await store.searchPayments(PaymentSearch(connection: "pagoefectivo")).map(\.payment.id) == [ids[4]])
            #expect(try await store.searchPayments(PaymentSearch(paymentId: ids[1])).first?.attempts.count == 1)
            let page = try await store.searchPayments(PaymentSearch(limit: 2))
            #expect(try await store.searchPayments(PaymentSearch(startingAfter: page.last?.payment.id, limit: 2)).map(\.payment.id) == [ids[2], ids[1]])
            #expect(try await store.searchPayments(PaymentSearch(createdFrom: start.addingTimeInterval(3))).count == 2)
            // History: oldest first, a page at a time, with attempts.
            let first = try await store.history(since: start, until: start.addingTimeInterval(10), after: nil, limit: 3)
            let rest = try await store.history(since: start, until: start.addingTimeInterval(10), after: first.last?.id, limit: 3)
            #expect((first + rest).map(\.id) == ids)
            #expect(first.allSatisfy { $0.attempts == [HistoricalAttempt(connection: "dlocal", outcome: .pending, declineClass: nil, durationMs: 12)] })
            #expect(first.first?.request == Fixtures.payment(order: "o-0").request)
            #expect(first.map(\.connection) == ["dlocal", "dlocal", "dlocal"])
            #expect(try await store.history(since: start.addingTimeInterval(1), until: start.addingTimeInterval(3), after: nil, limit: 9).count == 2)
            // A window's attempts, the newest kept when there are more than asked.
            let window = try await store.attempts(since: start, until: start.addingTimeInterval(10), limit: 3)
            #expect(window.map(\.paymentId) == Array(ids.suffix(3)))
        }
    }

    /// A payment read by id is one statement (its attempts and refunds aggregated as JSON); it must read back exactly
    /// what the three-statement read of a search gives, children in order, on both stores.
    @Test(arguments: StoreKind.available) func aPaymentReadInOneStatementIsTheWholePayment(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            var first = F.attempt(for: created)
            first.outcome = .declined
            first.declineClass = .soft
            first.errorMessage = "Tarjeta rechazada: \"fondos\" — ñandú 🙂"
            var second = F.attempt(for: created, psp: "D-4-2")
            second.sequence = 2
            second.needsDuplicateCheck = true
            second.durationMs = nil
            let at = Date(timeIntervalSince1970: 1_800_000_000.123)
            let account = BankAccount(beneficiaryName: "Pedro Gómez", bank: "BCP", number: "19112345678012", type: "savings")
            let refunds = [
                Refund(id: "re_b", paymentId: created.id, amount: Money(minorUnits: 500, currency: F.pen), reason: "devolución", connection: "dlocal",
                       bankAccount: account, createdAt: at.addingTimeInterval(1), updatedAt: at.addingTimeInterval(2)),
                Refund(id: "re_a", paymentId: created.id, amount: Money(minorUnits: 700, currency: F.pen), status: .succeeded, connection: "dlocal",
                       pspRefundId: "R-1", createdAt: at, updatedAt: at),
            ]
            #expect(try await F.write(store, created, attempts: [second, first], refunds: refunds) { $0.status = .succeeded } == .committed)
            let one = try #require(try await store.payment(id: created.id, merchantId: "m1"))
            let searched = try #require(try await store.searchPayments(PaymentSearch(paymentId: created.id)).first)
            #expect(one == searched)
            #expect(one.attempts.map(\.sequence) == [1, 2])
            #expect(one.attempts.first?.errorMessage == first.errorMessage)
            #expect(one.refunds.map(\.id) == ["re_a", "re_b"])
            #expect(one.refunds.last?.bankAccount == account)
            #expect(try await store.payment(id: created.id, merchantId: "someone-else") == nil)
            // A payment with no attempt and no refund.
            let bare = F.payment()
            _ = try await store.create(bare, idempotency: nil)
            let read = try #require(try await store.payment(id: bare.id, merchantId: nil))
            #expect(read.attempts.isEmpty && read.refunds.isEmpty)
        }
    }
}
