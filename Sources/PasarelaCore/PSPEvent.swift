/// One status change a PSP reported in a verified webhook.
public struct PSPEvent: Sendable, Equatable {
    public var pspPaymentId: String
    /// The unified status the PSP's status maps to.
    public var status: PaymentStatus
    public var pspStatus: String
    /// Our attempt reference as the PSP echoes it (dLocal `order_id`, Checkout `reference`, PagoEfectivo `transactionCode`).
    public var reference: String?
    public var amount: ReportedAmount
    /// What the payer must do, when the notification says (a voucher learnt from a webhook after a lost create reply).
    public var nextAction: NextAction?
    /// Identifies this event across the PSP's retries.
    public var dedupeKey: String

    public init(pspPaymentId: String, status: PaymentStatus, pspStatus: String, reference: String?, amount: ReportedAmount = .absent,
                nextAction: NextAction? = nil, dedupeKey: String) {
        self.pspPaymentId = pspPaymentId
        self.status = status
        self.pspStatus = pspStatus
        self.reference = reference
        self.amount = amount
        self.nextAction = nextAction
        self.dedupeKey = dedupeKey
    }
}
