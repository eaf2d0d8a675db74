// Tsunagu page scripts: no inline scripts anywhere (strict CSP).
"use strict";

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )(?:__Host-)?tsunagu_csrf=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function postJSON(url, body) {
  const res = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? "{}" : JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch (e) { data = {}; }
  return { ok: res.ok, status: res.status, data };
}

function say(el, text, kind) {
  if (!el) return;
  el.textContent = text;
  el.className = "notice notice--" + (kind || "info");
  el.hidden = false;
}

// Register a security key or passkey (account security page).
async function registerKey(button) {
  const status = document.getElementById("webauthn-status");
  const nameInput = document.getElementById("key-name");
  button.disabled = true;
  say(status, button.dataset.msgWaiting, "info");
  try {
    const begin = await postJSON(button.dataset.beginUrl);
    if (!begin.ok) throw new Error(begin.data.message || "begin failed");
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begin.data);
    const credential = await navigator.credentials.create({ publicKey });
    const done = await postJSON(button.dataset.completeUrl, {
      name: nameInput ? nameInput.value : "",
      credential: credential.toJSON(),
    });
    if (!done.ok) throw new Error(done.data.message || "complete failed");
    window.location.assign(done.data.redirect);
  } catch (err) {
    say(status, button.dataset.msgFailed + " (" + (err && err.message ? err.message : err) + ")", "error");
    button.disabled = false;
  }
}

// Sign in with a security key (second step of sign-in).
async function assertKey(button) {
  const status = document.getElementById("webauthn-status");
  button.disabled = true;
  say(status, button.dataset.msgWaiting, "info");
  try {
    const begin = await postJSON(button.dataset.beginUrl);
    if (!begin.ok) throw new Error(begin.data.message || "begin failed");
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begin.data);
    const credential = await navigator.credentials.get({ publicKey });
    const done = await postJSON(button.dataset.completeUrl, credential.toJSON());
    if (!done.ok) {
      if (done.data.details && done.data.details.restart) { window.location.assign("/accounts/login/"); return; }
      throw new Error(done.data.message || "verification failed");
    }
    window.location.assign(done.data.redirect);
  } catch (err) {
    say(status, button.dataset.msgFailed + " (" + (err && err.message ? err.message : err) + ")", "error");
    button.disabled = false;
  }
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-webauthn]");
  if (!target) return;
  event.preventDefault();
  if (!window.PublicKeyCredential) {
    say(document.getElementById("webauthn-status"), target.dataset.msgUnsupported, "error");
    return;
  }
  if (target.dataset.webauthn === "register") registerKey(target);
  if (target.dataset.webauthn === "assert") assertKey(target);
});

// Confirmation for destructive buttons: <button data-confirm="…">.
document.addEventListener("submit", (event) => {
  const btn = event.submitter;
  if (btn && btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) event.preventDefault();
});
