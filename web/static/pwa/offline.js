// Walking Diary: the phone app. Registers the service worker, keeps walks and
// check-ins on the phone when there is no connection, sends them when it
// returns, and shows how many are waiting. Every form still works without it.
// Needs entry.js (DiaryEntry) and queue.js (DiaryQueue), loaded before it.
"use strict";
(function () {
  if (!window.DiaryEntry || !window.DiaryQueue) return;
  var E = window.DiaryEntry;
  var Q = window.DiaryQueue;

  // The safety advice is diary/advice.py's, word for word (entry.js ADVICE). The
  // numbers to call come from the last signed-in page (its diary-contact meta
  // tag), kept on the phone so that the offline advice can call them too.
  var CONTACT_KEY = "walking-diary-contact";
  var KEPT_CLOSING = "Your answers are kept on this phone and will reach your diary when you are back online. " +
    "Please follow this advice now; do not wait until they have been sent.";

  var SAVED = "Saved on this phone; it will be sent when you are back online.";
  var FIELD_INPUT = {
    distance_m: "distance_m_exact", pain_onset_m: "pain_onset_m_exact", walked_at: "walked_at",
    recorded_at: "recorded_at", relief_minutes: "relief_minutes", wound_days: "wound_days", note: "note",
  };
  var FORM_ACTION = { walk: "/diary/walks", check_in: "/diary/check-ins" };

  var store = null;
  try { store = window.indexedDB ? Q.idbStore(window.indexedDB) : null; } catch (e) { store = null; }

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }
  var user = meta("diary-user");
  function keepContact() {
    var kept = meta("diary-contact");
    if (!kept) return;
    try { window.localStorage.setItem(CONTACT_KEY, kept); } catch (e) { /* private mode: the advice names no number */ }
  }
  function contact() {
    try { return JSON.parse(window.localStorage.getItem(CONTACT_KEY) || "null"); } catch (e) { return null; }
  }
  function forgetContact() {
    try { window.localStorage.removeItem(CONTACT_KEY); } catch (e) { /* nothing kept */ }
  }

  var ownerKnown = store ? (user ? store.setOwner(user).then(function () { return user; }) : store.getOwner())
    .catch(function () { return user; }) : Promise.resolve(user);

  // ---- what the patient sees -------------------------------------------------

  var ui = {};
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function buildPanel() {
    var panel = document.getElementById("offline-queue");
    if (!panel) return false;
    ui.panel = panel;
    ui.status = el("p", { id: "offline-status", role: "status", "aria-live": "polite" });
    ui.advice = el("div", { id: "offline-advice" });
    ui.problems = el("ul", { id: "offline-problems", class: "offline-problems" });
    panel.append(ui.status, ui.advice, ui.problems);
    return true;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // The status line: what just happened, then how many entries are waiting.
  function showStatus(message, items, extra) {
    if (!ui.status) return;
    ui.status.textContent = "";
    var waiting = items.filter(function (i) { return i.status !== "rejected"; }).length;
    var parts = [];
    if (message) parts.push(el("span", { class: "offline-message" }, message));
    if (items.length) {
      var count = el("strong", { id: "offline-count", "data-count": String(items.length) }, String(items.length));
      var line = el("span", { class: "offline-waiting" });
      line.append(count, document.createTextNode(
        " " + (items.length === 1 ? "entry" : "entries") + " on this phone " +
        (waiting ? "waiting to be sent." : "to correct before they can be sent.")));
      parts.push(line);
    } else if (!navigator.onLine && !message) {
      parts.push(el("span", {}, "You are offline. You can still log a walk or a check-in: it is kept on this phone and sent when you are back online."));
    }
    if (extra) parts.push(extra);
    parts.forEach(function (p, i) { if (i) ui.status.append(document.createTextNode(" ")); ui.status.append(p); });
    ui.panel.classList.toggle("offline-active", parts.length > 0);
    ui.panel.classList.toggle("offline-offline", !navigator.onLine);
  }

  // "{emergency}" in the advice is the emergency number, as a tap-to-call link.
  function withNumber(node, text, kept) {
    text.split("{emergency}").forEach(function (part, i) {
      if (i) {
        node.append(kept && kept.emergency ? el("a", { class: "tel", href: kept.emergency_tel }, kept.emergency)
          : document.createTextNode("your emergency number"));
      }
      node.append(document.createTextNode(part));
    });
    return node;
  }

  // As web/templates/diary/_advice.html: emergency advice calls the emergency number first;
  // same-day advice the care team first, the emergency number beside it; advice for the
  // next contact the care team.
  function callButtons(kept, grade) {
    var calls = el("p", { class: "calls" });
    var team = kept && kept.clinic_phone ? el("a", { class: "button call" + (grade === "same_day" ? " primary" : ""),
      href: kept.clinic_tel }, "Call your care team: " + kept.clinic_phone) : null;
    var known = kept && kept.emergency;
    var emergency = null;
    if (grade === "emergency") {
      emergency = known ? el("a", { class: "button call emergency", href: kept.emergency_tel }, "Call " + kept.emergency + ": emergency")
        : el("span", {}, "Call your emergency number (999, 112 or 911).");
    } else if (grade === "same_day") {
      emergency = known ? el("a", { class: "button call danger", href: kept.emergency_tel }, "Emergency? Call " + kept.emergency)
        : el("span", {}, "In an emergency, call your emergency number (999, 112 or 911).");
    }
    (grade === "emergency" ? [emergency, team] : [team, emergency]).forEach(function (node) { if (node) calls.append(node); });
    return calls;
  }

  // The same advice box as the server's (web/templates/diary/_advice.html).
  function showAdvice(entry) {
    if (!ui.advice) return;
    ui.advice.textContent = "";
    var kept = contact();
    var advice = E.adviceFor(entry, kept ? kept.diabetes : null);
    if (!advice) return;
    var box = el("div", { class: "advice " + advice.grade, role: "alert" });
    box.append(el("h2", {}, advice.title));
    if (advice.calls || (kept && kept.clinic_phone)) box.append(callButtons(kept, advice.grade));
    if (advice.reported.length) box.append(el("p", { class: "reported" }, "You told us: " + advice.reported.join("; ") + "."));
    var list = el("ul");
    advice.lines.forEach(function (line) { list.append(withNumber(el("li"), line, kept)); });
    box.append(list);
    box.append(el("p", {}, KEPT_CLOSING));
    ui.advice.append(box);
  }

  // Pages kept for no one ("call your emergency number now") get the kept number.
  function fillNumbers() {
    var kept = contact();
    if (!kept || !kept.emergency) return;
    document.querySelectorAll("span[data-emergency]").forEach(function (span) {
      var link = el("a", { class: "tel", href: kept.emergency_tel, "data-emergency": "" }, kept.emergency);
      span.replaceWith(link);
    });
  }

  function describe(item) {
    var when = new Date(item.kind === "walk" ? item.entry.walked_at : item.entry.recorded_at);
    var label = isNaN(when.getTime()) ? "" : " from " + when.toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    return (item.kind === "walk" ? "The walk" : "The check-in") + label;
  }

  function showProblems(items) {
    if (!ui.problems) return;
    ui.problems.textContent = "";
    items.filter(function (i) { return i.status === "rejected"; }).forEach(function (item) {
      var li = el("li", { class: "offline-problem", "data-entry": item.id });
      li.append(el("p", {}, describe(item) + " could not be saved in your diary:"));
      var reasons = el("ul");
      (item.errors || []).forEach(function (e) { reasons.append(el("li", {}, e.field + ": " + e.message)); });
      li.append(reasons);
      var actions = el("div", { class: "offline-actions" });
      if (user && FORM_ACTION[item.kind]) {
        var fix = el("button", { type: "button", class: "primary", "data-correct": item.id }, "Correct it");
        actions.append(fix);
      } else {
        actions.append(el("p", { class: "hint" }, "Open your diary, signed in, to correct it."));
      }
      actions.append(el("button", { type: "button", class: "link danger", "data-discard": item.id }, "Delete it"));
      li.append(actions);
      ui.problems.append(li);
    });
  }

  function mine() {
    if (!store) return Promise.resolve([]);
    return Promise.all([store.all(), ownerKnown]).then(function (r) { return Q.mine(r[0], r[1]); })
      .catch(function () { return []; });
  }

  // A message stays until another replaces it (undefined keeps it, null clears it).
  var last = { message: null, extra: null };
  function refresh(message, extra) {
    if (message !== undefined) last = { message: message, extra: extra || null };
    return mine().then(function (items) {
      showStatus(last.message, items, last.extra);
      showProblems(items);
      return items;
    });
  }

  // ---- keeping an entry on the phone -----------------------------------------

  function pairsOf(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "_csrf_token" && name !== "editing" && typeof value === "string") pairs.push([name, value]);
    });
    return pairs;
  }

  function readForm(form) {
    var options = { timeZone: form.getAttribute("data-timezone") || null, pace: Number(form.getAttribute("data-pace")) || null };
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

  // Ready for the next entry. A form changing a saved entry keeps its id, so
  // saving it again replaces the same entry.
  function freshForm(form) {
    form.reset();
    var id = form.querySelector('input[name="id"]');
    if (id && !form.querySelector('input[name="editing"]')) id.value = E.newId();
    fillDefaults(form);
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function fillDefaults(form) {
    var id = form.querySelector('input[name="id"]');
    if (id && !id.value) id.value = E.newId();
    var tz = form.getAttribute("data-timezone") || null;
    form.querySelectorAll('input[name="walked_at"], input[name="recorded_at"]').forEach(function (input) {
      if (!input.value) input.value = E.localInput(new Date(), tz);
    });
  }

  function keep(form) {
    var read = readForm(form);
    if (!read.ok) { showErrors(form, read.errors); return Promise.resolve(false); }
    clearErrors(form);
    return ownerKnown.then(function (owner) {
      return store.put(Q.record(read.entry, pairsOf(form), owner));
    }).then(function () {
      freshForm(form);
      form.dispatchEvent(new CustomEvent("diary:kept", { bubbles: true, detail: { id: read.entry.id } }));
      showAdvice(read.entry);
      return refresh(SAVED);
    }).then(function () {
      if (ui.panel) { ui.panel.scrollIntoView({ block: "start" }); ui.status.setAttribute("tabindex", "-1"); ui.status.focus(); }
      askForSync();
      if (navigator.onLine) send();
      return true;
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline-form]") || !store) return;
    // Online, a signed-in page posts the form as usual (the server checks it
    // and answers with safety advice at once). A page from the phone's cache
    // (no one signed in on it) or a phone with no connection keeps the entry.
    if (navigator.onLine && user) return;
    event.preventDefault();
    keep(form).catch(function () {
      showStatus("This phone could not keep the entry. Please try again.", []);
    });
  }

  // ---- sending ---------------------------------------------------------------

  var sending = null;
  function send() {
    if (!store || !navigator.onLine) return Promise.resolve(null);
    if (sending) return sending;
    sending = ownerKnown.then(function (owner) {
      return Q.exclusive(navigator.locks, function () {
        return Q.replay({
          store: store, fetch: window.fetch.bind(window), token: meta("csrf-token") || "", owner: user || owner,
          session: function () {
            return Q.fetchSession(window.fetch.bind(window)).then(function (s) {
              var tag = document.querySelector('meta[name="csrf-token"]');
              if (tag && s.token) tag.setAttribute("content", s.token);
              return s;
            });
          },
        });
      });
    }).then(function (summary) {
      sending = null;
      report(summary);
      return summary;
    }, function () { sending = null; return null; });
    return sending;
  }

  function report(summary) {
    if (!summary) return refresh();
    if (summary.signIn) {
      var link = el("a", { href: "/login?next=" + encodeURIComponent(location.pathname === "/offline" ? "/diary" : location.pathname) },
        "Sign in again");
      var extra = el("span", { class: "offline-signin" });
      extra.append(link, document.createTextNode(" to send them. They stay on this phone until then."));
      return refresh("You are signed out.", extra);
    }
    if (summary.sent) {
      var message = plural(summary.sent, "entry", "entries") + " sent to your diary.";
      var more = null;
      if (location.pathname === "/diary" || location.pathname === "/offline") {
        more = el("a", { href: "/diary" }, "Show my diary");
      }
      return refresh(message, more);
    }
    return refresh();
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) return reg.sync.register(Q.SYNC_TAG);
    }).catch(function () { /* Background Sync is optional: the online event and page loads send too */ });
  }

  // ---- correcting, deleting, signing out -------------------------------------

  function correct(id) {
    return store.get(id).then(function (item) {
      if (!item) return refresh();
      if (!navigator.onLine) return refresh("Correct it when you are back online.");
      // The server shows the form with its messages beside the fields. The
      // entry stays on the phone until it is in the diary.
      var form = el("form", { method: "post", action: FORM_ACTION[item.kind], class: "offline-correct", hidden: "" });
      item.form.concat([["_csrf_token", meta("csrf-token") || ""]]).forEach(function (pair) {
        form.append(el("input", { type: "hidden", name: pair[0], value: pair[1] }));
      });
      document.body.append(form);
      form.submit();
    });
  }

  function discard(id) {
    if (!window.confirm("Delete this entry from the phone? It is not in your diary.")) return Promise.resolve();
    return store.remove(id).then(function () { return refresh("The entry was deleted from this phone."); });
  }

  function onClick(event) {
    var t = event.target.closest ? event.target.closest("[data-correct], [data-discard]") : null;
    if (!t) return;
    if (t.hasAttribute("data-correct")) correct(t.getAttribute("data-correct"));
    else discard(t.getAttribute("data-discard"));
  }

  function onSignOut(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.signout")) return;
    forgetContact();
    if (!store) return;
    event.preventDefault();
    send().then(mine).then(function (items) {
      if (items.length && !window.confirm(
        plural(items.length, "entry is", "entries are") + " saved on this phone and not yet in your diary. " +
        "Signing out deletes " + (items.length === 1 ? "it" : "them") + " from this phone. Sign out anyway?")) {
        return refresh();
      }
      return store.clear().then(function () { return store.setOwner(null); }).then(function () { form.submit(); });
    }).catch(function () { form.submit(); });
  }

  // ---- start ---------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-changed") report(event.data.summary);
    });
  }

  // /offline?saved=<id>: the service worker kept a form the network lost.
  function showKeptByWorker() {
    var id = new URLSearchParams(location.search).get("saved");
    if (location.pathname !== "/offline" || !id || !store) return Promise.resolve(false);
    return store.get(id).then(function (item) {
      if (!item) return false;
      showAdvice(item.entry);
      return refresh(SAVED).then(function () { return true; });
    });
  }

  function start() {
    registerWorker();
    keepContact();
    fillNumbers();
    if (!buildPanel() || !store) return;
    document.querySelectorAll("form[data-offline-form]").forEach(fillDefaults);
    document.addEventListener("submit", function (e) { onSubmit(e); onSignOut(e); });
    document.addEventListener("click", onClick);
    window.addEventListener("online", function () { refresh().then(send); });
    window.addEventListener("offline", function () { refresh(null); });
    showKeptByWorker().then(function (shown) {
      if (!shown) refresh();
      if (navigator.onLine) return mine().then(function (items) { if (items.length) send(); });
    });
  }

  window.DiaryOffline = { send: send, refresh: refresh, keep: keep };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
