// The supervisor page and (with wallboard.js) the wallboard: the board from /supervisor/events (a snapshot, then
// "board" and "figures" messages), clocks ticking in the browser, thresholds turning figures amber or red.
// SupervisorBoard is what both pages share; the rest runs on the supervisor page only.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const labels = JSON.parse($("labels").textContent);
  const state = {board: {queues: [], agents: []}, settings: {}, figures: {}, callsToday: {}, skew: 0};

  const B = {
    state: state,
    L: (k) => labels[k] || k || "",
    now: () => Date.now() / 1000 + state.skew,
    clock(s) {
      if (s === null || s === undefined) return "–";
      s = Math.max(0, Math.round(s));
      const m = Math.floor(s / 60);
      return m ? m + ":" + String(s % 60).padStart(2, "0") : s + "s";
    },
    pct: (x) => (x === null || x === undefined) ? "–" : Math.round(100 * x) + "%",
    secs: (ms) => (ms === null || ms === undefined) ? "–" : B.clock(ms / 1000),
    esc: (t) => String(t === null || t === undefined ? "" : t).replace(/[&<>"']/g,
      (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c])),
    // "", "amber" or "red": a figure against its queue's [amber, red] pair (rising: more is worse)
    level(value, pair, rising) {
      if (value === null || value === undefined || !pair || pair.length !== 2) return "";
      if (rising) return value >= pair[1] ? "red" : value >= pair[0] ? "amber" : "";
      return value < pair[1] ? "red" : value < pair[0] ? "amber" : "";
    },
    // a queue's figures as the pages show them, with their alert levels
    queueView(q) {
      const s = state.settings[q.queue] || {};
      const f = state.figures[q.queue] || {};
      const today = f.today || {}, recent = f.recent || {};
      const wait = q.oldest ? B.now() - q.oldest : null;
      const a = q.agents || {};
      return {
        queue: q.queue, waiting: q.waiting, wait: wait,
        waitingLevel: B.level(q.waiting, s.alert_waiting, true),
        waitLevel: B.level(wait, s.alert_wait_s, true),
        slToday: today.service_level, slRecent: recent.service_level,
        slTodayLevel: B.level(today.service_level, s.alert_service_level, false),
        slRecentLevel: B.level(recent.service_level, s.alert_service_level, false),
        answered: today.answered || 0, abandoned: today.abandoned || 0, asa: today.avg_wait_ms,
        ready: a.ready || 0, busy: (a.on_call || 0) + (a.on_hold || 0) + (a.ringing || 0) + (a.reserved || 0),
        notReady: (a.not_ready || 0) + (a.wrap_up || 0), agents: a,
      };
    },
    // the live channel: EventSource reconnects by itself after a cut; one that gave up (the server answered
    // with an error while it restarted) is opened again after a few seconds.
    connect(url, render, more = {}) {
      let es = null;
      const conn = $("conn");
      const setConnected = (on) => {
        conn.className = "conn " + (on ? "ok" : "down");
        conn.textContent = on ? B.L("connected") : B.L("down");
      };
      const clockOf = (m) => { if (m.now) state.skew = m.now - Date.now() / 1000; };
      const open = () => {
        es = new EventSource(url);
        es.addEventListener("snapshot", (e) => {
          const m = JSON.parse(e.data);
          clockOf(m);
          state.board = m.board; state.settings = m.settings || {}; state.figures = m.figures || {}; state.callsToday = m.calls_today || {};
          setConnected(m.connected);
          render();
        });
        es.addEventListener("board", (e) => { const m = JSON.parse(e.data); clockOf(m); state.board = m.board; render(); });
        es.addEventListener("figures", (e) => {
          const m = JSON.parse(e.data);
          state.settings = m.settings || {}; state.figures = m.figures || {}; state.callsToday = m.calls_today || {};
          render();
        });
        es.addEventListener("connection", (e) => setConnected(JSON.parse(e.data).connected));
        for (const [kind, fn] of Object.entries(more)) es.addEventListener(kind, (e) => fn(JSON.parse(e.data)));
        es.onerror = () => {
          setConnected(false);
          if (es.readyState === EventSource.CLOSED) setTimeout(open, 3000);
        };
      };
      open();
    },
  };
  window.SupervisorBoard = B;

  const page = $("supervisor");
  if (!page) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const phone = $("phone");
  const PHONE_KEY = "telephonist.supervisor.phone";
  phone.value = localStorage.getItem(PHONE_KEY) || "";
  phone.addEventListener("change", () => localStorage.setItem(PHONE_KEY, phone.value.trim()));
  const CALL_STATES = ["reserved", "ringing", "on_call", "on_hold"];
  const FORCE = {ready: ["force_not_ready", "force_logout"], not_ready: ["force_ready", "force_logout"],
                 wrap_up: ["force_ready", "force_not_ready", "force_logout"],
                 on_call: ["listen", "whisper", "barge", "force_not_ready", "force_logout"],
                 on_hold: ["listen", "whisper", "barge", "force_not_ready", "force_logout"]};

  function cell(text, cls) { return `<td class="${cls || ""}">${B.esc(text)}</td>`; }

  function renderQueues() {
    const rows = state.board.queues.map((q) => {
      const v = B.queueView(q);
      const agents = Object.entries(v.agents).filter(([, n]) => n).map(([s, n]) => `${B.L(s)} ${n}`).join(" · ");
      return `<tr data-queue="${B.esc(v.queue)}">${cell(v.queue)}${cell(v.waiting, "num waiting " + v.waitingLevel)}` +
        `${cell(B.clock(v.wait), "num longest " + v.waitLevel)}` +
        `${cell(B.pct(v.slToday), "num sl-today " + v.slTodayLevel)}${cell(B.pct(v.slRecent), "num sl-recent " + v.slRecentLevel)}` +
        `${cell(v.answered, "num answered")}${cell(v.abandoned, "num abandoned")}${cell(B.secs(v.asa), "num asa")}` +
        `${cell(agents, "agents")}</tr>`;
    });
    $("queues").tBodies[0].innerHTML = rows.join("");
  }

  function renderAgents() {
    const rows = state.board.agents.map((a) => {
      const inCall = CALL_STATES.includes(a.state);
      const buttons = (FORCE[a.state] || (a.state === "logged_out" ? [] : ["force_logout"])).map((act) =>
        `<button type="button" class="${act.startsWith("force") ? "button" : ""}" data-action="${act}" ` +
        `data-agent="${B.esc(a.agent)}">${B.esc(B.L(act))}</button>`).join(" ");
      return `<tr data-agent="${B.esc(a.agent)}" data-state="${B.esc(a.state)}">` +
        `${cell(a.agent + (a.name ? " " + a.name : ""))}${cell(B.L(a.state), "state " + a.state)}` +
        `${cell(a.state === "logged_out" ? "" : B.clock(B.now() - a.since), "num since")}${cell(a.reason ? labels.reasons[a.reason] || a.reason : "", "reason")}` +
        `${cell(inCall ? a.caller : "", "caller")}${cell(inCall && a.call_since ? B.clock(B.now() - a.call_since) : "", "num call")}` +
        `${cell(state.callsToday[a.agent] || 0, "num calls")}<td class="actions">${buttons}</td></tr>`;
    });
    $("agents").tBodies[0].innerHTML = rows.join("");
  }

  function render() { renderQueues(); renderAgents(); }

  function say(text, ok) {
    const m = $("message");
    m.textContent = text; m.className = "flash " + (ok ? "ok" : "error"); m.hidden = false;
  }

  page.addEventListener("click", async (e) => {
    const b = e.target.closest("button[data-action]");
    if (!b) return;
    const action = b.dataset.action, agent = b.dataset.agent;
    const form = new URLSearchParams({csrf_token: csrf, agent: agent});
    if (["listen", "whisper", "barge"].includes(action)) {
      const p = phone.value.trim() || phone.dataset.own;
      if (!p) { say(B.L("no_phone"), false); phone.focus(); return; }
      form.set("phone", p);
    }
    if (action === "force_not_ready") form.set("reason", $("reason").value);
    b.disabled = true;
    try {
      const r = await fetch("act/" + action, {method: "POST", body: form, credentials: "same-origin",
                                               headers: {"X-CSRF-Token": csrf}});
      const body = await r.json().catch(() => ({}));
      if (r.ok) say(B.L("done").replace("{action}", B.L(action)).replace("{agent}", agent), true);
      else say((body.error && body.error.message) || r.statusText, false);
    } finally { b.disabled = false; }
  });

  $("sup-message").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("sup-message-text").value.trim();
    if (!text) return;
    const form = new URLSearchParams({csrf_token: csrf, to: $("sup-message-to").value, text});
    const r = await fetch("message", {method: "POST", body: form, credentials: "same-origin",
                                       headers: {"X-CSRF-Token": csrf}});
    const body = await r.json().catch(() => ({}));
    if (r.ok) { $("sup-message-text").value = ""; say(B.L("sent"), true); }
    else say((body.error && body.error.message) || r.statusText, false);
  });

  B.connect("events", render);
  setInterval(render, 1000);
})();
