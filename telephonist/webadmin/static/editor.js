// Flow editor: line numbers beside the text (problem lines marked by the server), kept in step while
// typing and scrolling; a problem's "line N" link puts the cursor on that line.
(function () {
  "use strict";
  const text = document.getElementById("text");
  const gutter = document.getElementById("gutter");
  if (!text || !gutter) return;
  const marks = new Map();
  for (const li of gutter.querySelectorAll("li.err")) marks.set(li.dataset.line, li.title);

  function renumber() {
    const n = text.value.split("\n").length - (text.value.endsWith("\n") ? 1 : 0) || 1;
    if (gutter.children.length === n) return;
    gutter.replaceChildren();
    for (let i = 1; i <= n; i++) {
      const li = document.createElement("li");
      li.dataset.line = String(i);
      li.textContent = String(i);
      if (marks.has(String(i))) { li.className = "err"; li.title = marks.get(String(i)); }
      gutter.appendChild(li);
    }
  }

  function goto(line) {
    const lines = text.value.split("\n");
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    text.focus();
    text.setSelectionRange(pos, pos + (lines[line - 1] || "").length);
    const lh = parseFloat(getComputedStyle(text).lineHeight) || 18;
    text.scrollTop = Math.max(0, (line - 4) * lh);
  }

  text.addEventListener("input", renumber);
  text.addEventListener("scroll", () => { gutter.scrollTop = text.scrollTop; });
  for (const a of document.querySelectorAll("a.goto")) {
    a.addEventListener("click", (e) => { e.preventDefault(); goto(parseInt(a.dataset.line, 10)); });
  }
  text.addEventListener("keydown", (e) => {              // Tab indents instead of leaving the field
    if (e.key === "Tab" && !e.shiftKey) {
      e.preventDefault();
      text.setRangeText("    ", text.selectionStart, text.selectionEnd, "end");
      renumber();
    }
  });
})();
