// The Conferences page: the server renders the rooms; every change chand reports arrives on
// /conferences/events and the page is fetched again (it holds the forms with their CSRF tokens).
(function () {
  "use strict";
  function times() {
    document.querySelectorAll("td.joined").forEach(function (td) {
      var at = parseFloat(td.dataset.at);
      if (at) { td.textContent = new Date(at * 1000).toLocaleTimeString(); }
    });
  }
  var pending = false;
  function reload() {
    if (pending) { return; }
    pending = true;
    fetch(window.location.pathname, {credentials: "same-origin"}).then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("rooms");
        if (fresh) { document.getElementById("rooms").replaceWith(fresh); times(); }
      }).finally(function () { pending = false; });
  }
  times();
  var es = new EventSource("/conferences/events");
  es.addEventListener("room", reload);
  es.addEventListener("rooms", function (ev) {
    var msg = JSON.parse(ev.data);
    var conn = document.getElementById("conn");
    if (conn && msg.connected !== undefined) { conn.className = "conn " + (msg.connected ? "ok" : "down"); }
  });
})();
