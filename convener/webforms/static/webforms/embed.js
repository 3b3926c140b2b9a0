// The script snippet: <script src=".../static/webforms/embed.js" data-form="<form URL>"
// async></script> puts the form in an iframe where the tag stands, and grows the frame to
// the form's height. The form itself runs on Convener's origin, so the embedding site
// needs neither cookies nor CORS.
"use strict";

(function () {
  const script = document.currentScript;
  if (!script || !script.dataset.form) return;
  const url = new URL(script.dataset.form, script.src);
  url.searchParams.set("embed", "1");
  const frame = document.createElement("iframe");
  frame.src = url.toString();
  frame.title = script.dataset.title || "Form";
  frame.loading = "lazy";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.minHeight = "480px";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== url.origin) return;
    const data = event.data;
    if (data && data.convenerForm && typeof data.height === "number") {
      frame.style.height = Math.ceil(data.height) + "px";
    }
  });
})();
