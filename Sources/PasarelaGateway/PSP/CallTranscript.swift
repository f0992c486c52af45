import Foundation
import PasarelaAdapters
import PasarelaCore

/// One PSP call as a PSP's support desk wants it, and nothing it must not see: the request as sent (credentials masked,
/// the payer's data masked), the answer (likewise), the PSP's request id, and timings.
struct CallTranscript {
    var flow: String
    var connection: String
    var method: String
    var url: String
    var requestHeaders: [[String]]
    var requestBody: String
    var status: Int?
    var responseHeaders: [[String]]
    var responseBody: String
    var pspRequestId: String?
    var error: String?
    var startedAt: String
    var durationMs: Int

    /// Headers whose value is a credential or a signature over one.
    static let secretHeaders: Set<String> = ["authorization", "x-trans-key", "x-login", "pe-signature", "cko-signature", "cookie", "set-cookie",
                                             "x-api-key", "proxy-authorization"]
    /// Answer headers worth keeping: the PSP's request ids and the content type.
    static let keptResponseHeaders: Set<String> = ["cko-request-id", "x-request-id", "request-id", "x-trace-id", "content-type", "retry-after"]
    static let maximumBody = 8 * 1024

    init(flow: PSPFlow, connection: String, request: OutboundRequest, result: HTTPExecutor.Result?, error: String?, startedAt: Date,
         durationMs: Int, redactor: Redactor) {
        self.flow = flow.rawValue
        self.connection = connection
        method = request.method
        url = redactor.text(request.url)
        requestHeaders = request.headers.map { [$0.name, Self.secretHeaders.contains($0.name.lowercased()) ? "***" : redactor.text($0.value)] }
        requestBody = String(redactor.body(request.body).prefix(Self.maximumBody))
        if case .response(let response)? = result {
            status = response.status
            responseHeaders = response.headers.filter { Self.keptResponseHeaders.contains($0.name.lowercased()) }.map { [$0.name, redactor.text($0.value)] }
            responseBody = String(redactor.body(response.body).prefix(Self.maximumBody))
            pspRequestId = response.headers.first { ["cko-request-id", "x-request-id", "request-id"].contains($0.name.lowercased()) }?.value
        } else {
            responseHeaders = []
            responseBody = ""
        }
        self.error = error.map(redactor.text)
        self.startedAt = Timestamps.utcMillis(startedAt)
        self.durationMs = durationMs
    }

    /// The stored form: a JSON object with its keys in alphabetical order (as transcripts have always been kept).
    var bytes: [UInt8] {
        func headers(_ pairs: [[String]]) -> JSONBody { .array(pairs.map { .array($0.map(JSONBody.string)) }) }
        return JSONBody.fields([
            ("connection", .string(connection)), ("duration_ms", .number(String(durationMs))), ("error", JSONBody.string(error)),
            ("flow", .string(flow)), ("method", .string(method)), ("psp_request_id", JSONBody.string(pspRequestId)),
            ("request_body", .string(requestBody)), ("request_headers", headers(requestHeaders)),
            ("response_body", .string(responseBody)), ("response_headers", headers(responseHeaders)),
            ("started_at", .string(startedAt)), ("status", status.map { .number(String($0)) }), ("url", .string(url)),
        ]).bytes
    }
}
