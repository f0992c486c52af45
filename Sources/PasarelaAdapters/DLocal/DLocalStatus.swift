import PasarelaCore

/// dLocal's payment statuses (PSP-PROTOCOLS.md 1.7). The switch below is exhaustive, so a new status
/// fails to compile until someone decides what it means.
enum DLocalStatus: String {
    case pending = "PENDING"
    case paid = "PAID"
    case rejected = "REJECTED"
    case cancelled = "CANCELLED"
    case expired = "EXPIRED"
    case authorized = "AUTHORIZED"
    case verified = "VERIFIED"

    /// The unified status; `PENDING` depends on whether the payer has something to do.
    func unified(payerMustAct: Bool) -> PaymentStatus {
        switch self {
        case .pending: payerMustAct ? .requiresAction : .processing
        case .paid: .succeeded
        case .rejected: .failed
        case .cancelled: .canceled
        case .expired: .expired
        case .authorized: .authorized
        case .verified: .succeeded
        }
    }

    var attemptOutcome: AttemptOutcome { AttemptOutcome(status: unified(payerMustAct: false)) }

    /// How final a `REJECTED` status code is: 3xx codes from 1.7.
    static func declineClass(statusCode: Int) -> DeclineClass {
        switch statusCode {
        case 303, 304, 317: .risk
        case 307, 308, 309, 310, 312, 313, 314, 315, 316, 318, 320, 322, 323, 324, 326: .hard
        default: .soft   // 300 generic, 301 bank, 302 insufficient, 305 attempts, 306 call bank, 311, 319, 321, 325...
        }
    }
}
