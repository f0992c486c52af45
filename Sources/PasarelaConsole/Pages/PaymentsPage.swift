import Foundation
import PasarelaCore
import PasarelaStore

/// Payments searched by what an operator knows (payment id, order id, status, connection, method, dates), newest first,
/// a page at a time.
enum PaymentsPage {
    static let pageSize = 50

    /// The search a query string asks for, or what is wrong with it.
    static func search(from query: (String) -> String?) -> (PaymentSearch, String?) {
        func value(_ name: String) -> String? {
            guard let text = query(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return String(text.prefix(200))
        }
        var search = PaymentSearch(paymentId: value("payment"), orderId: value("order"), connection: value("connection"),
                                   startingAfter: value("after"), limit: pageSize)
        if let status = value("status") {
            guard let parsed = PaymentStatus(rawValue: status) else { return (search, "unknown status \(status)") }
            search.status = parsed
        }
        if let method = value("method") {
            guard let parsed = PaymentMethodType(rawValue: method) else { return (search, "unknown method \(method)") }
            search.method = parsed
        }
        for (name, keyPath) in [("from", \PaymentSearch.createdFrom), ("to", \PaymentSearch.createdBefore)] {
            guard let text = value(name) else { continue }
            guard let day = day(text) else { return (search, "\(name) takes a date as YYYY-MM-DD (UTC)") }
            search[keyPath: keyPath] = name == "to" ? day.addingTimeInterval(86_400) : day
        }
        return (search, nil)
    }

    static func day(_ text: String) -> Date? {
        guard text.count == 10 else { return nil }
        return Timestamps.parse(text + "T00:00:00Z")
    }

    static func render(_ payments: [StoredPayment], search: PaymentSearch, problem: String?, session: ConsoleAuth.Session,
                       connections: [String]) -> String {
        func option(_ value: String, _ selected: String?) -> String {
            "<option value=\"\(HTML.text(value))\"\(value == (selected ?? "") ? " selected" : "")>\(value.isEmpty ? "any" : HTML.text(value))</option>"
        }
        func input(_ name: String, _ value: String?, _ placeholder: String) -> String {
            "<input name=\"\(name)\" id=\"search-\(name)\" value=\"\(HTML.text(value ?? ""))\" placeholder=\"\(placeholder)\" size=\"14\">"
        }
        let statuses = [""] + ["processing", "requires_action", "authorized", "succeeded", "failed", "canceled", "expired"]
        let form = """
            <form method="get" action="/console/payments" class="search box">
            \(input("payment", search.paymentId, "pay_…")) \(input("order", search.orderId, "order id"))
            <select name="status">\(statuses.map { option($0, search.status?.rawValue) }.joined())</select>
            <select name="connection">\(([""] + connections).map { option($0, search.connection) }.joined())</select>
            <select name="method">\(([""] + ["cash", "bank_transfer", "card"]).map { option($0, search.method?.rawValue) }.joined())</select>
            from \(input("from", search.createdFrom.map { String(Timestamps.utc($0).prefix(10)) }, "YYYY-MM-DD"))
            to \(input("to", search.createdBefore.map { String(Timestamps.utc($0.addingTimeInterval(-86_400)).prefix(10)) }, "YYYY-MM-DD"))
            <button type="submit" id="search">Search</button></form>
            """
        let rows = payments.map { stored -> [String] in
            let payment = stored.payment
            return ["<a href=\"/console/payments/\(HTML.query(payment.id))\">\(HTML.text(payment.id))</a>", HTML.text(payment.request.orderId),
                    HTML.text(payment.merchantId), "<span class=\"status\">\(HTML.text(payment.status.rawValue))</span>",
                    HTML.text(payment.request.amount.description), HTML.text(payment.request.method.type.rawValue),
                    HTML.text(payment.connection ?? "–"), HTML.text(Timestamps.utc(payment.createdAt))]
        }
        var next = ""
        if payments.count == search.limit, let last = payments.last {
            var query: [(String, String?)] = [("payment", search.paymentId), ("order", search.orderId), ("status", search.status?.rawValue),
                                              ("connection", search.connection), ("method", search.method?.rawValue),
                                              ("from", search.createdFrom.map { String(Timestamps.utc($0).prefix(10)) }),
                                              ("to", search.createdBefore.map { String(Timestamps.utc($0.addingTimeInterval(-86_400)).prefix(10)) })]
            query.append(("after", last.payment.id))
            next = "<p><a id=\"next-page\" href=\"/console/payments?" + query.compactMap { name, value in
                value.map { "\(name)=\(HTML.query($0))" }
            }.joined(separator: "&amp;") + "\">Older payments →</a></p>"
        }
        return HTML.page(title: "Payments", session: session, active: "payments", body: form
            + (problem.map { "<p class=\"notice error\">\(HTML.text($0))</p>" } ?? "")
            + HTML.table(["payment", "order", "merchant", "status", "amount", "method", "connection", "created (UTC)"], rows, id: "payments")
            + (payments.isEmpty && problem == nil ? "<p class=\"muted\">No payment matches.</p>" : "") + next)
    }
}
