// A button with data-copy="<input id>" copies that input's text (a new API token's secret)
// to the clipboard, and says so on the button for a moment.
"use strict";

(function () {
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    const done = function () {
      const label = button.textContent;
      button.textContent = button.dataset.copiedLabel || "Copied";
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        // Refused (no permission): the text stays selected for Ctrl+C.
      });
    } else if (document.execCommand && document.execCommand("copy")) {
      done(); // plain http on a LAN address has no Clipboard API
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });
})();
