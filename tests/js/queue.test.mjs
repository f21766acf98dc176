// Sending the entries kept on the phone (web/static/pwa/queue.js), against a
// pretend server that stores entries by id as PUT /api/v1/entries/{id} does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Q = require("../../web/static/pwa/queue.js");

const GOOD = "token-good";

function walk(n, extra = {}) {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return { type: "walk", id, walked_at: "2026-11-20T10:00:00+00:00", distance_m: 100 * n, relief: "no_pain", ...extra };
}

function item(n, extra = {}) {
  return { ...Q.record(walk(n), [["distance_m", String(100 * n)]], "7", new Date(Date.UTC(2026, 10, 20, 10, n))), ...extra };
}

// The pretend server. `answer(entry)` may force a status for an entry.
function server({ token = GOOD, signedIn = true, answer = () => null, down = false } = {}) {
  const entries = new Map();
  const calls = [];
  async function fetch(url, init = {}) {
    calls.push({ url, method: init.method || "GET", token: init.headers?.["x-csrftoken"] });
    if (down) throw new TypeError("Failed to fetch");
    const reply = (status, body) => ({ status, json: async () => body, text: async () => JSON.stringify(body) });
    if (url === "/offline") {
      return { status: 200, text: async () => `<meta name="csrf-token" content="${token}">` +
        (signedIn ? '<meta name="diary-user" content="7">' : "") };
    }
    const id = decodeURIComponent(url.split("/").pop());
    if ((init.method || "GET") === "GET") return entries.has(id) ? reply(200, entries.get(id)) : reply(404, {});
    if (init.headers["x-csrftoken"] !== token) return reply(403, { detail: "CSRF token verification failed" });
    if (!signedIn) return reply(401, { detail: "Sign in first." });
    const entry = JSON.parse(init.body);
    const forced = answer(entry);
    if (forced) return reply(forced.status, forced.body);
    const created = !entries.has(id);
    entries.set(id, entry);
    return reply(created ? 201 : 200, entry);
  }
  return { fetch, entries, calls, puts: () => calls.filter((c) => c.method === "PUT") };
}

test("every waiting entry is sent once, oldest first, with the CSRF header", async () => {
  const s = server();
  const store = Q.memoryStore([item(2), item(1)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD, owner: "7" });
  assert.equal(summary.sent, 2);
  assert.equal(summary.waiting, 0);
  assert.deepEqual(s.puts().map((c) => c.url), [`/api/v1/entries/${walk(1).id}`, `/api/v1/entries/${walk(2).id}`]);
  assert.ok(s.puts().every((c) => c.token === GOOD));
  assert.deepEqual(await store.all(), []);
});

test("replaying the same queue twice stores each entry once", async () => {
  const s = server();
  const items = [item(1), item(2)];
  await Q.replay({ store: Q.memoryStore(items), fetch: s.fetch, token: GOOD });
  await Q.replay({ store: Q.memoryStore(items), fetch: s.fetch, token: GOOD });
  await Promise.all([
    Q.replay({ store: Q.memoryStore(items), fetch: s.fetch, token: GOOD }),
    Q.replay({ store: Q.memoryStore(items), fetch: s.fetch, token: GOOD }),
  ]);
  assert.equal(s.entries.size, 2);
  assert.equal(s.puts().length, 8);
});

test("a rejected entry stays, with the server's message, and the rest are sent", async () => {
  const s = server({
    answer: (e) => e.distance_m === 100 ? { status: 422, body: { errors: [{ field: "pain_onset_m", message: "pain cannot begin beyond the total distance walked" }] } } : null,
  });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD });
  assert.equal(summary.sent, 1);
  assert.equal(summary.rejected, 1);
  assert.equal(summary.waiting, 1);
  const [left] = await store.all();
  assert.equal(left.id, walk(1).id);
  assert.equal(left.status, "rejected");
  assert.deepEqual(left.errors, [{ field: "pain_onset_m", message: "pain cannot begin beyond the total distance walked" }]);
});

test("a body the server cannot read (400) is kept for the patient too", async () => {
  const s = server({ answer: () => ({ status: 400, body: { detail: "not valid JSON" } }) });
  const store = Q.memoryStore([item(1)]);
  await Q.replay({ store, fetch: s.fetch, token: GOOD });
  const [left] = await store.all();
  assert.equal(left.status, "rejected");
  assert.equal(left.errors[0].message, "not valid JSON");
});

test("a rejected entry is not sent again, and goes once it is in the diary", async () => {
  const s = server();
  const store = Q.memoryStore([item(1, { status: "rejected", errors: [{ field: "x", message: "y" }] })]);
  await Q.replay({ store, fetch: s.fetch, token: GOOD });
  assert.equal(s.puts().length, 0);
  assert.equal((await store.all()).length, 1);
  s.entries.set(walk(1).id, walk(1)); // corrected on the form
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD });
  assert.equal(summary.waiting, 0);
});

test("401 keeps the whole queue and asks to sign in again", async () => {
  const s = server({ signedIn: false });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD });
  assert.equal(summary.signIn, true);
  assert.equal(summary.waiting, 2);
  assert.equal(s.puts().length, 1); // stopped at the first
});

test("403 (a stale CSRF token) gets a fresh token and tries again", async () => {
  const s = server({ token: "token-new" });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: "token-old", owner: "7" });
  assert.equal(summary.sent, 2);
  assert.deepEqual(s.puts().map((c) => c.token), ["token-old", "token-new", "token-new"]);
  assert.equal(s.calls.filter((c) => c.url === "/offline").length, 1);
});

test("403 again after a fresh token stops and keeps the queue", async () => {
  const s = server({ token: "token-new" });
  const summary = await Q.replay({
    store: Q.memoryStore([item(1)]), fetch: s.fetch, token: "token-old",
    session: async () => ({ token: "token-still-wrong", user: "7" }),
  });
  assert.equal(summary.failed, true);
  assert.equal(summary.waiting, 1);
  assert.equal(s.puts().length, 2);
});

test("a fresh token for someone else's session does not send this account's entries", async () => {
  const s = server({ token: "token-new" });
  const summary = await Q.replay({
    store: Q.memoryStore([item(1)]), fetch: s.fetch, token: "token-old", owner: "7",
    session: async () => ({ token: "token-new", user: "8" }),
  });
  assert.equal(summary.signIn, true);
  assert.equal(s.entries.size, 0);
});

test("no connection keeps everything", async () => {
  const s = server({ down: true });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD });
  assert.equal(summary.offline, true);
  assert.equal(summary.waiting, 2);
});

test("a server error keeps the entry waiting", async () => {
  const s = server({ answer: () => ({ status: 503, body: {} }) });
  const store = Q.memoryStore([item(1)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD });
  assert.equal(summary.failed, true);
  assert.equal((await store.all())[0].status, "waiting");
});

test("entries another account saved on this phone are left alone", async () => {
  const s = server();
  const theirs = { ...item(2), owner: "8" };
  const store = Q.memoryStore([item(1), theirs]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: GOOD, owner: "7" });
  assert.equal(summary.sent, 1);
  assert.equal(summary.waiting, 0);
  assert.deepEqual((await store.all()).map((i) => i.owner), ["8"]);
});

test("the session is read from a page's meta tags", () => {
  assert.deepEqual(Q.readSession('<meta name="csrf-token" content="abc"><meta name="diary-user" content="12">'),
    { token: "abc", user: "12" });
  assert.deepEqual(Q.readSession("<p>nothing</p>"), { token: "", user: null });
});

test("one replay at a time where the browser has Web Locks", async () => {
  const order = [];
  const locks = { request: async (name, work) => { order.push(name); return work(); } };
  const result = await Q.exclusive(locks, async () => "done");
  assert.equal(result, "done");
  assert.deepEqual(order, ["walking-diary-outbox"]);
  assert.equal(await Q.exclusive(undefined, async () => "no locks"), "no locks");
});

// A check-in kept by the older form, which dropped "at night" and "eased by hanging"
// when rest pain was left at its default No (issue 13): carried forward from the kept form.
test("a check-in queued by the older form is sent with its ticked rest-pain answers", async () => {
  const id = "00000000-0000-4000-8000-000000000099";
  const old = {
    type: "check_in", id, recorded_at: "2026-11-20T07:00:00+00:00", rest_pain: false, rest_pain_at_night: false,
    eased_by_hanging_leg: false, wound: false, wound_days: null, colour_change: null, cold_foot: false,
    sudden_onset: false, note: "",
  };
  const form = [["id", id], ["rest_pain", "no"], ["rest_pain_at_night", "yes"], ["eased_by_hanging_leg", "yes"]];
  const s = server();
  await Q.replay({ store: Q.memoryStore([Q.record(old, form, "7")]), fetch: s.fetch, token: GOOD, owner: "7" });
  const sent = s.entries.get(id);
  assert.equal(sent.rest_pain_at_night, true);
  assert.equal(sent.eased_by_hanging_leg, true);
  assert.equal(sent.rest_pain, false); // as given: the server reads the ticks as rest pain
});

test("a check-in from the current form is sent as it was kept", async () => {
  const id = "00000000-0000-4000-8000-000000000098";
  const current = { type: "check_in", id, recorded_at: "2026-11-20T07:00:00+00:00", rest_pain: null,
    rest_pain_at_night: null, eased_by_hanging_leg: true, numb_foot: null };
  assert.deepEqual(Q.carriedForward(Q.record(current, [["eased_by_hanging_leg", "yes"]], "7")), current);
  const walkItem = Q.record(walk(3), [["rest_pain_at_night", "yes"]], "7");
  assert.deepEqual(Q.carriedForward(walkItem), walk(3));
});
