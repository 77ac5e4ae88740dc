// Small enhancements; every page works without them.
(function () {
  "use strict";

  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      var status = document.querySelector(".copy-status");
      if (!target) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        // The message comes from the page, in the interface language.
        var done = function () { if (status) { status.textContent = status.getAttribute("data-copied"); } };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(target.value).then(done, function () { selectAndCopy(target, done); });
        } else {
          selectAndCopy(target, done);
        }
      });
    });
  }

  function selectAndCopy(field, done) {
    field.focus();
    field.select();
    try {
      if (document.execCommand("copy")) { done(); }
    } catch (error) {
      // The text stays selected, so the user can copy it with Ctrl+C.
    }
  }

  function setUpPrintButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setUpConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    setUpPrintButtons();
    setUpConfirmations();
  });
}());
