// The event form shows only the settings of the chosen type and timing. Runs on page load
// and on every htmx swap (the form arrives in place). No inline script: the CSP forbids it.
(function () {
  function sync(form) {
    var type = form.querySelector('[name="type"]');
    var timing = form.querySelector('[name="timing"]');
    form.querySelectorAll("[data-for]").forEach(function (part) {
      part.hidden = type ? part.dataset.for.split(" ").indexOf(type.value) < 0 : false;
    });
    form.querySelectorAll("[data-timing]").forEach(function (part) {
      part.hidden = timing ? part.dataset.timing !== timing.value : false;
    });
  }
  function wire(root) {
    root.querySelectorAll("[data-event-form]").forEach(function (form) {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      form.addEventListener("change", function () { sync(form); });
      sync(form);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (e) { wire(e.target.ownerDocument || document); });
})();
