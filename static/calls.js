// The call screen: number keys choose an outcome (not while typing in a field), and the
// appointment's fields show only for the outcome "appointment". Without script, every field
// is shown and the radio buttons work as they are.
(function () {
  "use strict";
  function setup() {
    var form = document.getElementById("outcome-form");
    if (!form) return;
    var appointment = document.getElementById("appointment");
    var radios = form.querySelectorAll("input[type=radio][name=outcome]");
    function update() {
      var chosen = form.querySelector("input[name=outcome]:checked");
      appointment.hidden = !(chosen && chosen.value === "appointment");
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (target && (target.tagName === "INPUT" && target.type !== "radio" && target.type !== "checkbox")) return;
      if (target && (target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
      var radio = form.querySelector('input[name=outcome][data-key="' + event.key + '"]');
      if (radio) {
        radio.checked = true;
        radio.focus();
        update();
        event.preventDefault();
      }
    });
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
