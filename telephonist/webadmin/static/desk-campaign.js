// Agent desktop, campaign panel: the preview records given to the agent (/agent/preview), one shown with its
// fields and history, Dial, the outcome (and an appointment), and the campaign's script beside the call
// (/agent/script/ATTEMPT). A call whose id is dl-ATTEMPT (a progressive call, or one transferred here) shows its
// script where the previous agent left it. Text goes in with textContent only.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  if (!$("campaign")) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let record = null;                 // the record shown
  let attempt = null;                // the attempt whose script and outcome are shown

  async function get(url) {
    const r = await fetch(url, {credentials: "same-origin"});
    return r.ok ? r.json() : null;
  }
  async function post(url, fields) {
    const body = new URLSearchParams(fields || {});
    const r = await fetch(url, {method: "POST", body, credentials: "same-origin", headers: {"X-CSRF-Token": csrf}});
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      $("message").textContent = (data.error && data.error.message) || r.statusText;
      $("message").hidden = false;
      return null;
    }
    return data;
  }
  function li(list, text) {
    const el = document.createElement("li");
    el.textContent = text;
    list.appendChild(el);
    return el;
  }

  async function loadList() {
    const data = await get("preview");
    const list = $("campaign-records");
    list.replaceChildren();
    for (const r of (data && data.records) || []) {
      const el = li(list, `${r.due ? "⏰ " : ""}${r.name || r.phones[0]} · ${r.campaign}`);
      el.dataset.record = r.record;
      el.className = "link";
      el.addEventListener("click", () => show(r.record, r.open_attempt));
    }
    $("campaign").hidden = !list.children.length && !attempt;        // no campaign work: the card stays out of the way
    if (!list.children.length) li(list, $("campaign").dataset.none).className = "muted";
  }

  async function show(id, openAttempt) {
    const v = await get("preview/" + id);
    if (!v) return;
    record = id;
    fill(v);
    setAttempt(openAttempt || null);
  }

  function fill(v) {                 // a record: one of the agent's, or the record of a call transferred here
    $("campaign-record").hidden = false;
    $("cr-dial").hidden = v.record !== record;
    $("cr-name").textContent = `${v.name} (${v.campaign})`;
    $("cr-phones").textContent = v.phones.join(" · ");
    const body = $("cr-fields").tBodies[0];
    body.replaceChildren();
    for (const [k, val] of Object.entries(v.fields)) {
      const tr = body.insertRow();
      tr.insertCell().textContent = k;
      tr.insertCell().textContent = val;
    }
    $("cr-history").replaceChildren();
    for (const h of v.history) li($("cr-history"), `${h.at.slice(0, 16)} ${h.number} ${h.outcome || h.state} ${h.result || ""} ${h.agent || ""}`);
    $("cr-timeline").replaceChildren();
    for (const e of (v.customer && v.customer.timeline) || []) li($("cr-timeline"), `${String(e.at).slice(0, 16)} ${e.kind || ""} ${e.summary || e.text || ""}`);
  }

  function setAttempt(id) {
    attempt = id;
    $("cr-outcome").hidden = !id;
    if (id) loadScript(); else $("script").hidden = true;
  }

  function render(s) {
    $("script").hidden = !s;
    if (s) $("campaign").hidden = false;
    if (!s) return;
    $("script-name").textContent = `${s.script} v${s.version}`;
    $("script-pause").hidden = s.paused;
    $("script-resume").hidden = !s.paused;
    $("script-ended").hidden = !s.ended;
    const q = s.question;
    $("script-question").textContent = q ? q.text : "";
    $("script-choices").replaceChildren();
    $("script-text").hidden = !q || q.choices.length > 0 || s.paused;
    for (const ch of (q && !s.paused ? q.choices : [])) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "button";
      b.textContent = ch.value;
      b.addEventListener("click", () => step("answer", {question: q.id, value: ch.value}));
      $("script-choices").appendChild(b);
    }
    $("script-answers").replaceChildren();
    for (const a of s.answers) li($("script-answers"), `${a.text} — ${a.value}`);
    if (s.proposed_result && !$("cr-code").value) $("cr-code").value = s.proposed_result;
  }
  async function loadScript() {
    const data = await get("script/" + attempt);
    render(data && data.script);
    if (data && data.record) {       // a call transferred here: its record, and its outcome still to give
      record = null;
      fill(data.record);
      $("campaign").hidden = false;
      $("cr-outcome").hidden = !data.outcome_open;
    }
  }
  async function step(action, fields) {
    const data = await post(`script/${attempt}/${action}`, fields);
    if (data) render(data.script);
  }

  $("cr-dial").addEventListener("click", async () => {
    const data = await post(`preview/${record}/dial`);
    if (data) setAttempt(data.attempt);
  });
  $("cr-outcome").addEventListener("submit", async (e) => {
    e.preventDefault();
    const when = $("cr-callback").value;
    const data = await post(`preview/attempt/${attempt}/outcome`, {code: $("cr-code").value, callback_at: when});
    if (data) {
      $("cr-outcome").reset();
      setAttempt(null);
      $("campaign-record").hidden = true;
      loadList();
    }
  });
  $("script-text").addEventListener("submit", (e) => {
    e.preventDefault();
    get("script/" + attempt).then((d) => d && d.script && d.script.question &&
      step("answer", {question: d.script.question.id, value: $("script-answer").value}).then(() => { $("script-answer").value = ""; }));
  });
  $("script-pause").addEventListener("click", () => step("pause"));
  $("script-resume").addEventListener("click", () => step("resume"));
  $("script-flag").addEventListener("click", async () => {
    const d = await get("script/" + attempt);
    const q = d && d.script && (d.script.question || d.script.answers.slice(-1)[0]);
    if (!q) return;
    const note = window.prompt($("script-flag").textContent, "") || "";
    step("flag", {question: q.id, note});
  });
  // a campaign call given to this agent by the ACD (progressive, or transferred): its script where it stands
  document.addEventListener("desk:agent_state", (e) => {
    const id = e.detail && e.detail.call_id;
    const m = /^dl-(\d+)$/.exec(id || "");
    if (m && Number(m[1]) !== attempt) { attempt = Number(m[1]); loadScript(); }
  });
  loadList();
  setInterval(loadList, 60000);        // appointments falling due come to the top
})();
