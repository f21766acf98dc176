// Walking Diary: entries kept on the phone while there is no connection (IndexedDB),
// and sending them with PUT /api/v1/entries/{id}. The id is the entry's client
// UUID, so sending an entry twice stores it once.
// Used by the pages (window.DiaryQueue), by the service worker for Background
// Sync (importScripts), and by `node --test tests/js/` with a store in memory.
"use strict";
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.DiaryQueue = factory();
})(typeof self !== "undefined" ? self : this, function () {
  var DB_NAME = "walking-diary";
  var OUTBOX = "outbox";   // one record per entry waiting: {id, kind, entry, form, owner, savedAt, status, errors}
  var META = "meta";       // {key: "owner", value: user id of the last signed-in page}
  var LOCK = "walking-diary-outbox";

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  // The IndexedDB store. Every call opens its own transaction.
  function idbStore(indexedDB) {
    var opening = null;
    function db() {
      if (!opening) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore(OUTBOX, { keyPath: "id" });
          req.result.createObjectStore(META, { keyPath: "key" });
        };
        opening = request(req);
      }
      return opening;
    }
    function run(storeName, mode, work) {
      return db().then(function (d) {
        var tx = d.transaction(storeName, mode);
        var result = work(tx.objectStore(storeName));
        return new Promise(function (resolve, reject) {
          tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error); };
        });
      });
    }
    return {
      all: function () {
        return run(OUTBOX, "readonly", function (s) { return s.getAll(); }).then(function (items) {
          return (items || []).sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : a.savedAt > b.savedAt ? 1 : 0; });
        });
      },
      get: function (id) { return run(OUTBOX, "readonly", function (s) { return s.get(id); }); },
      put: function (item) { return run(OUTBOX, "readwrite", function (s) { s.put(item); }); },
      remove: function (id) { return run(OUTBOX, "readwrite", function (s) { s.delete(id); }); },
      clear: function () { return run(OUTBOX, "readwrite", function (s) { s.clear(); }); },
      getOwner: function () {
        return run(META, "readonly", function (s) { return s.get("owner"); }).then(function (r) { return r ? r.value : null; });
      },
      setOwner: function (owner) {
        return run(META, "readwrite", function (s) {
          if (owner) s.put({ key: "owner", value: owner }); else s.delete("owner");
        });
      },
    };
  }

  // The same interface in memory, for tests.
  function memoryStore(items) {
    var data = {};
    var owner = null;
    (items || []).forEach(function (i) { data[i.id] = JSON.parse(JSON.stringify(i)); });
    function copy(x) { return x === undefined ? undefined : JSON.parse(JSON.stringify(x)); }
    return {
      all: function () {
        return Promise.resolve(Object.keys(data).map(function (k) { return copy(data[k]); })
          .sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : a.savedAt > b.savedAt ? 1 : 0; }));
      },
      get: function (id) { return Promise.resolve(copy(data[id])); },
      put: function (item) { data[item.id] = copy(item); return Promise.resolve(); },
      remove: function (id) { delete data[id]; return Promise.resolve(); },
      clear: function () { data = {}; return Promise.resolve(); },
      getOwner: function () { return Promise.resolve(owner); },
      setOwner: function (o) { owner = o || null; return Promise.resolve(); },
    };
  }

  // A queue record for an entry built from a form.
  function record(entry, form, owner, now) {
    return {
      id: entry.id, kind: entry.type, entry: entry, form: form || [], owner: owner || null,
      savedAt: (now || new Date()).toISOString(), status: "waiting", errors: [],
    };
  }

  // An entry kept by an older release of the check-in form, which dropped a ticked
  // "at night" or "eased by hanging the leg" when rest pain was left at its
  // default No. The form as the patient filled it in is kept with the entry, so
  // those answers are carried forward (the server reads either as rest pain).
  function carriedForward(item) {
    var entry = item.entry;
    if (!entry || entry.type !== "check_in" || "numb_foot" in entry) return entry;
    var copy = JSON.parse(JSON.stringify(entry));
    (item.form || []).forEach(function (pair) {
      if ((pair[0] === "rest_pain_at_night" || pair[0] === "eased_by_hanging_leg") && pair[1] === "yes") {
        copy[pair[0]] = true;
      }
    });
    return copy;
  }

  // Items that belong to this account: saved by it, or by nobody known.
  function mine(items, owner) {
    return items.filter(function (i) { return !owner || !i.owner || i.owner === owner; });
  }

  // The CSRF token and the signed-in user, read from a page's meta tags.
  function readSession(html) {
    var token = /<meta name="csrf-token" content="([^"]*)"/.exec(html || "");
    var user = /<meta name="diary-user" content="([^"]*)"/.exec(html || "");
    return { token: token ? token[1] : "", user: user ? user[1] : null };
  }

  // GET a small page and read its meta tags: a fresh CSRF token after a 403.
  function fetchSession(fetchFn) {
    return fetchFn("/offline", { credentials: "same-origin", cache: "no-store", headers: { accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(readSession);
  }

  function problemsOf(response) {
    return response.json().then(function (body) {
      var errors = body && Array.isArray(body.errors) ? body.errors : [];
      return errors.length ? errors : [{ field: "entry", message: (body && body.detail) || "The diary could not read this entry." }];
    }, function () { return [{ field: "entry", message: "The diary could not read this entry." }]; });
  }

  // Send every waiting entry once, oldest first.
  //   deps.store      the store (idbStore or memoryStore)
  //   deps.fetch      fetch()
  //   deps.token      the CSRF token the page has ("" if none)
  //   deps.owner      the signed-in user, if known: other accounts' entries are left alone
  //   deps.session()  a fresh {token, user} (defaults to fetchSession)
  // Resolves to {sent, rejected, waiting, signIn, offline, failed}:
  // 2xx removes the entry; 400/422 keeps it, marked with the server's messages;
  // 401 stops and asks to sign in; 403 (a stale CSRF token) gets a fresh token
  // and tries once more; no connection or a server error stops, keeping the rest.
  function replay(deps) {
    var store = deps.store;
    var fetchFn = deps.fetch;
    var token = deps.token || "";
    var owner = deps.owner || null;
    var session = deps.session || function () { return fetchSession(fetchFn); };
    var summary = { sent: 0, rejected: 0, waiting: 0, signIn: false, offline: false, failed: false };
    var refreshed = false;

    function put(item) {
      return fetchFn("/api/v1/entries/" + encodeURIComponent(item.id), {
        method: "PUT", credentials: "same-origin", cache: "no-store",
        headers: { "content-type": "application/json", "x-csrftoken": token, accept: "application/json" },
        body: JSON.stringify(carriedForward(item)),
      });
    }

    // A rejected entry stays until the patient corrects or discards it; once
    // an entry with its id is in the diary (corrected on the form), it goes.
    function recheck(item) {
      return fetchFn("/api/v1/entries/" + encodeURIComponent(item.id), {
        credentials: "same-origin", cache: "no-store", headers: { accept: "application/json" },
      }).then(function (r) {
        if (r.status === 200) return store.remove(item.id);
        if (r.status === 401) summary.signIn = true;
      });
    }

    function send(item, retrying) {
      return put(item).then(function (r) {
        if (r.status >= 200 && r.status < 300) {
          summary.sent += 1;
          return store.remove(item.id).then(function () { return "next"; });
        }
        if (r.status === 400 || r.status === 422 || r.status === 404 || r.status === 413) {
          return problemsOf(r).then(function (errors) {
            if (r.status === 404) errors = [{ field: "entry", message: "The diary could not save this entry." }];
            item.status = "rejected";
            item.errors = errors;
            summary.rejected += 1;
            return store.put(item).then(function () { return "next"; });
          });
        }
        if (r.status === 401) { summary.signIn = true; return "stop"; }
        if (r.status === 403 && !retrying && !refreshed) {
          refreshed = true;
          return session().then(function (s) {
            token = s.token || token;
            if (owner && s.user && s.user !== owner) { summary.signIn = true; return "stop"; }
            return send(item, true);
          });
        }
        summary.failed = true;
        return "stop";
      }, function () { summary.offline = true; return "stop"; });
    }

    return store.all().then(function (items) {
      items = mine(items, owner);
      var i = 0;
      function loop() {
        if (i >= items.length) return null;
        var item = items[i++];
        var step = item.status === "rejected" ? recheck(item).then(function () { return "next"; }) : send(item, false);
        return step.then(function (what) { return what === "stop" ? null : loop(); });
      }
      return loop();
    }).catch(function () {
      summary.failed = true;
    }).then(function () {
      return store.all();
    }).then(function (left) {
      summary.waiting = mine(left, owner).length;
      summary.rejected = mine(left, owner).filter(function (x) { return x.status === "rejected"; }).length;
      return summary;
    });
  }

  // One replay at a time across the pages and the service worker (Web Locks
  // where the browser has them); a replay that overlaps another is harmless
  // anyway, since PUT with the same id stores an entry once.
  function exclusive(locks, work) {
    if (locks && locks.request) return locks.request(LOCK, work);
    return work();
  }

  return {
    DB_NAME: DB_NAME, SYNC_TAG: "walking-diary-outbox",
    idbStore: idbStore, memoryStore: memoryStore, record: record, mine: mine, carriedForward: carriedForward,
    readSession: readSession, fetchSession: fetchSession, replay: replay, exclusive: exclusive,
  };
});
