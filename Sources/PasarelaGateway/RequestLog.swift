import Logging

/// What every log line of a request carries: its request id (the caller's `X-Request-Id`, else one made up) and the
/// payment it is about, from task-local values the server and the use cases set.
public enum RequestLog {
    @TaskLocal public static var requestId: String?
    @TaskLocal public static var paymentId: String?

    /// Adds `request_id` and `payment` to every line logged inside a request.
    public static let metadataProvider = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let requestId { metadata["request_id"] = .string(requestId) }
        if let paymentId { metadata["payment"] = .string(paymentId) }
        return metadata
    }
}
