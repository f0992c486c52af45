import Foundation
import PasarelaGateway

extension Stack {
    /// The merchants and keys the options name; in sandbox mode, the sandbox merchant and its test key too.
    static func merchantDirectory(_ options: StackOptions) throws -> (MerchantDirectory, String?) {
        var merchants = MerchantDirectory()
        var sandboxKey: String?
        if options.sandbox {
            let key = options.environment["PASARELA_SANDBOX_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? MerchantDirectory.defaultSandboxKey
            guard key.hasPrefix("sk_test_") else { throw StackError.badKey("PASARELA_SANDBOX_API_KEY must start with sk_test_") }
            let secret = options.environment["PASARELA_SANDBOX_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
                ?? MerchantDirectory.defaultSandboxWebhookSecret
            merchants.add(key: key, merchant: Merchant(id: "merchant_sandbox", livemode: false, webhookSecret: secret,
                                                       notificationURL: options.environment["PASARELA_SANDBOX_NOTIFICATION_URL"]))
            sandboxKey = key
        }
        try addConfiguredKeys(options.environment["PASARELA_API_KEYS"], to: &merchants)
        try configureMerchants(secrets: options.environment["PASARELA_WEBHOOK_SECRETS"],
                               urls: options.environment["PASARELA_NOTIFICATION_URLS"], in: &merchants)
        return (merchants, sandboxKey)
    }

    /// `PASARELA_API_KEYS="merchant_a:sk_live_...,merchant_b:sk_test_..."`.
    static func addConfiguredKeys(_ text: String?, to merchants: inout MerchantDirectory) throws {
        guard let text, !text.isEmpty else { return }
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("sk_live_") || parts[1].hasPrefix("sk_test_") else {
                throw StackError.badKey("PASARELA_API_KEYS entries are merchant_id:sk_live_... or merchant_id:sk_test_...")
            }
            merchants.add(key: parts[1], merchant: Merchant(id: parts[0], livemode: parts[1].hasPrefix("sk_live_")))
        }
    }

    /// `PASARELA_WEBHOOK_SECRETS="merchant_id:whsec_...,..."` and `PASARELA_NOTIFICATION_URLS="merchant_id=https://...,..."`.
    static func configureMerchants(secrets: String?, urls: String?, in merchants: inout MerchantDirectory) throws {
        for entry in (secrets ?? "").split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty, merchants.merchant(id: parts[0]) != nil else {
                throw StackError.badKey("PASARELA_WEBHOOK_SECRETS entries are merchant_id:secret for a merchant in PASARELA_API_KEYS")
            }
            merchants.configure(merchantId: parts[0], webhookSecret: parts[1], notificationURL: nil)
        }
        for entry in (urls ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[1].hasPrefix("http"), merchants.merchant(id: parts[0]) != nil else {
                throw StackError.badKey("PASARELA_NOTIFICATION_URLS entries are merchant_id=https://... for a known merchant")
            }
            merchants.configure(merchantId: parts[0], webhookSecret: nil, notificationURL: parts[1])
        }
    }
}
