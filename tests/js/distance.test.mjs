// Distance of a GPS-measured walk (web/static/pwa/distance.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const D = require("../../web/static/pwa/distance.js");

const M_PER_DEG = (Math.PI / 180) * 6371008.8;
const START = { lat: 51.5007, lon: -0.1246 };

// A point `north` and `east` metres from `from`.
function offset(from, north, east) {
  return {
    lat: from.lat + north / M_PER_DEG,
    lon: from.lon + east / (M_PER_DEG * Math.cos((from.lat * Math.PI) / 180)),
  };
}

// Fixes every `stepM` metres at `speed` m/s along legs of [north, east] metres.
function route(legs, { stepM = 10, speed = 1.2, accuracy = 5, start = START, t0 = 1_700_000_000_000 } = {}) {
  const fixes = [{ ...start, accuracy, t: t0 }];
  let here = start;
  let t = t0;
  for (const [north, east] of legs) {
    const length = Math.hypot(north, east);
    const steps = Math.round(length / stepM);
    for (let i = 0; i < steps; i++) {
      here = offset(here, north / steps, east / steps);
      t += ((length / steps) / speed) * 1000;
      fixes.push({ ...here, accuracy, t });
    }
  }
  return fixes;
}

function within(actual, expected, share) {
  assert.ok(Math.abs(actual - expected) <= expected * share, `${actual} is not within ${share * 100}% of ${expected}`);
}

test("haversine: one degree of latitude, and London to Paris", () => {
  within(D.haversine({ lat: 0, lon: 0 }, { lat: 1, lon: 0 }), 111195, 0.0001);
  within(D.haversine({ lat: 51.5074, lon: -0.1278 }, { lat: 48.8566, lon: 2.3522 }), 343_560, 0.002);
  assert.equal(D.haversine(START, START), 0);
});

test("the tracker sums a 500 m walk with a corner", () => {
  const tracker = D.createTracker();
  for (const fix of route([[300, 0], [0, 200]])) tracker.add(fix);
  within(tracker.distance, 500, 0.01);
});

test("fixes less accurate than 25 m are ignored", () => {
  const tracker = D.createTracker();
  const fixes = route([[200, 0]]);
  const wild = { ...offset(fixes[10], 0, 60), accuracy: 80, t: fixes[10].t + 500 };
  fixes.forEach((fix, i) => {
    tracker.add(fix);
    if (i === 10) assert.equal(tracker.add(wild).reason, "inaccurate");
  });
  within(tracker.distance, 200, 0.01);
  assert.equal(D.createTracker().add({ ...START, accuracy: 26, t: 0 }).accepted, false);
  assert.equal(D.createTracker().add({ ...START, accuracy: 25, t: 0 }).accepted, true);
});

test("a jump faster than walking is ignored", () => {
  const tracker = D.createTracker();
  const fixes = route([[200, 0]]);
  fixes.forEach((fix, i) => {
    tracker.add(fix);
    if (i === 5) {
      const jump = { ...offset(fix, 0, 150), accuracy: 5, t: fix.t + 2000 };
      assert.equal(tracker.add(jump).reason, "too-fast");
    }
  });
  within(tracker.distance, 200, 0.01);
});

test("2.5 m/s is the limit", () => {
  const slow = D.createTracker();
  slow.add({ ...START, accuracy: 5, t: 0 });
  assert.equal(slow.add({ ...offset(START, 24, 0), accuracy: 5, t: 10_000 }).accepted, true);
  const fast = D.createTracker();
  fast.add({ ...START, accuracy: 5, t: 0 });
  assert.equal(fast.add({ ...offset(START, 26, 0), accuracy: 5, t: 10_000 }).reason, "too-fast");
});

test("when the first good fix was the jump, the tracker starts again from the walk", () => {
  const tracker = D.createTracker();
  const fixes = route([[300, 0]]);
  tracker.add({ ...offset(START, 0, -400), accuracy: 10, t: fixes[0].t - 1000 }); // a bad first fix
  for (const fix of fixes) tracker.add(fix);
  // Nothing is counted for the jump, and the walk after the restart is.
  assert.ok(tracker.distance > 250 && tracker.distance <= 300 * 1.01, String(tracker.distance));
});

test("standing still adds nothing for GPS wander", () => {
  const tracker = D.createTracker();
  let t = 0;
  for (let i = 0; i < 120; i++) {
    const wobble = offset(START, Math.sin(i) * 2.5, Math.cos(i * 1.7) * 2.5);
    tracker.add({ ...wobble, accuracy: 8, t: (t += 1000) });
  }
  assert.equal(tracker.distance, 0);
});

test("a slow walker is still counted", () => {
  const tracker = D.createTracker();
  for (const fix of route([[100, 0]], { stepM: 1, speed: 0.5 })) tracker.add(fix);
  within(tracker.distance, 100, 0.05);
});

test("late fixes delivered in a burst are not taken for running", () => {
  const tracker = D.createTracker();
  const fixes = route([[100, 0]]);
  const arrival = fixes[0].t;
  fixes.forEach((fix, i) => tracker.add({ ...fix, received: arrival + i })); // all arrive within ms
  within(tracker.distance, 100, 0.01);
});

test("time can come from arrival when the fixes' clock does not move", () => {
  // As in an emulated browser: fixes stamped the same instant, arriving seconds apart.
  const tracker = D.createTracker();
  route([[100, 0]]).forEach((fix, i) => tracker.add({ ...fix, t: 5, received: fix.t }));
  within(tracker.distance, 100, 0.01);
});

test("'Pain started' records the distance so far, once", () => {
  const tracker = D.createTracker();
  const fixes = route([[500, 0]]);
  fixes.slice(0, 21).forEach((fix) => tracker.add(fix)); // 200 m
  const onset = tracker.painStarted(167);
  within(onset.distance, 200, 0.01);
  assert.equal(onset.seconds, 167);
  fixes.slice(21).forEach((fix) => tracker.add(fix));
  assert.deepEqual(tracker.painStarted(300), onset);
  within(tracker.onset.distance, 200, 0.01);
  within(tracker.distance, 500, 0.01);
});

test("no fix, no distance", () => {
  const tracker = D.createTracker();
  assert.equal(tracker.distance, 0);
  assert.equal(tracker.fixes, 0);
  assert.equal(tracker.add({ lat: NaN, lon: 0, accuracy: 5, t: 0 }).reason, "invalid");
  assert.deepEqual(tracker.painStarted(0), { distance: 0, seconds: 0 });
});

test("distances and times read as on the diary pages", () => {
  assert.equal(D.formatDistance(0), "0 m");
  assert.equal(D.formatDistance(523.4), "523 m");
  assert.equal(D.formatDistance(1500), "1.5 km");
  assert.equal(D.formatDistance(1254), "1.25 km");
  assert.equal(D.formatDuration(0), "0:00");
  assert.equal(D.formatDuration(245.9), "4:05");
  assert.equal(D.formatDuration(3723), "1:02:03");
});
