// Record a prompt in the browser: MediaRecorder captures the microphone (WebM/Opus in Chromium),
// Web Audio decodes it and resamples to 8 kHz mono, and the WAV made here goes through the upload
// form (same CSRF token, same checks and sox conversion on the server as a file upload).
(function () {
  "use strict";
  const start = document.getElementById("rec-start");
  if (!start) return;
  const stop = document.getElementById("rec-stop");
  const save = document.getElementById("rec-save");
  const state = document.getElementById("rec-state");
  const preview = document.getElementById("rec-preview");
  const form = document.getElementById("upload-prompt");
  const labels = JSON.parse(document.getElementById("rec-labels").textContent);
  let recorder = null, chunks = [], wav = null;

  function wavOf(samples, rate) {
    const buf = new ArrayBuffer(44 + samples.length * 2);
    const v = new DataView(buf);
    const str = (o, s) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
    str(0, "RIFF"); v.setUint32(4, 36 + samples.length * 2, true); str(8, "WAVE");
    str(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
    str(36, "data"); v.setUint32(40, samples.length * 2, true);
    for (let i = 0; i < samples.length; i++) {
      const s = Math.max(-1, Math.min(1, samples[i]));
      v.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([buf], { type: "audio/wav" });
  }

  async function toWav(blob) {
    const ctx = new AudioContext();
    const decoded = await ctx.decodeAudioData(await blob.arrayBuffer());
    ctx.close();
    const off = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * 8000)), 8000);
    const src = off.createBufferSource();
    src.buffer = decoded;
    src.connect(off.destination);
    src.start();
    const out = await off.startRendering();
    return wavOf(out.getChannelData(0), 8000);
  }

  start.addEventListener("click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      state.textContent = labels.denied;
      return;
    }
    chunks = [];
    wav = null;
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = async () => {
      stream.getTracks().forEach((t) => t.stop());
      state.textContent = labels.converting;
      wav = await toWav(new Blob(chunks, { type: recorder.mimeType }));
      preview.src = URL.createObjectURL(wav);
      preview.hidden = false;
      save.disabled = false;
      state.textContent = labels.ready;
      state.dataset.ready = "1";
    };
    recorder.start();
    start.disabled = true;
    stop.disabled = false;
    state.textContent = labels.recording;
  });

  stop.addEventListener("click", () => {
    if (recorder && recorder.state === "recording") recorder.stop();
    start.disabled = false;
    stop.disabled = true;
  });

  save.addEventListener("click", () => {
    if (!wav) return;
    const dt = new DataTransfer();
    dt.items.add(new File([wav], "recording.wav", { type: "audio/wav" }));
    form.querySelector("input[type=file]").files = dt.files;
    form.querySelector("input[name=recorded]").value = "1";
    form.submit();
  });
})();
