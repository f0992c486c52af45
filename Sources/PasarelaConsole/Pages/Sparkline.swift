/// A sparkline drawn by the server as SVG: one point per value, scaled to the largest.
enum Sparkline {
    static func svg(_ values: [Int], width: Int = 180, height: Int = 28, label: String) -> String {
        let top = max(values.max() ?? 0, 1)
        let step = values.count > 1 ? Double(width - 2) / Double(values.count - 1) : 0
        let points = values.enumerated().map { index, value in
            let x = 1 + Double(index) * step
            let y = Double(height - 2) - Double(value) / Double(top) * Double(height - 4) + 1
            return String(format: "%.1f,%.1f", x, y)
        }.joined(separator: " ")
        return """
            <svg class="spark" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(HTML.text(label))">\
            <title>\(HTML.text(label))</title><polyline fill="none" stroke="#2454c5" stroke-width="1.5" points="\(points)"/></svg>
            """
    }
}
