// Walking Diary: what the phone tells the patient about the entries it keeps
// (the panel at the top of every page, #offline-queue): how many are waiting,
// and each one that needs the patient: refused by the diary, in conflict with
// the diary's version, failing to send, saved with nobody signed in, or lost
// when the phone's storage was cleared; and a phone clock that is out.
// Rendering only: offline.js owns the queue and answers the buttons, which say
// what they do in data-action (and data-correct / data-discard for a refused entry).
"use strict";
(function () {
  var E = window.DiaryEntry;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function when(item) {
    var e = item.entry || {};
    var t = Date.parse(item.kind === "walk" ? e.walked_at : e.recorded_at);
    if (isNaN(t)) return "";
    if (typeof e.clock_offset_s === "number") t += e.clock_offset_s * 1000; // as the diary will show it
    return " from " + new Date(t).toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  // "The walk from 20 Nov, 10:00"
  function describe(item) {
    return (item.kind === "walk" ? "The walk" : "The check-in") + when(item);
  }

  function said(entry) { var w = E.words(entry); return w ? w + "." : ""; }

  // "2 days", "3 hours", "12 minutes"
  function span(seconds) {
    var s = Math.abs(seconds);
    if (s >= 36 * 3600) return Math.round(s / 86400) + " days";
    if (s >= 90 * 60) return Math.round(s / 3600) + " hours";
    return Math.round(s / 60) + " minutes";
  }

  function clockWords(offset) {
    return "Your phone's clock is " + span(offset) + (offset > 0 ? " behind" : " ahead") + ". Please set the right " +
      "date and time in the phone's settings. Until then, the diary puts right the times this phone fills in for you.";
  }

  function button(action, id, text, primary) {
    return el("button", { type: "button", class: primary ? "primary" : "link", "data-action": action, "data-entry": id }, text);
  }

  function conflictItem(item) {
    var c = item.conflict || {};
    var li = el("li", { class: "offline-problem offline-conflict", "data-entry": item.id, "data-conflict": c.kind || "" });
    var mine = said(item.entry);
    var theirs = said(c.current);
    var actions = el("div", { class: "offline-actions" });
    if (item.op === "delete") {
      li.append(el("p", {}, describe(item) + " was changed in your diary, perhaps on another device, after you deleted it on this phone."));
      if (theirs) li.append(el("p", {}, "In your diary now: " + theirs));
      actions.append(button("mine", item.id, "Delete it anyway", true), button("diary", item.id, "Keep it"));
    } else if (c.kind === "deleted") {
      li.append(el("p", {}, describe(item) + " was deleted from your diary, perhaps on another device, after you saved it on this phone."));
      if (mine) li.append(el("p", {}, "On this phone: " + mine));
      actions.append(button("mine", item.id, "Put it back in my diary", true), button("diary", item.id, "Leave it deleted"));
    } else if (c.kind === "missing") {
      li.append(el("p", {}, describe(item) + " is not in your diary any more."));
      if (mine) li.append(el("p", {}, "On this phone: " + mine));
      actions.append(button("mine", item.id, "Save it in my diary", true), button("diary", item.id, "Delete it from this phone"));
    } else {
      li.append(el("p", {}, describe(item) + " is in your diary with other answers, perhaps changed on another device. Which should your diary keep?"));
      if (theirs) li.append(el("p", {}, "In your diary: " + theirs));
      if (mine) li.append(el("p", {}, "On this phone: " + mine));
      actions.append(button("mine", item.id, "Keep this phone's", true), button("diary", item.id, "Keep the diary's"));
    }
    li.append(actions);
    return li;
  }

  function rejectedItem(item, signedIn, canCorrect) {
    var li = el("li", { class: "offline-problem", "data-entry": item.id });
    li.append(el("p", {}, describe(item) + " could not be saved in your diary:"));
    var reasons = el("ul");
    (item.errors || []).forEach(function (e) { reasons.append(el("li", {}, e.field + ": " + e.message)); });
    li.append(reasons);
    var actions = el("div", { class: "offline-actions" });
    if (signedIn && canCorrect) actions.append(el("button", { type: "button", class: "primary", "data-correct": item.id }, "Correct it"));
    else actions.append(el("p", { class: "hint" }, "Open your diary, signed in, to correct it."));
    actions.append(el("button", { type: "button", class: "link danger", "data-discard": item.id }, "Delete it"));
    li.append(actions);
    return li;
  }

  function stuckItem(item) {
    var li = el("li", { class: "offline-problem offline-stuck", "data-entry": item.id });
    var next = item.retryAt ? new Date(item.retryAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    li.append(el("p", {}, describe(item) + " could not be sent yet. " + ((item.problem && item.problem.message) || "") +
      " It is kept on this phone" + (next ? " and will be tried again at " + next : "") + "."));
    var actions = el("div", { class: "offline-actions" });
    actions.append(button("retry", item.id, "Try again now"));
    li.append(actions);
    return li;
  }

  function unclaimedItem(item) {
    var li = el("li", { class: "offline-problem offline-unclaimed", "data-entry": item.id });
    var what = said(item.entry);
    li.append(el("p", {}, describe(item) + (what ? " (" + what.slice(0, -1) + ")" : "") +
      " was saved on this phone while nobody was signed in. Is it yours?"));
    var actions = el("div", { class: "offline-actions" });
    actions.append(button("claim", item.id, "Yes, it is mine", true), button("not-mine", item.id, "No, it is not mine"));
    li.append(actions);
    return li;
  }

  function lostItem(lost) {
    var li = el("li", { class: "offline-problem offline-lost" });
    li.append(el("p", {}, lost.label + " is no longer on this phone: the phone's storage was cleared before it was sent. " +
      (lost.gone ? "It is not in your diary: please log it again." : "If it is not in your diary, please log it again.")));
    return li;
  }

  // The panel, built once per page. Returns null when the page has none.
  function Panel(panel) {
    var ui = { panel: panel };
    ui.status = el("p", { id: "offline-status", role: "status", "aria-live": "polite" });
    ui.clock = el("p", { id: "offline-clock", class: "offline-clock", hidden: "" });
    ui.advice = el("div", { id: "offline-advice" });
    ui.problems = el("ul", { id: "offline-problems", class: "offline-problems" });
    panel.append(ui.status, ui.clock, ui.advice, ui.problems);

    // The new content, only if it differs: a button is never replaced under
    // the patient's finger by the same button.
    function swap(target, fresh) {
      var a = target.childNodes, b = fresh.childNodes;
      var same = a.length === b.length && Array.prototype.every.call(a, function (node, i) { return node.isEqualNode(b[i]); });
      if (same) return;
      target.textContent = "";
      while (fresh.firstChild) target.append(fresh.firstChild);
    }

    // state: {message, extra, items, unclaimed, others, clock, persisted, lost, signedIn, canCorrect(kind)}
    function render(state) {
      var items = state.items || [];
      var waiting = items.filter(function (i) { return (i.status || "waiting") === "waiting"; }).length;
      var parts = [];
      if (state.message) parts.push(el("span", { class: "offline-message" }, state.message));
      if (items.length) {
        var line = el("span", { class: "offline-waiting" });
        line.append(el("strong", { id: "offline-count", "data-count": String(items.length) }, String(items.length)),
          document.createTextNode(" " + (items.length === 1 ? "entry" : "entries") + " on this phone " +
            (waiting ? "waiting to be sent." : "waiting for you (below) before " + (items.length === 1 ? "it" : "they") +
             " can be sent.")));
        parts.push(line);
        if (state.persisted === false && !navigator.onLine) {
          parts.push(el("span", { class: "offline-hint" }, "This phone may clear what it keeps if it runs short of space: " +
            "connect to send " + (items.length === 1 ? "it" : "them") + " soon."));
        }
      } else if (!navigator.onLine && !state.message) {
        parts.push(el("span", {}, "You are offline. You can still log a walk or a check-in: it is kept on this phone and sent when you are back online."));
      }
      if (state.others) {
        parts.push(el("span", { class: "offline-others" }, "This phone also keeps " + plural(state.others, "entry", "entries") +
          " of another account: they are sent when that account signs in."));
      }
      if (state.extra) parts.push(state.extra);
      var status = el("p");
      parts.forEach(function (p, i) { if (i) status.append(document.createTextNode(" ")); status.append(p); });
      swap(ui.status, status);

      var out = typeof state.clock === "number" && window.DiaryQueue.clockIsOut(state.clock);
      ui.clock.hidden = !out;
      ui.clock.textContent = out ? clockWords(state.clock) : "";

      var problems = el("ul");
      (state.lost || []).forEach(function (l) { problems.append(lostItem(l)); });
      items.forEach(function (item) {
        if (item.status === "rejected") problems.append(rejectedItem(item, state.signedIn, state.canCorrect(item)));
        else if (item.status === "conflict") problems.append(conflictItem(item));
        else if (item.problem && item.retryAt) problems.append(stuckItem(item));
      });
      if (state.signedIn) (state.unclaimed || []).forEach(function (item) { problems.append(unclaimedItem(item)); });
      swap(ui.problems, problems);

      var busy = parts.length > 0 || out || ui.problems.childNodes.length > 0;
      ui.panel.classList.toggle("offline-active", busy);
      ui.panel.classList.toggle("offline-offline", !navigator.onLine);
    }

    function focus() {
      ui.panel.scrollIntoView({ block: "start" });
      ui.status.setAttribute("tabindex", "-1");
      ui.status.focus();
    }

    return { render: render, focus: focus, advice: ui.advice };
  }

  window.DiaryPanel = { create: function (panel) { return panel ? Panel(panel) : null; }, describe: describe, el: el, plural: plural };
})();
