// The public form's page: the visitor's time zone for the form's zone chain, one send per
// click, and the frame's height told to the embedding page (static file: the page's
// Content-Security-Policy allows no inline script).
"use strict";

(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    const form = document.querySelector("form[data-public-form]");
    if (form) {
      if (form.hasAttribute("data-browser-zone")) {
        const input = form.querySelector("input[name=cv_tz]");
        try {
          const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
          if (input && zone) input.value = zone;
        } catch (e) {
          // No Intl zone: the chain falls through to the contact's or the action's zone.
        }
      }
      // A second click while the first send is under way sends nothing more. (The server
      // makes one submission of one rendered page either way.)
      form.addEventListener("submit", function (event) {
        if (form.dataset.sending) {
          event.preventDefault();
          return;
        }
        form.dataset.sending = "1";
        const button = form.querySelector("button[type=submit]");
        if (button) {
          button.setAttribute("aria-busy", "true");
          if (button.dataset.sendingLabel) button.textContent = button.dataset.sendingLabel;
        }
      });
      const firstError = form.querySelector("[aria-invalid=true]");
      if (firstError) firstError.focus();
    }
    // Inside an iframe, tell the embedding page how tall the form is.
    if (window.parent !== window) {
      const tell = function () {
        window.parent.postMessage(
          { convenerForm: true, height: document.documentElement.scrollHeight },
          "*"
        );
      };
      tell();
      window.addEventListener("resize", tell);
      if (window.ResizeObserver) new ResizeObserver(tell).observe(document.body);
    }
  });
})();
