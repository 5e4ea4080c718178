// Conditional questions: a question shown only for some answers to an earlier question on the
// same page carries the condition in data-show-if (that question's id) and data-show-values
// (the answers, space-separated). It is hidden and shown as the respondent answers. The fields
// of a hidden question are disabled, so nothing typed there is sent; they keep their text should
// the question apply again. Conditions on another page's answers are decided by the server,
// which also asks before dropping an answer that a browser without this script sent.
(function () {
  "use strict";
  var form = document.querySelector("form[method=post]");
  if (!form) { return; }
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
  if (!blocks.length) { return; }

  // The answers given to a question of this page; null when it is not on the page.
  function given(qid) {
    var holder = document.getElementById("q-" + qid);
    if (!holder || !form.contains(holder)) { return null; }
    if (holder.closest("[hidden]")) { return []; }
    var out = [];
    Array.prototype.forEach.call(holder.querySelectorAll("input, select"), function (el) {
      if (el.name !== qid || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.value) { out.push(el.value); }
    });
    return out;
  }

  function update() {
    // In page order: a condition refers to earlier questions only, so one pass settles all.
    blocks.forEach(function (block) {
      var answers = given(block.dataset.showIf);
      if (answers === null) { return; }
      var wanted = (block.dataset.showValues || "").split(" ");
      var show = answers.some(function (v) { return wanted.indexOf(v) !== -1; }) &&
        !(block.parentElement && block.parentElement.closest("[hidden]"));
      block.hidden = !show;
      Array.prototype.forEach.call(
        block.querySelectorAll("input, select, textarea"),
        function (el) { el.disabled = !show; }
      );
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}());
