// What the phone keeps (web/static/pwa/outbox.js): records, who owns them, a
// newer save of the same entry, and when two entries are the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { walkEntry as walk } from "./server.mjs";

const require = createRequire(import.meta.url);
const O = require("../../web/static/pwa/outbox.js");

test("a record remembers its owner, the version it was made from, and counts its saves", async () => {
  const store = O.memoryStore();
  await O.keep(store, O.record(walk(1, { distance_m: 400 }), [], "7", new Date(), { base: '"3"' }));
  await O.keep(store, O.record(walk(1, { distance_m: 450 }), [], "7", new Date(), { base: '"3"' }));
  const [r] = await store.all();
  assert.deepEqual([r.owner, r.base, r.rev, r.entry.distance_m, r.op], ["7", '"3"', 2, 450, "put"]);
});

test("a newer save keeps its place in the queue and the version it was first based on", async () => {
  const store = O.memoryStore();
  await O.keep(store, O.record(walk(1), [], "7", new Date(Date.UTC(2026, 10, 20, 9)), { base: '"1"' }));
  await O.keep(store, O.record(walk(2), [], "7", new Date(Date.UTC(2026, 10, 20, 10))));
  await O.keep(store, O.record(walk(1, { note: "later" }), [], "7", new Date(Date.UTC(2026, 10, 20, 11))));
  const items = await store.all();
  assert.deepEqual(items.map((i) => i.id), [walk(1).id, walk(2).id]);
  assert.equal(items[0].base, '"1"');
});

test("update changes one record in one step: keep, replace or delete", async () => {
  const store = O.memoryStore([O.record(walk(1), [], "7")]);
  await store.update(walk(1).id, (r) => ({ ...r, status: "conflict" }));
  assert.equal((await store.get(walk(1).id)).status, "conflict");
  await store.update(walk(1).id, () => undefined);
  assert.equal((await store.all()).length, 1);
  await store.update(walk(1).id, () => null);
  assert.deepEqual(await store.all(), []);
  await store.setMeta("clock", { offset_s: 5 });
  assert.deepEqual(await store.getMeta("clock"), { offset_s: 5 });
});

test("each record belongs to one account; one saved by nobody belongs to none until claimed", () => {
  const items = [{ id: "a", owner: "7" }, { id: "b", owner: "8" }, { id: "c", owner: null },
                 { id: "d", owner: null, notMine: ["7"] }];
  assert.deepEqual(O.mine(items, "7").map((i) => i.id), ["a"]);
  assert.deepEqual(O.mine(items, null), []);
  assert.deepEqual(O.unclaimed(items, "7").map((i) => i.id), ["c"]);
  assert.deepEqual(O.unclaimed(items, "8").map((i) => i.id), ["c", "d"]);
  assert.deepEqual(O.others(items, "7").map((i) => i.id), ["b"]);
});

test("two entries are the same as the diary stores them, whatever the form of their values", () => {
  const phone = { type: "walk", id: "x", walked_at: "2026-11-20T15:30:00Z", distance_m: 551.8, relief: "no_pain",
                  pain_sites: ["calf", "foot"], note: "", stopped_by_pain: false };
  const diary = { ...phone, walked_at: "2026-11-20T10:30:00-05:00", pain_sites: ["foot", "calf"], side: null,
                  duration_min: null, clock_offset_s: null, received_at: "2026-11-20T16:00:00Z" };
  delete diary.note;
  assert.equal(O.sameEntry(phone, diary), true);
  assert.equal(O.sameEntry(phone, { ...diary, distance_m: 550 }), false);
  assert.equal(O.sameEntry(phone, { ...diary, walked_at: "2026-11-20T10:30:00+00:00" }), false);
  assert.equal(O.sameEntry(phone, { ...diary, pain_score: 0 }), false); // 0 is an answer, not "not given"
  assert.equal(O.sameEntry(phone, { ...diary, terrain: "flat", source: "manual" }), true); // the defaults
  assert.equal(O.sameEntry(phone, { ...diary, terrain: "uphill" }), false);
  assert.equal(O.sameEntry(phone, null), false);
});
