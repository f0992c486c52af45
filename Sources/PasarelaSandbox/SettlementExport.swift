import Foundation
import Hummingbird
import NIOCore
import PasarelaCore

/// Settlement reports as the emulated PSPs' dashboards export them, in the layouts docs/settlement.md describes:
/// `GET /sandbox/{connection}/settlement?from=YYYY-MM-DD&to=YYYY-MM-DD` (days in the PSP's own zone, both inclusive;
/// all time when absent).
enum SettlementExport {
    /// The days asked for, as instants: the start of `from` and the end of `to`.
    static func range(_ request: Request, zone: TimeZone) -> ClosedRange<Date>? {
        let formatter = EmulatorClock.formatter("yyyy-MM-dd", zone: zone)
        let query = request.uri.queryParameters
        var from = Date.distantPast, to = Date.distantFuture
        if let text = query["from"] {
            guard let day = formatter.date(from: String(text)) else { return nil }
            from = day
        }
        if let text = query["to"] {
            guard let day = formatter.date(from: String(text)) else { return nil }
            to = day.addingTimeInterval(86_399.999)
        }
        // `from` after `to` is an empty span: a report without lines.
        return from <= to ? from...to : Date.distantPast...Date.distantPast
    }

    /// The CSV answer, or 400 when a date is not a YYYY-MM-DD day.
    static func answer(_ request: Request, zone: TimeZone, rows: (ClosedRange<Date>) -> [[String]]) -> Response {
        guard let range = range(request, zone: zone) else {
            return EmulatorResponse.json(400, object: ["error": "from and to are days written YYYY-MM-DD"])
        }
        let text = rows(range).map { $0.map(quoted).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `permille` of `minor`, rounded half up, plus `fixed`.
    static func fee(_ minor: Int64, permille: Int64, fixed: Int64 = 0) -> Int64 { (minor * permille + 500) / 1000 + fixed }

    /// Minor units written as a decimal in major units of `currency`, negative for money going back.
    static func major(_ minor: Int64, _ currency: String) -> String {
        guard let code = Currency(code: currency) else { return String(minor) }
        return Money(minorUnits: minor, currency: code).majorUnitString
    }

    static func minor(_ amount: Decimal, _ currency: String) -> Int64 {
        let exponent = Currency(code: currency)?.exponent ?? 2
        var scaled = amount * pow(10, exponent), rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return NSDecimalNumber(decimal: rounded).int64Value
    }
}

extension DLocalEmulator {
    /// dLocal's settlement report: PAID payments and SUCCESS refunds, a 3% fee on payments.
    func settlementRows(_ range: ClosedRange<Date>) -> [[String]] {
        var rows = [["settlement_date", "transaction_date", "type", "transaction_id", "payment_id", "invoice", "country", "payment_method",
                     "currency", "gross_amount", "fee_amount", "net_amount"]]
        let (payments, refunds) = state.withLock { state in
            (state.payments.all(), state.refundOrder.compactMap { state.refunds[$0] })
        }
        let utc = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        for payment in payments where payment.status == "PAID" {
            guard let at = payment.approvedDate.flatMap({ EmulatorClock.date($0, utc) }), range.contains(at) else { continue }
            let gross = SettlementExport.minor(payment.amount, payment.currency)
            let fee = SettlementExport.fee(gross, permille: 30)
            rows.append(row(at, "PAYMENT", payment.id, payment.id, payment.orderId, payment, gross, fee))
        }
        for refund in refunds where refund.status == "SUCCESS" {
            guard let at = EmulatorClock.date(refund.createdDate, utc), range.contains(at),
                  let payment = payments.first(where: { $0.id == refund.paymentId }) else { continue }
            rows.append(row(at, "REFUND", refund.id, payment.id, payment.orderId, payment, -SettlementExport.minor(refund.amount, refund.currency), 0))
        }
        return rows
    }

    private func row(_ at: Date, _ type: String, _ id: String, _ paymentId: String, _ invoice: String, _ payment: EmulatedPayment,
                     _ gross: Int64, _ fee: Int64) -> [String] {
        [EmulatorClock.string(at.addingTimeInterval(86_400), "yyyy-MM-dd"), EmulatorClock.string(at, "yyyy-MM-dd HH:mm:ss"), type, id,
         paymentId, invoice, payment.country, payment.paymentMethodId, payment.currency, SettlementExport.major(gross, payment.currency),
         SettlementExport.major(-fee, payment.currency), SettlementExport.major(gross - fee, payment.currency)]
    }
}

extension CheckoutEmulator {
    /// Checkout's financial actions report: every action, a fee of 2.9% plus 0.30 on captures.
    func settlementRows(_ range: ClosedRange<Date>) -> [[String]] {
        var rows = [["Action ID", "Action Type", "Payment ID", "Reference", "Processed On", "Processing Currency", "Gross Amount", "Fee Amount",
                     "Net Amount"]]
        let payments = state.withLock { state in state.payments.all() }
        for payment in payments {
            for action in payment.actions where action.approved {
                guard let at = Timestamps.parse(action.processedOn), range.contains(at) else { continue }
                let sign: Int64 = action.type == "Refund" ? -1 : 1
                let moves = action.type == "Capture" || action.type == "Refund"
                let gross = moves ? sign * action.amount : 0
                let fee = action.type == "Capture" ? SettlementExport.fee(action.amount, permille: 29, fixed: 30) : 0
                rows.append([action.id, action.type, payment.id, action.reference ?? "", action.processedOn, payment.currency,
                             SettlementExport.major(gross, payment.currency), SettlementExport.major(-fee, payment.currency),
                             SettlementExport.major(gross - fee, payment.currency)])
            }
        }
        return rows
    }
}

extension PagoEfectivoEmulator {
    /// PagoEfectivo's paid-CIPs report, Lima time, a 1.5% fee.
    func settlementRows(_ range: ClosedRange<Date>) -> [[String]] {
        var rows = [["CIP", "Codigo de Transaccion", "Moneda", "Monto", "Comision", "Fecha de Pago", "Estado"]]
        let cips = state.withLock { state in state.cips.all() }
        for cip in cips where cip.status == "PAID" {
            guard let at = cip.paidAt, range.contains(at) else { continue }
            let gross = SettlementExport.minor(cip.amount, cip.currency)
            rows.append([String(cip.cip), cip.transactionCode, cip.currency, SettlementExport.major(gross, cip.currency),
                         SettlementExport.major(SettlementExport.fee(gross, permille: 15), cip.currency),
                         EmulatorClock.string(at, "dd/MM/yyyy HH:mm:ss", zone: Timestamps.lima), "Pagado"])
        }
        return rows
    }
}
