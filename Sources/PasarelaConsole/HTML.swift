import Foundation

/// HTML written by hand, every value escaped on the way in: `HTML.text` for text and attribute values alike.
enum HTML {
    /// Escapes `&`, `<`, `>`, `"` and `'`: safe in element text and in quoted attribute values.
    static func text(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A query string value, percent-encoded.
    static func query(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The page around `body`: the navigation, who is signed in, the logout form and the CSRF token for scripts.
    static func page(title: String, session: ConsoleAuth.Session?, active: String = "", body: String) -> String {
        var nav = ""
        if let session {
            let links = [("connections", "Connections"), ("rules", "Rules"), ("payments", "Payments"), ("audit", "Audit log")]
            nav = "<nav>" + links.map { key, label in
                "<a href=\"/console/\(key)\"\(key == active ? " class=\"active\"" : "")>\(label)</a>"
            }.joined() + """
                <span class="who">\(text(session.person.name)) (\(text(session.person.role)))</span>\
                <form method="post" action="/console/logout" class="inline"><input type="hidden" name="csrf" value="\(text(session.csrf))">\
                <button type="submit" id="logout">Log out</button></form></nav>
                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(text(title)) · Pasarela console</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(session.map { "<meta name=\"csrf\" content=\"\(text($0.csrf))\">" } ?? "")
            <link rel="stylesheet" href="/console/assets/console.css"><script src="/console/assets/console.js" defer></script></head>
            <body><header><strong>Pasarela</strong> console</header>\(nav)<main><h1>\(text(title))</h1>
            \(body)
            </main></body></html>
            """
    }

    /// A table from a header and rows of already escaped cells.
    static func table(_ header: [String], _ rows: [[String]], id: String? = nil) -> String {
        "<table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>" + header.map { "<th>\(text($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>"
    }

    static func percent(_ rate: Double?) -> String { rate.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }
    static func ms(_ value: Int?) -> String { value.map { "\($0) ms" } ?? "–" }
}
