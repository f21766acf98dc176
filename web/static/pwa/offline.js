// Walking Diary: the phone app. Registers the service worker, keeps walks,
// check-ins, changes and deletes on the phone when there is no connection,
// sends them when it returns (queue.js), and tells the patient what is waiting
// and what needs them (offline_panel.js). Every form still works without it.
// Each entry kept belongs to the account signed in when it was saved; one saved
// with nobody signed in is kept apart until a patient says it is theirs.
// Needs outbox.js, entry.js, queue.js, offline_panel.js, offline_form.js and offline_care.js, loaded before it.
"use strict";
(function () {
  if (!window.DiaryEntry || !window.DiaryQueue || !window.DiaryOutbox || !window.DiaryPanel || !window.DiaryForms ||
      !window.DiaryCare) return;
  var E = window.DiaryEntry;
  var Q = window.DiaryQueue;
  var O = window.DiaryOutbox;
  var P = window.DiaryPanel;
  var F = window.DiaryForms;
  var C = window.DiaryCare;

  // The safety advice is diary/advice.py's, word for word (advice.js, read by entry.js).
  // The numbers to call come from the last signed-in page (its diary-contact meta
  // tag), kept on the phone so that the offline advice can call them too.
  var CONTACT_KEY = "walking-diary-contact";
  var KEPT_CLOSING = "Your answers are kept on this phone and will reach your diary when you are back online. " +
    "Please follow this advice now; do not wait until they have been sent.";

  var SAVED = "Saved on this phone; it will be sent when you are back online.";
  var FORM_ACTION = { walk: "/diary/walks", check_in: "/diary/check-ins" };

  var store = null;
  try { store = window.indexedDB ? Q.idbStore(window.indexedDB) : null; } catch (e) { store = null; }
  var care = store ? C.create(store, function () { refresh(); }) : null; // clock, storage, lost entries

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }
  // The account signed in on this page; "" when the server says nobody is; no
  // tag (null) on a page the phone kept, which cannot tell: then the account
  // last seen signed in on this phone, until a page says otherwise.
  var userTag = meta("diary-user");
  var user = userTag || null;
  var ownerKnown = store ? (userTag !== null ? store.setOwner(user).then(function () { return user; }) : store.getOwner())
    .catch(function () { return user; }) : Promise.resolve(user);

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

  // ---- what the patient sees -------------------------------------------------

  var ui = {};
  var panel = null;
  var el = P.el;

  function buildPanel() {
    panel = P.create(document.getElementById("offline-queue"));
    if (!panel) return false;
    ui.advice = panel.advice;
    return true;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

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

  // This account's records (or, on a page no one is known on, those saved by nobody).
  function ours(all, owner) { return owner ? O.mine(all, owner) : O.unclaimed(all, null); }

  function mine() {
    if (!store) return Promise.resolve([]);
    return Promise.all([store.all(), ownerKnown]).then(function (r) { return r[1] ? O.mine(r[0], r[1]) : []; })
      .catch(function () { return []; });
  }

  // A message stays until another replaces it (undefined keeps it, null clears it).
  var last = { message: null, extra: null };
  var queued = {}; // ids waiting to be sent: a form for one of them saves behind it
  function refresh(message, extra) {
    if (message !== undefined) last = { message: message, extra: extra || null };
    if (!store || !panel) return Promise.resolve([]);
    return Promise.all([store.all(), ownerKnown]).then(function (r) {
      var all = r[0], owner = r[1];
      var items = ours(all, owner);
      care.notice(items, !!user);
      queued = {};
      items.forEach(function (i) { if ((i.status || "waiting") === "waiting") queued[i.id] = true; });
      panel.render({
        message: last.message, extra: last.extra, items: items, unclaimed: user ? O.unclaimed(all, user) : [],
        others: O.others(all, owner).length, clock: care.clock(), persisted: care.persisted(), lost: care.lost(),
        signedIn: !!user,
        canCorrect: function (i) { return !!FORM_ACTION[i.kind] && i.op !== "delete"; },
      });
      return items;
    }).catch(function () { return []; });
  }

  // ---- keeping an entry on the phone -----------------------------------------

  function keep(form) {
    F.stampClock(form, care.clock());
    var read = F.read(form, care.clock());
    if (!read.ok) { F.showErrors(form, read.errors); return Promise.resolve(false); }
    F.clearErrors(form);
    return ownerKnown.then(function (owner) {
      var extra = { base: Q.etag(F.value(form, "version")), restore: F.value(form, "restore") === "1" };
      return O.keep(store, O.record(read.entry, F.pairsOf(form), owner, new Date(), extra));
    }).then(function () {
      F.afterKeep(form);
      form.dispatchEvent(new CustomEvent("diary:kept", { bubbles: true, detail: { id: read.entry.id } }));
      showAdvice(read.entry);
      care.askPersistence().then(function () { refresh(); });
      return refresh(SAVED);
    }).then(function () {
      if (panel) panel.focus();
      askForSync();
      if (navigator.onLine) send();
      return true;
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline-form]") || !store) return;
    F.stampClock(form, care.clock());
    // Online, a signed-in page posts the form as usual (the server checks it
    // and answers with safety advice at once), unless an earlier save of this
    // entry still waits on the phone: this one then waits behind it. A page from
    // the phone's cache (no one signed in on it) or no connection keeps the entry.
    if (navigator.onLine && user && !queued[F.value(form, "id")]) return;
    event.preventDefault();
    keep(form).catch(function () {
      refresh("This phone could not keep the entry. Please try again.");
    });
  }

  // A delete with no connection: kept like an edit, sent when the connection
  // returns, at the version the page showed.
  function keepDelete(form, confirmed) {
    if (!confirmed && !window.confirm("Delete this entry? You are offline: it is deleted from your diary when you are back online.")) {
      return Promise.resolve(false);
    }
    var kind = form.getAttribute("data-kind");
    var entry = { type: kind, id: form.getAttribute("data-offline-delete") };
    entry[kind === "walk" ? "walked_at" : "recorded_at"] = form.getAttribute("data-at");
    return ownerKnown.then(function (owner) {
      return O.keep(store, O.deletion(entry, Q.etag(F.value(form, "version")), user || owner));
    }).then(function () {
      var li = form.closest("li.entry");
      if (li) {
        li.className = "entry deleted";
        li.textContent = "This " + (kind === "walk" ? "walk" : "check-in") + " will be deleted from your diary when you are back online.";
      }
      care.askPersistence();
      askForSync();
      return refresh("The delete is saved on this phone; it will be sent when you are back online.");
    });
  }

  function onDelete(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline-delete]") || !store || navigator.onLine) return;
    event.preventDefault();
    event.stopPropagation(); // htmx would try to send it
    keepDelete(form, false);
  }

  function onSendError(event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-offline-delete]") && store) keepDelete(form, true);
  }

  // ---- sending ---------------------------------------------------------------

  var sending = null;
  var again = false;
  var timer = null;

  // Who to send for, and the token: the page's own, or on a page that cannot
  // tell who is signed in, the live session's (only if it is the same account).
  function who(owner) {
    if (user) return Promise.resolve({ owner: user, token: meta("csrf-token") || "" });
    if (!owner) return Promise.resolve(null);
    return Q.fetchSession(window.fetch.bind(window)).then(function (s) {
      return s.user === owner ? { owner: owner, token: s.token } : { signIn: true };
    });
  }

  function send(force) {
    if (!store || !navigator.onLine) return Promise.resolve(null);
    if (sending) { again = true; return sending; }
    sending = ownerKnown.then(who).then(function (as) {
      if (!as || as.signIn) return as ? { signIn: true, settled: [] } : null;
      return Q.exclusive(navigator.locks, function () {
        return Q.replay({
          store: store, fetch: window.fetch.bind(window), token: as.token, owner: as.owner, force: !!force,
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
      var done = report(summary);
      if (again) { again = false; send(); }
      return done.then(function () { return summary; });
    }, function () { sending = null; return null; });
    return sending;
  }

  // The forms on this page for an entry just stored carry its new version.
  function settled(list) {
    care.forget(list.map(function (s) { return s.id; }));
    list.forEach(function (s) {
      if (s.op === "delete" || !s.etag) return;
      document.querySelectorAll("form[data-offline-form]").forEach(function (form) {
        if (F.value(form, "id") !== s.id) return;
        var version = form.querySelector('input[name="version"]');
        if (version) version.value = s.etag.replace(/^W\//, "").replace(/"/g, "");
        var restore = form.querySelector('input[name="restore"]');
        if (restore) restore.remove();
      });
    });
  }

  function schedule(nextTry) {
    if (timer) window.clearTimeout(timer);
    timer = null;
    if (!nextTry) return;
    var wait = Math.min(Math.max(Date.parse(nextTry) - Date.now(), 1000), 2147483647);
    timer = window.setTimeout(function () { timer = null; send(); }, wait);
  }

  function report(summary) {
    if (!summary || !care) return refresh();
    settled(summary.settled || []);
    if (typeof summary.clock === "number") care.saveClock(summary.clock);
    schedule(summary.nextTry);
    if (summary.signIn) {
      var link = el("a", { href: "/login?next=" + encodeURIComponent(location.pathname === "/offline" ? "/diary" : location.pathname) },
        "Sign in again");
      var extra = el("span", { class: "offline-signin" });
      extra.append(link, document.createTextNode(" to send them. They stay on this phone until then."));
      return refresh("You are signed out.", extra);
    }
    var done = summary.settled || [];
    var count = function (op, how) { return done.filter(function (s) { return s.op === op && s.how === how; }).length; };
    var sent = count("put", "sent"), already = count("put", "already"), deleted = count("delete", "sent");
    if (sent || already || deleted) {
      var message = [sent ? plural(sent, "entry", "entries") + " sent to your diary." : "",
        already ? plural(already, "entry was", "entries were") + " already in your diary." : "",
        deleted ? plural(deleted, "entry", "entries") + " deleted from your diary." : ""].filter(Boolean).join(" ");
      var more = null;
      if (location.pathname === "/diary" || location.pathname === "/offline") {
        more = el("a", { href: "/diary" }, "Show my diary");
      }
      return refresh(message, more);
    }
    if (summary.unavailable) {
      return refresh("Your diary is not available just now. Your entries are kept on this phone and will be " +
        "sent when it is back.");
    }
    if (summary.conflicts || summary.rejected || summary.stuck) {
      return refresh("Not everything could be sent: see below.");
    }
    return refresh();
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) return reg.sync.register(Q.SYNC_TAG);
    }).catch(function () { /* Background Sync is optional: the online event and page loads send too */ });
  }

  // ---- the patient's answers: correct, discard, choose, claim; signing out ---

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
    care.forget([id]);
    return store.remove(id).then(function () { return refresh("The entry was deleted from this phone."); });
  }

  function choose(id, action) {
    if (action === "diary") care.forget([id]);
    return Q.resolve(store, id, action, user).then(function () { return refresh(null); }).then(function () {
      if (action !== "not-mine" && action !== "diary") return send(true);
    });
  }

  function onClick(event) {
    var t = event.target.closest ? event.target.closest("[data-correct], [data-discard], [data-action]") : null;
    if (!t) return;
    if (t.hasAttribute("data-correct")) correct(t.getAttribute("data-correct"));
    else if (t.hasAttribute("data-discard")) discard(t.getAttribute("data-discard"));
    else choose(t.getAttribute("data-entry"), t.getAttribute("data-action"));
  }

  // Signing out deletes this account's unsent entries from the phone, after
  // asking; other accounts' entries, and those saved by nobody, stay.
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
      care.forget(items.map(function (i) { return i.id; }));
      return Promise.all(items.map(function (i) { return store.remove(i.id); }))
        .then(function () { return store.setOwner(null); }).then(function () { form.submit(); });
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

  // Back to the page: the queue is read again (it may have been sent from
  // another page, or cleared with the site's data) and sent.
  function onVisible() {
    if (document.visibilityState !== "visible") return;
    refresh().then(function (items) { if (items.length && navigator.onLine) send(); });
  }

  function start() {
    registerWorker();
    keepContact();
    fillNumbers();
    if (!buildPanel() || !store) return;
    document.querySelectorAll("form[data-offline-form]").forEach(F.fillDefaults);
    document.addEventListener("submit", onDelete, true);
    document.addEventListener("submit", function (e) { onSubmit(e); onSignOut(e); });
    document.addEventListener("htmx:sendError", onSendError);
    document.addEventListener("click", onClick);
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("online", function () { refresh().then(function () { care.measureClock(); send(); }); });
    window.addEventListener("offline", function () { refresh(null); });
    care.loadClock().then(showKeptByWorker).then(function (shown) {
        if (!shown) refresh();
        care.measureClock().then(function () { refresh(); });
        return mine().then(function (items) {
          if (!items.length) return;
          care.askPersistence().then(function () { refresh(); });
          if (navigator.onLine) send();
        });
      });
  }

  window.DiaryOffline = { send: send, refresh: refresh, keep: keep };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
