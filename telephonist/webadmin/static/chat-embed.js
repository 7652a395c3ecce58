// For the company's website: <script src="https://CONSOLE/static/chat-embed.js" data-queue="web" defer></script>
// adds a "Chat" button that opens the console's chat page (/chat/?queue=...) in a frame at the corner of the
// page. The console must list the website in [webadmin] chat_origins, else browsers refuse the frame.
(function () {
  "use strict";
  const me = document.currentScript;
  const base = new URL(me.src).origin;
  const queue = me.dataset.queue || "";
  const label = me.dataset.label || "Chat";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.className = "telephonist-chat-button";
  Object.assign(button.style, {position: "fixed", right: "1em", bottom: "1em", zIndex: 2147483000});
  let frame = null;
  button.addEventListener("click", () => {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = `${base}/chat/?queue=${encodeURIComponent(queue)}`;
      frame.title = label;
      Object.assign(frame.style, {position: "fixed", right: "1em", bottom: "3.5em", width: "22em", height: "32em",
                                  border: "1px solid #ccc", background: "#fff", zIndex: 2147483000});
      document.body.append(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
  });
  document.body.append(button);
})();
