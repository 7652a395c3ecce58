// The agent desktop's web chats: the chats the ACD offers the agent or it holds (at load and whenever the live
// channel reopens, from /agent/chat/mine), then live from agent.js's desk:chat_* events. Each chat is a panel:
// Accept while offered; lines, a box to write and End once accepted. An e-mail (media "email") is the same with
// its subject, and each line the agent sends is a reply by mail.
(function () {
  "use strict";
  const box = document.getElementById("chats");
  if (!box) return;
  const list = document.getElementById("chat-list");
  const L = JSON.parse(document.getElementById("chat-desk-labels").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const panels = new Map();              // chat id -> {el, last, state}

  async function post(path, form) {
    const r = await fetch(path, {method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrf},
                                 body: form || new FormData()});
    if (!r.ok) {
      const data = await r.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || r.statusText);
    }
    return r.json();
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function panel(chat) {
    let p = panels.get(chat.chat);
    if (p) return p;
    const sec = el("section", "chat-panel");
    sec.id = `chat-${chat.chat}`;
    const head = el("h3", "", chat.media === "email" ? `${chat.visitor} · ${chat.subject}` : chat.visitor);
    const facts = el("small", "muted", [chat.email, chat.phone, chat.queue].filter(Boolean).join(" · "));
    const lines = el("ol", "chat-lines");
    const accept = el("button", "chat-accept", L.accept);
    accept.type = "button";
    const form = el("form", "row chat-form");
    const input = el(chat.media === "email" ? "textarea" : "input", "chat-input");
    if (chat.media === "email") input.rows = 5;
    input.maxLength = 2000;
    input.autocomplete = "off";
    input.setAttribute("aria-label", L.message);
    const send = el("button", "chat-send", L.send);
    send.type = "submit";
    const end = el("button", "button chat-end", L.end);
    end.type = "button";
    form.append(input, send, end);
    const err = el("p", "flash error chat-error");
    err.hidden = true;
    sec.append(head, facts, lines, accept, form, err);
    if (chat.customer_id) {
      const link = el("a", "chat-customer", L.customer);
      link.href = `/customers/${chat.customer_id}`;
      link.target = "_blank";
      facts.append(" · ", link);
    }
    list.prepend(sec);
    sec.dataset.media = chat.media || "chat";
    p = {el: sec, lines, accept, form, input, err, last: 0, state: "", visitor: chat.visitor};
    panels.set(chat.chat, p);
    const fail = (e) => { err.textContent = e.message; err.hidden = false; };
    accept.addEventListener("click", () => post(`/agent/chat/${chat.chat}/accept`).then(() => setState(chat.chat, "active")).catch(fail));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const f = new FormData();
      f.append("text", text);
      post(`/agent/chat/${chat.chat}/send`, f).then(() => { input.value = ""; err.hidden = true; }).catch(fail);
    });
    end.addEventListener("click", () => post(`/agent/chat/${chat.chat}/end`).then(() => drop(chat.chat)).catch(fail));
    box.hidden = false;
    return p;
  }

  function setState(id, state) {
    const p = panels.get(id);
    if (!p) return;
    p.state = state;
    p.el.dataset.state = state;
    p.accept.hidden = state !== "offered";
    p.form.hidden = state !== "active";
    if (state === "active") lines(id);
  }

  function addLine(id, line) {
    const p = panels.get(id);
    if (!p || line.id <= p.last) return;
    p.last = line.id;
    const li = el("li", line.sender === "visitor" ? "theirs" : "mine");
    li.append(el("b", "", (line.sender === "visitor" ? p.visitor : L.you) + ": "),
              document.createTextNode(line.text));
    p.lines.append(li);
    li.scrollIntoView({block: "nearest"});
  }

  async function lines(id) {
    const p = panels.get(id);
    if (!p) return;
    const r = await fetch(`/agent/chat/${id}/lines?after=${p.last}`, {credentials: "same-origin"});
    if (!r.ok) return;
    for (const line of (await r.json()).lines) addLine(id, line);
  }

  function drop(id) {
    const p = panels.get(id);
    if (p) p.el.remove();
    panels.delete(id);
    box.hidden = panels.size === 0;
  }

  async function load() {
    const r = await fetch("/agent/chat/mine", {credentials: "same-origin"});
    if (!r.ok) return;
    const held = (await r.json()).reply.chats;
    const ids = new Set(held.map((c) => c.chat));
    for (const id of [...panels.keys()]) if (!ids.has(id)) drop(id);
    for (const c of held) { panel(c); setState(c.chat, c.state); }
  }

  document.addEventListener("desk:snapshot", load);
  document.addEventListener("desk:chat_offered", (e) => { panel(e.detail); setState(e.detail.chat, "offered"); });
  document.addEventListener("desk:chat_accepted", (e) => { panel(e.detail); setState(e.detail.chat, "active"); });
  document.addEventListener("desk:chat_message", (e) => {
    const m = e.detail;
    addLine(m.chat, {id: m.id, sender: m.sender, text: m.text});
  });
  for (const kind of ["chat_ended", "chat_returned"]) {
    document.addEventListener("desk:" + kind, (e) => drop(e.detail.chat));
  }
  load();
})();
