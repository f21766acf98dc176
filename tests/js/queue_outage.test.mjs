// A server that cannot reach its database answers 503 with Retry-After (SECURITY.md, "Faults"):
// the phone keeps every entry, stops for now, and sends them all once the server is back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Q = require("../../web/static/pwa/queue.js");

function walk(n) {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return { type: "walk", id, walked_at: "2026-11-20T10:00:00+00:00", distance_m: 100 * n, relief: "no_pain" };
}

function item(n) {
  return Q.record(walk(n), [["distance_m", String(100 * n)]], "7", new Date(Date.UTC(2026, 10, 20, 10, n)));
}

function server() {
  const state = { down: true, puts: 0, stored: new Map() };
  async function fetch(url, init = {}) {
    const reply = (status, body, headers = {}) => ({ status, headers: { get: (k) => headers[k] ?? null },
      json: async () => body, text: async () => JSON.stringify(body) });
    if ((init.method || "GET") !== "PUT") return reply(404, {});
    state.puts += 1;
    if (state.down) return reply(503, { status_code: 503, detail: "The diary's database cannot be reached." },
      { "retry-after": "5" });
    const entry = JSON.parse(init.body);
    state.stored.set(entry.id, entry);
    return reply(201, entry);
  }
  return { fetch, state };
}

test("503 keeps every entry waiting and stops sending until later", async () => {
  const s = server();
  const store = Q.memoryStore([item(1), item(2), item(3)]);
  const summary = await Q.replay({ store, fetch: s.fetch, token: "t", owner: "7" });
  assert.equal(summary.sent, 0);
  assert.equal(summary.rejected, 0);
  assert.equal(summary.waiting, 3);
  assert.equal(s.state.puts, 1, "one refusal is enough to stop: the phone does not hammer a server in trouble");
  assert.ok((await store.all()).every((x) => x.status === "waiting" && x.errors.length === 0));

  s.state.down = false;
  const later = await Q.replay({ store, fetch: s.fetch, token: "t", owner: "7" });
  assert.equal(later.sent, 3);
  assert.equal(later.waiting, 0);
  assert.equal(s.state.stored.size, 3);
});
