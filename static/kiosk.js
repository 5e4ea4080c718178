// Kiosk mode: back to the start of the survey after the configured idle time. Per kiosk, the
// answers of a respondent who walked away are either discarded (nothing is sent) or submitted
// as a partial response: the open form is sent with "partial" set, and the server keeps what
// was validly answered. No data leaves this page otherwise.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.reset) { return; }
  var idleMs = (parseInt(main.dataset.idle, 10) || 60) * 1000;
  var timer = null;
  function answered(form) {
    if (form.dataset.answered === "1") { return true; }
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "hidden" || el.name === "website" || !el.name) { return false; }
      if (el.type === "radio" || el.type === "checkbox") { return el.checked; }
      return el.value && el.value.trim() !== "";
    });
  }
  function reset() {
    var form = document.querySelector("form[method=post]");
    if (main.dataset.onIdle === "submit" && form && answered(form)) {
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "partial";
      flag.value = "1";
      form.appendChild(flag);
      form.submit();
      return;
    }
    window.location.replace(main.dataset.reset);
  }
  function arm() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(reset, idleMs);
  }
  ["pointerdown", "keydown", "input", "touchstart", "scroll"].forEach(function (name) {
    window.addEventListener(name, arm, { passive: true });
  });
  arm();
}());
