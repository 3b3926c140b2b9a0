// The builder's counts move while the campaign runs: every few seconds the page asks the
// campaign's counts and writes each number in place. Nothing is asked while the tab is
// hidden (a background tab would poll for nobody); coming back asks at once. Without
// this script the numbers are those the server drew. No inline script: the CSP forbids it.
(function () {
  var STATES = ["pending", "done", "failed"];

  function show(flow, events) {
    flow.querySelectorAll("[data-counts-of]").forEach(function (counts) {
      var now = events[counts.dataset.countsOf] || {};
      STATES.forEach(function (state) {
        var link = counts.querySelector('[data-count="' + state + '"]');
        var number = link && link.querySelector("[data-number]");
        if (!number) return;
        var value = String(now[state] || 0);
        if (number.textContent !== value) number.textContent = value;
        if (state === "failed") link.classList.toggle("has-failed", value !== "0");
      });
    });
  }

  function start(flow) {
    var url = flow.dataset.countsUrl;
    var every = Math.max(1, Number(flow.dataset.countsEvery) || 5) * 1000;
    var timer = null;
    var asking = false;
    var stopped = false;

    function later() {
      clearTimeout(timer);
      timer = null;
      if (!stopped && !document.hidden) timer = setTimeout(ask, every);
    }

    function ask() {
      if (stopped || document.hidden || asking) return;
      asking = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) {
          // Signed out (sent to the login page) or no longer allowed: the numbers stay
          // as they are, and nothing more is asked until the page is loaded again.
          var json = (answer.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          if (!answer.ok || answer.redirected || !json) {
            stopped = true;
            return null;
          }
          return answer.json();
        })
        .then(function (body) {
          if (body && body.events) show(flow, body.events);
        })
        .catch(function () {
          // The network blinked: the next round tries again.
        })
        .then(function () {
          asking = false;
          later();
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        clearTimeout(timer);
        timer = null;
      } else {
        ask();
      }
    });
    later();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-counts-url]").forEach(start);
  });
})();
