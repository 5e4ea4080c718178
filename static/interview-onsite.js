// Face-to-face interviews on a tablet: location, consent, questions (typed as in paper entry,
// static/paper-entry.js does the keys and the routing), summary, closing, next interview; all
// without a reload.
// A confirmed interview is kept in localStorage until the server confirms it, so a dropped
// connection loses nothing: pending interviews are sent again when the browser comes back
// online, every 30 seconds, and when the page is opened again. Each carries a random key of
// 128 bits (the form key): sent twice, it is stored once. Once the server confirms, the device
// deletes it. A fresh CSRF token is fetched before each sending round: a tablet stays on this
// page longer than a token lives. The server checks everything again; this only helps.
(function () {
  "use strict";
  var app = document.getElementById("iv-app");
  var form = document.getElementById("pe-form");
  if (!app || !form) { return; }
  var text = app.dataset;
  // One entry per waiting interview (two tabs never overwrite each other's), per survey and
  // interviewer: on a shared tablet, the next interviewer never sends someone else's.
  var STORE = "interviews-pending:" + text.survey + ":" + text.user + ":";
  var LAST = "interviews-location:" + text.survey;
  var STEPS = ["location", "consent", "questions", "summary", "closing"];
  var items = Array.prototype.slice.call(form.querySelectorAll("li[data-field]"));
  var select = document.getElementById("iv-location");
  var current = null;
  var sending = false;

  function $(id) { return document.getElementById(id); }

  function show(step) {
    STEPS.forEach(function (s) { $("iv-step-" + s).hidden = s !== step; });
    var heading = $("iv-h-" + step);
    if (step === "questions") {
      var first = open()[0];
      if (first) { inputOf(first).focus(); return; }
    }
    if (heading) { heading.focus(); }
  }

  // ---- the device's store ----
  function pending() {
    var list = [];
    for (var i = 0; i < localStorage.length; i++) {
      var name = localStorage.key(i);
      if (name && name.indexOf(STORE) === 0) {
        try { list.push(JSON.parse(localStorage.getItem(name))); } catch (e) { /* not ours */ }
      }
    }
    return list.sort(function (a, b) { return (a.queued || 0) - (b.queued || 0); });
  }
  function put(item) {
    localStorage.setItem(STORE + item.key, JSON.stringify(item));
    showPending();
  }
  function drop(key) {
    localStorage.removeItem(STORE + key);
    showPending();
  }

  function showPending(note) {
    var list = pending();
    var waiting = list.length;
    var out = $("iv-pending");
    out.textContent = note || (waiting === 0 ? "" : waiting === 1 ? text.pendingOne :
      text.pendingMany.replace("{n}", String(waiting)));
    out.classList.toggle("waiting", waiting > 0);
    var refused = list.filter(function (p) { return p.refused; })[0];
    $("iv-refused").hidden = !refused;
    if (refused) {
      $("iv-refused-intro").textContent = text.refused;
      $("iv-refused-text").textContent = refused.refused;
      $("iv-discard").dataset.key = refused.key;
    }
  }

  function randomKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  // ---- sending ----
  function json(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("application/json") === 0 ? response.json() : Promise.resolve(null);
  }

  function send() {
    var list = pending().filter(function (p) { return !p.refused; });
    if (sending || !list.length) { showPending(); return Promise.resolve(); }
    sending = true;
    return fetch(text.token, {
      credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.type === "opaqueredirect" ? "sign-in" : "later"); }
      return response.json();
    }).then(function (body) {
      return list.reduce(function (chain, item) {
        return chain.then(function () { return sendOne(item, body.csrf); });
      }, Promise.resolve());
    }).catch(function (error) {
      showPending(error && error.message === "sign-in" ? text.signIn : "");
    }).then(function () { sending = false; showPending(); });
  }

  function sendOne(item, token) {
    var body = {
      key: item.key, location: item.location, language: item.language,
      seconds: item.seconds, answers: item.answers
    };
    return fetch(text.submit, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return json(response).then(function (answer) {
        if (response.ok && answer && answer.stored) { drop(item.key); return; }
        if ((response.status === 400 || response.status === 409) && answer && answer.error) {
          // Refused for what it is, not for the connection: sending it again would not help.
          put(Object.assign({}, item, { refused: answer.error }));
          return;
        }
        throw new Error(response.type === "opaqueredirect" ? "sign-in" : "later");
      });
    });
  }

  // ---- the questions (keys as in static/paper-entry.js) ----
  function data(item) {
    if (!item._field) { item._field = JSON.parse(item.getAttribute("data-field") || "{}"); }
    return item._field;
  }
  function inputOf(item) { return item.querySelector("input, textarea"); }
  function open() {
    return items.filter(function (item) { return !item.hidden && inputOf(item) && !inputOf(item).disabled; });
  }
  // What a typed text stands for: as in paper entry (static/paper-entry.js, loaded first).
  var valuesOf = window.paperEntry.valuesOf;

  function mark(item, message) {
    var old = item.querySelector(".iv-error");
    if (old) { old.remove(); }
    item.classList.toggle("has-error", !!message);
    var input = inputOf(item);
    if (!message) { input.removeAttribute("aria-invalid"); return; }
    var p = document.createElement("p");
    p.className = "error iv-error";
    p.id = "ive-" + input.id;
    p.textContent = message;
    item.appendChild(p);
    input.setAttribute("aria-invalid", "true");
  }

  // (answers by cell, summary rows) of the questions that apply; null when one needs a fix.
  function collect() {
    var answers = {};
    var rows = [];
    var problems = [];
    open().forEach(function (item) {
      var field = data(item);
      var input = inputOf(item);
      var values = valuesOf(field, input.value);
      var message = values === null ? text.notAKey : (field.req && !values.length ? text.required : "");
      mark(item, message);
      if (message) { problems.push(item); return; }
      if (!values.length) { return; }
      answers[input.name.slice(2)] = values;
      var label = item.querySelector("label").cloneNode(true);
      var number = label.querySelector(".pe-num");
      if (number) { number.remove(); }
      var question = label.textContent.trim();
      if (field.matrix) {
        var group = item.previousElementSibling;
        while (group && !group.classList.contains("pe-group")) { group = group.previousElementSibling; }
        var groupText = group && group.querySelector(".iv-read");
        if (groupText) { question = groupText.textContent.trim() + " — " + question; }
      }
      rows.push([item.querySelector(".pe-num").textContent, question, values.map(function (v) {
        return field.labels[v] !== undefined ? field.labels[v] : v;
      }).join(", ")]);
    });
    if (problems.length) {
      $("iv-form-error").textContent = text.missing;
      $("iv-form-error").hidden = false;
      inputOf(problems[0]).focus();
      return null;
    }
    $("iv-form-error").hidden = true;
    return { answers: answers, rows: rows };
  }

  function summary(result) {
    var body = $("iv-summary-rows");
    body.textContent = "";
    result.rows.forEach(function (row) {
      var tr = document.createElement("tr");
      row.forEach(function (cell, i) {
        var td = document.createElement("td");
        td.textContent = cell;
        if (i === 0) { td.className = "num"; }
        if (i === 2) { td.className = "pe-answer"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $("iv-summary-empty").hidden = result.rows.length > 0;
    show("summary");
  }

  function reset() {
    form.reset();
    items.forEach(function (item) { if (inputOf(item)) { mark(item, ""); } });
    $("iv-form-error").hidden = true;
    form.dispatchEvent(new Event("input"));  // paper-entry.js settles the routing again
    current = null;
  }

  function begin() {
    reset();
    current = { key: randomKey(), location: parseInt(select.value, 10), started: Date.now() };
    show("questions");
  }

  // ---- the steps ----
  if (select) {
    var last = localStorage.getItem(LAST);
    if (last && select.querySelector('option[value="' + last + '"]')) { select.value = last; }
  }
  $("iv-start").addEventListener("click", function () {
    if (!select || !select.value) { return; }
    localStorage.setItem(LAST, select.value);
    $("iv-where").textContent = select.options[select.selectedIndex].textContent;
    show("consent");
  });
  $("iv-agree").addEventListener("click", begin);
  $("iv-decline").addEventListener("click", function () { reset(); show("consent"); });
  $("iv-relocate").addEventListener("click", function () { show("location"); });
  $("iv-stop").addEventListener("click", function () {
    if (window.confirm(text.stopAsk)) { reset(); show("consent"); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var result = collect();
    if (result) { current.answers = result.answers; summary(result); }
  });
  $("iv-change").addEventListener("click", function () { show("questions"); });
  $("iv-confirm").addEventListener("click", function () {
    if (!current || !current.answers) { return; }
    var item = {
      key: current.key, location: current.location, language: text.language,
      seconds: Math.max(0, Math.round((Date.now() - current.started) / 1000)),
      answers: current.answers, queued: Date.now()
    };
    put(item);  // on the device before anything goes over the network
    reset();
    $("iv-sent-state").textContent = "";
    show("closing");
    send().then(function () {
      var kept = pending().some(function (p) { return p.key === item.key; });
      $("iv-sent-state").textContent = kept ? text.kept : text.sent;
    });
  });
  $("iv-next").addEventListener("click", function () { show("consent"); });
  $("iv-discard").addEventListener("click", function () {
    if (window.confirm(text.discardAsk)) { drop(this.dataset.key); }
  });

  window.addEventListener("online", send);
  window.setInterval(send, 30000);
  showPending();
  send();
}());
