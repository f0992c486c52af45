import Foundation
import PasarelaCore
import PasarelaGateway
import PasarelaStore

/// A payment's page: what it is, its timeline (attempts with their redacted PSP calls, webhooks received, status events
/// with their deliveries and tries, refunds), and for editors the buttons that act on it.
enum PaymentPage {
    struct Entry {
        var at: Date
        var kind: String
        var html: String
    }

    static func render(_ stored: StoredPayment, calls: [RecordedCall], timeline: PaymentTimelineRecords, session: ConsoleAuth.Session,
                       message: String?) -> String {
        let payment = stored.payment
        let redactor = Redactor()
        var entries: [Entry] = []
        for attempt in stored.attempts {
            let transcripts = calls.filter { $0.attemptId == attempt.id }.map { call in
                "<details><summary>\(HTML.text(call.flow)) call at \(HTML.text(Timestamps.utc(call.at)))</summary><pre>"
                    + HTML.text(redactor.body(call.transcript)) + "</pre></details>"
            }.joined()
            let error = [attempt.errorCode, attempt.errorMessage].compactMap { $0 }.joined(separator: ": ")
            entries.append(Entry(at: attempt.startedAt, kind: "attempt", html: """
                attempt \(attempt.sequence) on <strong>\(HTML.text(attempt.connection))</strong>: \(HTML.text(attempt.outcome.rawValue))\
                \(attempt.declineClass.map { " (\(HTML.text($0.rawValue)) decline)" } ?? "")\(attempt.durationMs.map { ", \($0) ms" } ?? "")\
                \(error.isEmpty ? "" : " — " + HTML.text(error))\(transcripts)
                """))
        }
        for call in calls where call.attemptId == nil {
            entries.append(Entry(at: call.at, kind: "psp call", html: "\(HTML.text(call.flow)) on \(HTML.text(call.connection))<details><summary>transcript</summary><pre>"
                                 + HTML.text(redactor.body(call.transcript)) + "</pre></details>"))
        }
        for webhook in timeline.webhooks {
            entries.append(Entry(at: webhook.receivedAt, kind: "webhook", html: """
                from \(HTML.text(webhook.connection)), signature verified: PSP status \(HTML.text(webhook.pspStatus)) → \(HTML.text(webhook.result))\
                \(webhook.reason.map { " (\(HTML.text($0)))" } ?? "")\(webhook.duplicates > 0 ? ", \(webhook.duplicates) duplicate(s) ignored" : "")
                """))
        }
        let editor = session.role == .editor
        for (event, notification) in timeline.events {
            var html = "<strong>\(HTML.text(event.type))</strong> <span class=\"muted\">\(HTML.text(event.id))</span>"
            if let notification {
                html += "<br>notification to \(HTML.text(notification.url)): \(HTML.text(notification.state)), \(notification.attempts) tries"
                html += notification.tries.map { attempt in
                    "<br>&nbsp;&nbsp;try at \(HTML.text(Timestamps.utc(attempt.at))): " + (attempt.httpStatus.map { "HTTP \($0)" } ?? HTML.text(attempt.error ?? "no answer"))
                        + ", \(attempt.durationMs) ms"
                }.joined()
                if editor {
                    html += " " + actionForm(payment.id, "redeliver", session: session, fields: "<input type=\"hidden\" name=\"event\" value=\"\(HTML.text(event.id))\">",
                                             button: "Redeliver", confirm: "Deliver \(event.id) to the merchant again?")
                }
            } else {
                html += " <span class=\"muted\">(no notification URL)</span>"
            }
            entries.append(Entry(at: event.createdAt, kind: "event", html: html))
        }
        for refund in stored.refunds {
            entries.append(Entry(at: refund.createdAt, kind: "refund", html: """
                refund \(HTML.text(refund.id)) of \(HTML.text(refund.amount.description)) on \(HTML.text(refund.connection)): \(HTML.text(refund.status.rawValue))\
                \(refund.reason.map { " — " + HTML.text($0) } ?? "")
                """))
        }
        entries.sort { $0.at < $1.at }
        let summary = HTML.table(["status", "amount", "merchant", "order", "method", "connection", "rule", "created (UTC)", "expires (Lima)"], [[
            "<span id=\"payment-status\">\(HTML.text(payment.status.rawValue))</span>" + (payment.pendingCancel != nil ? " (cancel pending)" : ""),
            HTML.text(payment.request.amount.description) + (payment.amountCaptured.map { ", captured \(HTML.text($0.description))" } ?? ""),
            HTML.text(payment.merchantId), HTML.text(payment.request.orderId), HTML.text(payment.request.method.type.rawValue),
            "<span id=\"payment-connection\">\(HTML.text(payment.connection ?? "–"))</span>", "<span id=\"payment-rule\">\(HTML.text(payment.rule ?? "–"))</span>",
            HTML.text(Timestamps.utc(payment.createdAt)), payment.expiresAt.map { HTML.text(Timestamps.lima($0)) } ?? "–",
        ]], id: "payment")
        let timelineTable = HTML.table(["at (UTC)", "what", ""], entries.map { [HTML.text(Timestamps.utc($0.at)), HTML.text($0.kind), $0.html] }, id: "timeline")
        var actions = ""
        if editor {
            actions = "<h2>Act on it</h2><div class=\"box\">"
                + actionForm(payment.id, "cancel", session: session, fields: "", button: "Cancel", confirm: "Cancel \(payment.id)?")
                + " " + actionForm(payment.id, "capture", session: session, fields: "<input name=\"amount\" placeholder=\"amount (all)\" size=\"10\">",
                                   button: "Capture", confirm: "Capture \(payment.id)?")
                + " " + actionForm(payment.id, "refund", session: session,
                                   fields: "<input name=\"amount\" placeholder=\"amount (all)\" size=\"10\"> <input name=\"reason\" placeholder=\"reason\" size=\"14\">",
                                   button: "Refund", confirm: "Refund \(payment.id)? Money goes back to the payer.")
                + "<p class=\"muted\">The same checks as the API: a payment that cannot be canceled, captured or refunded says why.</p></div>"
        }
        return HTML.page(title: "Payment \(payment.id)", session: session, active: "payments", body:
            (message.map { "<p class=\"notice\" id=\"action-result\">\(HTML.text($0))</p>" } ?? "") + summary
            + (payment.failure.map { "<p class=\"bad\">Failed: \(HTML.text($0.code)) \(HTML.text($0.detail ?? ""))</p>" } ?? "")
            + "<h2>Timeline</h2>" + timelineTable + actions)
    }

    /// A form posting one action, drawn with a fresh idempotency key: sent twice, it acts once.
    static func actionForm(_ paymentId: String, _ action: String, session: ConsoleAuth.Session, fields: String, button: String, confirm: String) -> String {
        """
        <form method="post" action="/console/payments/\(HTML.query(paymentId))/\(action)" class="inline" data-confirm="\(HTML.text(confirm))">\
        <input type="hidden" name="csrf" value="\(HTML.text(session.csrf))"><input type="hidden" name="idempotency_key" value="\(ConsoleAuth.randomToken())">\
        \(fields)<button type="submit" id="\(action)-button">\(HTML.text(button))</button></form>
        """
    }
}
