// Walking Diary: looking after what the phone keeps (offline.js uses it): the
// phone's clock measured against the server's, persistent storage asked for,
// and entries that vanished unsent when the site's storage was cleared, told
// to the patient once the diary confirms they never arrived.
"use strict";
(function () {
  if (!window.DiaryQueue || !window.DiaryPanel) return;
  var Q = window.DiaryQueue;
  var P = window.DiaryPanel;

  // store: the outbox store; changed(): called when something found later
  // (a lost entry) should be shown.
  function create(store, changed) {
    var clock = null;      // seconds this phone's clock is behind the diary's, as last measured
    var persisted = null;  // whether the browser agreed to keep this site's storage
    var seen = {};         // id -> {label, op}: this account's records shown last time
    var gone = {};         // ids that left the queue knowingly (sent, discarded, signed out)
    var lost = [];         // records that vanished unsent
    var channel = window.BroadcastChannel ? new BroadcastChannel("walking-diary-outbox") : null;
    if (channel) {
      channel.onmessage = function (e) {
        ((e.data && e.data.gone) || []).forEach(function (id) { gone[id] = true; });
        changed();
      };
    }

    // These left the queue knowingly (also told to this site's other pages).
    function forget(ids) {
      ids.forEach(function (id) { gone[id] = true; });
      if (channel && ids.length) channel.postMessage({ gone: ids });
    }

    function arrived(id, op, online) {
      if (!online) return Promise.resolve({ known: false });
      return fetch("/api/v1/entries/" + encodeURIComponent(id), {
        credentials: "same-origin", cache: "no-store", headers: { accept: "application/json" },
      }).then(function (r) {
        var there = r.status === 200, absent = r.status === 404 || r.status === 410;
        if (!there && !absent) return { known: false };
        return { known: true, arrived: op === "delete" ? absent : there };
      }, function () { return { known: false }; });
    }

    // The records shown now; any shown last time that went without this site
    // knowing are asked of the diary, and told to the patient if they never arrived.
    function notice(items, canAsk) {
      var now = {};
      items.forEach(function (i) { now[i.id] = true; });
      Object.keys(seen).forEach(function (id) {
        if (now[id] || gone[id]) return;
        var was = seen[id];
        gone[id] = true;
        arrived(id, was.op, canAsk && navigator.onLine).then(function (found) {
          if (found.arrived) return;
          var label = was.op === "delete" ? "The delete of " + was.label.charAt(0).toLowerCase() + was.label.slice(1) : was.label;
          lost.push({ label: label, gone: found.known && was.op !== "delete" });
          changed();
        });
      });
      seen = {};
      items.forEach(function (i) { seen[i.id] = { label: P.describe(i), op: i.op || "put" }; });
    }

    // Ask the browser to keep what the phone holds even when space runs short.
    function askPersistence() {
      var s = navigator.storage;
      if (!s || !s.persist) return Promise.resolve(null);
      return (s.persisted ? s.persisted() : Promise.resolve(false)).then(function (p) { return p || s.persist(); })
        .then(function (p) { persisted = !!p; return persisted; }, function () { return null; });
    }

    function saveClock(offset) {
      clock = offset;
      store.setMeta("clock", { offset_s: offset, at: new Date().toISOString() }).catch(function () {});
    }

    function loadClock() {
      return store.getMeta("clock").then(function (c) { if (c && clock === null) clock = c.offset_s; }, function () {});
    }

    // Against the server's Date header, on a small file that is never cached.
    function measureClock() {
      if (!navigator.onLine) return Promise.resolve(null);
      var sentAt = Date.now();
      return fetch("/manifest.webmanifest", { cache: "no-store", credentials: "same-origin" }).then(function (r) {
        var offset = Q.clockOffset(r.headers.get("date"), sentAt, Date.now());
        if (offset !== null) saveClock(offset);
      }).catch(function () { /* measured again on the next answer */ });
    }

    return {
      forget: forget, notice: notice, askPersistence: askPersistence, saveClock: saveClock, loadClock: loadClock,
      measureClock: measureClock,
      clock: function () { return clock; }, persisted: function () { return persisted; }, lost: function () { return lost; },
    };
  }

  window.DiaryCare = { create: create };
})();
