// Walking Diary service worker, served at /sw.js (server/routes/pwa.py fills in
// the version and the app shell). It caches the app shell only: styles,
// scripts, icons and the offline pages, which hold no health data. Pages and
// API answers under /diary, /api and /clinic are never stored: navigations go
// to the network first and fall back to an offline page.
"use strict";
// The assets: the scripts this worker runs, and the app shell it caches (filled
// in by the server from the files in web/static). Keep both lists here.
var SCRIPTS = ["/static/pwa/advice.js", "/static/pwa/outbox.js", "/static/pwa/entry.js", "/static/pwa/queue.js"];
var SHELL = __SHELL__;
importScripts.apply(self, SCRIPTS);

var VERSION = "__VERSION__";
var CACHE_PREFIX = "walking-diary-shell-";
var CACHE = CACHE_PREFIX + VERSION;
// Where a navigation lands with no connection: blank forms for logging, else /offline.
var FALLBACKS = __FALLBACKS__;
var DEFAULT_PACE = __PACE__;
var KEEP_POSTS = { "/diary/walks": "walk", "/diary/check-ins": "check_in" };
var NEVER = /^\/(diary|api|clinic)(\/|$)/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // Fetched without cookies, past the HTTP cache: the shell is the same for everyone.
    return cache.addAll(SHELL.map(function (url) {
      return new Request(url, { credentials: "omit", cache: "reload" });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(CACHE_PREFIX) === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function fallbackFor(path) {
  return FALLBACKS[path] || "/offline";
}

function offlinePage(path) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(fallbackFor(path)).then(function (page) {
      return page || cache.match("/offline");
    });
  }).then(function (page) {
    return page || new Response("You are offline.", { status: 503, headers: { "content-type": "text/plain; charset=utf-8" } });
  });
}

// A walk or check-in form posted while the network failed (or its answer was
// lost after the server stored it): keep the entry on the phone, read with the
// form's own time zone and pace, then show the offline page saying so. A new
// entry's form is replayed create-only and an edit's at the version it was
// opened with (queue.js), so a post the server did store is never overwritten.
function keepPost(request, kind) {
  return request.formData().then(function (data) {
    var pairs = [];
    data.forEach(function (value, name) {
      if (name !== "_csrf_token" && name !== "editing" && typeof value === "string") pairs.push([name, value]);
    });
    var field = function (name) { return data.get(name) || ""; };
    var options = { pace: Number(field("pace")) || DEFAULT_PACE, timeZone: field("timezone") || null };
    var read = kind === "walk" ? DiaryEntry.readWalk(pairs, options) : DiaryEntry.readCheckIn(pairs, options);
    if (!read.ok) return offlinePage(new URL(request.url).pathname);
    var store = DiaryOutbox.idbStore(self.indexedDB);
    // The account whose page the form is (else the one last signed in on this phone).
    return (field("owner") ? Promise.resolve(field("owner")) : store.getOwner()).then(function (owner) {
      var extra = { base: DiaryQueue.etag(field("version")), restore: field("restore") === "1" };
      return DiaryOutbox.keep(store, DiaryOutbox.record(read.entry, pairs, owner, new Date(), extra));
    }).then(function () {
      if (self.registration.sync) self.registration.sync.register(DiaryQueue.SYNC_TAG).catch(function () {});
      return Response.redirect("/offline?saved=" + encodeURIComponent(read.entry.id), 303);
    });
  }).catch(function () { return offlinePage("/offline"); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    var kind = request.method === "POST" ? KEEP_POSTS[url.pathname] : null;
    var copy = kind ? request.clone() : null;
    event.respondWith(fetch(request).catch(function () {
      return kind ? keepPost(copy, kind) : offlinePage(url.pathname);
    }));
    return;
  }
  if (request.method !== "GET" || NEVER.test(url.pathname) || url.pathname.indexOf("/static/") !== 0) return;
  // App shell assets: from the cache, else the network (never stored here).
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) { return hit || fetch(request); });
  }));
});

// Background Sync: send what is waiting for the account signed in, then tell the open pages.
function replayInWorker() {
  var store = DiaryOutbox.idbStore(self.indexedDB);
  return DiaryQueue.exclusive(self.navigator && self.navigator.locks, function () {
    return DiaryQueue.fetchSession(fetch).then(function (session) {
      if (!session.user) return { signIn: true, sent: 0, settled: [] };
      return DiaryQueue.replay({ store: store, fetch: fetch, token: session.token, owner: session.user });
    });
  }).then(function (summary) {
    var saved = summary.clock === null || summary.clock === undefined ? Promise.resolve()
      : store.setMeta("clock", { offset_s: summary.clock, at: new Date().toISOString() });
    return saved.then(function () { return self.clients.matchAll({ type: "window" }); }).then(function (pages) {
      pages.forEach(function (page) { page.postMessage({ type: "outbox-changed", summary: summary }); });
      // Still offline, or an entry to try again later: the browser calls again.
      if (summary && (summary.offline || summary.stuck)) throw new Error("not everything was sent: try again later");
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === DiaryQueue.SYNC_TAG) event.waitUntil(replayInWorker());
});
