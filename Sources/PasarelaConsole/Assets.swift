/// The console's stylesheet and script, served from the binary (no build step, nothing from a CDN).
enum Assets {
    static let css = """
        :root { --ink: #1d2430; --muted: #5b6677; --line: #d8dde6; --ok: #1a7f37; --bad: #c62828; --warn: #b26a00; --accent: #2454c5; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f7f9; }
        header { background: var(--ink); color: #fff; padding: 10px 20px; }
        nav { display: flex; gap: 14px; align-items: center; padding: 8px 20px; background: #fff; border-bottom: 1px solid var(--line); }
        nav a { color: var(--accent); text-decoration: none; } nav a.active { font-weight: 600; color: var(--ink); }
        nav .who { margin-left: auto; color: var(--muted); }
        main { padding: 16px 20px; max-width: 1400px; }
        h1 { font-size: 20px; margin: 4px 0 14px; } h2 { font-size: 16px; margin: 20px 0 8px; }
        table { border-collapse: collapse; background: #fff; width: 100%; margin-bottom: 12px; }
        th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; }
        .healthy, .ok { color: var(--ok); } .down, .bad { color: var(--bad); } .degraded, .probing, .warn { color: var(--warn); }
        .muted { color: var(--muted); } .inline { display: inline; } .mono, textarea, pre { font-family: ui-monospace, Menlo, monospace; font-size: 13px; }
        textarea { width: 100%; min-height: 420px; } pre { background: #fff; border: 1px solid var(--line); padding: 8px; overflow: auto; white-space: pre-wrap; }
        .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .box { background: #fff; border: 1px solid var(--line); padding: 10px 12px; margin-bottom: 12px; }
        .problems li { color: var(--bad); } .notice { padding: 8px 12px; border-left: 4px solid var(--accent); background: #fff; margin-bottom: 12px; }
        .error { border-left-color: var(--bad); } form.search input, form.search select { margin-right: 6px; }
        input, select, button { font: inherit; padding: 3px 6px; } button { cursor: pointer; }
        .diff .add { color: var(--ok); } .diff .del { color: var(--bad); }
        svg.spark { vertical-align: middle; }
        """

    static let js = """
        "use strict";
        (function () {
          const csrf = document.querySelector('meta[name="csrf"]')?.content || "";
          async function post(url, body) {
            const response = await fetch(url, { method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body) });
            return { status: response.status, body: await response.json().catch(() => ({})) };
          }
          function el(tag, text, cls) { const node = document.createElement(tag); if (text !== undefined) node.textContent = text; if (cls) node.className = cls; return node; }
          document.querySelectorAll("form[data-confirm]").forEach(form => form.addEventListener("submit", event => {
            if (!window.confirm(form.dataset.confirm)) event.preventDefault();
          }));
          const editor = document.getElementById("rules-text");
          if (!editor) return;
          const sample = () => Object.fromEntries(["country", "currency", "method", "amount", "document", "token", "merchant"]
            .map(name => [name, document.getElementById("sample-" + name).value]));
          let timer = null, sequence = 0;
          async function check() {
            const mine = ++sequence;
            const { status, body } = await post("/console/rules/check", { text: editor.value, sample: sample() });
            if (mine !== sequence) return;
            const problems = document.getElementById("problems");
            problems.replaceChildren();
            if (status !== 200) { problems.append(el("li", body.error || ("check failed: " + status))); return; }
            (body.problems || []).forEach(p => problems.append(el("li", p.line + ":" + p.column + ": " + p.message)));
            document.getElementById("check-state").textContent = (body.problems || []).length ? "not valid" : "valid";
            document.getElementById("check-state").className = (body.problems || []).length ? "bad" : "ok";
            document.getElementById("explain-live").textContent = body.live || "";
            document.getElementById("explain-candidate").textContent = body.candidate || "(fix the problems to see it)";
            const save = document.getElementById("save");
            if (save) save.disabled = (body.problems || []).length > 0;
          }
          function schedule() { clearTimeout(timer); timer = setTimeout(check, 250); }
          editor.addEventListener("input", schedule);
          document.querySelectorAll("[id^=sample-]").forEach(input => input.addEventListener("input", schedule));
          document.getElementById("whatif-run").addEventListener("click", async () => {
            const out = document.getElementById("whatif");
            out.textContent = "running…";
            const { status, body } = await post("/console/rules/whatif", { text: editor.value, since: document.getElementById("whatif-since").value });
            if (status !== 200) { out.textContent = body.error || ("what-if failed: " + status); return; }
            out.replaceChildren();
            const summary = el("p"); summary.id = "whatif-summary";
            summary.textContent = body.payments + " payments replayed: " + body.moved + " would move, " + body.nowhere + " would go nowhere.";
            summary.dataset.moved = body.moved;
            out.append(summary);
            function table(header, rows) {
              const t = el("table"), head = el("tr");
              header.forEach(h => head.append(el("th", h))); t.append(head);
              rows.forEach(r => { const tr = el("tr"); r.forEach(c => tr.append(el("td", String(c)))); t.append(tr); });
              return t;
            }
            out.append(el("h3", "Per rule"), table(["rule", "matched", "moved"], body.rules.map(r => [r.rule, r.matched, r.moved])));
            if (body.moves.length) out.append(el("h3", "Moves"), table(["count", "candidate rule", "routed by", "from", "to"],
              body.moves.map(m => [m.count, m.rule, m.previous_rule, m.from, m.to])));
            out.append(el("h3", "Targets on that traffic (observed in the period)"), table(["connection", "payments", "attempts", "accepted", "declined", "declines", "p50 ms", "p99 ms"],
              body.targets.map(t => [t.connection, t.payments, t.attempts, t.accepted, t.declined,
                Object.entries(t.declines).map(([k, v]) => k + " " + v).join(", ") || "–", t.p50_ms ?? "–", t.p99_ms ?? "–"])));
            if (body.unrouted.length) out.append(el("h3", "Sent nowhere"), table(["payment", "was", "why"], body.unrouted.map(u => [u.payment, u.from, u.reason])));
          });
          check();
        })();
        """
}
