// Typing in a returned paper form by keyboard alone. Each question is one input (a matrix: one
// per row) carrying data-field on its list item: the question, the kind of answer, the keys it
// takes (key -> value), their labels, and the conditions that decide whether it applies.
// - Enter moves to the next question that applies (in a long text, Shift+Enter is a new line);
//   on the last one it goes to the button, where Enter sends the form.
// - Backspace in an empty input goes back to the previous question (Shift+Tab works as ever).
// - What a key means is shown beside the input (the option's label), a key the question does
//   not have is marked at once.
// - Questions whose condition is not met by the answers typed so far are hidden and their input
//   disabled, so nothing typed there is sent (it is kept should the question apply again).
// The server maps the keys and checks everything again: this script only helps the typist.
(function () {
  "use strict";
  var form = document.getElementById("pe-form");
  if (!form) { return; }
  var items = Array.prototype.slice.call(form.querySelectorAll("li[data-field]"));
  var button = document.getElementById("pe-check");
  var SEPARATORS = /[\s,;]+/;
  // The face-to-face interview page (interview-onsite.js) reads keys the same way.
  window.paperEntry = { valuesOf: valuesOf };

  function data(item) {
    if (!item._field) { item._field = JSON.parse(item.getAttribute("data-field") || "{}"); }
    return item._field;
  }
  function inputOf(item) { return item.querySelector("input, textarea"); }

  // The values an input's text stands for: [] when empty, null when it is not a key.
  function valuesOf(field, text) {
    var typed = text.trim().toLowerCase();
    if (!typed) { return []; }
    if (field.kind === "text" || field.kind === "long") { return [text.trim()]; }
    if (field.kind === "yesno" && (typed === "j" || typed === "y")) { return ["yes"]; }
    var keys = field.keys;
    if (field.kind === "multiple") {
      var parts = typed.split(SEPARATORS).filter(Boolean);
      var single = Object.keys(keys).every(function (k) { return k.length === 1; });
      if (parts.length === 1 && !(typed in keys) && single) { parts = typed.split(""); }
      if (!parts.length || parts.some(function (p) { return !(p in keys); })) { return null; }
      return parts.map(function (p) { return keys[p]; });
    }
    return (typed in keys) ? [keys[typed]] : null;
  }

  function met(conds, answers) {
    return conds.every(function (c) {
      var given = answers[c[0]] || [];
      return given.some(function (v) { return c[1].indexOf(v) !== -1; });
    });
  }

  // In printed order: conditions refer to earlier questions only, so one pass settles all.
  // Answers count only from questions that apply, as on the server.
  function update() {
    var answers = {};
    items.forEach(function (item) {
      var field = data(item);
      var show = met(field.conds || [], answers);
      item.hidden = !show;
      var input = inputOf(item);
      if (!input) { return; }
      input.disabled = !show;
      var values = valuesOf(field, input.value);
      echo(item, field, values);
      if (show && values && !field.matrix) { answers[field.qid] = values; }
    });
  }

  function echo(item, field, values) {
    var out = item.querySelector(".pe-echo");
    var input = inputOf(item);
    if (!out || field.kind === "text" || field.kind === "long") { return; }
    var bad = values === null;
    out.classList.toggle("bad", bad);
    out.textContent = bad ? "?" : values.map(function (v) {
      return field.labels[v] !== undefined && field.labels[v] !== v ? field.labels[v] : "";
    }).filter(Boolean).join(", ");
    if (bad) { input.setAttribute("aria-invalid", "true"); }
    else if (!item.classList.contains("has-error")) { input.removeAttribute("aria-invalid"); }
  }

  function open() {
    return items.filter(function (item) { return !item.hidden && inputOf(item); });
  }

  function move(from, step) {
    var list = open();
    var at = list.indexOf(from);
    var next = list[at + step];
    if (next) {
      var input = inputOf(next);
      input.focus();
      if (input.select) { input.select(); }
    } else if (step > 0 && button) {
      button.focus();
    }
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    var item = input.closest && input.closest("li[data-field]");
    if (!item || !inputOf(item) || inputOf(item) !== input) { return; }
    if (event.key === "Enter" && !(input.tagName === "TEXTAREA" && event.shiftKey)) {
      event.preventDefault();
      update();
      move(item, 1);
    } else if (event.key === "Backspace" && input.value === "") {
      event.preventDefault();
      move(item, -1);
    }
  });
  form.addEventListener("input", update);
  update();
  // Start where the typist is: the first question with an error, else the first that applies.
  var first = form.querySelector(".has-error .pe-input:not([disabled])") ||
    (open()[0] && inputOf(open()[0]));
  if (first) { first.focus(); }
}());
