// The agent desktop's softphone: the browser registers (JsSIP over Kamailio's WebSocket) as the agent's own
// extension, so the ACD rings it like a desk phone. A call rings in the page (a tone made here, and the Answer
// button); answer, hang up, mute and the headset's volume are the page's. The account comes from
// /agent/softphone (the agent's own extension only); media is WebRTC (DTLS-SRTP to rtpengine).
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const box = $("softphone");
  if (!box || !window.JsSIP) return;
  const labels = JSON.parse($("labels").textContent);
  const L = (k) => labels[k] || k;
  const status = $("sp-status"), audio = $("sp-audio");
  const answerBtn = $("sp-answer"), hangupBtn = $("sp-hangup"), muteBtn = $("sp-mute"), volume = $("sp-volume");
  let ua = null;
  let session = null;                 // the one call the softphone has (a second one is refused: 486)
  let registered = false;
  let ring = null;                    // the ringing tone while a call rings

  function show(state) {
    box.dataset.state = state;
    status.dataset.state = state;
    status.textContent = L("sp_" + state);
    answerBtn.hidden = state !== "ringing";
    hangupBtn.hidden = state !== "ringing" && state !== "in_call";
    muteBtn.hidden = state !== "in_call";
  }

  function idle() {
    show(registered ? "registered" : (ua ? "failed" : "off"));
  }

  // ---- ringing: 400 Hz, 1 s on and 4 s off, made by WebAudio (no file to fetch) -------------------------
  function startRing() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || ring) return;
    try {
      const ctx = new Ctx(), gain = ctx.createGain(), osc = ctx.createOscillator();
      osc.frequency.value = 400;
      gain.gain.value = 0;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      const beat = () => {
        const t = ctx.currentTime;
        gain.gain.setValueAtTime(0.2 * volume.value / 100, t);
        gain.gain.setValueAtTime(0, t + 1);
      };
      beat();
      ring = { ctx, timer: setInterval(beat, 5000) };
    } catch (e) {
      ring = null;                    // no audio output yet (the page had no gesture): the page still shows it
    }
  }

  function stopRing() {
    if (!ring) return;
    clearInterval(ring.timer);
    ring.ctx.close();
    ring = null;
  }

  // ---- the call ----------------------------------------------------------------------------------------
  function attach(pc) {
    pc.addEventListener("track", (e) => {
      if (e.track.kind === "audio") {
        audio.srcObject = e.streams[0] || new MediaStream([e.track]);
        audio.volume = volume.value / 100;
        audio.play().catch(() => {});
      }
    });
  }

  function incoming(ev) {
    const s = ev.session;
    if (ev.originator !== "remote") return;
    if (session) {                    // one call at a time, as a desk phone
      s.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    session = s;
    s.on("peerconnection", (e) => attach(e.peerconnection));
    s.on("accepted", () => { stopRing(); show("in_call"); });
    s.on("confirmed", () => { stopRing(); show("in_call"); });
    const over = () => {
      stopRing();
      if (session === s) session = null;
      audio.srcObject = null;
      muteBtn.setAttribute("aria-pressed", "false");
      muteBtn.textContent = L("sp_mute");
      idle();
    };
    s.on("ended", over);
    s.on("failed", over);
    show("ringing");
    startRing();
  }

  answerBtn.addEventListener("click", () => {
    if (!session) return;
    stopRing();
    session.answer({ mediaConstraints: { audio: true, video: false } });
    if (session.connection) attach(session.connection);
  });
  hangupBtn.addEventListener("click", () => { if (session) session.terminate(); });
  muteBtn.addEventListener("click", () => {
    if (!session) return;
    const muted = session.isMuted().audio;
    if (muted) session.unmute({ audio: true });
    else session.mute({ audio: true });
    muteBtn.setAttribute("aria-pressed", String(!muted));
    muteBtn.textContent = L(muted ? "sp_mute" : "sp_unmute");
  });
  volume.addEventListener("input", () => { audio.volume = volume.value / 100; });

  // ---- registering as the agent's extension ------------------------------------------------------------
  function start(account) {
    const socket = new JsSIP.WebSocketInterface(account.ws);
    ua = new JsSIP.UA({
      sockets: [socket], uri: account.uri, password: account.password, realm: account.realm,
      authorization_user: account.extension, register: true, register_expires: 300, session_timers: false,
      user_agent: "Telephonist agent desktop",
    });
    ua.on("connecting", () => { if (!session) show("connecting"); });
    ua.on("registered", () => { registered = true; if (!session) show("registered"); });
    ua.on("unregistered", () => { registered = false; if (!session) idle(); });
    ua.on("registrationFailed", () => { registered = false; if (!session) show("failed"); });
    ua.on("disconnected", () => { registered = false; if (!session) show("failed"); });
    ua.on("newRTCSession", incoming);
    ua.start();
    window.addEventListener("pagehide", () => ua.stop());
  }

  show("connecting");
  fetch(box.dataset.url, { credentials: "same-origin", cache: "no-store" })
    .then((r) => (r.ok ? r.json() : null))
    .then((account) => { if (account) start(account); else show("off"); })
    .catch(() => show("failed"));
})();
