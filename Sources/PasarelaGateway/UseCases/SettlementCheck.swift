import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// Why a settlement file was not checked; nothing of it is written.
public enum SettlementError: Error, Sendable, CustomStringConvertible {
    case unknownConnection(String, known: [String])
    case noLayout(String)
    case file(SettlementFileError)
    case conflict(SettlementConflict)

    public var description: String {
        switch self {
        case .unknownConnection(let name, let known): "no connection '\(name)'; known: \(known.joined(separator: ", "))"
        case .noLayout(let name): "connection '\(name)' has no settlement layout (its adapter file can declare one under settlement:)"
        case .file(let error): "\(error)"
        case .conflict(let conflict):
            "line \(conflict.line): this line's key was imported from \(conflict.earlierFile) (line \(conflict.earlierLine)) with other values"
        }
    }
}

/// `pasarela settle`: a PSP's settlement file against Pasarela's books.
public final class SettlementCheck: Sendable {
    let books: any SettlementStore & PaymentLedger & RefundQueries
    let live: LiveConfigs
    let now: @Sendable () -> Date

    init(books: any SettlementStore & PaymentLedger & RefundQueries, live: LiveConfigs, now: @escaping @Sendable () -> Date) {
        self.books = books
        self.live = live
        self.now = now
    }

    /// Imports a connection's settlement report and checks it against Pasarela's books: each payment line against the
    /// payment the PSP's id (or our reference) names, each refund line against its refund, and every payment and refund
    /// that succeeded here in the period against all the lines the connection's files have brought. Importing a file
    /// again adds nothing and reports the same.
    public func check(connection name: String, file: [UInt8], fileName: String, from: Date? = nil, to: Date? = nil) async throws -> SettlementReport {
        let live = self.live.current
        guard let connection = live.connections[name] else { throw SettlementError.unknownConnection(name, known: live.connections.keys.sorted()) }
        guard let layout = connection.adapter.settlement else { throw SettlementError.noLayout(name) }
        let settlements = books
        let lines: [SettlementLine]
        do { lines = try SettlementFile.lines(file, layout: layout) } catch { throw SettlementError.file(error) }
        let imported: SettlementImport
        do {
            imported = try await settlements.importSettlement(connection: name, lines: lines, fileName: fileName, at: now())
        } catch let conflict as SettlementConflict {
            throw SettlementError.conflict(conflict)
        }
        // A file's times are to the second at best: its period ends a second after its last line.
        var report = SettlementReport(connection: name, fileName: fileName, lines: lines.count, imported: imported,
                                      from: from ?? lines.map(\.date).min(), to: to ?? lines.map(\.date).max()?.addingTimeInterval(0.999))
        for line in lines { report.totals[line.amount.currency.code, default: SettlementTotal(currency: line.amount.currency)].add(line) }
        try await checkPayments(lines.filter { $0.kind == .payment }, connection: name, into: &report)
        try await checkRefunds(lines.filter { $0.kind == .refund }, connection: name, into: &report)
        try await checkChargebacks(lines.filter { $0.kind == .chargeback }, connection: name, into: &report)
        if let start = report.from, let end = report.to {
            try await checkBooks(settlements, connection: name, from: start, to: end, into: &report)
        }
        report.mismatches.sort { ($0.line ?? .max, $0.paymentId ?? "") < ($1.line ?? .max, $1.paymentId ?? "") }
        return report
    }

    /// Payment lines, summed per payment (a payment captured in parts has a line per capture), against what was captured.
    func checkPayments(_ lines: [SettlementLine], connection: String, into report: inout SettlementReport) async throws {
        var groups: [String: [SettlementLine]] = [:]
        var order: [String] = []
        for line in lines {
            let id = line.pspPaymentId ?? ""
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append(line)
        }
        for id in order {
            let group = groups[id] ?? []
            let first = group[0]
            var mismatch = SettlementMismatch(kind: .notHere, line: first.line, what: .payment, pspPaymentId: id, pspAmount: first.amount)
            guard let stored = try await storedPayment(connection: connection, pspPaymentId: id, reference: first.reference) else {
                report.mismatches.append(mismatch)
                continue
            }
            let payment = stored.payment
            mismatch.paymentId = payment.id
            mismatch.ourStatus = payment.status.rawValue
            mismatch.ourAmount = stored.captured
            guard group.allSatisfy({ $0.amount.currency == payment.request.amount.currency }) else {
                mismatch.kind = .currency
                report.mismatches.append(mismatch)
                continue
            }
            let total = Money(minorUnits: group.reduce(0) { $0 + $1.amount.minorUnits }, currency: first.amount.currency)
            mismatch.pspAmount = total
            if payment.status != .succeeded {
                mismatch.kind = .status
                mismatch.ourAmount = nil
                report.mismatches.append(mismatch)
            } else if total != stored.captured {
                mismatch.kind = .amount
                report.mismatches.append(mismatch)
            } else {
                report.matched += group.count
            }
        }
    }

    /// Refund lines against the refunds they name.
    func checkRefunds(_ lines: [SettlementLine], connection: String, into report: inout SettlementReport) async throws {
        for line in lines {
            var mismatch = SettlementMismatch(kind: .notHere, line: line.line, what: .refund, pspPaymentId: line.pspPaymentId,
                                              pspRefundId: line.pspRefundId, pspAmount: line.amount)
            guard let ref = try await books.refund(connection: connection, pspRefundId: line.pspRefundId, reference: line.reference),
                  let refund = try await books.payment(id: ref.paymentId, merchantId: nil)?.refund(ref.refundId) else {
                report.mismatches.append(mismatch)
                continue
            }
            mismatch.paymentId = refund.paymentId
            mismatch.refundId = refund.id
            mismatch.ourAmount = refund.amount
            mismatch.ourStatus = refund.status.rawValue
            if line.amount.currency != refund.amount.currency {
                mismatch.kind = .currency
            } else if refund.status != .succeeded {
                mismatch.kind = .status
            } else if line.amount != refund.amount {
                mismatch.kind = .amount
            } else {
                report.matched += 1
                continue
            }
            report.mismatches.append(mismatch)
        }
    }

    /// A chargeback of a payment Pasarela does not know is money it cannot account for; one it knows is shown in the
    /// totals (disputes are outside Pasarela's books).
    func checkChargebacks(_ lines: [SettlementLine], connection: String, into report: inout SettlementReport) async throws {
        for line in lines {
            if try await storedPayment(connection: connection, pspPaymentId: line.pspPaymentId ?? "", reference: line.reference) == nil {
                report.mismatches.append(SettlementMismatch(kind: .notHere, line: line.line, what: .chargeback, pspPaymentId: line.pspPaymentId,
                                                            pspAmount: line.amount))
            } else {
                report.matched += 1
            }
        }
    }

    /// Payments and refunds that succeeded here in the period, against every line imported for the connection.
    func checkBooks(_ settlements: any SettlementStore, connection: String, from: Date, to: Date, into report: inout SettlementReport) async throws {
        let settled = try await settlements.settledIds(connection: connection)
        let books = try await settlements.succeeded(connection: connection, from: from, to: to)
        for stored in books.payments where stored.captured.minorUnits > 0 {
            let names = stored.payment.pspPaymentId.map { [$0] } ?? []
            let attempts = stored.attempts.filter { $0.connection == connection }.flatMap { [$0.id] + ($0.pspPaymentId.map { [$0] } ?? []) }
            guard settled.payments.isDisjoint(with: names + attempts) else { continue }
            report.mismatches.append(SettlementMismatch(kind: .notAtPSP, what: .payment, pspPaymentId: stored.payment.pspPaymentId,
                                                        paymentId: stored.payment.id, ourAmount: stored.captured,
                                                        ourStatus: stored.payment.status.rawValue))
        }
        for refund in books.refunds {
            guard settled.refunds.isDisjoint(with: [refund.id] + (refund.pspRefundId.map { [$0] } ?? [])) else { continue }
            report.mismatches.append(SettlementMismatch(kind: .notAtPSP, what: .refund, pspRefundId: refund.pspRefundId, paymentId: refund.paymentId,
                                                        refundId: refund.id, ourAmount: refund.amount, ourStatus: refund.status.rawValue))
        }
    }

    func storedPayment(connection: String, pspPaymentId: String, reference: String?) async throws -> StoredPayment? {
        guard let ref = try await books.attempt(connection: connection, pspPaymentId: pspPaymentId, reference: reference) else { return nil }
        return try await books.payment(id: ref.paymentId, merchantId: nil)
    }
}
