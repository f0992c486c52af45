import PasarelaCore

extension DLocalAdapter {
    /// dLocal's settlement report as its dashboard exports it (docs/settlement.md): one line per transaction, `type`
    /// PAYMENT, REFUND, CHARGEBACK or FEE, amounts in major units (debits negative), times in UTC.
    /// `settlement_date,transaction_date,type,transaction_id,payment_id,invoice,country,payment_method,currency,gross_amount,fee_amount,net_amount`
    public var settlement: SettlementLayout? { Self.settlementLayout }

    public static let settlementLayout = SettlementLayout(
        name: "dLocal settlement report",
        columns: [.kind: "type", .lineId: "transaction_id", .pspPaymentId: "payment_id", .pspRefundId: "transaction_id",
                  .reference: "invoice", .currency: "currency", .amount: "gross_amount", .fee: "fee_amount", .date: "transaction_date"],
        kinds: ["PAYMENT": .payment, "REFUND": .refund, "CHARGEBACK": .chargeback, "FEE": .fee],
        minorUnits: false, dateFormat: .pattern("yyyy-MM-dd HH:mm:ss"), key: [.kind, .lineId], paymentIdPattern: "D-[0-9]+-[0-9a-zA-Z-]+")
}
