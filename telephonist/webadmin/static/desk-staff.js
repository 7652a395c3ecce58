// The agent desktop's notices (unread ones at load from /notices/mine, then live: agent.js turns the desktop's
// "notice" and "notice_withdrawn" events into desk:notice / desk:notice_withdrawn) and the agent's own shifts.
(function () {
  "use strict";
  const box = document.getElementById("notices");
  const list = document.getElementById("notice-list");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const shown = new Map();

  function add(n) {
    if (shown.has(n.id)) return;
    const li = document.createElement("li");
    li.className = "notice";
    li.dataset.id = n.id;
    const head = document.createElement("b");
    head.textContent = `${new Date(Date.parse(n.sent_at)).toLocaleTimeString()} ${n.sender}: `;
    const read = document.createElement("button");
    read.type = "button";
    read.className = "button small";
    read.textContent = box.dataset.read;
    read.addEventListener("click", async () => {
      const r = await fetch(`/notices/${n.id}/read`, {method: "POST", credentials: "same-origin",
                                                       headers: {"X-CSRF-Token": csrf}});
      if (r.ok || r.status === 404) remove(n.id);
    });
    li.append(head, document.createTextNode(n.text + " "), read);
    list.append(li);
    shown.set(n.id, li);
    box.hidden = false;
  }

  function remove(id) {
    const li = shown.get(id);
    if (li) li.remove();
    shown.delete(id);
    box.hidden = shown.size === 0;
  }

  // the unread ones: at load, and each time the live channel (re)opens, for those sent while it was not open
  function catchUp() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then((r) => r.ok ? r.json() : {notices: []})
      .then((d) => d.notices.forEach(add));
  }
  document.addEventListener("desk:notice", (e) => add(e.detail));
  document.addEventListener("desk:notice_withdrawn", (e) => remove(e.detail.id));
  document.addEventListener("desk:snapshot", catchUp);
  catchUp();

  const shifts = document.getElementById("my-shifts");
  fetch(shifts.dataset.url, {credentials: "same-origin"}).then((r) => r.ok ? r.text() : "")
    .then((html) => { document.getElementById("my-shifts-body").innerHTML = html; });   // rendered (escaped) by the server
})();
