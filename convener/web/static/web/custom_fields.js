// The custom field form: the choices box is shown only for a field of the kind "Choice",
// the one kind that has choices. Without this script every box stays visible and the
// server drops choices typed for another kind.
"use strict";

(function () {
  function sync(form) {
    const kind = form.querySelector("select[name=kind]");
    const choices = form.querySelector("[name=choices]");
    if (!kind || !choices) return;
    const box = choices.closest(".field");
    if (box) box.hidden = kind.value !== "choice";
  }
  document.querySelectorAll("[data-custom-field-form]").forEach(function (form) {
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") sync(form);
    });
  });
})();
