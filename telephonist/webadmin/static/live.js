// Live board: keeps a table of lines from a snapshot, then applies server-sent events.
(function () {
  "use strict";
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const lines = new Map();
  let skew = 0;                       // server clock - browser clock (s)
  const L = (k) => labels[k] || k || "";

  function take(snapshot) {
    lines.clear();
    skew = snapshot.now - Date.now() / 1000;
    for (const ln of snapshot.lines) lines.set(ln.chan, ln);
    setConnected(snapshot.connected);
    render();
  }

  function setConnected(on) {
    const el = document.getElementById("conn");
    el.className = "conn " + (on ? "ok" : "down");
    el.textContent = on ? labels.connected : labels.down;
  }

  function age(ln) {
    const s = Math.max(0, Math.round(Date.now() / 1000 + skew - ln.since));
    const m = Math.floor(s / 60);
    return m ? m + ":" + String(s % 60).padStart(2, "0") : s + "s";
  }

  function cell(row, text, cls) {
    const td = row.insertCell();
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function render() {
    const board = document.getElementById("board");
    board.replaceChildren();
    const tbody = document.querySelector("#live-calls tbody");
    tbody.replaceChildren();
    for (const ln of lines.values()) {
      const tile = document.createElement("div");
      tile.className = "tile " + ln.state;
      tile.dataset.chan = ln.chan;
      tile.dataset.state = ln.state;
      tile.title = ln.chan + " " + L(ln.state);
      const name = document.createElement("b");
      name.textContent = ln.chan;
      const st = document.createElement("span");
      st.textContent = L(ln.state) + " " + age(ln);
      const who = document.createElement("small");
      who.textContent = ln.caller || "";
      tile.append(name, st, who);
      board.append(tile);
      if (ln.state !== "idle") {
        const row = tbody.insertRow();
        row.dataset.chan = ln.chan;
        cell(row, ln.chan);
        cell(row, L(ln.state), "state " + ln.state);
        cell(row, L(ln.direction));
        cell(row, ln.caller);
        cell(row, ln.dialled);
        cell(row, ln.owner);
        cell(row, age(ln), "num");
      }
    }
  }

  take(JSON.parse(document.getElementById("initial").textContent));
  const es = new EventSource(document.location.pathname.replace(/\/$/, "") + "/events");
  es.addEventListener("snapshot", (e) => take(JSON.parse(e.data)));
  es.addEventListener("line", (e) => {
    const ln = JSON.parse(e.data).line;
    lines.set(ln.chan, Object.assign(lines.get(ln.chan) || {}, ln));
    render();
  });
  es.addEventListener("connection", (e) => setConnected(JSON.parse(e.data).connected));
  es.onerror = () => setConnected(false);
  setInterval(render, 1000);
})();
