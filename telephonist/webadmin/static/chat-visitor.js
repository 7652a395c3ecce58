// The website's chat page (/chat/): the visitor gives a name and an e-mail address or phone number, the chat
// starts (a token scopes every later request, sent in the X-Chat-Token header, never in a cookie), lines are
// fetched every second (/chat/lines?after=N) and sent as JSON (/chat/send).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const L = JSON.parse($("chat-labels").textContent);
  const queue = $("webchat").dataset.queue;
  let token = sessionStorage.getItem("telephonist-chat:" + queue) || "";
  let last = 0, timer = null, state = "";

  function error(text) { $("chat-error").textContent = text || ""; $("chat-error").hidden = !text; }

  async function post(path, body) {
    const headers = {"Content-Type": "application/json"};
    if (token) headers["X-Chat-Token"] = token;
    const r = await fetch(path, {method: "POST", headers, body: JSON.stringify(body), credentials: "omit"});
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw Object.assign(new Error((data.error && data.error.message) || r.statusText), {status: r.status});
    return data;
  }

  function show(chat) {
    state = chat.state;
    const text = (L[chat.state] || "").replace("{position}", chat.position).replace("{agent}", chat.agent_name || L.agent);
    $("chat-state").textContent = text;
    $("chat-state").hidden = !text;
    $("chat-form").hidden = chat.state === "ended";
    if (chat.state === "ended") { clearInterval(timer); sessionStorage.removeItem("telephonist-chat:" + queue); }
  }

  function add(line) {
    const li = document.createElement("li");
    li.className = line.sender === "visitor" ? "mine" : "theirs";
    li.dataset.id = line.id;
    const who = document.createElement("b");
    who.textContent = (line.sender === "visitor" ? L.you : L.agent) + ": ";
    li.append(who, document.createTextNode(line.text));
    $("chat-lines").append(li);
    li.scrollIntoView({block: "nearest"});
  }

  async function poll() {
    if (!token) return;
    const r = await fetch(`lines?after=${last}`, {headers: {"X-Chat-Token": token}, credentials: "omit"});
    if (r.status === 404) { token = ""; show({state: "ended"}); return; }
    if (!r.ok) return;
    const data = await r.json();
    for (const line of data.lines) { if (line.id > last) { add(line); last = line.id; } }
    show(data.chat);
  }

  function begin() {
    $("chat-start").hidden = true;
    $("chat-lines").hidden = false;
    $("chat-form").hidden = false;
    poll();
    timer = setInterval(poll, 1000);
  }

  $("chat-start").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {queue, name: $("chat-name").value.trim(), email: $("chat-email").value.trim(),
                  phone: $("chat-phone").value.trim(), text: $("chat-first").value.trim()};
    if (!body.name || !(body.email || body.phone)) { error(L.missing); return; }
    try {
      const data = await post("start", body);
      token = data.token;
      sessionStorage.setItem("telephonist-chat:" + queue, token);
      error("");
      show(data.chat);
      begin();
    } catch (err) { error(err.status === 429 ? L.busy : err.message); }
  });

  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("chat-text").value.trim();
    if (!text || state === "ended") return;
    try {
      await post("send", {text});
      $("chat-text").value = "";
      error("");
      poll();
    } catch (err) { error(err.message); }
  });

  $("chat-end").addEventListener("click", async () => {
    try { await post("end", {}); } catch (err) { error(err.message); }
    poll();
  });

  if (token) begin();
})();
