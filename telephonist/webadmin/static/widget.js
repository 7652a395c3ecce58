// The website's click-to-call widget (/call): the visitor calls the hotline from the browser. JsSIP connects to
// Kamailio's widget WebSocket without registering and without a password, and calls the one number the page
// names; Kamailio lets anonymous calls go to that number only. The keypad sends digits as RFC 4733 events
// (RTCDTMFSender), which rtpengine passes on to Telephonist as RTP events.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const box = $("widget");
  if (!box || !window.JsSIP) return;
  const labels = JSON.parse($("wg-labels").textContent);
  const status = $("wg-status"), audio = $("wg-audio");
  const callBtn = $("wg-call"), hangupBtn = $("wg-hangup"), keypad = $("wg-keypad");
  let ua = null;
  let session = null;

  function show(state) {
    box.dataset.state = state;
    status.dataset.state = state;
    status.textContent = labels[state] || state;
    callBtn.hidden = state === "calling" || state === "in_call";
    hangupBtn.hidden = !callBtn.hidden;
    keypad.hidden = state !== "in_call";
  }

  function attach(pc) {
    pc.addEventListener("track", (e) => {
      if (e.track.kind === "audio") {
        audio.srcObject = e.streams[0] || new MediaStream([e.track]);
        audio.play().catch(() => {});
      }
    });
  }

  function agent() {
    if (ua) return ua;
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(box.dataset.ws)], uri: "sip:visitor@" + new URL(box.dataset.ws).hostname,
      display_name: "Web visitor", register: false, session_timers: false, user_agent: "Telephonist web widget",
    });
    ua.start();
    window.addEventListener("pagehide", () => ua.stop());
    return ua;
  }

  callBtn.addEventListener("click", () => {
    if (session) return;
    show("calling");
    const s = agent().call(box.dataset.uri, { mediaConstraints: { audio: true, video: false } });
    session = s;
    if (s.connection) attach(s.connection);
    s.on("peerconnection", (e) => attach(e.peerconnection));
    s.on("confirmed", () => show("in_call"));
    s.on("ended", () => { session = null; audio.srcObject = null; show("ended"); });
    s.on("failed", () => { session = null; audio.srcObject = null; show("failed"); });
  });
  hangupBtn.addEventListener("click", () => { if (session) session.terminate(); });
  keypad.addEventListener("click", (e) => {
    const key = e.target.dataset && e.target.dataset.key;
    if (!key || !session || !session.isEstablished()) return;
    session.sendDTMF(key, { transportType: "RFC2833", duration: 160, interToneGap: 100 });
  });
  show("idle");
})();
