// Agent desktop: the conference room the agent took its call into (docs/agent-desktop.md). "Into the room" is the
// ACD's conf_take; while the agent is in a room (its agent_state says which) the card shows the parties from
// GET /agent/room and offers mute / unmute / remove (the ACD's conf_mute, conf_kick: the agent's own room only)
// and an invitation by number (POST /agent/room/invite).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const card = $("room-card");
  if (!card) return;
  const labels = JSON.parse($("room-labels").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const me = $("desk").dataset.agent;
  let room = null;                    // the room the ACD says the agent is in
  let timer = null;

  async function post(url, fields) {
    const body = new FormData();
    body.set("agent", me);
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    const r = await fetch(url, {method: "POST", body, credentials: "same-origin", headers: {"X-CSRF-Token": csrf}});
    const msg = $("message");
    let answer = {};
    try { answer = await r.json(); } catch (e) { answer = {error: {message: r.statusText}}; }
    msg.hidden = r.ok;
    if (!r.ok) msg.textContent = (answer.error && answer.error.message) || r.statusText;
    if (r.ok) refresh();
    return r.ok;
  }

  function button(text, action, fields) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button";
    b.textContent = text;
    b.addEventListener("click", () => post("act/" + action, fields));
    return b;
  }

  function show(r) {
    $("room-live").hidden = !r;
    $("room-take").disabled = !!room;
    const body = $("room-parties").tBodies[0];
    body.replaceChildren();
    if (!r) return;
    $("room-title").textContent = r.name + " · " + r.parties.length + "/" + r.max_parties + " " + labels.parties
      + (r.locked ? " · " + labels.locked : "");
    for (const p of r.parties) {
      const tr = body.insertRow();
      tr.insertCell().textContent = p.caller + (p.leader ? " (" + labels.leader + ")" : "")
        + (p.muted ? " · " + labels.muted : "");
      tr.insertCell().textContent = p.chan;
      const acts = tr.insertCell();
      if (p.leader) continue;         // the agent (the leader) leaves by hanging up
      acts.append(p.muted ? button(labels.unmute, "conf_mute", {chan: p.chan, muted: "0"})
                          : button(labels.mute, "conf_mute", {chan: p.chan}),
                  button(labels.remove, "conf_kick", {chan: p.chan}));
    }
  }

  async function refresh() {
    const r = await fetch(card.dataset.url, {credentials: "same-origin"});
    if (r.ok) show((await r.json()).room);
  }

  document.addEventListener("desk:agent", (ev) => {
    const a = ev.detail.agent;
    room = a && a.room && ["on_call", "outbound"].includes(a.state) ? a.room : null;
    clearInterval(timer);
    timer = null;
    if (room) {
      refresh();
      timer = setInterval(refresh, 2000);       // the parties come and go: a cached read of the console's feed
    } else {
      show(null);
    }
  });

  $("room-take-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = $("room-name").value.trim();
    if (name) post("act/conf_take", {room: name});
  });
  $("room-invite-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const number = $("room-invite-number").value.trim();
    if (number && await post(card.dataset.invite, {number})) $("room-invite-number").value = "";
  });
})();
