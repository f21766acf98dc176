// Walking Diary: what the phone keeps while an entry waits to reach the diary
// (IndexedDB), and which account each waiting entry belongs to.
// Used by the pages (window.DiaryOutbox), by the service worker (importScripts),
// and by `node --test tests/js/` with a store in memory.
//
// A record: {id, op: "put"|"delete", kind, entry, form, owner, savedAt, status,
//   errors, rev, base, restore, attempts, retryAt, problem, conflict, notMine}
//   id       the entry's client UUID (one record per entry)
//   owner    the account it belongs to, fixed when it is saved; null when it was
//            saved with nobody signed in (then the next patient is asked)
//   rev      counts this phone's saves of the entry: a send settles only the
//            save it sent, never a newer one (queue.js settle)
//   base     the ETag of the diary's version the save was made from (If-Match);
//            null for a new entry (sent create-only, If-None-Match: *)
//   status   waiting | rejected (the server refused it) | conflict (the diary
//            holds another version: the patient chooses)
// Records from the previous release have no op, rev or base: a put, saved once,
// sent create-only, and asked about if the diary holds something else.
"use strict";
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.DiaryOutbox = factory();
})(typeof self !== "undefined" ? self : this, function () {
  var DB_NAME = "walking-diary";
  var OUTBOX = "outbox";
  var META = "meta"; // {key, value}: "owner" (the account signed in on this phone), "clock"

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function byTime(a, b) { return a.savedAt < b.savedAt ? -1 : a.savedAt > b.savedAt ? 1 : 0; }

  // The IndexedDB store. Every call opens its own transaction. If the database
  // goes away under the page (the site's data was cleared), the next call opens
  // it afresh, empty, rather than failing forever.
  function idbStore(indexedDB) {
    var opening = null;
    function db() {
      if (!opening) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          if (!d.objectStoreNames.contains(OUTBOX)) d.createObjectStore(OUTBOX, { keyPath: "id" });
          if (!d.objectStoreNames.contains(META)) d.createObjectStore(META, { keyPath: "key" });
        };
        opening = request(req).then(function (d) {
          d.onversionchange = function () { d.close(); opening = null; };
          d.onclose = function () { opening = null; };
          return d;
        }, function (error) { opening = null; throw error; });
      }
      return opening;
    }
    function run(storeName, mode, work, retried) {
      return db().then(function (d) {
        var tx;
        try { tx = d.transaction(storeName, mode); } catch (error) {
          opening = null; // closed under us
          if (retried) throw error;
          return run(storeName, mode, work, true);
        }
        var result = work(tx.objectStore(storeName));
        return new Promise(function (resolve, reject) {
          tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error); };
        });
      });
    }
    function getMeta(key) {
      return run(META, "readonly", function (s) { return s.get(key); }).then(function (r) { return r ? r.value : null; });
    }
    function setMeta(key, value) {
      return run(META, "readwrite", function (s) {
        if (value === null || value === undefined) s.delete(key); else s.put({ key: key, value: value });
      });
    }
    return {
      all: function () {
        return run(OUTBOX, "readonly", function (s) { return s.getAll(); }).then(function (items) {
          return (items || []).sort(byTime);
        });
      },
      get: function (id) { return run(OUTBOX, "readonly", function (s) { return s.get(id); }); },
      put: function (item) { return run(OUTBOX, "readwrite", function (s) { s.put(item); }); },
      remove: function (id) { return run(OUTBOX, "readwrite", function (s) { s.delete(id); }); },
      clear: function () { return run(OUTBOX, "readwrite", function (s) { s.clear(); }); },
      // change(current) in one transaction: a record to store, null to delete, undefined to leave it.
      update: function (id, change) {
        return run(OUTBOX, "readwrite", function (s) {
          var out = { result: undefined };
          var req = s.get(id);
          req.onsuccess = function () {
            var next = change(req.result);
            if (next === null) s.delete(id); else if (next !== undefined) s.put(next);
            out.result = next;
          };
          return out;
        });
      },
      getMeta: getMeta, setMeta: setMeta,
      getOwner: function () { return getMeta("owner"); },
      setOwner: function (owner) { return setMeta("owner", owner || null); },
    };
  }

  // The same interface in memory, for tests.
  function memoryStore(items) {
    var data = {};
    var meta = {};
    function copy(x) { return x === undefined || x === null ? x : JSON.parse(JSON.stringify(x)); }
    (items || []).forEach(function (i) { data[i.id] = copy(i); });
    return {
      all: function () {
        return Promise.resolve(Object.keys(data).map(function (k) { return copy(data[k]); }).sort(byTime));
      },
      get: function (id) { return Promise.resolve(copy(data[id])); },
      put: function (item) { data[item.id] = copy(item); return Promise.resolve(); },
      remove: function (id) { delete data[id]; return Promise.resolve(); },
      clear: function () { data = {}; return Promise.resolve(); },
      update: function (id, change) {
        var next = change(copy(data[id]));
        if (next === null) delete data[id]; else if (next !== undefined) data[id] = copy(next);
        return Promise.resolve(copy(next));
      },
      getMeta: function (key) { return Promise.resolve(key in meta ? copy(meta[key]) : null); },
      setMeta: function (key, value) {
        if (value === null || value === undefined) delete meta[key]; else meta[key] = copy(value);
        return Promise.resolve();
      },
      getOwner: function () { return Promise.resolve(meta.owner || null); },
      setOwner: function (owner) { if (owner) meta.owner = owner; else delete meta.owner; return Promise.resolve(); },
    };
  }

  // A new entry, or a change, saved on the phone. extra: {base, restore}.
  function record(entry, form, owner, now, extra) {
    var x = extra || {};
    return {
      id: entry.id, op: "put", kind: entry.type, entry: entry, form: form || [], owner: owner || null,
      savedAt: (now || new Date()).toISOString(), status: "waiting", errors: [], rev: 1,
      base: x.base || null, restore: !!x.restore,
    };
  }

  // A delete of an entry in the diary, made with no connection. entry: what the
  // page showed of it ({type, id, and its time}), to name it to the patient.
  function deletion(entry, base, owner, now) {
    return {
      id: entry.id, op: "delete", kind: entry.type, entry: entry, form: [], owner: owner || null,
      savedAt: (now || new Date()).toISOString(), status: "waiting", errors: [], rev: 1,
      base: base || null, restore: false,
    };
  }

  // Keep a save: a newer save of an entry already waiting replaces it (one more
  // rev), still based on the version the first one was made from.
  function keep(store, item) {
    return store.update(item.id, function (current) {
      if (!current) return item;
      var next = JSON.parse(JSON.stringify(item));
      next.rev = (current.rev || 1) + 1;
      next.base = current.base || item.base || null;
      next.restore = !!(current.restore || item.restore);
      next.savedAt = current.savedAt; // keeps its place in the queue
      return next;
    });
  }

  // This account's records: those saved by it, and no others.
  function mine(items, owner) {
    return items.filter(function (i) { return !!owner && i.owner === owner; });
  }

  // Saved with nobody signed in, and not yet declined by this account.
  function unclaimed(items, owner) {
    return items.filter(function (i) { return !i.owner && (i.notMine || []).indexOf(owner) < 0; });
  }

  function others(items, owner) {
    return items.filter(function (i) { return !!i.owner && i.owner !== owner; });
  }

  // Two entries the same, field for field, as the diary would store them: a
  // missing field takes the interchange format's default, and null, false, ""
  // and [] all mean "not given"; times are compared as instants; lists as sets.
  // Fields only the server sets are ignored.
  var SERVER_ONLY = ["received_at"];
  var DEFAULTS = { terrain: "flat", source: "manual" }; // diary/entries.py
  function empty(v) { return v === undefined || v === null || v === false || v === "" || (Array.isArray(v) && !v.length); }
  function sameValue(key, a, b) {
    if (a === undefined && key in DEFAULTS) a = DEFAULTS[key];
    if (b === undefined && key in DEFAULTS) b = DEFAULTS[key];
    if (empty(a) && empty(b)) return true;
    if (empty(a) || empty(b)) return false;
    if (/_at$/.test(key) && typeof a === "string" && typeof b === "string") {
      var ta = Date.parse(a), tb = Date.parse(b);
      return !isNaN(ta) && ta === tb;
    }
    if (Array.isArray(a) && Array.isArray(b)) return a.slice().sort().join("\n") === b.slice().sort().join("\n");
    return a === b || (typeof a === "number" && typeof b === "number" && Math.abs(a - b) < 1e-9);
  }
  function sameEntry(a, b) {
    if (!a || !b) return false;
    var keys = {};
    Object.keys(a).concat(Object.keys(b)).forEach(function (k) { if (SERVER_ONLY.indexOf(k) < 0) keys[k] = true; });
    return Object.keys(keys).every(function (k) { return sameValue(k, a[k], b[k]); });
  }

  return {
    DB_NAME: DB_NAME, idbStore: idbStore, memoryStore: memoryStore, record: record, deletion: deletion, keep: keep,
    mine: mine, unclaimed: unclaimed, others: others, sameEntry: sameEntry,
  };
});
