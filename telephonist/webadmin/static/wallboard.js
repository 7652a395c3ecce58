// The wallboard: one big tile per queue from SupervisorBoard's state (supervisor.js), refreshed every second
// so that the longest wait ticks; no controls.
(function () {
  "use strict";
  const B = window.SupervisorBoard;
  const tiles = document.getElementById("tiles");
  const template = document.getElementById("tile");

  function put(tile, cls, text, level) {
    const fig = tile.querySelector(".fig." + cls);
    fig.querySelector("b").textContent = text;
    fig.className = "fig " + cls + (level ? " " + level : "");
  }

  function render() {
    document.getElementById("clock").textContent = new Date(B.now() * 1000).toLocaleTimeString();
    const queues = B.state.board.queues;
    while (tiles.children.length > queues.length) tiles.lastElementChild.remove();
    while (tiles.children.length < queues.length) tiles.appendChild(template.content.firstElementChild.cloneNode(true));
    queues.forEach((q, i) => {
      const v = B.queueView(q), tile = tiles.children[i];
      tile.dataset.queue = v.queue;
      tile.querySelector(".q").textContent = v.queue;
      put(tile, "waiting", v.waiting, v.waitingLevel);
      put(tile, "longest", B.clock(v.wait), v.waitLevel);
      put(tile, "sl-today", B.pct(v.slToday), v.slTodayLevel);
      put(tile, "sl-recent", B.pct(v.slRecent), v.slRecentLevel);
      put(tile, "answered", v.answered);
      put(tile, "abandoned", v.abandoned);
      put(tile, "asa", B.secs(v.asa));
      put(tile, "agents", `${v.ready} / ${v.busy} / ${v.notReady}`);
    });
  }

  // big-screen notices (webadmin/notices.py): those showing now at load, then as the live channel says
  const notices = new Map();
  const board = document.getElementById("wall-notices");
  function showNotices() {
    const now = B.now();
    board.replaceChildren(...[...notices.values()].filter((n) => Date.parse(n.ends_at) / 1000 > now).map((n) => {
      const p = document.createElement("p");
      p.className = "wall-notice";
      p.dataset.id = n.id;
      p.textContent = n.text;
      return p;
    }));
  }
  function load() {                  // at start and whenever the live channel (re)opens: those it may have missed
    fetch(board.dataset.url, {credentials: "same-origin"}).then((r) => r.ok ? r.text() : "").then((html) => {
      const got = document.createElement("template");
      got.innerHTML = html;                                              // rendered (escaped) by the server
      for (const p of got.content.querySelectorAll(".wall-notice")) {
        notices.set(Number(p.dataset.id), {id: Number(p.dataset.id), text: p.textContent, ends_at: p.dataset.ends});
      }
      showNotices();
    });
  }
  load();
  B.connect("wallboard/events", render, {
    snapshot: load,
    notice: (n) => { notices.set(n.id, n); showNotices(); },
    notice_withdrawn: (n) => { notices.delete(n.id); showNotices(); },
  });
  setInterval(showNotices, 5000);
  setInterval(render, 1000);
})();
