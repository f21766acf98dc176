// A pretend diary for the queue's tests: PUT and DELETE /api/v1/entries/{id}
// with versions (ETag, If-Match, If-None-Match: *), tombstones (410, ?restore=true)
// and a Date header, as server/routes/api.py answers them.
export const GOOD = "token-good";

export function walkEntry(n, extra = {}) {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return { type: "walk", id, walked_at: "2026-11-20T10:00:00+00:00", distance_m: 100 * n, relief: "no_pain", ...extra };
}

// options: token, signedIn, user, down, answer(entry, method) -> {status, body, headers} to force an answer,
// clockMs (the server's clock), hold (a promise every answer waits for).
export function server({ token = GOOD, signedIn = true, user = "7", answer = () => null, down = false, clockMs = null } = {}) {
  const entries = new Map(); // id -> {entry, version}
  const tombstones = new Map(); // id -> version
  const calls = [];
  const state = { hold: null };
  const headersOf = (h) => ({ get: (name) => h[name.toLowerCase()] ?? null });
  function reply(status, body, extra = {}) {
    const h = { date: new Date(clockMs ?? Date.now()).toUTCString(), ...extra };
    return { status, headers: headersOf(h), json: async () => body, text: async () => JSON.stringify(body) };
  }
  const tag = (v) => `"${v}"`;
  async function fetch(url, init = {}) {
    const method = init.method || "GET";
    const headers = init.headers || {};
    calls.push({ url, method, token: headers["x-csrftoken"], ifMatch: headers["if-match"], ifNoneMatch: headers["if-none-match"],
                 body: init.body ? JSON.parse(init.body) : null });
    if (down) throw new TypeError("Failed to fetch");
    if (state.hold) await state.hold;
    if (url === "/offline") {
      return { status: 200, headers: headersOf({}), text: async () => `<meta name="csrf-token" content="${token}">` +
        (signedIn ? `<meta name="diary-user" content="${user}">` : '<meta name="diary-user" content="">') };
    }
    const [path, query = ""] = url.split("?");
    const id = decodeURIComponent(path.split("/").pop());
    const stored = entries.get(id);
    if (method === "GET") {
      if (stored) return reply(200, stored.entry, { etag: tag(stored.version) });
      return tombstones.has(id) ? reply(410, { deleted_at: "2026-11-20T12:00:00+00:00" }) : reply(404, {});
    }
    if (headers["x-csrftoken"] !== token) return reply(403, { detail: "CSRF token verification failed" });
    if (!signedIn) return reply(401, { detail: "Sign in first." });
    const entry = init.body ? JSON.parse(init.body) : null;
    const forced = answer(entry, method, id);
    if (forced) return reply(forced.status, forced.body, forced.headers);
    const restore = query.includes("restore=true");
    if (!stored && tombstones.has(id) && !(method === "PUT" && restore)) return reply(410, { status_code: 410 });
    const ifMatch = headers["if-match"];
    const ifNoneMatch = headers["if-none-match"];
    const failed = (stored && ifNoneMatch === "*") || (ifMatch && (!stored || ifMatch !== tag(stored.version)));
    if (failed) {
      return reply(412, { current: stored ? stored.entry : null }, stored ? { etag: tag(stored.version) } : {});
    }
    if (method === "DELETE") {
      if (!stored) return reply(404, {});
      entries.delete(id);
      tombstones.set(id, stored.version + 1);
      return reply(204, null);
    }
    const same = stored && JSON.stringify(stored.entry) === JSON.stringify(entry);
    const version = stored ? stored.version + (same ? 0 : 1) : (tombstones.get(id) ?? 0) + 1;
    tombstones.delete(id);
    entries.set(id, { entry, version });
    return reply(stored ? 200 : 201, entry, { etag: tag(version) });
  }
  return {
    fetch, entries, tombstones, calls, state,
    writes: () => calls.filter((c) => c.method === "PUT" || c.method === "DELETE"),
    store(entry, version = 1) { entries.set(entry.id, { entry, version }); },
  };
}
