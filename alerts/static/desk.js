// Pantau alert desk. Plain DOM code: every value from the server is put in
// the page with textContent (never innerHTML), because product titles,
// comments and transcripts come from streams and may be hostile.
"use strict";

const state = { csrf: "", alerts: new Map(), order: [], selected: null, seq: 0, ws: null, retry: 500,
                nextCursor: null, role: "" };
const $ = (id) => document.getElementById(id);
const SEVERE = new Set(["high", "critical"]);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}
const idr = (v) => (v === null || v === undefined) ? "-" : "Rp " + Number(v).toLocaleString("id-ID");
const when = (t) => t ? new Date(t * 1000).toLocaleString() : "-";

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(path, { method: options.method || "GET", headers, credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const data = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new Error((data && data.error) || response.statusText);
  return data;
}

function filters() {
  return { severity: $("f-severity").value, status: $("f-status").value, seller: $("f-seller").value.trim(),
           stream: $("f-stream").value.trim(), rule: $("f-rule").value.trim() };
}

function matches(a) {
  const f = filters();
  return (!f.severity || a.severity === f.severity) && (!f.status || a.status === f.status) &&
    (!f.seller || a.seller_id === f.seller) && (!f.stream || a.stream_id === f.stream) && (!f.rule || a.rule === f.rule);
}

function renderRow(a) {
  const tr = el("tr", null, `sev-${a.severity} status-${a.status}`);
  tr.dataset.alertId = a.alert_id;
  for (const v of [when(a.last_seen || a.created_at), a.severity, a.status, a.seller_id, a.product_text,
                   idr(a.unit_price_idr), idr(a.reference_cost_idr), a.rule, a.count]) tr.append(el("td", v));
  tr.addEventListener("click", () => select(a.alert_id));
  if (a.alert_id === state.selected) tr.classList.add("selected");
  return tr;
}

function render() {
  const body = $("alert-rows");
  const rows = state.order.map((id) => state.alerts.get(id)).filter(matches).map(renderRow);
  body.replaceChildren(...rows);
}

function upsert(a, live) {
  const known = state.alerts.has(a.alert_id);
  state.alerts.set(a.alert_id, a);
  if (!known) state.order.unshift(a.alert_id);
  render();
  if (live && !known && SEVERE.has(a.severity) && matches(a)) cue(a);
  if (a.alert_id === state.selected) showDetail(a.alert_id);
}

function cue(a) {
  const row = document.querySelector(`tr[data-alert-id="${CSS.escape(a.alert_id)}"]`);
  if (row) row.classList.add("flash");
  document.title = `(!) ${a.severity} alert — Pantau`;
  if (!$("f-sound").checked) return;
  try {
    const ctx = cue.ctx || (cue.ctx = new AudioContext());
    const osc = ctx.createOscillator(); const gain = ctx.createGain();
    osc.frequency.value = a.severity === "critical" ? 990 : 660; gain.gain.value = 0.1;
    osc.connect(gain).connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.25);
  } catch (e) { /* audio may be blocked until the user interacts */ }
}

async function loadAlerts(more) {
  const f = filters(); const q = new URLSearchParams({ limit: "100" });
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  if (more && state.nextCursor) q.set("cursor", state.nextCursor);
  const data = await api("/api/alerts?" + q);
  if (!more) { state.alerts.clear(); state.order = []; }
  for (const a of data.alerts) { if (!state.alerts.has(a.alert_id)) state.order.push(a.alert_id); state.alerts.set(a.alert_id, a); }
  state.nextCursor = data.next_cursor; $("more").hidden = !data.next_cursor;
  if (data.feed_seq !== undefined && state.seq === 0) state.seq = data.feed_seq;
  render();
}

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/api/feed?since=${state.seq}`);
  state.ws = ws;
  ws.onopen = () => { state.retry = 500; $("conn").textContent = "live"; $("conn").className = "conn live"; };
  ws.onmessage = (ev) => {
    const frame = JSON.parse(ev.data);
    for (const msg of frame.type === "batch" ? frame.messages : [frame]) {
      if (msg.seq > state.seq) state.seq = msg.seq;
      if (msg.type === "alert") upsert(msg.alert, msg.change === "created");
    }
  };
  ws.onclose = () => {
    $("conn").textContent = "reconnecting…"; $("conn").className = "conn down";
    setTimeout(connect, state.retry); state.retry = Math.min(state.retry * 2, 10000);
  };
}

async function select(alertId) {
  if (alertId !== state.selected) $("d-error").textContent = "";  // a live refresh keeps the message
  state.selected = alertId;
  for (const tr of document.querySelectorAll("#alert-rows tr")) tr.classList.toggle("selected", tr.dataset.alertId === alertId);
  await showDetail(alertId);
}

async function showDetail(alertId) {
  const a = await api(`/api/alerts/${encodeURIComponent(alertId)}`);
  $("detail").hidden = false;
  $("d-title").textContent = `${a.product_text || a.category || "offer"} — ${a.seller_id}`;
  $("d-message").textContent = a.message;
  $("d-rule").textContent = `${a.rule} (${a.severity}, confidence ${Math.round(a.confidence * 100)}%)`;
  $("d-offer").textContent = `${idr(a.price_idr)} for ${a.quantity || 1} = ${idr(a.unit_price_idr)} per unit`;
  $("d-reference").textContent = `${idr(a.reference_cost_idr)} ${a.reference_version ? "(" + a.reference_version + ")" : ""}`;
  $("d-status").textContent = a.status + (a.confirmed ? ", confirmed" : "");
  $("d-corroboration").textContent = (a.corroboration || []).join(", ") || (a.confirmed ? "operator" : "none yet");
  const transcript = a.evidence.find((e) => e.kind === "transcript");
  const quote = $("d-transcript"); quote.replaceChildren();
  if (transcript) {
    for (const seg of transcript.content.segments) quote.append(el("span", `[${seg.t0.toFixed(1)}s] ${seg.text}\n`));
    if (!transcript.content.segments.length) quote.append(el("span", transcript.content.offer_text));
  } else quote.textContent = (a.offer && a.offer.text) || "";
  const audio = a.evidence.find((e) => e.kind === "audio");
  $("d-audio").hidden = !audio; $("d-audio-none").hidden = !!audio;
  if (audio) { if ($("d-audio").getAttribute("src") !== audio.url) $("d-audio").src = audio.url; } else $("d-audio").removeAttribute("src");
  const snap = a.evidence.find((e) => e.kind === "snapshot");
  const dl = $("d-snapshot"); dl.replaceChildren();
  const product = snap && snap.content.product;
  if (product) for (const k of ["title", "price_idr", "list_price_idr", "stock", "ship_from", "shop"]) {
    dl.append(el("dt", k), el("dd", k.endsWith("_idr") ? idr(product[k]) : product[k]));
  } else dl.append(el("dd", "No pinned product."));
  const events = $("d-events"); events.replaceChildren();
  for (const e of a.events) events.append(el("li", `${when(e.at)} ${e.kind} by ${e.actor}${e.reason ? ": " + e.reason : ""}`));
}

async function act(action) {
  if (!state.selected) return;
  const reason = $("d-reason").value.trim();
  if (action === "dismiss" && !reason) { $("d-error").textContent = "Give a reason to dismiss."; $("d-reason").focus(); return; }
  try {
    const a = await api(`/api/alerts/${encodeURIComponent(state.selected)}/${action}`, { method: "POST", body: { reason } });
    $("d-reason").value = ""; upsert(a, false);
  } catch (e) { $("d-error").textContent = e.message; }
}

function move(step) {
  const rows = [...document.querySelectorAll("#alert-rows tr")];
  if (!rows.length) return;
  let i = rows.findIndex((r) => r.dataset.alertId === state.selected);
  i = Math.max(0, Math.min(rows.length - 1, i + step));
  select(rows[i].dataset.alertId);
}

document.addEventListener("keydown", (ev) => {
  if (ev.target.closest("input, select, textarea") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const keys = { j: () => move(1), k: () => move(-1), a: () => act("acknowledge"), c: () => act("confirm"),
                 e: () => act("escalate"), d: () => act("dismiss") };
  if (keys[ev.key]) { ev.preventDefault(); keys[ev.key](); }
});

async function showCases() {
  $("feed-view").hidden = true; $("detail").hidden = true; $("cases-view").hidden = false;
  const data = await api("/api/cases");
  $("case-rows").replaceChildren(...data.cases.map((c) => {
    const tr = el("tr");
    for (const v of [c.id, c.seller_name || c.seller_id, c.platform, c.status, when(c.escalated_at)]) tr.append(el("td", v));
    const open = el("button", "Open"); open.addEventListener("click", () => showCase(c.id));
    const td = el("td"); td.append(open); tr.append(td);
    return tr;
  }));
}

async function showCase(caseId) {
  const data = await api(`/api/cases/${caseId}`);
  $("case-detail").hidden = false;
  $("c-title").textContent = `Case ${data.case.id}: ${data.case.seller_name || data.case.seller_id} (${data.case.status})`;
  $("c-bundle").href = `/api/cases/${data.case.id}/bundle`;
  $("c-alerts").replaceChildren(...data.alerts.map((a) => el("li", `${a.severity} ${a.rule}: ${a.product_text} at ${idr(a.unit_price_idr)} (reference ${idr(a.reference_cost_idr)})`)));
  $("c-events").replaceChildren(...data.events.map((e) => el("li", `${when(e.at)} ${e.kind} by ${e.actor} — ${e.hash.slice(0, 12)}`)));
}

function route() {
  if (location.hash === "#cases") { showCases().catch((e) => alert(e.message)); return; }
  $("cases-view").hidden = true; $("feed-view").hidden = state.role === "regulator";
}

async function start() {
  const session = await api("/api/session");
  if (!session.signed_in) {
    $("signin").hidden = false;
    $("signin-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { await api("/api/session", { method: "POST", body: { token: $("signin-token").value } }); location.reload(); }
      catch (e) { $("signin-error").textContent = e.message; }
    });
    return;
  }
  state.csrf = session.csrf; state.role = session.role;
  $("whoami").textContent = `${session.name} (${session.role})`;
  $("open-desk-banner").hidden = !session.open_desk;
  $("desk").hidden = false;
  for (const b of document.querySelectorAll(".actions button")) {
    b.addEventListener("click", () => act(b.dataset.action));
    b.hidden = !["operator", "admin"].includes(session.role);  // the server refuses others anyway
  }
  $("filters").addEventListener("change", () => loadAlerts(false));
  $("more").addEventListener("click", () => loadAlerts(true));
  window.addEventListener("hashchange", route);
  if (session.role === "regulator") { location.hash = "#cases"; route(); $("conn").textContent = ""; return; }
  route();
  await loadAlerts(false);
  connect();
}

start().catch((e) => { document.body.append(el("p", "Pantau desk failed to start: " + e.message, "error")); });
