// Walking Diary: small progressive enhancements. Every form works without this file.
"use strict";
(function () {
  // Show the pain questions only when the patient had pain.
  function syncPain(form) {
    var noPain = form.querySelector('input[name="had_pain"][value="no"]');
    if (!noPain) return;
    form.querySelectorAll(".if-pain").forEach(function (el) { el.hidden = noPain.checked; });
  }
  // A typed distance replaces a tapped one, and the other way round.
  function clearPartner(event) {
    var t = event.target;
    if (!t.name) return;
    if (t.type === "radio" && (t.name === "distance_m" || t.name === "pain_onset_m")) {
      var exact = t.form.querySelector('[name="' + t.name + '_exact"]');
      if (exact) exact.value = "";
    } else if (t.name === "distance_m_exact" || t.name === "pain_onset_m_exact") {
      var base = t.name.replace("_exact", "");
      t.form.querySelectorAll('input[name="' + base + '"]').forEach(function (r) { r.checked = false; });
    }
  }

  // Every problem with a form at once: the summary at the top takes the focus, and
  // each of its links takes the person to the field (opening "More details" if the
  // field is inside), with the question's heading in view.
  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]:not([data-shown])");
    if (!summary) return;
    summary.setAttribute("data-shown", "");
    summary.focus();
  }
  function goToField(event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var details = field.closest("details");
    if (details) details.open = true;
    var fieldset = field.closest("fieldset");
    (fieldset || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  }

  // The same summary for a form checked on the phone with no connection
  // (web/static/pwa/offline.js marks the fields and calls this).
  function summarise(form) {
    var old = form.parentNode.querySelector("[data-offline-summary]");
    if (old) old.remove();
    var fields = Array.prototype.slice.call(form.querySelectorAll("[data-offline-invalid]"));
    if (!fields.length) return;
    var box = document.createElement("div");
    box.className = "error-summary";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("data-error-summary", "");
    box.setAttribute("data-offline-summary", "");
    var heading = document.createElement("h2");
    heading.textContent = fields.length === 1 ? "There is a problem" : "There are " + fields.length + " problems";
    var said = document.createElement("p");
    said.textContent = "Nothing has been saved yet. Please check:";
    var list = document.createElement("ul");
    fields.forEach(function (field, index) {
      if (!field.id) field.id = "offline-field-" + index;
      var note = document.getElementById(field.getAttribute("aria-describedby") || "");
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + field.id;
      link.textContent = note ? note.textContent : "Check this answer";
      item.append(link);
      list.append(item);
    });
    box.append(heading, said, list);
    form.before(box);
    focusSummary(form.parentNode);
  }
  window.DiaryForm = { summarise: summarise };

  document.addEventListener("click", goToField);
  document.addEventListener("diary:kept", function (event) {
    var old = event.target.parentNode && event.target.parentNode.querySelector("[data-offline-summary]");
    if (old) old.remove();
  });
  // A form swapped in by htmx with problems (a clinician's measurement, say).
  document.addEventListener("htmx:afterSettle", function () { focusSummary(document); });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("form.entry-form").forEach(function (form) {
      syncPain(form);
      form.addEventListener("change", function (e) { syncPain(form); clearPartner(e); });
      form.addEventListener("input", clearPartner);
    });
    focusSummary(document);
  });
})();
