// Agent desktop: the agent's state from a snapshot, then server-sent events (/agent/events); every button is an
// ACD request through /agent/act/ACTION (the console checks the agent is the user's own).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const json = (id) => JSON.parse($(id).textContent);
  const labels = json("labels");
  const settings = json("settings");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const desk = $("desk");
  const me = desk.dataset.agent;
  const CALL_STATES = ["reserved", "ringing", "on_call", "on_hold"];
  let agent = null;                   // the ACD's last word on this agent
  let skew = 0;                       // server clock - browser clock (s)
  let popCall = null;                 // the call whose pop is shown
  let lastQueue = null;               // the queue of the agent's last call (its dispositions at wrap-up)
  let consulting = false;             // a consultation is up: complete, conference or back to the caller
  let wrapupEnd = null;               // when the ACD said wrap-up ends (after an extension), in server seconds
  const waiting = new Map();          // call_id -> waiting caller of the agent's queues

  const now = () => Date.now() / 1000 + skew;
  const L = (k) => labels[k] || k || "";

  function clock(s) {
    s = Math.max(0, Math.round(s));
    const m = Math.floor(s / 60);
    return m ? m + ":" + String(s % 60).padStart(2, "0") : s + "s";
  }

  // ---- the agent's state --------------------------------------------------------------------------
  function take(snap) {
    skew = snap.now - Date.now() / 1000;
    setConnected(snap.connected);
    waiting.clear();
    for (const c of snap.waiting || []) waiting.set(c.call_id, c);
    if (snap.agent) setAgent(snap.agent);
    else render();
    renderWaiting();
    $("messages").replaceChildren();
    for (const m of snap.messages || []) showMessage(m);
  }

  function setAgent(a) {
    agent = a;
    if (a.state !== "wrap_up" || a.signal === "hangup") wrapupEnd = null;            // a new wrap-up: its own time
    if (a.state === "wrap_up" && a.wrapup_left_ms != null) wrapupEnd = now() + a.wrapup_left_ms / 1000;
    if (a.call_queue) lastQueue = a.call_queue;
    if (a.call_id && CALL_STATES.includes(a.state) && a.call_id !== popCall) loadPop(a.call_id);
    const last = a.state === "wrap_up" ? a.last_call : null;      // a page opened in wrap-up: the call's pop
    if (last && last.call_id !== popCall) {
      if (last.queue) lastQueue = last.queue;
      loadPop(last.call_id);
    }
    if (a.state === "wrap_up" && !$("wrapup").dataset.open) openWrapup();
    if (a.state !== "wrap_up") closeWrapup();
    if (a.state !== "on_call" && a.state !== "on_hold") consulting = false;
    document.dispatchEvent(new CustomEvent("desk:agent", {detail: {agent: a}}));   // the room card follows
    render();
  }

  function render() {
    const state = agent ? agent.state : "logged_out";
    const el = $("state");
    el.dataset.state = state;
    el.textContent = L(state);
    el.className = "state " + state;
    const onLine = !!(agent && agent.line === "open");
    $("lift").hidden = state !== "ringing" || onLine;
    $("answer").hidden = !(state === "ringing" && onLine);
    $("line-state").textContent = agent && agent.line ? L("line_" + agent.line) : "";
    $("state-reason").textContent = agent && agent.reason && state === "not_ready" ? (labels.reasons[agent.reason] || agent.reason) : "";
    const on = (id, yes) => { $(id).disabled = !yes; };
    const inCall = state === "on_call" || state === "on_hold";
    on("login", state === "logged_out");
    on("seat", state === "logged_out");
    on("persistent-line", state === "logged_out");
    on("logout", state !== "logged_out");
    on("ready", ["not_ready", "wrap_up"].includes(state));
    on("not-ready", ["ready", "wrap_up", "on_call", "on_hold"].includes(state));
    on("hold", state === "on_call");
    on("unhold", state === "on_hold");
    $("hold").hidden = state === "on_hold";
    $("unhold").hidden = state !== "on_hold";
    on("hangup", inCall);
    // an own call out (a preview campaign's) is passed on too, once the customer answered (the ACD says if not yet)
    for (const id of ["transfer", "consult", "survey"]) on(id, (inCall || state === "outbound") && !consulting);
    on("ivr-step", state === "on_call" && !consulting);
    for (const id of ["complete", "conference", "cancel-consult"]) on(id, inCall && consulting);
    on("pickup", ["ready", "not_ready"].includes(state));
    const idle = ["ready", "not_ready", "wrap_up"].includes(state);
    on("dial", idle);
    on("send-keys", inCall || state === "outbound");
    for (const b of document.querySelectorAll("#waiting button, #pop [data-dial]")) b.disabled = !idle;
    tick();
  }

  function tick() {
    $("state-for").textContent = agent && agent.state !== "logged_out" ? clock(now() - agent.since) : "";
    if ($("wrapup").dataset.open && agent && agent.state === "wrap_up") {
      const left = wrapupEnd !== null ? wrapupEnd - now() : wrapupSeconds() - (now() - agent.since);
      $("countdown").textContent = left > 0 ? clock(left) : "";
    }
    for (const row of document.querySelectorAll("#waiting tbody tr")) {
      const c = waiting.get(row.dataset.call);
      if (c) row.cells[3].textContent = clock(now() - c.since);
    }
  }

  function setConnected(on) {
    const el = $("conn");
    el.className = "conn " + (on ? "ok" : "down");
    el.textContent = on ? labels.connected : labels.down;
  }

  // ---- the screen pop ---------------------------------------------------------------------------
  async function loadPop(callId) {
    popCall = callId;
    document.dispatchEvent(new CustomEvent("desk:pop", {detail: {callId}}));     // the knowledge-base panel follows
    const r = await fetch("pop/" + encodeURIComponent(callId), {credentials: "same-origin"});
    if (r.ok && popCall === callId) {
      $("pop").innerHTML = await r.text();   // rendered (and escaped) by the server
      render();                              // its Call back button follows the agent's state
    }
  }

  // ---- wrap-up ----------------------------------------------------------------------------------
  function wrapupSeconds() {
    const own = (settings.agents[me] || {}).wrapup_s;
    if (own !== undefined && own >= 0) return own;
    const q = settings.queues[lastQueue || ""];
    return q ? q.wrapup_s : 0;
  }

  function openWrapup() {
    const box = $("wrapup");
    box.dataset.open = "1";
    box.hidden = false;
    const code = $("code");
    code.replaceChildren(new Option(L("none"), ""));
    const queues = lastQueue ? [lastQueue] : (agent ? agent.queues : []);
    const seen = new Set();
    for (const q of queues) {
      for (const d of (settings.queues[q] || {}).dispositions || []) {
        if (!seen.has(d)) { seen.add(d); code.add(new Option(d, d)); }
      }
    }
    $("note").value = "";
  }

  function closeWrapup() {
    const box = $("wrapup");
    delete box.dataset.open;
    box.hidden = true;
  }

  // ---- waiting callers --------------------------------------------------------------------------
  function renderWaiting() {
    const tbody = document.querySelector("#waiting tbody");
    tbody.replaceChildren();
    for (const c of [...waiting.values()].sort((a, b) => (b.priority || 0) - (a.priority || 0) || a.since - b.since)) {
      const row = tbody.insertRow();
      row.dataset.call = c.call_id;
      for (const text of [c.queue, c.caller, c.priority > 0 ? "VIP" : "", ""]) row.insertCell().textContent = text;
      row.cells[3].className = "num";
      const cell = row.insertCell();
      if ((settings.queues[c.queue] || {}).agent_pick) {     // the queue lets its agents choose
        const b = document.createElement("button");
        b.type = "button";
        b.className = "button small";
        b.textContent = L("take");
        b.addEventListener("click", () => act("take", {call_id: c.call_id}));
        cell.appendChild(b);
      }
    }
    render();
  }

  // ---- messages ---------------------------------------------------------------------------------
  function showStep(text) {
    $("step-result").textContent = text;
    $("step-result").hidden = false;
  }

  function showMessage(m) {
    const li = document.createElement("li");
    const when = new Date((m.at ? Date.parse(m.at) : Date.now()));
    const who = m.from === me ? "→ " + (m.to || "").replace(/^agent:/, "") : m.from;
    const head = document.createElement("b");
    head.textContent = `${when.toLocaleTimeString()} ${who}${m.to && m.to !== "agent:" + me && m.from !== me ? " (" + m.to + ")" : ""}: `;
    li.append(head, document.createTextNode(m.text || ""));
    const list = $("messages");
    list.prepend(li);
    while (list.children.length > 20) list.lastChild.remove();
  }

  async function sendMessage() {
    const to = $("message-to").value, text = $("message-text").value.trim();
    if (!to || !text) return;
    const body = new FormData();
    body.set("to", to);
    body.set("text", text);
    const r = await fetch("message", {method: "POST", body, credentials: "same-origin", headers: {"X-CSRF-Token": csrf}});
    const msg = $("message");
    if (!r.ok) {
      let answer = {};
      try { answer = await r.json(); } catch (e) { answer = {}; }
      msg.textContent = (answer.error && answer.error.message) || r.statusText;
      msg.hidden = false;
      return;
    }
    msg.hidden = true;
    $("message-text").value = "";
  }

  // ---- asking the ACD ---------------------------------------------------------------------------
  async function act(action, fields) {
    const body = new FormData();
    body.set("agent", me);
    for (const [k, v] of Object.entries(fields || {})) body.set(k, v);
    const r = await fetch("act/" + action, {method: "POST", body, credentials: "same-origin",
                                           headers: {"X-CSRF-Token": csrf}});
    const msg = $("message");
    let answer = {};
    try { answer = await r.json(); } catch (e) { answer = {error: {message: r.statusText}}; }
    if (!r.ok) {
      msg.textContent = (answer.error && answer.error.message) || r.statusText;
      msg.hidden = false;
      return null;
    }
    msg.hidden = true;
    return answer.reply;
  }

  function setConsulting(on) {
    consulting = on;
    render();
  }

  function target() {
    return $("target").value.trim() || $("target-pick").value;
  }

  const ACTIONS = {
    login: () => act("login", {extension: $("seat").value.trim(), persistent_line: $("persistent-line").checked ? "1" : "0"}),
    logout: () => act("logout"),
    ready: () => act("ready"),
    not_ready: () => act("not_ready", {reason: $("reason").value}),
    hold: () => act("hold"),
    unhold: () => act("unhold"),
    hangup: () => act("hangup"),
    transfer: (btn) => act("transfer", {to: btn.dataset.to || target()}),
    ivr_step: () => act("ivr_step", {to: target()}),
    consult: async () => { if (await act("consult", {to: target()})) setConsulting(true); },
    complete_transfer: () => act("complete_transfer"),
    conference: async () => { if (await act("conference")) setConsulting(false); },
    cancel_consult: async () => { if (await act("cancel_consult")) setConsulting(false); },
    pickup: () => act("pickup", {colleague: $("pickup-pick").value}),
    answer: () => act("answer"),
    wrapup_extend: () => act("wrapup_extend", {seconds: "60"}),
  };

  for (const btn of document.querySelectorAll("button[data-action]")) {
    btn.addEventListener("click", (e) => { e.preventDefault(); ACTIONS[btn.dataset.action](btn); });
  }
  $("seat-form").addEventListener("submit", (e) => { e.preventDefault(); ACTIONS.login(); });
  const dial = (number) => { if (number) act("dial", {number}); };
  $("dial-form").addEventListener("submit", (e) => { e.preventDefault(); dial($("dial-number").value.trim()); });
  $("pop").addEventListener("submit", async (e) => {      // the register form of an unknown caller
    const form = e.target.closest("#pop-register");
    if (!form) return;
    e.preventDefault();
    const r = await fetch("pop/" + encodeURIComponent(form.dataset.call) + "/register",
                          {method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: {"X-CSRF-Token": csrf}});
    if (r.ok) { loadPop(form.dataset.call); return; }
    let answer = {};
    try { answer = await r.json(); } catch (err) { answer = {}; }
    $("message").textContent = (answer.error && answer.error.message) || r.statusText;
    $("message").hidden = false;
  });
  $("pop").addEventListener("click", (e) => {
    const b = e.target.closest("[data-dial]");
    if (b && !b.disabled) { e.preventDefault(); dial(b.dataset.dial); }
  });
  $("keys-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await act("dtmf", {digits: $("keys").value.trim()})) $("keys").value = "";
  });
  $("message-form").addEventListener("submit", (e) => { e.preventDefault(); sendMessage(); });
  $("wrapup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    act("wrapup_end", {code: $("code").value, note: $("note").value});
  });

  // the pickers: who is ready (transfer, consult) and whose phone rings (pickup), asked when opened
  async function colleagues() {
    const r = await fetch("colleagues", {credentials: "same-origin"});
    if (!r.ok) return;
    const data = await r.json();
    const pick = $("target-pick");
    const chosen = pick.value;
    pick.replaceChildren(new Option("…", ""));
    for (const a of data.agents) {
      if (a.agent === me) continue;
      const opt = new Option(`${L("agent")} ${a.agent} ${a.name || ""} · ${L(a.state)}`, "agent:" + a.agent);
      opt.disabled = a.state !== "ready";
      pick.add(opt);
    }
    for (const q of data.queues) pick.add(new Option(`${L("queue")} ${q}`, "queue:" + q));
    pick.value = chosen;
    const ringing = $("pickup-pick");
    ringing.replaceChildren(new Option("…", ""));
    for (const a of data.agents) {
      if (a.agent !== me && a.state === "ringing") ringing.add(new Option(`${a.agent} ${a.name || ""}`, a.agent));
    }
    const to = $("message-to");
    const was = to.value;
    to.replaceChildren(new Option("…", ""));
    for (const a of data.agents) {
      if (a.agent !== me) to.add(new Option(`${a.agent} ${a.name || ""}`, "agent:" + a.agent));
    }
    to.value = was;
  }
  for (const id of ["target-pick", "pickup-pick", "message-to"]) {
    $(id).addEventListener("focus", colleagues);
    $(id).addEventListener("mousedown", colleagues);
  }

  // keyboard: Alt+R ready, Alt+N not ready, Alt+H hold / resume, Alt+X hang up, Alt+T transfer target, Alt+W end wrap-up
  document.addEventListener("keydown", (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const press = (id) => { const b = $(id); if (!b.disabled && !b.hidden) b.click(); };
    const key = e.key.toLowerCase();
    if (key === "r") press("ready");
    else if (key === "n") press("not-ready");
    else if (key === "h") press(agent && agent.state === "on_hold" ? "unhold" : "hold");
    else if (key === "x") press("hangup");
    else if (key === "t") $("target").focus();
    else if (key === "w") press("wrapup-end");
    else if (key === "a") press("answer");
    else if (key === "o") $("dial-number").focus();
    else return;
    e.preventDefault();
  });

  // ---- the live channel -------------------------------------------------------------------------
  take(json("initial"));
  const es = new EventSource("events");
  es.addEventListener("snapshot", (e) => {
    take(JSON.parse(e.data));
    document.dispatchEvent(new CustomEvent("desk:snapshot"));     // the stream (re)opened: desk-staff.js catches up
  });
  es.addEventListener("connection", (e) => setConnected(JSON.parse(e.data).connected));
  es.addEventListener("agent_state", (e) => {
    const a = JSON.parse(e.data);
    setAgent(a);
    document.dispatchEvent(new CustomEvent("desk:agent_state", {detail: a}));   // desk-campaign.js: a campaign call's script
  });
  es.addEventListener("caller_joined", (e) => {
    const c = JSON.parse(e.data);
    waiting.set(c.call_id, {call_id: c.call_id, caller: c.caller, queue: c.queue, priority: c.priority, since: c.since});
    renderWaiting();
  });
  es.addEventListener("consulting", () => setConsulting(true));
  es.addEventListener("message", (e) => showMessage(JSON.parse(e.data)));
  for (const kind of ["chat_offered", "chat_accepted", "chat_message", "chat_ended", "chat_returned"]) {   // desk-chat.js
    es.addEventListener(kind, (e) => document.dispatchEvent(new CustomEvent("desk:" + kind, {detail: JSON.parse(e.data)})));
  }
  for (const kind of ["notice", "notice_withdrawn"]) {                 // shown by desk-staff.js
    es.addEventListener(kind, (e) => document.dispatchEvent(new CustomEvent("desk:" + kind, {detail: JSON.parse(e.data)})));
  }
  es.addEventListener("outbound_failed", (e) => {
    const m = JSON.parse(e.data);
    $("message").textContent = `${L("no_answer")} ${m.number}`;
    $("message").hidden = false;
  });
  es.addEventListener("conference", () => setConsulting(false));
  // an IVR step: the caller away keying a PIN or an ID number, then back with what the flow found
  es.addEventListener("ivr_step_started", () => showStep(L("step_away") + " …"));
  es.addEventListener("ivr_step_done", (e) => {
    const d = JSON.parse(e.data), r = d.result || {};
    if (!d.back_to) { showStep(L("step_gone")); return; }
    const vars = Object.entries(r.vars || {}).filter(([k]) => !["caller", "dialled", "chan", "call_id", "lang",
      "flow", "queue", "agent"].includes(k)).map(([k, v]) => `${k} = ${v}`).join(", ");
    showStep(r.error ? `${L("step_error")} ${r.error}` : `${L("step_back")} (${r.flow}): ${vars}`);
  });
  for (const kind of ["caller_left", "call_answered", "callback_taken"]) {
    es.addEventListener(kind, (e) => { waiting.delete(JSON.parse(e.data).call_id); renderWaiting(); });
  }
  es.onerror = () => setConnected(false);
  setInterval(tick, 1000);
})();
