// Walking Diary: sending what the phone kept (outbox.js) to the diary, with
// PUT and DELETE /api/v1/entries/{id}. Every write names the version it was
// made from (If-Match), and a new entry is sent create-only (If-None-Match: *),
// so nothing the diary holds is overwritten by a stale copy: a 412 or a 410
// becomes a question for the patient, never a silent overwrite or a loss.
// Used by the pages (window.DiaryQueue), by the service worker for Background
// Sync (importScripts, after outbox.js), and by `node --test tests/js/`.
"use strict";
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./outbox.js"));
  else root.DiaryQueue = factory(root.DiaryOutbox);
})(typeof self !== "undefined" ? self : this, function (O) {
  var LOCK = "walking-diary-outbox";
  var FIRST_RETRY_S = 30;
  var MAX_RETRY_S = 3600;
  var CLOCK_OUT_S = 300; // more than 5 minutes out: the patient is told, and entries carry the correction

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

  // The CSRF token and the signed-in user, read from a page's meta tags.
  function readSession(html) {
    var token = /<meta name="csrf-token" content="([^"]*)"/.exec(html || "");
    var user = /<meta name="diary-user" content="([^"]*)"/.exec(html || "");
    return { token: token ? token[1] : "", user: user && user[1] ? user[1] : null };
  }

  // GET a small page and read its meta tags: a fresh CSRF token after a 403.
  function fetchSession(fetchFn) {
    return fetchFn("/offline", { credentials: "same-origin", cache: "no-store", headers: { accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(readSession);
  }

  // Seconds the phone's clock is behind the server's (negative: ahead), from an
  // answer's Date header (whole seconds, so half a second is added) and the
  // midpoint of the request. null without a readable Date.
  function clockOffset(dateHeader, sentAt, receivedAt) {
    var server = Date.parse(dateHeader || "");
    if (isNaN(server)) return null;
    return Math.round((server + 500 - (sentAt + receivedAt) / 2) / 1000);
  }

  function clockIsOut(offset) { return typeof offset === "number" && Math.abs(offset) > CLOCK_OUT_S; }

  // Seconds to wait after the n-th failure in a row: 30 s, doubling, up to an
  // hour; longer if the server asked (Retry-After), up to six hours.
  function retryDelay(attempts, retryAfter) {
    var delay = Math.min(FIRST_RETRY_S * Math.pow(2, Math.max(attempts - 1, 0)), MAX_RETRY_S);
    var asked = Number(retryAfter);
    if (retryAfter && isNaN(asked)) asked = (Date.parse(retryAfter) - Date.now()) / 1000;
    if (asked > delay) delay = Math.min(asked, 6 * MAX_RETRY_S);
    return delay;
  }

  function header(r, name) { return r && r.headers && r.headers.get ? r.headers.get(name) : null; }

  function bodyOf(r) { return r.json().then(function (b) { return b; }, function () { return null; }); }

  function problemsOf(r) {
    return bodyOf(r).then(function (body) {
      var errors = body && Array.isArray(body.errors) ? body.errors : [];
      return errors.length ? errors : [{ field: "entry", message: (body && body.detail) || "The diary could not read this entry." }];
    });
  }

  // What a failed attempt says to the patient.
  function problemFor(status) {
    if (status === 503) return "The diary is not available just now.";
    if (status === 429) return "The diary asked this phone to wait before sending more.";
    return "The diary could not save it just now (error " + status + ").";
  }

  // Send this account's waiting records, oldest first; each is sent once per
  // pass, and records saved while a pass runs are sent by the next one.
  //   deps.store      the store (outbox.js)
  //   deps.fetch      fetch()
  //   deps.token      the CSRF token the page has ("" if none)
  //   deps.owner      the signed-in account: only its records are sent
  //   deps.session()  a fresh {token, user} (defaults to fetchSession)
  //   deps.force      send records waiting to retry now, too
  // Resolves to {sent, already, rejected, conflicts, stuck, waiting, signIn,
  // offline, failed, settled: [{id, op, etag, how}], clock, nextTry}.
  function replay(deps) {
    var store = deps.store;
    var fetchFn = deps.fetch;
    var token = deps.token || "";
    var owner = deps.owner || null;
    var session = deps.session || function () { return fetchSession(fetchFn); };
    var summary = {
      sent: 0, already: 0, rejected: 0, conflicts: 0, stuck: 0, waiting: 0, signIn: false, offline: false,
      failed: false, settled: [], clock: null, nextTry: null,
    };
    var refreshed = false;
    var tried = {};

    function call(item) {
      var url = "/api/v1/entries/" + encodeURIComponent(item.id);
      var headers = { "x-csrftoken": token, accept: "application/json" };
      var init = { method: item.op === "delete" ? "DELETE" : "PUT", credentials: "same-origin", cache: "no-store",
                   headers: headers };
      if (item.base) headers["if-match"] = item.base;
      else if (item.op !== "delete") headers["if-none-match"] = "*";
      if (item.op !== "delete") {
        headers["content-type"] = "application/json";
        init.body = JSON.stringify(carriedForward(item));
        if (item.restore) url += "?restore=true";
      }
      var sentAt = Date.now();
      return fetchFn(url, init).then(function (r) {
        var offset = clockOffset(header(r, "date"), sentAt, Date.now());
        if (offset !== null) summary.clock = offset;
        return r;
      });
    }

    // The diary holds this save (or the delete is done): remove the record if it
    // is still the save that was sent; a newer save of the same entry stays, now
    // based on the version just stored.
    function settle(item, etag, how) {
      summary[how] += 1;
      summary.settled.push({ id: item.id, op: item.op || "put", etag: etag || null, how: how });
      return store.update(item.id, function (current) {
        if (!current) return undefined;
        if ((current.rev || 1) === (item.rev || 1)) return null;
        if (etag) current.base = etag;
        current.restore = false;
        return current;
      }).then(function () { return "next"; });
    }

    function mark(item, change) {
      return store.update(item.id, function (current) {
        if (!current || (current.rev || 1) !== (item.rev || 1)) return undefined; // a newer save goes next
        change(current);
        return current;
      }).then(function () { return "next"; });
    }

    function conflict(item, kind, current, etag) {
      summary.conflicts += 1;
      return mark(item, function (r) {
        r.status = "conflict";
        r.conflict = { kind: kind, current: current || null, etag: etag || null };
      });
    }

    function stuck(item, r) {
      summary.stuck += 1;
      return mark(item, function (rec) {
        rec.attempts = (rec.attempts || 0) + 1;
        rec.retryAt = new Date(Date.now() + retryDelay(rec.attempts, header(r, "retry-after")) * 1000).toISOString();
        rec.problem = { status: r.status, message: problemFor(r.status) };
      });
    }

    function handle(item, r, retrying) {
      var s = r.status;
      var etag = header(r, "etag");
      if ((s >= 200 && s < 300) || (item.op === "delete" && (s === 404 || s === 410))) return settle(item, etag, "sent");
      if (s === 412) {
        return bodyOf(r).then(function (body) {
          var current = body && body.current;
          if (item.op !== "delete" && current && O.sameEntry(current, carriedForward(item))) return settle(item, etag, "already");
          return conflict(item, current ? "changed" : "missing", current, etag);
        });
      }
      if (s === 410) return conflict(item, "deleted", null, null);
      if (s === 400 || s === 422 || s === 404 || s === 413) {
        return problemsOf(r).then(function (errors) {
          if (s === 404) errors = [{ field: "entry", message: "The diary could not save this entry." }];
          summary.rejected += 1;
          return mark(item, function (rec) { rec.status = "rejected"; rec.errors = errors; });
        });
      }
      if (s === 401) { summary.signIn = true; return "stop"; }
      if (s === 403 && !retrying && !refreshed) {
        refreshed = true;
        return session().then(function (fresh) {
          token = fresh.token || token;
          if (owner && fresh.user !== owner) { summary.signIn = true; return "stop"; }
          return send(item, true);
        });
      }
      if (s === 403) { summary.failed = true; return "stop"; }
      if (s === 503) {
        // The diary itself is unavailable (its database is down, its disk full): no entry
        // is to blame, so none is marked; every one waits and the phone stops asking for now.
        summary.unavailable = true;
        summary.nextTry = new Date(Date.now() + retryDelay(1, header(r, "retry-after")) * 1000).toISOString();
        return "stop";
      }
      return stuck(item, r); // another 5xx, 429, anything else: try the others, this one later
    }

    function send(item, retrying) {
      return call(item).then(function (r) { return handle(item, r, retrying); },
        function () { summary.offline = true; return "stop"; });
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

    function due(item, now) {
      return (item.status || "waiting") === "waiting" && (deps.force || !item.retryAt || Date.parse(item.retryAt) <= now);
    }

    function pass(round) {
      return store.all().then(function (items) {
        var now = Date.now();
        var todo = O.mine(items, owner).filter(function (i) {
          var key = i.id + "@" + (i.rev || 1);
          if (tried[key] || !(due(i, now) || (round === 0 && i.status === "rejected"))) return false;
          tried[key] = true;
          return true;
        });
        var k = 0;
        function next() {
          if (k >= todo.length) return todo.length && round < 5 ? pass(round + 1) : null;
          var item = todo[k++];
          var step = item.status === "rejected" ? recheck(item).then(function () { return "next"; }) : send(item, false);
          return step.then(function (what) { return what === "stop" ? null : next(); });
        }
        return next();
      });
    }

    return pass(0).catch(function () {
      summary.failed = true;
    }).then(function () {
      return store.all();
    }).then(function (left) {
      var ours = O.mine(left, owner);
      summary.waiting = ours.length;
      summary.rejected = ours.filter(function (x) { return x.status === "rejected"; }).length;
      summary.conflicts = ours.filter(function (x) { return x.status === "conflict"; }).length;
      ours.forEach(function (x) {
        if ((x.status || "waiting") === "waiting" && x.retryAt && (!summary.nextTry || x.retryAt < summary.nextTry)) {
          summary.nextTry = x.retryAt;
        }
      });
      return summary;
    });
  }

  // The patient's answer about a record: "mine" (send the phone's version over
  // the diary's, restore a deleted entry, or delete anyway), "diary" (keep the
  // diary's: the record goes), "claim" / "not-mine" (a record saved with nobody
  // signed in), "retry" (now, not at its next try), "discard".
  function resolve(store, id, choice, owner) {
    if (choice === "diary" || choice === "discard") return store.remove(id);
    return store.update(id, function (r) {
      if (!r) return undefined;
      if (choice === "claim" && !r.owner) r.owner = owner;
      else if (choice === "not-mine") r.notMine = (r.notMine || []).concat([owner]);
      else if (choice === "mine" && r.conflict) {
        if (r.conflict.kind === "deleted") { r.restore = true; r.base = null; }
        else r.base = r.conflict.kind === "missing" ? null : r.conflict.etag;
      }
      if (choice === "mine" || choice === "retry") {
        r.status = "waiting";
        delete r.conflict;
        r.retryAt = null;
        r.attempts = 0;
      }
      return r;
    });
  }

  // One replay at a time across the pages and the service worker (Web Locks
  // where the browser has them); an overlapping replay is harmless anyway:
  // every write is conditional, and a settle removes only the save it sent.
  function exclusive(locks, work) {
    if (locks && locks.request) return locks.request(LOCK, work);
    return work();
  }

  // An ETag for a version a page shows (its forms' hidden "version").
  function etag(version) { return version ? '"' + version + '"' : null; }

  return {
    DB_NAME: O.DB_NAME, SYNC_TAG: "walking-diary-outbox", CLOCK_OUT_S: CLOCK_OUT_S,
    idbStore: O.idbStore, memoryStore: O.memoryStore, record: O.record, mine: O.mine, carriedForward: carriedForward,
    readSession: readSession, fetchSession: fetchSession, clockOffset: clockOffset, clockIsOut: clockIsOut,
    retryDelay: retryDelay, replay: replay, resolve: resolve, exclusive: exclusive, etag: etag,
  };
});
