/// One status change a PSP reported in a verified webhook.
public struct PSPEvent: Sendable, Equatable {
    public var pspPaymentId: String
    /// The unified status the PSP's status maps to.
    public var status: PaymentStatus
    public var pspStatus: String
    /// Our attempt reference as the PSP echoes it (dLocal `order_id`), when present.
    public var reference: String?
    public var amount: Money?
    /// Identifies this event across the PSP's retries.
    public var dedupeKey: String

    public init(pspPaymentId: String, status: PaymentStatus, pspStatus: String, reference: String?, amount: Money?, dedupeKey: String) {
        self.pspPaymentId = pspPaymentId
        self.status = status
        self.pspStatus = pspStatus
        self.reference = reference
        self.amount = amount
        self.dedupeKey = dedupeKey
    }
}
