// Sending the entries kept on the phone (web/static/pwa/queue.js), against a
// pretend diary with versions and tombstones (server.mjs), as PUT and DELETE
// /api/v1/entries/{id} answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { GOOD, server, walkEntry as walk } from "./server.mjs";

const require = createRequire(import.meta.url);
const Q = require("../../web/static/pwa/queue.js");
const O = require("../../web/static/pwa/outbox.js");

function item(n, extra = {}) {
  return { ...O.record(walk(n), [["distance_m", String(100 * n)]], "7", new Date(Date.UTC(2026, 10, 20, 10, n))), ...extra };
}

const replay = (s, store, extra = {}) => Q.replay({ store, fetch: s.fetch, token: GOOD, owner: "7", ...extra });

test("every waiting entry is sent once, oldest first, create-only, with the CSRF header", async () => {
  const s = server();
  const store = Q.memoryStore([item(2), item(1)]);
  const summary = await replay(s, store);
  assert.equal(summary.sent, 2);
  assert.equal(summary.waiting, 0);
  assert.deepEqual(s.writes().map((c) => c.url), [`/api/v1/entries/${walk(1).id}`, `/api/v1/entries/${walk(2).id}`]);
  assert.ok(s.writes().every((c) => c.token === GOOD && c.ifNoneMatch === "*" && !c.ifMatch));
  assert.deepEqual(await store.all(), []);
});

test("replaying the same queue twice stores each entry once", async () => {
  const s = server();
  const items = [item(1), item(2)];
  await replay(s, Q.memoryStore(items));
  await replay(s, Q.memoryStore(items));
  const both = await Promise.all([replay(s, Q.memoryStore(items)), replay(s, Q.memoryStore(items))]);
  assert.equal(s.entries.size, 2);
  assert.equal(s.writes().length, 8);
  assert.ok(both.every((b) => b.already === 2 && b.waiting === 0)); // 412, the same content: saved already
});

test("a lost answer: the replay of what the diary stored changes nothing and is done", async () => {
  const s = server();
  s.store(walk(1, { distance_m: 551.8, walked_at: "2026-11-20T10:30:00-05:00" }), 1);
  const store = Q.memoryStore([item(1, { entry: walk(1, { distance_m: 551.8, walked_at: "2026-11-20T15:30:00Z" }) })]);
  const summary = await replay(s, store);
  assert.deepEqual([summary.sent, summary.already, summary.waiting], [0, 1, 0]);
  assert.equal(s.entries.get(walk(1).id).entry.walked_at, "2026-11-20T10:30:00-05:00"); // untouched
});

test("a replay that differs from what the diary stored becomes a question, not an overwrite", async () => {
  const s = server();
  s.store(walk(1, { distance_m: 551.8 }), 1);
  const store = Q.memoryStore([item(1, { entry: walk(1, { distance_m: 500 }) })]);
  const summary = await replay(s, store);
  assert.equal(summary.conflicts, 1);
  assert.equal(s.entries.get(walk(1).id).entry.distance_m, 551.8);
  const [left] = await store.all();
  assert.equal(left.status, "conflict");
  assert.deepEqual([left.conflict.kind, left.conflict.current.distance_m, left.conflict.etag], ["changed", 551.8, '"1"']);
  // The patient keeps the phone's: sent at the diary's version.
  await Q.resolve(store, left.id, "mine", "7");
  await replay(s, store);
  assert.equal(s.entries.get(walk(1).id).entry.distance_m, 500);
  assert.equal(s.writes().at(-1).ifMatch, '"1"');
  assert.deepEqual(await store.all(), []);
});

test("an offline edit made from an old version does not overwrite a newer edit", async () => {
  const s = server();
  s.store(walk(1, { distance_m: 600 }), 2); // edited on another device since
  const store = Q.memoryStore([item(1, { entry: walk(1, { distance_m: 450 }), base: '"1"' })]);
  await replay(s, store);
  assert.equal(s.writes()[0].ifMatch, '"1"');
  assert.equal(s.entries.get(walk(1).id).entry.distance_m, 600);
  const [left] = await store.all();
  assert.equal(left.conflict.kind, "changed");
  // The patient keeps the diary's: the phone's edit goes, the diary is as it was.
  await Q.resolve(store, left.id, "diary", "7");
  assert.deepEqual(await store.all(), []);
  assert.equal(s.entries.get(walk(1).id).entry.distance_m, 600);
});

test("an edit of an entry deleted meanwhile asks, and restores it only if the patient says so", async () => {
  const s = server();
  s.tombstones.set(walk(1).id, 3);
  const store = Q.memoryStore([item(1, { base: '"2"' })]);
  await replay(s, store);
  assert.equal(s.entries.size, 0);
  assert.equal((await store.all())[0].conflict.kind, "deleted");
  await Q.resolve(store, walk(1).id, "mine", "7");
  const summary = await replay(s, store);
  assert.equal(summary.sent, 1);
  assert.ok(s.writes().at(-1).url.endsWith("?restore=true"));
  assert.equal(s.entries.get(walk(1).id).version, 4);
});

test("a delete is sent at the version the page showed; done when the diary no longer has it", async () => {
  const s = server();
  s.store(walk(1), 1);
  s.store(walk(2), 1);
  const store = Q.memoryStore([
    O.deletion({ type: "walk", id: walk(1).id, walked_at: walk(1).walked_at }, '"1"', "7", new Date(1)),
    O.deletion({ type: "walk", id: walk(3).id, walked_at: walk(3).walked_at }, '"1"', "7", new Date(2)),
  ]);
  s.tombstones.set(walk(3).id, 2); // deleted already, on another device
  const summary = await replay(s, store);
  assert.equal(summary.sent, 2);
  assert.deepEqual(s.writes().map((c) => [c.method, c.ifMatch]), [["DELETE", '"1"'], ["DELETE", '"1"']]);
  assert.equal(s.entries.has(walk(1).id), false);
  assert.deepEqual(await store.all(), []);
});

test("a delete of an entry changed meanwhile asks before deleting the newer version", async () => {
  const s = server();
  s.store(walk(1, { distance_m: 700 }), 2);
  const store = Q.memoryStore([O.deletion({ type: "walk", id: walk(1).id }, '"1"', "7")]);
  await replay(s, store);
  assert.equal(s.entries.has(walk(1).id), true);
  const [left] = await store.all();
  assert.deepEqual([left.op, left.conflict.kind, left.conflict.current.distance_m], ["delete", "changed", 700]);
  await Q.resolve(store, left.id, "mine", "7"); // delete it anyway
  await replay(s, store);
  assert.equal(s.entries.has(walk(1).id), false);
});

test("a newer save made while the first is in flight is neither removed nor refused", async () => {
  const s = server();
  s.store(walk(1, { distance_m: 300 }), 1);
  const store = Q.memoryStore([item(1, { entry: walk(1, { distance_m: 400 }), base: '"1"' })]);
  let release;
  s.state.hold = new Promise((r) => { release = r; });
  const running = replay(s, store);
  await new Promise((r) => setTimeout(r, 10)); // the first PUT is in flight
  await O.keep(store, O.record(walk(1, { distance_m: 450 }), [], "7", new Date(), { base: '"1"' }));
  s.state.hold = null;
  release();
  const summary = await running;
  assert.equal(summary.sent, 2);
  assert.equal(s.entries.get(walk(1).id).entry.distance_m, 450); // the last save wins
  assert.deepEqual(s.writes().map((c) => c.ifMatch), ['"1"', '"2"']); // the second based on the first's answer
  assert.deepEqual(await store.all(), []);
});

test("a failing entry does not hold up the others; it waits, backing off, and says why", async () => {
  const s = server({ answer: (e) => (e && e.distance_m === 100 ? { status: 500, body: {} } : null) });
  const store = Q.memoryStore([item(1), item(2), item(3)]);
  const before = Date.now();
  const summary = await replay(s, store);
  assert.deepEqual([summary.sent, summary.stuck, summary.waiting], [2, 1, 1]);
  const [left] = await store.all();
  assert.equal(left.id, walk(1).id);
  assert.equal(left.status, "waiting");
  assert.equal(left.attempts, 1);
  assert.match(left.problem.message, /error 500/);
  assert.ok(Date.parse(left.retryAt) >= before + 29_000);
  assert.equal(summary.nextTry, left.retryAt);
  // Before its time it is left alone; asked to, it is tried now.
  await replay(s, store);
  assert.equal(s.writes().length, 3);
  await replay(s, store, { force: true });
  assert.equal(s.writes().length, 4);
  assert.equal((await store.all())[0].attempts, 2);
});

test("429 is 'try again later' for that entry, as long as the server asks", async () => {
  const s = server({ answer: () => ({ status: 429, body: {}, headers: { "retry-after": "600" } }) });
  const store = Q.memoryStore([item(1)]);
  const summary = await replay(s, store);
  assert.equal(summary.stuck, 1);
  const [left] = await store.all();
  assert.ok(Date.parse(left.retryAt) - Date.now() > 590_000);
  assert.match(left.problem.message, /asked this phone to wait/);
  assert.deepEqual([30, 60, 120, 3600].map((_, i) => Q.retryDelay(i + 1)), [30, 60, 120, 240]);
  assert.equal(Q.retryDelay(20), 3600);
});

test("503 is the whole diary unavailable: no entry is blamed, the next try is when the server asks", async () => {
  const s = server({ answer: () => ({ status: 503, body: {}, headers: { "retry-after": "600" } }) });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await replay(s, store);
  assert.equal(summary.unavailable, true);
  assert.equal(summary.stuck, 0);
  assert.ok(Date.parse(summary.nextTry) - Date.now() > 590_000);
  assert.ok((await store.all()).every((x) => !x.retryAt && !x.problem));
  assert.equal(s.writes().length, 1);
});

test("a rejected entry stays, with the server's message, and the rest are sent", async () => {
  const s = server({
    answer: (e) => e.distance_m === 100 ? { status: 422, body: { errors: [{ field: "pain_onset_m", message: "pain cannot begin beyond the total distance walked" }] } } : null,
  });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await replay(s, store);
  assert.deepEqual([summary.sent, summary.rejected, summary.waiting], [1, 1, 1]);
  const [left] = await store.all();
  assert.equal(left.status, "rejected");
  assert.deepEqual(left.errors, [{ field: "pain_onset_m", message: "pain cannot begin beyond the total distance walked" }]);
});

test("a rejected entry is not sent again, and goes once it is in the diary", async () => {
  const s = server();
  const store = Q.memoryStore([item(1, { status: "rejected", errors: [{ field: "x", message: "y" }] })]);
  await replay(s, store);
  assert.equal(s.writes().length, 0);
  assert.equal((await store.all()).length, 1);
  s.store(walk(1)); // corrected on the form
  const summary = await replay(s, store);
  assert.equal(summary.waiting, 0);
});

test("401 keeps the whole queue and asks to sign in again", async () => {
  const s = server({ signedIn: false });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await replay(s, store);
  assert.equal(summary.signIn, true);
  assert.equal(summary.waiting, 2);
  assert.equal(s.writes().length, 1); // stopped at the first
});

test("403 (a stale CSRF token) gets a fresh token and tries again", async () => {
  const s = server({ token: "token-new" });
  const summary = await Q.replay({ store: Q.memoryStore([item(1), item(2)]), fetch: s.fetch, token: "token-old", owner: "7" });
  assert.equal(summary.sent, 2);
  assert.deepEqual(s.writes().map((c) => c.token), ["token-old", "token-new", "token-new"]);
  assert.equal(s.calls.filter((c) => c.url === "/offline").length, 1);
});

test("403 again after a fresh token stops and keeps the queue", async () => {
  const s = server({ token: "token-new" });
  const summary = await Q.replay({
    store: Q.memoryStore([item(1)]), fetch: s.fetch, token: "token-old", owner: "7",
    session: async () => ({ token: "token-still-wrong", user: "7" }),
  });
  assert.equal(summary.failed, true);
  assert.equal(summary.waiting, 1);
  assert.equal(s.writes().length, 2);
});

test("a fresh token for someone else's session does not send this account's entries", async () => {
  const s = server({ token: "token-new", user: "8" });
  const summary = await Q.replay({ store: Q.memoryStore([item(1)]), fetch: s.fetch, token: "token-old", owner: "7" });
  assert.equal(summary.signIn, true);
  assert.equal(s.entries.size, 0);
});

test("no connection keeps everything", async () => {
  const s = server({ down: true });
  const store = Q.memoryStore([item(1), item(2)]);
  const summary = await replay(s, store);
  assert.equal(summary.offline, true);
  assert.equal(summary.waiting, 2);
});

test("only the signed-in account's entries are sent: never another's, never one saved by nobody", async () => {
  const s = server();
  const theirs = { ...item(2), owner: "8" };
  const nobodys = { ...item(3), owner: null };
  const store = Q.memoryStore([item(1), theirs, nobodys]);
  const summary = await replay(s, store);
  assert.equal(summary.sent, 1);
  assert.equal(summary.waiting, 0);
  assert.deepEqual((await store.all()).map((i) => i.owner), ["8", null]);
  assert.equal((await Q.replay({ store, fetch: s.fetch, token: GOOD })).sent, 0); // no account: nothing
  // The patient says the one saved by nobody is theirs: then it is sent, as theirs.
  await Q.resolve(store, walk(3).id, "claim", "7");
  assert.equal((await replay(s, store)).sent, 1);
  assert.deepEqual([...s.entries.keys()].sort(), [walk(1).id, walk(3).id]);
  await Q.resolve(store, walk(2).id, "claim", "7"); // another account's entry cannot be claimed
  assert.deepEqual((await store.all()).map((i) => i.owner), ["8"]);
});

test("an entry queued by the previous release is sent create-only, and asked about if it differs", async () => {
  const old = { id: walk(1).id, kind: "walk", entry: walk(1, { distance_m: 480 }), form: [], owner: "7",
                savedAt: "2026-11-20T10:00:00.000Z", status: "waiting", errors: [] };
  const s = server();
  s.store(walk(1, { distance_m: 500 }), 1);
  const store = Q.memoryStore([old]);
  await replay(s, store);
  assert.equal(s.writes()[0].ifNoneMatch, "*");
  assert.equal(s.entries.get(walk(1).id).entry.distance_m, 500);
  assert.equal((await store.all())[0].status, "conflict");
});

test("the clock is measured from the Date of each answer", async () => {
  const s = server({ clockMs: Date.now() + 2 * 86400 * 1000 }); // the phone is two days behind
  const summary = await replay(s, Q.memoryStore([item(1)]));
  assert.ok(Math.abs(summary.clock - 2 * 86400) <= 2, summary.clock);
  assert.equal(Q.clockIsOut(summary.clock), true);
  assert.equal(Q.clockIsOut(120), false);
  assert.equal(Q.clockOffset("Wed, 02 Dec 2026 10:00:00 GMT", Date.parse("2026-12-02T10:10:00Z"),
                             Date.parse("2026-12-02T10:10:01Z")), -600);
  assert.equal(Q.clockOffset(null, 0, 1), null);
});

test("the session is read from a page's meta tags; an empty user is nobody", () => {
  assert.deepEqual(Q.readSession('<meta name="csrf-token" content="abc"><meta name="diary-user" content="12">'),
    { token: "abc", user: "12" });
  assert.deepEqual(Q.readSession('<meta name="csrf-token" content="abc"><meta name="diary-user" content="">'),
    { token: "abc", user: null });
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
  const sent = s.entries.get(id).entry;
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
