// govchain /verify: hash the file here (SM3 in WebAssembly), fetch a
// private-lookup bundle (only a 20-bit prefix of the hash is sent), and
// verify it here from a trust root, with the Go verifier compiled to
// WebAssembly (chain/proof/bundle).
"use strict";
const $ = (id) => document.getElementById(id);
const PREFIX_HEX = 5; // 20 bits
const BUNDLE_LAG = 2; // a bundle proves the state 2 below the latest (bundle.BundleLag)
const TRUST_KEY = "govchain-trust-" + location.host;
const V = {
  VALID: ["有效", "证照有效 · the certificate is valid"], REVOKED: ["已撤销", "发证部门已撤销 · revoked by its issuer"],
  SUSPENDED: ["已暂停", "发证部门已暂停 · suspended by its issuer"], EXPIRED: ["已过期", "超过有效期 · past its validity period"],
  UNKNOWN: ["未登记", "链上无此证照 · not on chain: altered or never anchored"], FAILED: ["验证失败", "证明不成立 · the proofs do not check out"],
  STALE: ["非最新", "节点给出的状态过旧 · the node answered with an old state"],
};
const UNCONFIRMED = "无法确认为最新状态 · cannot confirm this is the latest state";
// How old the proven state may be before the answer is STALE: 5 minutes,
// or the link's "maxage" (e.g. #h=…&maxage=30m; s, m, h or d).
const DEFAULT_MAX_AGE_MS = 5 * 60e3;
let ready, trust, trustSource, member = null;

function status(t) { $("status").textContent = t; }
function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function loadVerifier() {
  for (let i = 0; ; i++) {
    const r = await fetch("/verify/verifier.wasm");
    if (r.status === 503) {
      status("正在准备验证程序（本节点首次使用，约一分钟）… Preparing the verifier (first use on this node, about a minute)… " + (await r.text()));
      await sleep(3000);
      continue;
    }
    if (!r.ok) throw new Error("verifier.wasm: HTTP " + r.status);
    const bytes = await r.arrayBuffer();
    await new Promise((ok, fail) => {
      const s = document.createElement("script");
      s.src = "/verify/wasm_exec.js"; s.onload = ok; s.onerror = () => fail(new Error("wasm_exec.js"));
      document.head.appendChild(s);
    });
    const go = new Go();
    const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
    go.run(instance);
    while (!window.govchainReady) await sleep(20);
    return;
  }
}

function fragment() {
  const f = new URLSearchParams(location.hash.slice(1));
  const out = { h: (f.get("h") || "").toLowerCase() };
  if (f.get("b") && f.get("i") !== null) out.member = { root: f.get("b"), index: Number(f.get("i")), path: (f.get("p") || "").split(",").filter(Boolean) };
  const ma = /^(\d+)(s|m|h|d)$/.exec(f.get("maxage") || "");
  out.maxAge = ma ? Number(ma[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[ma[2]] : DEFAULT_MAX_AGE_MS;
  // "nodes": other departments' nodes to ask for the latest height
  // (base URLs, comma-separated), instead of this node's list
  if (f.get("nodes") !== null) out.nodes = f.get("nodes").split(",").filter(Boolean);
  const t = f.get("t");
  if (t && t.includes("-")) { const [h, x] = t.split("-"); out.pin = { height: Number(h), hash: x.toUpperCase() }; }
  return out;
}

// baseURL is a node's API base URL without a trailing slash ("host:port"
// means http://host:port); null if it is not one.
function baseURL(a) {
  try {
    const u = new URL(/^https?:\/\//.test(a) ? a : "http://" + a);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.origin + u.pathname.replace(/\/+$/, "");
  } catch (e) { return null; }
}

// latestHeight learns the chain's latest state from this node and other
// departments' nodes (GET /v1/verify/peers, or the link's "nodes"), by
// the rules of `govchain verify` (cli/verify_fresh.go): addresses are
// asked once; answers for another chain, or from a node ID already
// counted, do not count; nodes of at least two departments must answer.
// The highest height is the latest: one honest node among them suffices,
// and a node claiming a height the chain has not reached can make
// answers STALE, never VALID.
async function latestHeight(chainID) {
  let peers = fragment().nodes;
  if (!peers) {
    try {
      const r = await fetch("/v1/verify/peers", { cache: "no-store" });
      if (r.ok) peers = (await r.json()).peers || [];
    } catch (e) { /* this node's status still counts */ }
  }
  const addrs = [location.origin];
  for (const p of peers || []) { const u = baseURL(p); if (u && !addrs.includes(u)) addrs.push(u); }
  const answers = await Promise.all(addrs.map(async (a) => {
    try {
      const r = await fetch(a + "/v1/status", { cache: "no-store", credentials: "omit", signal: AbortSignal.timeout(10e3) });
      if (!r.ok) return { addr: a, err: "HTTP " + r.status };
      return { addr: a, st: await r.json() };
    } catch (e) { return { addr: a, err: e.message }; }
  }));
  const ids = new Set(), depts = new Set(), from = [], failed = [];
  let latest = 0;
  for (const x of answers) {
    if (x.err) { failed.push(x.addr + ": " + x.err); continue; }
    if (x.st.chain_id !== chainID) { failed.push(x.addr + " is on chain " + x.st.chain_id + ", the trust root on " + chainID); continue; }
    if (!x.st.node_id || ids.has(x.st.node_id)) continue; // another address of a node already counted
    ids.add(x.st.node_id); depts.add(x.st.dept);
    from.push(x.st.dept + " " + x.addr);
    latest = Math.max(latest, Number(x.st.height) || 0);
  }
  from.sort();
  if (depts.size < 2) {
    return { ok: false, from, reason: "the chain's latest height must come from nodes of two departments; " + depts.size + " answered (" + from.join(", ") + ")" +
      (failed.length ? "; not counted: " + failed.join("; ") : "") };
  }
  return { ok: true, latest, from };
}

async function fetchTrust(height) {
  const r = await fetch("/v1/verify/trust" + (height ? "?height=" + height : ""));
  if (!r.ok) throw new Error("trust root: HTTP " + r.status + " " + (await r.text()));
  return r.json();
}

function checkTrust(t) {
  const a = JSON.parse(govchainCheckTrust(JSON.stringify(t)));
  if (!a.ok) throw new Error("trust root rejected (" + a.step + "): " + a.error);
}

function expired(t) {
  const m = /^(\d+)h/.exec(t.trusting_period || "720h");
  return Date.parse(t.time) + (m ? Number(m[1]) : 720) * 3600e3 < Date.now();
}

async function getTrust(pin) {
  if (pin) {
    const t = await fetchTrust(pin.height);
    checkTrust(t);
    if (t.hash !== pin.hash) throw new Error("this node's header " + pin.height + " is " + t.hash + ", the link pins " + pin.hash + ": do not trust this node");
    trustSource = "由链接（二维码）指定 pinned by the link (QR code)";
    return t;
  }
  const saved = localStorage.getItem(TRUST_KEY);
  if (saved) {
    try {
      const t = JSON.parse(saved);
      checkTrust(t);
      if (!expired(t)) { trustSource = "本设备首次使用时保存 saved on this device at first use"; return t; }
    } catch (e) { /* fetch a new one */ }
  }
  const t = await fetchTrust(0);
  checkTrust(t);
  localStorage.setItem(TRUST_KEY, JSON.stringify(t));
  trustSource = "首次使用，来自本节点 — 请与区政府公布值核对 first use, from this node: compare with the district's published value";
  return t;
}

function showTrust() {
  $("trust").innerHTML = "";
  const p = document.createElement("span");
  p.textContent = "区块 header " + trust.height + " · " + trust.hash.slice(0, 16) + "… · " + trustSource;
  $("trust").appendChild(p);
}

async function sm3File(file) {
  const h = govchainSM3New();
  const chunk = 4 << 20;
  for (let off = 0; off < file.size; off += chunk) {
    const buf = new Uint8Array(await file.slice(off, off + chunk).arrayBuffer());
    govchainSM3Write(h, buf);
  }
  return govchainSM3Sum(h);
}

function row(dl, zh, en, value) {
  if (value === undefined || value === null || value === "") return;
  const dt = document.createElement("dt"); dt.textContent = zh + " " + en;
  const dd = document.createElement("dd"); dd.textContent = value;
  dl.append(dt, dd);
}

function render(ans, hash) {
  $("result").hidden = false;
  const verdict = ans.ok ? ans.result.verdict : "FAILED";
  const v = $("verdict");
  v.className = "verdict v-" + verdict;
  v.textContent = V[verdict][0] + " " + verdict;
  const small = document.createElement("small");
  small.textContent = verdict === "STALE" && ans.result.freshness && ans.result.freshness.unconfirmed ? UNCONFIRMED : V[verdict][1];
  if (verdict === "STALE") {
    // what the proofs say, as of when: never plain VALID
    const p = ans.result.proven_verdict;
    small.textContent += " — " + V[p][0] + " " + p + " 截至 as of " + ans.result.as_of + "，不代表现在 not necessarily now";
  }
  v.appendChild(small);
  v.dataset.verdict = verdict;
  const dl = $("facts"); dl.innerHTML = "";
  const ol = $("checks"); ol.innerHTML = "";
  if (!ans.ok) {
    row(dl, "失败步骤", "Failed step", ans.step);
    row(dl, "原因", "Reason", ans.error);
    row(dl, "证照哈希", "SM3 hash", hash);
    return;
  }
  const r = ans.result, c = r.certificate;
  if (c) {
    row(dl, "证照类型", "Type", c.type);
    row(dl, "发证部门", "Issuer", c.issuer + (c.issuer_name ? " " + c.issuer_name : ""));
    row(dl, "证照编号", "Licence no.", c.licence_no);
    row(dl, "签发日期", "Issued", c.issue_date);
    if (c.valid_from) row(dl, "有效期", "Valid", c.valid_from + " — " + (c.valid_until || "长期 no expiry"));
    if (c.changed_height) row(dl, "状态变更", "Changed", c.status + " @ " + c.changed_time + " (height " + c.changed_height + ")" +
      (c.reason ? " · " + c.reason + " " + (c.reason_zh || "") + " " + (c.reason_name || "") : ""));
    if (c.replaced_by) row(dl, "换发为", "Replaced by", c.replaced_by);
    row(dl, "上链", "Anchored", c.anchored_time + " (height " + c.anchored_height + ")");
  }
  if (r.batch) row(dl, "批次", "Batch", r.batch.root.slice(0, 16) + "… · " + r.batch.count + (r.batch.index !== undefined ? " · #" + r.batch.index : ""));
  if (r.note) row(dl, "说明", "Note", r.note);
  row(dl, "核验时点", "As of", r.as_of + " · state " + r.height + (r.freshness ? " · " + r.freshness.age + " ago" +
    (r.freshness.max_age ? " (at most 最长 " + r.freshness.max_age + ")" : "") : ""));
  if (r.freshness && r.freshness.latest_height) row(dl, "最新高度", "Latest", r.freshness.latest_height + " · " + (r.freshness.latest_from || []).join(" · "));
  if (r.freshness && r.freshness.stale) row(dl, "过旧原因", "Why stale", r.freshness.reason + " — 请换一个部门的节点 try another department's node");
  row(dl, "验证人签名", "Validators (ed25519)", r.header.signed + " / " + r.header.validators + " (power " + r.header.signed_power + "/" + r.header.total_power + ")");
  if (r.sm2) row(dl, "SM2 国密签名", "SM2 attested", r.sm2.depts.map((d, i) => d + (r.sm2.names && r.sm2.names[i] ? " " + r.sm2.names[i] : "")).join(" · "));
  else row(dl, "SM2 国密签名", "SM2", "未检查 not checked");
  if (r.private) row(dl, "隐私查询", "Private lookup", "仅发送 only " + r.private.bits + " bits sent · " + r.private.records + " records in bucket");
  row(dl, "证照哈希", "SM3 hash", r.hash);
  for (const s of r.checks) { const li = document.createElement("li"); li.textContent = s; ol.appendChild(li); }
}

async function verifyHash(hash) {
  $("hashline").textContent = "SM3 " + hash;
  status("正在获取证明… Fetching proofs (only " + PREFIX_HEX * 4 + " bits of the hash are sent)…");
  let url = "/v1/verify/prefix/" + hash.slice(0, PREFIX_HEX) + "?trusted_height=" + trust.height;
  // the batch member: from the link (for its hash) or from the batch file
  const m = member && (member.hash === undefined || member.hash === hash) ? member : findMember(hash);
  if (m) url += "&batch=" + m.root;
  // the latest height from two departments' nodes first; then the state
  // at most BUNDLE_LAG below it, waiting a little for a node a block or
  // two behind the others (it answers 503 or 404 until it has it)
  const lat = await latestHeight(trust.chain_id);
  if (lat.ok) url += "&height=" + Math.max(lat.latest - BUNDLE_LAG, 1);
  let r, text;
  for (let i = 0; ; i++) {
    r = await fetch(url);
    text = await r.text();
    if (r.ok || !lat.ok || (r.status !== 503 && r.status !== 404) || i >= 30) break;
    await sleep(500);
  }
  if (!r.ok) { status("节点错误 Node error: HTTP " + r.status + " " + text); return; }
  const mj = m ? JSON.stringify({ root: m.root, index: m.index, path: m.path }) : "";
  const ans = JSON.parse(govchainVerify(text, JSON.stringify(trust), hash, mj, Date.now(), fragment().maxAge,
    lat.ok ? lat.latest : 0, JSON.stringify(lat.from)));
  if (ans.ok && !lat.ok) {
    // what the proofs say cannot be confirmed as now: never plain VALID
    const res = ans.result;
    if (res.verdict !== "STALE") { res.proven_verdict = res.verdict; res.verdict = "STALE"; }
    res.freshness = res.freshness || {};
    res.freshness.stale = true; res.freshness.unconfirmed = true;
    res.freshness.reason = "cannot confirm this is the latest state: " + lat.reason + (res.freshness.reason ? "; " + res.freshness.reason : "");
  }
  render(ans, hash);
  status(ans.ok ? "验证完成 Verified in your browser." : "证明未通过验证 The proofs did not verify.");
}

async function onFile(file) {
  if (!file) return;
  try {
    status("正在本机计算 SM3… Hashing on this device…");
    const hash = await sm3File(file);
    if (member && member.hash === undefined && fragment().h !== hash) member = null;
    await verifyHash(hash);
  } catch (e) { status("错误 Error: " + e.message); }
}

let batchDoc = null;
function findMember(hash) {
  if (!batchDoc) return null;
  const m = (batchDoc.members || []).find((x) => x.hash === hash);
  return m ? { root: batchDoc.root, index: m.index, path: m.path, hash } : null;
}

async function main() {
  const f = fragment();
  if (f.member) member = f.member;
  try {
    await loadVerifier();
    trust = await getTrust(f.pin);
    showTrust();
  } catch (e) { status("错误 Error: " + e.message); return; }
  status("请选择证照文件。Choose the certificate file.");
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); onFile(e.dataTransfer.files[0]); });
  $("file").addEventListener("change", (e) => onFile(e.target.files[0]));
  $("batchfile").addEventListener("change", async (e) => {
    try {
      batchDoc = JSON.parse(await e.target.files[0].text());
      $("batchinfo").textContent = "批次 batch " + batchDoc.root.slice(0, 16) + "… · " + batchDoc.count;
      const file = $("file").files[0];
      if (file) onFile(file);
    } catch (err) { $("batchinfo").textContent = "无效的批次文件 not a batch file: " + err.message; }
  });
  if (/^[0-9a-f]{64}$/.test(f.h)) {
    try { await verifyHash(f.h); } catch (e) { status("错误 Error: " + e.message); }
  }
}
main();
