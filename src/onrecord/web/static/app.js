// onrecord: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    // Leave empty fields out of GET queries: cleaner URLs, and the API rejects empty dates.
    if (form.method.toLowerCase() === "get") {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && !el.value && (el.tagName === "INPUT" || el.tagName === "SELECT")) el.disabled = true;
      });
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
      }, 0);
    }
    if (form.classList.contains("ingest")) {
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      var total = 0;
      var files = form.querySelector("input[type=file]");
      if (files && files.files) {
        for (var i = 0; i < files.files.length; i++) total += files.files[i].size;
      }
      var status = form.querySelector(".upload-status");
      if (max && total > max) {
        event.preventDefault();
        if (status) status.textContent = "The files are larger than the server accepts (" + max + " bytes).";
        return;
      }
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      if (status) status.textContent = "Reading and extracting quotes…";
    }
  });
})();
