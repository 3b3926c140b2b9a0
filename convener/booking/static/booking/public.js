// A booking page: times are shown in the visitor's zone. On the first visit the page
// asks for the browser's zone and shows the times in it (the visitor can pick another
// zone with the picker); one booking per click. A static file: the page's
// Content-Security-Policy allows no inline script.
"use strict";

(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    const input = document.querySelector("input[data-detect-zone]");
    if (input) {
      let zone = "";
      try {
        zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (e) {
        zone = ""; // no Intl zone: the page's own zone stays
      }
      if (zone && zone !== input.value) {
        input.value = zone;
        input.form.submit();
      }
    }
    // The confirmation, while the meeting's link is being made: look again a few times,
    // so the link shows without the visitor reloading.
    const pending = document.querySelector("[data-join-pending]");
    if (pending) {
      const tries = Number(sessionStorage.getItem("booking-link-tries") || "0");
      if (tries < 10) {
        sessionStorage.setItem("booking-link-tries", String(tries + 1));
        setTimeout(function () {
          window.location.reload();
        }, 3000);
      }
    } else {
      sessionStorage.removeItem("booking-link-tries");
    }
    const form = document.querySelector("form[data-booking-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        // A second click while the first is under way sends nothing more (the server
        // makes one booking of one rendered form either way).
        if (form.dataset.sending) {
          event.preventDefault();
          return;
        }
        form.dataset.sending = "1";
      });
    }
  });
})();
