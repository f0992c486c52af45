import PasarelaRouting
import PasarelaSandbox

/// Builds the emulator that stands in for a sandbox connection, accepting exactly the credentials its file resolves to.
enum Emulators {
    static func make(for connection: ConnectionConfig) -> (any SandboxEmulator)? {
        let secrets = connection.credentials
        switch connection.sandboxEmulator {
        case "dlocal":
            return DLocalEmulator(credentials: .init(login: secrets["login"] ?? "", transKey: secrets["trans_key"] ?? "",
                                                     secretKey: secrets["secret_key"] ?? ""))
        case "checkout":
            return CheckoutEmulator(credentials: .init(secretKey: secrets["secret_key"] ?? "", webhookSecret: secrets["webhook_secret"] ?? ""))
        case "pagoefectivo":
            return PagoEfectivoEmulator(credentials: .init(idService: Int(secrets["id_service"] ?? "") ?? 0,
                                                           accessKey: secrets["access_key"] ?? "", secretKey: secrets["secret_key"] ?? ""))
        default:
            return nil
        }
    }

    /// Tells emulators whose PSP sends webhooks to a registered URL (not one per request) where Pasarela listens.
    static func register(_ emulator: any SandboxEmulator, webhookURL: String) {
        (emulator as? CheckoutEmulator)?.setWebhookURL(webhookURL)
        (emulator as? PagoEfectivoEmulator)?.setNotificationURL(webhookURL)
    }
}
