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
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("form.entry-form").forEach(function (form) {
      syncPain(form);
      form.addEventListener("change", function (e) { syncPain(form); clearPartner(e); });
      form.addEventListener("input", clearPartner);
    });
  });
})();
