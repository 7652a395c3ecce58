// A button with data-confirm asks before its form is sent; the question is the attribute's text,
// read as text (never as script), so a name in it cannot run code. No inline handlers: the page's
// Content-Security-Policy forbids them.
(function () {
  "use strict";
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) e.preventDefault();
  });
})();
