// Walking Diary: the walk and check-in forms as the phone reads them when it
// keeps an entry (offline.js): the fields as pairs, the entry (entry.js), the
// problems shown beside the fields, the defaults a blank form gets from the
// phone, and the correction for the phone's clock the form then carries.
"use strict";
(function () {
  if (!window.DiaryEntry || !window.DiaryQueue || !window.DiaryPanel) return;
  var E = window.DiaryEntry;
  var Q = window.DiaryQueue;
  var el = window.DiaryPanel.el;

  var FIELD_INPUT = {
    distance_m: "distance_m_exact", pain_onset_m: "pain_onset_m_exact", walked_at: "walked_at",
    recorded_at: "recorded_at", relief_minutes: "relief_minutes", wound_days: "wound_days", note: "note",
  };

  // The form's time came from this phone's clock (filled in by the page or the
  // GPS walk): when that clock is out, the entry carries the correction.
  function stampClock(form, clock) {
    var field = form.querySelector('input[name="clock_offset_s"]');
    if (!field) return;
    var fromPhone = form.querySelector('input[name="walked_at"][data-phone-clock], input[name="recorded_at"][data-phone-clock]');
    field.value = fromPhone && Q.clockIsOut(clock) ? String(clock) : "";
  }

  function pairsOf(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "_csrf_token" && name !== "editing" && typeof value === "string") pairs.push([name, value]);
    });
    return pairs;
  }

  function value(form, name) { var input = form.querySelector('input[name="' + name + '"]'); return input ? input.value : ""; }

  function read(form, clock) {
    var options = { timeZone: form.getAttribute("data-timezone") || null, pace: Number(form.getAttribute("data-pace")) || null,
                    clockOffset: clock };
    var kind = form.getAttribute("data-offline-form");
    return kind === "walk" ? E.readWalk(pairsOf(form), options) : E.readCheckIn(pairsOf(form), options);
  }

  function clearErrors(form) {
    form.querySelectorAll(".offline-error").forEach(function (n) { n.remove(); });
    form.querySelectorAll('[data-offline-invalid]').forEach(function (n) {
      n.removeAttribute("aria-invalid"); n.removeAttribute("aria-describedby"); n.removeAttribute("data-offline-invalid");
    });
  }

  function showErrors(form, errors) {
    clearErrors(form);
    var first = null;
    Object.keys(errors).forEach(function (field) {
      var input = form.querySelector("#" + (FIELD_INPUT[field] || field)) || form.querySelector('[name="' + field + '"]');
      var note = el("p", { class: "error offline-error", id: field + "-offline-error", role: "alert" }, errors[field]);
      if (input) {
        var details = input.closest("details");
        if (details) details.open = true;
        var fieldset = input.closest("fieldset");
        (fieldset && fieldset.querySelector("legend") ? fieldset.querySelector("legend") : input).after(note);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", note.id);
        input.setAttribute("data-offline-invalid", "");
        first = first || input;
      } else {
        form.prepend(note);
      }
    });
    // Every problem at once, in a summary at the top that takes the focus (app.js).
    if (window.DiaryForm) window.DiaryForm.summarise(form);
    else if (first) first.focus();
  }

  // A new entry's form is ready for the next entry (a new id). A form changing
  // an entry keeps showing what was saved: saving it again saves that.
  function afterKeep(form) {
    if (form.querySelector('input[name="editing"]')) return;
    form.reset();
    var id = form.querySelector('input[name="id"]');
    if (id) id.value = E.newId();
    fillDefaults(form);
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function fillDefaults(form) {
    var id = form.querySelector('input[name="id"]');
    if (id && !id.value) id.value = E.newId();
    var tz = form.getAttribute("data-timezone") || null;
    form.querySelectorAll('input[name="walked_at"], input[name="recorded_at"]').forEach(function (input) {
      if (!input.value) {
        input.value = E.localInput(new Date(), tz);
        input.setAttribute("data-phone-clock", "");
      }
    });
  }

  window.DiaryForms = {
    pairsOf: pairsOf, value: value, read: read, stampClock: stampClock, clearErrors: clearErrors,
    showErrors: showErrors, afterKeep: afterKeep, fillDefaults: fillDefaults,
  };
})();
