/// The sign-in form.
enum LoginPage {
    static func render(next: String?, message: String?) -> String {
        HTML.page(title: "Sign in", session: nil, body: """
            \(message.map { "<p class=\"notice error\" id=\"login-message\">\(HTML.text($0))</p>" } ?? "")
            <form method="post" action="/console/login" class="box" id="login-form">
            <input type="hidden" name="next" value="\(HTML.text(safeNext(next)))">
            <p><label>Operator <input name="name" id="name" autocomplete="username" required maxlength="64"></label></p>
            <p><label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label></p>
            <p><button type="submit" id="sign-in">Sign in</button></p>
            </form>
            <p class="muted">Operators are made with <code>pasarela operators add</code>.</p>
            """)
    }

    /// Where to go after signing in: a console path only (never another site).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console/"), !next.hasPrefix("/console/login"), !next.contains("//"), !next.contains("\\"),
              next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return "/console/connections" }
        return next
    }
}
