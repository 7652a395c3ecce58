// The agent desktop's knowledge-base panel: the articles for the call on the pop (its queue and IVR menu path,
// /kb/panel?call_id=...), a free search (Alt+K), and an article opened in place. Fragments are rendered and escaped
// by the server.
(function () {
  "use strict";
  const panel = document.getElementById("kb-panel");
  if (!panel) return;
  const body = document.getElementById("kb-panel-body");
  const box = document.getElementById("kb-q");
  let callId = "";
  let shown = 0;                                  // answers older than the last request are dropped

  async function show(url) {
    const mine = ++shown;
    const r = await fetch(url, {credentials: "same-origin"});
    if (r.ok && mine === shown) body.innerHTML = await r.text();
  }

  function list() {
    const q = new URLSearchParams();
    if (callId) q.set("call_id", callId);
    if (box.value.trim()) q.set("q", box.value.trim());
    return show(panel.dataset.url + "?" + q.toString());
  }

  document.addEventListener("desk:pop", (e) => { callId = e.detail.callId; box.value = ""; list(); });
  document.getElementById("kb-panel-search").addEventListener("submit", (e) => { e.preventDefault(); list(); });
  body.addEventListener("click", (e) => {
    const link = e.target.closest("a[data-kb-article]");
    if (!link) return;
    e.preventDefault();
    show(link.href);
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === "k") { e.preventDefault(); box.focus(); }
  });
  list();
})();
