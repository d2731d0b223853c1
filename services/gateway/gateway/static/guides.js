// Suggests self-help guides beside the new-case form while the customer types its subject or description
// (F-16). Progressive enhancement: without this script the form works the same, and the list stays empty.
(function () {
  "use strict";
  var form = document.querySelector("form[data-guide-suggestions]");
  var list = document.getElementById("guide-suggestions");
  if (!form || !list || !window.fetch) {
    return;
  }
  var endpoint = form.getAttribute("data-guide-suggestions");
  var fields = ["f-subject", "f-description"].map(function (id) { return document.getElementById(id); });
  var device = document.getElementById("f-device_id");
  var timer = null;
  var asked = "";

  function words() {
    return fields.filter(Boolean).map(function (field) { return field.value; }).join(" ").trim();
  }

  function show(items) {
    list.textContent = "";
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = list.getAttribute("data-empty");
      list.appendChild(empty);
      return;
    }
    items.forEach(function (item) {
      var entry = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      entry.appendChild(link);
      list.appendChild(entry);
    });
  }

  function ask() {
    var text = words();
    var params = new URLSearchParams({ q: text.slice(-200) });
    if (device && device.value) {
      params.set("device_id", device.value);
    }
    var query = params.toString();
    if (text.length < 3 || query === asked) {
      return;
    }
    asked = query;
    fetch(endpoint + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
      .then(function (body) { if (asked === query) { show(body.items || []); } })
      .catch(function () { /* suggestions are a help, never an obstacle */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 300);
  }

  fields.filter(Boolean).forEach(function (field) { field.addEventListener("input", later); });
  if (device) {
    device.addEventListener("change", later);
  }
}());
