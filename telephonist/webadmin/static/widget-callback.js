// The widget's "call me back" (/call): the visitor leaves a number; the page keeps the request's token (in this
// tab's sessionStorage, never a cookie), asks /call/back/status every few seconds and shows the place in line or that
// we are calling, and may cancel. Every request is JSON with the token in a header (webcallback.py).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const box = $("callback");
  if (!box) return;
  const labels = JSON.parse($("cb-labels").textContent);
  const form = $("cb-form"), status = $("cb-status"), cancelBtn = $("cb-cancel");
  const KEY = "telephonist-callback-token";
  const OPEN = ["waiting", "calling", "retry"];
  let timer = null;

  function show(req) {
    box.dataset.state = req.state;
    status.dataset.state = req.state;
    status.textContent = (labels[req.state] || req.state).replace("{position}", String(req.position || 1));
    const open = OPEN.indexOf(req.state) >= 0;
    form.hidden = open;
    cancelBtn.hidden = !(open && req.state !== "calling");
    if (!open) { sessionStorage.removeItem(KEY); stop(); }
  }

  function refused(body) {
    box.dataset.state = "refused";
    status.dataset.state = "refused";
    status.textContent = labels.refused + " " + ((body && body.error && body.error.message) || "");
  }

  async function send(url, method, body) {
    const headers = { "Content-Type": "application/json" };
    const token = sessionStorage.getItem(KEY);
    if (token) headers["X-Callback-Token"] = token;
    const r = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined,
                                 credentials: "omit", cache: "no-store" });
    return { ok: r.ok, status: r.status, body: await r.json().catch(() => ({})) };
  }

  async function poll() {
    const r = await send(box.dataset.status, "GET");
    if (r.ok) show(r.body.request);
    else if (r.status === 404) { sessionStorage.removeItem(KEY); stop(); }
  }

  function start() { stop(); timer = setInterval(() => poll().catch(() => {}), 3000); }
  function stop() { if (timer) clearInterval(timer); timer = null; }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await send(box.dataset.action, "POST", {
      number: $("cb-number").value, name: $("cb-name").value, note: $("cb-note").value, queue: $("cb-queue").value,
    });
    if (!r.ok) { refused(r.body); return; }
    sessionStorage.setItem(KEY, r.body.token);
    show(r.body.request);
    start();
  });
  cancelBtn.addEventListener("click", async () => {
    const r = await send(box.dataset.cancel, "POST", {});
    if (r.ok) show(r.body.request); else refused(r.body);
  });
  if (sessionStorage.getItem(KEY)) { poll().catch(() => {}); start(); }
})();
