// Kiosk mode: back to the start of the survey after the configured idle time. The answers of a
// respondent who walked away are discarded (nothing is submitted); no data leaves this page.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.reset) { return; }
  var idleMs = (parseInt(main.dataset.idle, 10) || 60) * 1000;
  var timer = null;
  function reset() { window.location.replace(main.dataset.reset); }
  function arm() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(reset, idleMs);
  }
  ["pointerdown", "keydown", "input", "touchstart", "scroll"].forEach(function (name) {
    window.addEventListener(name, arm, { passive: true });
  });
  arm();
}());
