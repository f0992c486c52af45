import PasarelaCore

extension CheckoutAdapter {
    /// Checkout's financial actions report as its dashboard exports it (docs/settlement.md): one line per action,
    /// `Action Type` Capture, Refund or Chargeback (Authorization and Void lines move no money and are skipped),
    /// amounts in major units of the processing currency, `Processed On` in ISO 8601.
    /// `Action ID,Action Type,Payment ID,Reference,Processed On,Processing Currency,Gross Amount,Fee Amount,Net Amount`
    public var settlement: SettlementLayout? { Self.settlementLayout }

    public static let settlementLayout = SettlementLayout(
        name: "Checkout financial actions report",
        columns: [.lineId: "Action ID", .kind: "Action Type", .pspPaymentId: "Payment ID", .pspRefundId: "Action ID", .reference: "Reference",
                  .date: "Processed On", .currency: "Processing Currency", .amount: "Gross Amount", .fee: "Fee Amount"],
        kinds: ["Capture": .payment, "Refund": .refund, "Chargeback": .chargeback, "Authorization": nil, "Void": nil],
        minorUnits: false, dateFormat: .iso8601, key: [.lineId], paymentIdPattern: "pay_[a-z2-7]{26}")
}
