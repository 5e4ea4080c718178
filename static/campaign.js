// Live progress on the campaign page: poll the JSON figures every two seconds while the
// campaign can still change, and fill them into the page (text only, never HTML).
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section) { return; }
  var url = section.getAttribute("data-url");
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        Object.keys(data.shown || {}).forEach(function (name) { set(name, data.shown[name]); });
        set("status", data.status_label);
        set("percent", data.percent_label);
        var bar = document.getElementById("bar");
        if (bar) { bar.value = data.percent; bar.textContent = data.percent_label; }
        var message = document.getElementById("message");
        if (message) {
          message.textContent = data.message;
          message.hidden = !data.message;
          message.className = "flash " + (data.message_kind === "warning" ? "warning" : "error");
        }
        if (data.status !== "done" && data.status !== "cancelled") { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 10000); });
  }
  setTimeout(tick, 2000);
}());
