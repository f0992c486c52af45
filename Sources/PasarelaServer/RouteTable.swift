import HTTPTypes
import Hummingbird
import Synchronization

/// The methods each route pattern answers, recorded as routes are added, so a known path asked with another method
/// gets 405 with `Allow` rather than 404.
public final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [Substring], methods: Set<String>)]>([])

    init() {}

    func record(_ path: String, _ method: HTTPRequest.Method) {
        let segments = path.split(separator: "/")
        routes.withLock { routes in
            if let index = routes.firstIndex(where: { $0.segments == segments }) {
                routes[index].methods.insert(method.rawValue)
            } else {
                routes.append((segments, [method.rawValue]))
            }
        }
    }

    /// The methods a path answers (`nil` when no route matches it), HEAD included wherever GET is.
    func methods(for path: String) -> [String]? {
        let asked = path.split(separator: "/")
        var found: Set<String> = []
        routes.withLock { routes in
            for route in routes where route.segments.count == asked.count {
                let matches = zip(route.segments, asked).allSatisfy { pattern, segment in
                    pattern.hasPrefix("{") || pattern == "*" || pattern == segment
                }
                if matches { found.formUnion(route.methods) }
            }
        }
        guard !found.isEmpty else { return nil }
        if found.contains("GET") { found.insert("HEAD") }
        return found.sorted()
    }
}

/// Adds routes to a router while recording their methods in a ``RouteTable``.
final class RecordingRouter<Context: RequestContext>: RouterMethods {
    let router: Router<Context>
    let table: RouteTable

    init(_ router: Router<Context>, table: RouteTable) {
        self.router = router
        self.table = table
    }

    @discardableResult func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method,
                                                         responder: Responder) -> Self where Responder.Context == Context {
        table.record(path.description, method)
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}
