// Passkeys: "Add a passkey on this phone" (/account) and "Sign in with a passkey" (/login).
// The buttons stay hidden unless this browser has WebAuthn. The server sends the options as
// JSON (base64url for bytes); the browser's own JSON helpers are used where they exist.
(function () {
  "use strict";

  var NOT_USED = "The passkey was not used: it was cancelled, or it took too long. Please try again.";

  function fromB64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: fromB64url(c.id) }); });
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: fromB64url(json.challenge),
      user: Object.assign({}, json.user, { id: fromB64url(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return Object.assign({}, json, { challenge: fromB64url(json.challenge), allowCredentials: withIds(json.allowCredentials) });
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var r = credential.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      response.userHandle = r.userHandle ? toB64url(r.userHandle) : null;
    }
    return {
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type, response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      // A session that ended meanwhile is sent to the sign-in page, which is no JSON.
      if (response.redirected) throw new Error("You are signed out. Please sign in again.");
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || "Something went wrong. Please reload the page and try again.");
        return data;
      });
    });
  }

  function say(box, error) {
    if (!box) return;
    var name = error && error.name;
    box.textContent = name === "NotAllowedError" || name === "AbortError" ? NOT_USED
      : name === "InvalidStateError" ? "This phone already has a passkey for your account."
      : (error && error.message) || NOT_USED;
    box.hidden = false;
  }

  function busy(button, on) {
    button.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
  }

  function addPasskey(button) {
    var box = document.getElementById("passkey-add-error");
    busy(button, true);
    post("/account/passkeys/register/begin").then(function (begin) {
      return navigator.credentials.create({ publicKey: creationOptions(begin.publicKey) }).then(function (credential) {
        return post("/account/passkeys/register/finish", { token: begin.token, credential: credentialJSON(credential) });
      });
    }).then(function (done) {
      window.location.assign(done.redirect);
    }).catch(function (error) {
      busy(button, false);
      say(box, error);
    });
  }

  // A passkey the person already has, to confirm it is them before adding another one.
  function confirmWithPasskey(button) {
    var box = document.getElementById("passkey-add-error");
    busy(button, true);
    post("/account/confirm/passkey/begin").then(function (begin) {
      return navigator.credentials.get({ publicKey: requestOptions(begin.publicKey) }).then(function (credential) {
        return post("/account/confirm/passkey/finish", { token: begin.token, credential: credentialJSON(credential) });
      });
    }).then(function () {
      window.location.assign("/account?done=confirmed#passkeys-h");
    }).catch(function (error) {
      busy(button, false);
      say(box, error);
    });
  }

  function signIn(button) {
    var box = document.getElementById("passkey-signin-error");
    var keep = document.querySelector('input[name="keep_signed_in"]');
    var next = document.querySelector('input[name="next"]');
    busy(button, true);
    post("/login/passkey/begin").then(function (begin) {
      return navigator.credentials.get({ publicKey: requestOptions(begin.publicKey) }).then(function (credential) {
        return post("/login/passkey/finish", {
          token: begin.token, credential: credentialJSON(credential),
          keep_signed_in: Boolean(keep && keep.checked), next: next ? next.value : "",
        });
      });
    }).then(function (done) {
      window.location.assign(done.redirect);
    }).catch(function (error) {
      busy(button, false);
      say(box, error);
    });
  }

  function start() {
    var add = document.querySelector("[data-passkey-add]");
    var signin = document.querySelector("[data-passkey-signin]");
    var confirm = document.querySelector("[data-passkey-confirm]");
    if (!add && !signin && !confirm) return;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      var unsupported = document.querySelector("[data-passkey-unsupported]");
      if (unsupported) unsupported.hidden = false;
      return;
    }
    if (add) {
      add.hidden = false;
      add.addEventListener("click", function () { addPasskey(add); });
    }
    if (confirm) {
      confirm.hidden = false;
      confirm.addEventListener("click", function () { confirmWithPasskey(confirm); });
    }
    if (signin) {
      var button = signin.querySelector("button");
      signin.hidden = false;
      button.addEventListener("click", function () { signIn(button); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
