// The planners' web app: plain ES modules over the service's JSON API (/api/v1), no build
// step and nothing fetched from elsewhere. Pages are built with DOM calls (never innerHTML
// with data), so scenario text cannot become markup.

const API = "/api/v1";
const ROLES = { viewer: 1, planner: 2, admin: 3 };
const main = document.getElementById("main");
let me = null;
let leaving = new AbortController(); // aborts the page's streams when the route changes

class ApiError extends Error {
  constructor(status, body) {
    super(typeof body.detail === "string" ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.problems = body.problems || (Array.isArray(body.detail) ? body.detail.map(
      (d) => `${(d.loc || []).join(".")}: ${d.msg}`) : []);
  }
}

function token() { return sessionStorage.getItem("rackforge-token"); }

async function api(path, { method = "GET", body, form, raw = false, signal } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  const response = await fetch(API + path, { method, headers, body: payload, signal });
  if (response.status === 401 && path !== "/me") { signOut(); throw new ApiError(401, {}); }
  if (!response.ok) {
    let detail = {};
    try { detail = await response.json(); } catch (_) { /* not JSON */ }
    throw new ApiError(response.status, detail);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const fmt = (x, digits = 0) => typeof x === "number"
  ? x.toLocaleString("en-US", { maximumFractionDigits: digits }) : (x ?? "");
const can = (role) => me && ROLES[me.role] >= ROLES[role];

function table(columns, rows, { numeric = [] } = {}) {
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c })))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v, i) =>
      h("td", { class: numeric.includes(i) ? "num" : null, text: typeof v === "number" ? fmt(v, 2) : String(v ?? "") }))))));
}

// "demand.csv:2: qty: 'lots' is not a number" -> where and what
function located(problem) {
  const m = /^([^:]+?)(?::(\d+))?: (?:([^:]+): )?(.*)$/.exec(problem);
  return m ? { table: m[1], row: m[2] || "", column: m[3] || "", message: m[4] } : { table: "", row: "", column: "", message: problem };
}

function problemsBox(error) {
  const problems = error.problems && error.problems.length ? error.problems : [error.message];
  const byTable = new Map();
  for (const p of problems.map(located)) {
    if (!byTable.has(p.table)) byTable.set(p.table, []);
    byTable.get(p.table).push(p);
  }
  return h("div", { class: "problems", role: "alert" },
    h("strong", { text: `${problems.length} problem(s)` }),
    [...byTable].map(([name, list]) => [h("h3", { text: name || "upload" }),
      table(["row", "column", "problem"], list.map((p) => [p.row, p.column, p.message]))]));
}

async function download(path, name) {
  const blob = await (await api(path, { raw: true })).blob();
  const a = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// --- pages ------------------------------------------------------------------------------------

function page(title, ...content) {
  main.replaceChildren(h("h1", { text: title }), ...content.flat(Infinity).filter((c) => c !== null && c !== undefined));
  document.title = `${title} · rackforge`;
  main.focus();
}

function signInPage(message) {
  const input = h("input", { id: "token", type: "password", autocomplete: "off", size: 50, required: true });
  const note = h("p", { role: "status", text: message || "" });
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    sessionStorage.setItem("rackforge-token", input.value.trim());
    try { await loadMe(); location.hash = "#/"; route(); }
    catch (_) { sessionStorage.removeItem("rackforge-token"); note.textContent = "That token is not valid."; }
  } }, h("label", { for: "token", text: "Access token" }), input, " ", h("button", { type: "submit", text: "Sign in" }));
  page("Sign in", h("p", { text: "Paste the token your administrator gave you (rackforge token create NAME)." }), form, note);
}

async function scenariosPage() {
  const list = await api("/scenarios");
  const rows = list.map((s) => [s.id, s.name, s.latest_version, s.created_by, s.created_at.slice(0, 16).replace("T", " ")]);
  const listing = table(["id", "name", "latest version", "created by", "created"], rows);
  listing.querySelectorAll("tbody tr").forEach((tr, i) => {
    const cell = tr.children[1];
    cell.replaceChildren(h("a", { href: `#/scenarios/${list[i].id}`, text: list[i].name }));
  });
  const content = [list.length ? listing : h("p", { text: "No scenarios yet." })];
  if (can("planner")) content.push(uploadForm());
  page("Scenarios", ...content);
}

function uploadForm() {
  const file = h("input", { id: "upload-file", type: "file", accept: ".zip,.xlsx", required: true });
  const message = h("input", { id: "upload-message", type: "text", size: 40 });
  const out = h("div", { "aria-live": "polite" });
  return h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData();
    data.append("file", file.files[0]);
    data.append("message", message.value);
    out.replaceChildren(h("p", { text: "Checking…" }));
    try {
      const made = await api("/scenarios", { method: "POST", form: data });
      location.hash = `#/scenarios/${made.id}`;
    } catch (err) { out.replaceChildren(problemsBox(err)); }
  } }, h("h2", { text: "Upload a scenario" }),
  h("p", { class: "muted", text: "A zipped scenario folder or an .xlsx workbook; it is checked exactly as the command line checks it." }),
  h("label", { for: "upload-file", text: "File" }), file, " ",
  h("label", { for: "upload-message", text: "Message" }), message, " ",
  h("button", { type: "submit", text: "Upload" }), out);
}

async function scenarioPage(id) {
  const s = await api(`/scenarios/${id}`);
  const latest = s.versions[s.versions.length - 1];
  const versions = table(["version", "parent", "author", "created", "message", "content hash"],
    s.versions.map((v) => [v.version, v.parent ?? "", v.author, v.created_at.slice(0, 16).replace("T", " "), v.message, v.content_hash.slice(0, 12)]));
  const content = [h("p", { class: "muted", text: latest.summary.description || "" }), h("h2", { text: "Versions" }), versions, tableBrowser(s)];
  if (can("planner")) content.push(runForm(s), whatIfForm(s));
  page(`Scenario ${s.name}`, ...content);
}

function tableBrowser(s) {
  const latest = s.versions[s.versions.length - 1];
  const names = Object.keys(latest.summary.tables);
  const pick = h("select", { id: "browse-table" }, names.map((n) => h("option", { value: n, text: n })));
  const version = h("select", { id: "browse-version" }, s.versions.map((v) => h("option", { value: v.version, text: `v${v.version}`, selected: v === latest })));
  const filter = h("input", { id: "browse-filter", type: "search", size: 20 });
  const grid = h("div", { "aria-live": "polite" });
  const state = { offset: 0, sort: null, descending: false };
  const limit = 50;
  async function show() {
    const q = new URLSearchParams({ version: version.value, offset: state.offset, limit });
    if (filter.value) q.set("q", filter.value);
    if (state.sort) { q.set("sort", state.sort); q.set("descending", state.descending); }
    const t = await api(`/scenarios/${s.id}/tables/${pick.value}?${q}`);
    const view = table(t.columns, t.rows.map((r) => t.columns.map((c) => r[c])));
    if (can("planner") && t.keys.length) editable(view, t);
    view.querySelectorAll("th").forEach((th) => {
      const c = th.textContent;
      const mark = state.sort === c ? (state.descending ? " ▼" : " ▲") : "";
      th.replaceChildren(h("button", { type: "button", text: c + mark, "aria-label": `sort by ${c}`, onclick: () => {
        state.descending = state.sort === c ? !state.descending : false; state.sort = c; state.offset = 0; show();
      } }));
    });
    const last = Math.min(t.offset + t.limit, t.total);
    grid.replaceChildren(view, h("p", {},
      h("button", { type: "button", class: "secondary", disabled: t.offset === 0, text: "Previous", onclick: () => { state.offset = Math.max(0, state.offset - limit); show(); } }), " ",
      `rows ${t.total ? t.offset + 1 : 0}–${last} of ${t.total} `,
      h("button", { type: "button", class: "secondary", disabled: last >= t.total, text: "Next", onclick: () => { state.offset += limit; show(); } })));
  }
  const reset = () => { state.offset = 0; state.sort = null; show(); };
  pick.addEventListener("change", reset);
  version.addEventListener("change", reset);
  filter.addEventListener("input", () => { state.offset = 0; show(); });
  show();
  return h("section", {}, h("h2", { text: "Tables" }),
    h("label", { for: "browse-table", text: "Table" }), pick, " ",
    h("label", { for: "browse-version", text: "Version" }), version, " ",
    h("label", { for: "browse-filter", text: "Filter" }), filter, grid);
}

// A planner edits a cell in place (Enter or a double click, Enter to keep, Escape to drop):
// the edit becomes a line of the what-if form, which checks it at once.
function editable(view, t) {
  view.querySelectorAll("tbody tr").forEach((tr, i) => {
    [...tr.children].forEach((td, j) => {
      const column = t.columns[j];
      if (t.key_columns.includes(column)) return;
      td.tabIndex = 0;
      td.title = "Enter or double-click to edit (makes a what-if)";
      const edit = () => {
        const input = h("input", { value: td.textContent, size: 8, "aria-label": `new ${column} of ${t.keys[i]}` });
        td.replaceChildren(input);
        input.focus();
        input.addEventListener("keydown", (e) => {
          if (e.key === "Escape") { td.textContent = input.defaultValue; td.focus(); }
          if (e.key !== "Enter") return;
          e.preventDefault();
          const box = document.getElementById("whatif-set");
          const line = `${t.table}.${t.keys[i]}.${column}=${input.value.trim()}`;
          box.value = [...box.value.split("\n").filter((x) => x.trim() && !x.startsWith(`${t.table}.${t.keys[i]}.${column}=`)), line].join("\n");
          box.dispatchEvent(new Event("input"));
          td.textContent = input.value.trim();
          td.classList.add("edited");
          td.focus();
        });
      };
      td.addEventListener("dblclick", edit);
      td.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target === td) edit(); });
    });
  });
}

function optionInput(job, o) {
  const id = `opt-${job}-${o.name}`;
  let input;
  if (o.kind === "flag") input = h("input", { id, type: "checkbox", checked: o.default === true });
  else if (o.kind === "choice") input = h("select", { id }, o.choices.map((c) => h("option", { value: c, text: c, selected: c === String(o.default) })));
  else input = h("input", { id, type: o.kind === "text" ? "text" : "number", step: o.kind === "integer" ? 1 : "any",
    min: o.min ?? null, max: o.max ?? null, value: o.default ?? "", placeholder: o.default === null ? "default" : null });
  input.dataset.option = o.name;
  input.dataset.kind = o.kind;
  input.dataset.initial = input.type === "checkbox" ? String(input.checked) : input.value;
  return h("label", { for: id, title: o.help }, `${o.option} `, input);
}

function runForm(s) {
  const job = h("select", { id: "run-job" });
  const version = h("select", { id: "run-version" }, s.versions.map((v, i) => h("option", { value: v.version, text: `v${v.version}`, selected: i === s.versions.length - 1 })));
  const fields = h("fieldset", {}, h("legend", { text: "Options" }));
  const out = h("div", { "aria-live": "polite" });
  let jobs = [];
  function showOptions() {
    const spec = jobs.find((j) => j.job === job.value);
    fields.replaceChildren(h("legend", { text: `Options of ${spec.job}: ${spec.help}` }), ...spec.options.map((o) => optionInput(spec.job, o)));
  }
  api("/jobs").then((list) => {
    jobs = list;
    job.replaceChildren(...list.map((j) => h("option", { value: j.job, text: j.job })));
    showOptions();
  });
  job.addEventListener("change", showOptions);
  return h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const options = {};
    fields.querySelectorAll("[data-option]").forEach((el) => {
      const value = el.type === "checkbox" ? String(el.checked) : el.value;
      if (value === el.dataset.initial || value === "") return; // the command's default
      options[el.dataset.option] = el.type === "checkbox" ? el.checked
        : ["integer", "number"].includes(el.dataset.kind) ? Number(value) : value;
    });
    try {
      const run = await api("/runs", { method: "POST", body: { scenario_id: s.id, version: Number(version.value), job: job.value, options } });
      location.hash = `#/runs/${run.id}`;
    } catch (err) { out.replaceChildren(problemsBox(err)); }
  } }, h("h2", { text: "Run a job" }), h("label", { for: "run-job", text: "Job" }), job, " ",
  h("label", { for: "run-version", text: "Version" }), version, fields, h("button", { type: "submit", text: "Start run" }), out);
}

function whatIfForm(s) {
  const edits = h("textarea", { id: "whatif-set", placeholder: "resources.plant-a/test-1.units=3" });
  const events = h("textarea", { id: "whatif-events", placeholder: "sup-tw:2026-W03:2:0" });
  const message = h("input", { id: "whatif-message", type: "text", size: 40 });
  const target = h("input", { id: "ev-target", size: 14 });
  const start = h("input", { id: "ev-start", size: 9, placeholder: "2026-W03" });
  const weeks = h("input", { id: "ev-weeks", type: "number", min: 0, value: 1, size: 4 });
  const factor = h("input", { id: "ev-factor", type: "number", min: 0, step: "any", value: 0, size: 4 });
  const check = h("div", { id: "whatif-check", "aria-live": "polite" });
  const lines = (t) => t.value.split("\n").map((x) => x.trim()).filter(Boolean);
  const body = () => ({ set: lines(edits), events: lines(events), message: message.value });
  let timer = null;
  async function validate() {
    if (!lines(edits).length && !lines(events).length) { check.replaceChildren(); return; }
    try {
      await api(`/scenarios/${s.id}/whatif?dry_run=true`, { method: "POST", body: body() });
      check.replaceChildren(h("p", { class: "ok", text: "Valid: the what-if passes every check." }));
    } catch (err) { check.replaceChildren(problemsBox(err)); }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(validate, 400); };
  edits.addEventListener("input", later);
  events.addEventListener("input", later);
  const add = h("button", { type: "button", class: "secondary", text: "Add event", onclick: () => {
    events.value = [...lines(events), `${target.value.trim()}:${start.value.trim()}:${weeks.value}:${factor.value}`].join("\n");
    later();
  } });
  return h("form", { onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api(`/scenarios/${s.id}/whatif`, { method: "POST", body: body() });
      route();
    } catch (err) { check.replaceChildren(problemsBox(err)); }
  } }, h("h2", { text: "Make a what-if version" }),
  h("p", { class: "muted", text: "Cell edits TABLE.KEY.COLUMN=VALUE and events TARGET:START:WEEKS:FACTOR[:ITEM], one a line (factor 0 stops a supplier or plant, above 1 expands); checked as you type." }),
  h("label", { for: "whatif-set", text: "Cell edits" }), edits,
  h("fieldset", {}, h("legend", { text: "Add an event" }),
    h("label", { for: "ev-target", text: "Supplier, site or site/resource" }), target,
    h("label", { for: "ev-start", text: "From week" }), start,
    h("label", { for: "ev-weeks", text: "Weeks (0: to the end)" }), weeks,
    h("label", { for: "ev-factor", text: "Capacity factor" }), factor, add),
  h("label", { for: "whatif-events", text: "Events" }), events,
  h("label", { for: "whatif-message", text: "Message" }), message, " ",
  h("button", { type: "submit", text: "Create what-if version" }), check);
}

async function runsPage() {
  const runs = await api("/runs");
  const rows = runs.map((r) => {
    const box = h("input", { type: "checkbox", value: r.id, "aria-label": `select run ${r.id}` });
    return h("tr", {}, h("td", {}, box), h("td", {}, h("a", { href: `#/runs/${r.id}`, text: `run ${r.id}` })),
      h("td", { text: r.job }), h("td", { text: `${r.scenario_id} v${r.version}` }),
      h("td", { class: `status-${r.status}`, text: r.status }), h("td", { text: r.created_by }),
      h("td", { text: r.created_at.slice(0, 16).replace("T", " ") }));
  });
  const compare = h("button", { type: "button", text: "Compare selected", onclick: () => {
    const ids = [...main.querySelectorAll("tbody input:checked")].map((b) => Number(b.value)).sort((a, b) => a - b);
    if (ids.length >= 2) location.hash = `#/compare/${ids.join(",")}`;
  } });
  page("Runs", runs.length ? h("table", {},
    h("thead", {}, h("tr", {}, ["", "run", "job", "scenario", "status", "by", "created"].map((c) => h("th", { scope: "col", text: c })))),
    h("tbody", {}, rows)) : h("p", { text: "No runs yet." }), h("p", {}, compare, " ", h("span", { class: "muted", text: "(two or more)" })));
}

async function follow(id, onEvent) {
  const response = await api(`/runs/${id}/events`, { raw: true, signal: leaving.signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const kind = /^event: (.*)$/m.exec(chunk)?.[1];
      const data = /^data: (.*)$/m.exec(chunk)?.[1];
      if (kind && data) onEvent(kind, JSON.parse(data));
    }
  }
}

async function runPage(id) {
  const run = await api(`/runs/${id}`);
  const status = h("p", { id: "run-status", "aria-live": "polite" });
  const bars = h("div", { class: "bars", "aria-label": "progress" });
  const answer = h("section", { id: "answer" });
  const cancel = h("button", { type: "button", class: "secondary", text: "Cancel run", hidden: !can("planner"), onclick: async () => {
    await api(`/runs/${id}/cancel`, { method: "POST" });
  } });
  function show(state) {
    status.replaceChildren(h("span", {}, "Status: ", h("span", { class: `status-${state.status}`, text: state.status }),
      state.error ? h("pre", { text: state.error }) : null));
    const tasks = Object.entries(state.progress || {});
    bars.replaceChildren(...tasks.map(([task, p]) => h("div", {}, h("span", { text: task }),
      h("progress", { max: p.total || 1, value: p.done, "aria-label": task }), ` ${p.done} / ${p.total ?? "?"}`)));
    cancel.hidden = !can("planner") || !["queued", "running"].includes(state.status);
  }
  page(`Run ${id}: ${run.job} of scenario ${run.scenario_id} v${run.version}`,
    h("p", { class: "muted", text: `options ${JSON.stringify(run.options)}, seed ${run.seed ?? "none"}, by ${run.created_by}` }),
    status, bars, cancel, answer);
  show(run);
  if (["queued", "running"].includes(run.status)) {
    await follow(id, (kind, state) => show(state));
  }
  const final = await api(`/runs/${id}`);
  show(final);
  if (final.status === "succeeded") await showAnswer(final, answer);
}

async function fileText(run, name) {
  return (await api(`/runs/${run.id}/files/${name}`, { raw: true })).text();
}

function parseCsv(text) {
  const rows = [];
  for (const line of text.trim().split("\n")) {
    const cells = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) { if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch; }
      else if (ch === '"') quoted = true; else if (ch === ",") { cells.push(cur); cur = ""; } else cur += ch;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

function planAnswer(plan) {
  const c = plan.ceiling || {};
  const parts = [h("h2", { text: "The answer" }), h("p", { class: "answer", id: "target-answer", text: plan.target ? plan.target.answer : plan.message })];
  if (c.racks_per_week !== undefined) {
    parts.push(h("p", { id: "ceiling" }, "Ceiling: ", h("strong", { text: `${fmt(c.racks_per_week, 0)} racks a week` }),
      ` (demand ${fmt(c.target_per_week, 0)} a week).`));
    if ((c.lifts || []).length) {
      parts.push(h("h3", { text: "What lifts it" }), table(["table", "key", "column", "from", "to", "racks a week after", "cost"],
        c.lifts.map((l) => [l.table, Object.values(l.key).join("/"), l.column, l.from, l.to, l.racks_per_week_after, l.cost ?? ""]), { numeric: [3, 4, 5, 6] }));
    }
  }
  parts.push(h("p", {}, `Plan ${plan.status}: cost ${fmt(plan.objective)}; fill rate ${fmt(100 * plan.kpis.fill_rate, 1)}%; domestic share ${fmt(100 * plan.kpis.domestic_share, 1)}%.`));
  if ((plan.late || []).length) {
    parts.push(h("h3", { text: "Late demand and its cause" }), table(["demand", "item", "site", "due", "late", "lost", "cause"],
      plan.late.map((l) => [l.demand, l.item, l.site, l.due_week, l.late, l.lost, `${l.cause.kind} ${l.cause.id}`]), { numeric: [4, 5] }));
  } else parts.push(h("p", { text: "No demand is late." }));
  return parts;
}

async function ordersBySupplier(run, into) {
  const rows = parseCsv(await fileText(run, "purchase_orders.csv"));
  const [head, ...data] = rows;
  const col = (n) => head.indexOf(n);
  const by = new Map();
  for (const r of data) {
    const key = r[col("supplier")];
    const t = by.get(key) || { lines: 0, qty: 0, value: 0, country: r[col("country")], domestic: r[col("domestic")] };
    t.lines += 1; t.qty += Number(r[col("qty")]); t.value += Number(r[col("value")]);
    by.set(key, t);
  }
  into.append(h("h3", { text: "What to buy from whom" }),
    table(["supplier", "orders", "units", "value", "country", "domestic"], [...by].map(([k, t]) => [k, t.lines, t.qty, t.value, t.country, t.domestic]), { numeric: [1, 2, 3] }),
    h("details", {}, h("summary", { text: `All ${data.length} purchase orders` }), table(head, data.slice(0, 500))));
}

function executeAnswer(doc) {
  // the plan executed week by week: fill rate, plan vs actual racks, the orders most at risk
  const f = doc.fill_rate, o = doc.options, pct = (x) => `${fmt(100 * x, 1)}%`;
  const parts = [h("h2", { text: "The plan executed" }),
    h("p", { class: "answer", id: "execute-fill", text: `On-time fill rate ${pct(f.p50)} (p50; p5 ${pct(f.p5)}, mean ${pct(f.mean)}) against ${pct(f.planned)} planned: ${o.replications} replication(s) of ${o.weeks} weeks, re-planned every ${o.replan_every}.` }),
    h("h3", { text: "Racks a week: planned, made and delivered (means)" }),
    ...overlay(["planned", "made", "delivered"].map((k) => ({ name: k, values: doc.weeks.map((w) => w[k]) })), "planned, made and delivered racks a week")];
  const risky = doc.orders.filter((r) => r.on_time_probability < 1)
    .sort((a, b) => a.on_time_probability - b.on_time_probability || b.qty - a.qty).slice(0, 15);
  if (risky.length) {
    parts.push(h("h3", { text: "Orders most at risk" }), h("div", { id: "at-risk" }, table(["demand", "site", "due", "racks", "P(on time)", "95% CI", "why late"],
      risky.map((r) => [r.demand, r.site, r.due_week, r.qty, pct(r.on_time_probability), `${pct(r.ci95[0])}–${pct(r.ci95[1])}`, r.cause]), { numeric: [3, 4] })));
  } else parts.push(h("p", { id: "at-risk", text: "Every order is delivered on time in every replication." }));
  if (doc.causes.length) {
    parts.push(h("h3", { text: "Units short or late per replication, by cause" }),
      table(["cause", "units"], doc.causes.slice(0, 10).map((c) => [c.cause, c.units_per_replication]), { numeric: [1] }));
  }
  return parts;
}

async function showAnswer(run, into) {
  const files = run.files;
  if (files.includes("plan.json")) {
    const plan = JSON.parse(await fileText(run, "plan.json"));
    into.append(...planAnswer(plan));
    if (files.includes("purchase_orders.csv")) await ordersBySupplier(run, into);
  }
  if (run.job === "run") {
    const summary = JSON.parse(await fileText(run, "summary.json"));
    into.prepend(h("h2", { text: "Summary" }), h("ul", { id: "summary" }, summary.summary.map((s) => h("li", { text: s }))));
    if (files.includes("report.html")) {
      const frame = h("iframe", { class: "report", title: "report", id: "report" });
      frame.srcdoc = await fileText(run, "report.html");
      into.append(h("h2", { text: "Report" }), frame);
    }
  } else if (run.job === "execute") {
    into.append(...executeAnswer(await api(`/runs/${run.id}/result`)));
  } else if (!files.includes("plan.json")) {
    const doc = await api(`/runs/${run.id}/result`);
    into.append(h("h2", { text: "Result" }), h("pre", { text: JSON.stringify(doc, null, 2).slice(0, 20000) }));
  }
  into.append(h("h2", { text: "Files" }), h("ul", { id: "files" }, files.map((f) => h("li", {},
    h("button", { type: "button", class: "secondary", text: `Download ${f}`, onclick: () => download(`/runs/${run.id}/files/${f}`, f) })))));
}

function overlay(series, label = "rack output per week of each run's plan") {
  // weekly racks, one line per series (an SVG, no chart library)
  const w = 640, hgt = 220, pad = 30;
  const all = series.flatMap((s) => s.values);
  const top = Math.max(1, ...all), n = Math.max(2, ...series.map((s) => s.values.length));
  const colours = ["#0b5394", "#a4000f", "#1e6b2e", "#7a4b00", "#5b2a86"];
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("width", w);
  series.forEach((s, k) => {
    const line = document.createElementNS(svg.namespaceURI, "polyline");
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colours[k % colours.length]);
    line.setAttribute("stroke-width", "2");
    line.setAttribute("points", s.values.map((v, i) => `${pad + (i * (w - 2 * pad)) / (n - 1)},${hgt - pad - (v / top) * (hgt - 2 * pad)}`).join(" "));
    svg.append(line);
  });
  const legend = h("p", {}, series.map((s, k) => h("span", { style: `color:${colours[k % colours.length]};margin-right:1rem`, text: `■ ${s.name}` })));
  return [svg, legend, h("p", { class: "muted", text: `0 to ${fmt(top)} racks a week` })];
}

async function comparePage(ids) {
  const c = await api("/compare", { method: "POST", body: { run_ids: ids } });
  const runs = c.runs;
  const heads = ["KPI", ...runs.map((r) => `run ${r.id} (${r.job}, v${r.version})`), ...runs.slice(1).map((r) => `Δ run ${r.id}`)];
  const rows = c.kpis.map((k) => {
    const values = runs.map((r) => k.values[String(r.id)]);
    const base = values[0];
    return [k.name, ...values.map((v) => v ?? ""), ...values.slice(1).map((v) => (v === undefined || base === undefined) ? "" : v - base)];
  });
  const changed = rows.filter((r) => r.slice(1 + runs.length).some((d) => typeof d === "number" && Math.abs(d) > 1e-9));
  const inputs = c.inputs.map((i) => h("li", {}, `run ${i.run_id}: `, i.tables.length ? i.tables.map((t) => t.sentence).join("; ") : "the same inputs"));
  const limits = c.limits.map((l) => h("li", { text: `run ${l.run_id}: newly binding ${l.appeared.join(", ") || "none"}; no longer binding ${l.vanished.join(", ") || "none"}` }));
  const series = [];
  for (const r of runs) {
    if (!r.files.includes("plan.json")) continue;
    const plan = JSON.parse(await fileText(r, "plan.json"));
    if (plan.target) series.push({ name: `run ${r.id}`, values: plan.target.weeks.map((w) => w.output) });
  }
  page(`Compare runs ${ids.join(", ")}`,
    h("h2", { text: "What changed in the inputs" }), h("ul", { id: "inputs" }, inputs),
    h("h2", { text: "Limits that bind or no longer bind" }), h("ul", {}, limits),
    h("h2", { text: "KPIs that differ" }), changed.length ? table(heads, changed) : h("p", { text: "Every KPI is the same." }),
    series.length ? h("section", {}, h("h2", { text: "Rack output per week" }), ...overlay(series)) : null,
    h("details", {}, h("summary", { text: `All ${rows.length} KPIs` }), table(heads, rows)));
}

// --- routing ----------------------------------------------------------------------------------

async function loadMe() {
  me = await api("/me");
  document.getElementById("who").textContent = `${me.name} (${me.role})`;
  document.getElementById("signout").hidden = false;
}

function signOut() {
  sessionStorage.removeItem("rackforge-token");
  me = null;
  document.getElementById("who").textContent = "";
  document.getElementById("signout").hidden = true;
  signInPage("Signed out.");
}

async function route() {
  leaving.abort();
  leaving = new AbortController();
  if (!token()) return signInPage();
  if (!me) {
    try { await loadMe(); } catch (_) { return signInPage("Your token is no longer valid."); }
  }
  const path = location.hash.replace(/^#/, "") || "/";
  let m;
  try {
    if ((m = /^\/scenarios\/(\d+)$/.exec(path))) await scenarioPage(Number(m[1]));
    else if (path === "/runs") await runsPage();
    else if ((m = /^\/runs\/(\d+)$/.exec(path))) await runPage(Number(m[1]));
    else if ((m = /^\/compare\/([\d,]+)$/.exec(path))) await comparePage(m[1].split(",").map(Number));
    else await scenariosPage();
  } catch (err) {
    if (err.name === "AbortError" || err.status === 401) return;
    page("Something went wrong", problemsBox(err));
  }
}

document.getElementById("signout").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
route();
