// The page of `kzru serve`: choose a visit (or bring one), an audience, a language and
// documents; see the problems of a visit file beside its lines; download the files and
// preview the PDF. Plain DOM, no libraries; every text from the server or a file is
// set as text, never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "kzru-token";
const state = { options: null, uploadBytes: null, uploadName: "", outputs: [] };

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function say(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token()) headers.set("Authorization", "Bearer " + token());
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) {
    askForToken(token() ? "That token was not accepted." : "This service needs a token.");
    throw new Error("a token is needed");
  }
  return response;
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.error || response.statusText;
  } catch {
    return response.statusText || "error " + response.status;
  }
}

function askForToken(note) {
  $("token-form").hidden = false;
  $("forget-token").hidden = true;
  $("build-form").hidden = true;
  $("token-note").textContent = note;
  $("token").focus();
}

function option(select, value, label) {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = label;
  select.append(item);
}

function checkbox(group, name, value, label, checked) {
  const wrap = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.name = name;
  box.value = value;
  box.checked = checked;
  wrap.append(box, " " + label);
  group.append(wrap);
}

function checked(group) {
  return [...$(group).querySelectorAll("input:checked")].map((b) => b.value);
}

async function start() {
  say("Loading…");
  const [optionsAnswer, visitsAnswer] = await Promise.all([api("/v1/options"), api("/v1/visits")]);
  if (!optionsAnswer.ok) return say(await errorText(optionsAnswer), true);
  if (!visitsAnswer.ok) return say(await errorText(visitsAnswer), true);
  const options = (state.options = await optionsAnswer.json());
  const { visits } = await visitsAnswer.json();

  const visit = $("visit");
  visit.replaceChildren();
  for (const v of visits) {
    const when = v.dates && v.dates.start ? ` (${v.dates.start})` : "";
    option(visit, v.id, v.title + when);
  }
  if (!visits.length) {
    option(visit, "", "no visits in this workspace");
    document.querySelector("input[value=upload]").checked = true;
  }

  const audience = $("audience");
  audience.replaceChildren();
  for (const a of options.audiences) option(audience, a.name, a.label);
  const lang = $("lang");
  lang.replaceChildren();
  for (const l of options.languages) option(lang, l, l);
  lang.value = options.lang;
  $("formats").replaceChildren();
  for (const f of options.formats) checkbox($("formats"), "format", f, f.toUpperCase(), true);
  showDocuments();
  showSource();

  $("token-form").hidden = true;
  $("forget-token").hidden = !token();
  $("build-form").hidden = false;
  say(options.audiences.length ? "" : "This token may not build for any audience.", !options.audiences.length);
}

function showDocuments() {
  const chosen = state.options.audiences.find((a) => a.name === $("audience").value);
  const group = $("documents");
  group.replaceChildren();
  for (const d of chosen ? chosen.documents : []) checkbox(group, "document", d, d, true);
}

function source() {
  return document.querySelector("input[name=source]:checked").value;
}

function showSource() {
  const upload = source() === "upload";
  $("upload").hidden = !upload;
  $("visit").disabled = upload;
  $("zip").hidden = !upload;
}

function uploadBody() {
  const text = $("visit-text").value;
  const bytes = state.uploadBytes || new TextEncoder().encode(text);
  const json = state.uploadName ? /\.json$/i.test(state.uploadName) : /^\s*[{[]/.test(text);
  return { body: bytes, type: json ? "application/json" : "application/yaml" };
}

function lines() {
  if (state.uploadBytes) return new TextDecoder("utf-8").decode(state.uploadBytes).split(/\r?\n/);
  return $("visit-text").value.split(/\r?\n/);
}

function showProblems(problems) {
  const section = $("problems");
  const listing = $("listing");
  const whole = $("file-problems");
  listing.replaceChildren();
  whole.replaceChildren();
  section.hidden = !problems.length;
  if (!problems.length) return;
  const byLine = new Map();
  for (const p of problems) {
    const text = (p.path ? p.path + ": " : "") + p.message + (p.column ? ` (column ${p.column})` : "");
    if (p.line) {
      if (!byLine.has(p.line)) byLine.set(p.line, []);
      byLine.get(p.line).push(text);
    } else {
      const item = document.createElement("li");
      item.textContent = text;
      whole.append(item);
    }
  }
  lines().forEach((line, index) => {
    const item = document.createElement("li");
    item.id = "line-" + (index + 1);
    item.textContent = line || " ";
    for (const message of byLine.get(index + 1) || []) {
      item.classList.add("bad");
      const note = document.createElement("span");
      note.className = "problem";
      note.textContent = message;
      item.append(note);
    }
    listing.append(item);
  });
  const first = listing.querySelector(".bad");
  if (first) first.scrollIntoView({ block: "nearest" });
}

async function validate() {
  const { body, type } = uploadBody();
  if (!body.length) return say("Paste a visit file or choose one first.", true);
  say("Checking…");
  const response = await api("/v1/validate", { method: "POST", body, headers: { "Content-Type": type } });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 422 || response.ok) {
    showProblems(answer.problems || []);
    say(response.ok ? "The visit file is valid." : answer.error, !response.ok);
    return response.ok;
  }
  say(answer.error || response.statusText, true);
  return false;
}

function fileName(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : fallback;
}

async function fetchOne(document_, format) {
  const audience = $("audience").value;
  const lang = $("lang").value;
  if (source() === "workspace") {
    const visit = encodeURIComponent($("visit").value);
    const path = `/v1/visits/${visit}/${encodeURIComponent(audience)}/${document_}.${format}`;
    return api(`${path}?lang=${encodeURIComponent(lang)}`);
  }
  const query = new URLSearchParams({ audience, lang, document: document_, format });
  const { body, type } = uploadBody();
  return api("/v1/build?" + query, { method: "POST", body, headers: { "Content-Type": type } });
}

function clearOutputs() {
  for (const o of state.outputs) URL.revokeObjectURL(o.url);
  state.outputs = [];
  $("outputs").replaceChildren();
  $("preview").hidden = true;
  $("preview").removeAttribute("src");
}

function addOutput(name, blob) {
  const url = URL.createObjectURL(blob);
  state.outputs.push({ name, url });
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.textContent = name;
  item.append(link, `${Math.max(1, Math.round(blob.size / 1024))} KB `);
  if (blob.type === "application/pdf") {
    const show = document.createElement("button");
    show.type = "button";
    show.textContent = "Preview";
    show.addEventListener("click", () => preview(url));
    item.append(show);
  }
  $("outputs").append(item);
  $("results").hidden = false;
}

function preview(url) {
  const frame = $("preview");
  frame.src = url;
  frame.hidden = false;
}

async function build(event) {
  event.preventDefault();
  const documents = checked("documents");
  const formats = checked("formats");
  if (!documents.length || !formats.length) return say("Choose at least one document and one format.", true);
  if (source() === "upload" && !(await validate())) return;
  $("build").disabled = true;
  clearOutputs();
  say("Building…");
  try {
    const jobs = documents.flatMap((d) => formats.map((f) => [d, f]));
    const answers = await Promise.all(jobs.map(([d, f]) => fetchOne(d, f)));
    const failed = [];
    for (const [index, response] of answers.entries()) {
      const [d, f] = jobs[index];
      if (response.ok) addOutput(fileName(response, `${d}.${f}`), await response.blob());
      else failed.push(`${d}.${f}: ${await errorText(response)}`);
    }
    const firstPdf = state.outputs.find((o) => o.name.endsWith(".pdf"));
    if (firstPdf) preview(firstPdf.url);
    say(failed.length ? failed.join("; ") : `Built ${state.outputs.length} file(s).`, failed.length > 0);
  } finally {
    $("build").disabled = false;
  }
}

async function downloadZip() {
  const query = new URLSearchParams({ audience: $("audience").value, lang: $("lang").value });
  for (const d of checked("documents")) query.append("document", d);
  for (const f of checked("formats")) query.append("format", f);
  const { body, type } = uploadBody();
  say("Building…");
  const response = await api("/v1/build?" + query, { method: "POST", body, headers: { "Content-Type": type } });
  if (!response.ok) return say(await errorText(response), true);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = fileName(response, "documents.zip");
  link.click();
  say("Downloaded " + link.download + ".");
}

function wire() {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    $("token").value = "";
    start().catch((e) => say(e.message, true));
  });
  $("forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken("Token forgotten.");
  });
  $("audience").addEventListener("change", showDocuments);
  for (const radio of document.querySelectorAll("input[name=source]")) radio.addEventListener("change", showSource);
  $("visit-file").addEventListener("change", async () => {
    const file = $("visit-file").files[0];
    if (!file) return;
    state.uploadBytes = new Uint8Array(await file.arrayBuffer());
    state.uploadName = file.name;
    $("visit-text").value = new TextDecoder("utf-8").decode(state.uploadBytes);
  });
  $("visit-text").addEventListener("input", () => {
    state.uploadBytes = null;
    state.uploadName = "";
  });
  $("validate").addEventListener("click", () => validate().catch((e) => say(e.message, true)));
  $("build-form").addEventListener("submit", (e) => build(e).catch((err) => say(err.message, true)));
  $("zip").addEventListener("click", () => downloadZip().catch((e) => say(e.message, true)));
}

wire();
start().catch((e) => say(e.message, true));
