import PasarelaCore

/// Payer documents as dLocal takes them (PSP-PROTOCOLS.md 1.5): in Peru a DNI or a RUC, required; elsewhere the
/// country's usual documents, passed through.
enum DLocalDocuments {
    /// Unified type → dLocal's `document_type`, per country that restricts them.
    static let types: [String: [String: String]] = ["PE": ["DNI": "DNI", "RUC": "RUC"]]

    /// dLocal's word for the payer's document type; `nil` when dLocal cannot take it in that country.
    static func type(of document: Document, country: String) -> String? {
        guard let allowed = types[country] else { return document.type }
        return allowed[document.type]
    }

    /// Why dLocal cannot carry this payer, if it cannot.
    static func refusal(_ request: PaymentRequest) -> String? {
        guard let document = request.customer.document, type(of: document, country: request.country) == nil else { return nil }
        let allowed = types[request.country]?.keys.sorted().joined(separator: " or ") ?? "-"
        return "dLocal takes \(allowed) payers in \(request.country), not \(document.type)"
    }
}
