// The demo page: connects to an MCP endpoint with the mcp-tasks package, lists its tools,
// runs them (as tasks when they can be), and follows every task on a card. Task references
// go to localStorage, so a reload picks the running tasks up again. The package is its
// `mcp-tasks/host` entry (scripts/demo.sh serves it at /pkg/): a 2025-11-25 server may ask
// its questions as tasks the page hosts, and poll them until the person answers.

import init, { McpTaskClient, version } from "../pkg/mcp_tasks.js";
import { h } from "./dom.js";
import { schemaFields } from "./schema-form.js";
import * as store from "./store.js";
import { TaskCard } from "./task-card.js";

const $ = (id) => document.getElementById(id);
const els = {
  connectForm: $("connect-form"),
  endpoint: $("endpoint"),
  protocol: $("protocol"),
  connectionStatus: $("connection-status"),
  toolsEmpty: $("tools-empty"),
  toolList: $("tool-list"),
  toolFormSlot: $("tool-form-slot"),
  taskList: $("task-list"),
  tasksEmpty: $("tasks-empty"),
  clearFinished: $("clear-finished"),
  orphans: $("orphan-questions"),
};

const GENERATION_NAMES = {
  "2025-11-25": "2025-11-25 · core tasks",
  "2026-07-28": "2026-07-28 · tasks extension",
};
const GENERATION_DETAILS = {
  "2025-11-25": "Tasks as in the 2025-11-25 specification: a session, tasks/result, tasks/list.",
  "2026-07-28": "The io.modelcontextprotocol/tasks extension: no session, the result inline in tasks/get.",
};

/** The client the tool list and new calls use. */
let client = null;
let connectAttempt = 0;
/** Cards by their storage key, and by task id for routing the server's questions. */
const cards = new Map();
const cardsByTask = new Map();
/** Questions for tasks whose card does not know its id yet: task id → [{request, resolve, reject}]. */
const unclaimed = new Map();
/** The tasks the page hosts for the server, by id: { pollInterval, polls }, from its replies. */
const hosted = new Map();
/** The card showing each hosted task's question. */
const hostedCards = new Map();
/** Whether the package loaded is the host entry; the default one refuses `hostTasks`. */
let canHost = true;

const connectOptions = () => ({
  clientInfo: { name: "mcp-tasks-demo-page", title: "MCP Tasks demo page", version: version() },
  onInputRequest,
  // Only a 2025-11-25 connection hosts tasks: the extension has no client-hosted tasks.
  hostTasks: canHost,
  fetch: watchedFetch,
});

/** `connect(options)` (connect or resume), again without hosting if the package cannot host. */
async function open(connect) {
  try {
    return await connect(connectOptions());
  } catch (error) {
    if (!canHost || error?.code !== "invalid_argument" || !/hostTasks/.test(error.message)) throw error;
    canHost = false;
    return connect(connectOptions());
  }
}

// ---- connection ---------------------------------------------------------------------

async function connect(endpoint, protocol) {
  const attempt = ++connectAttempt;
  setConnection("busy", `Connecting to ${endpoint}…`);
  els.toolList.replaceChildren();
  els.toolFormSlot.replaceChildren();
  els.toolsEmpty.hidden = false;
  els.toolsEmpty.textContent = "Loading tools…";
  // The previous client is not closed: its running tasks keep their cards (each McpTask
  // holds its client), and closing a 2025-11-25 client would end their session.
  client = null;
  try {
    const next = await open((options) => McpTaskClient.connect(endpoint, { ...options, protocol }));
    const tools = await next.listTools();
    if (attempt !== connectAttempt) return;
    client = next;
    store.saveConnection(endpoint, protocol);
    const info = next.connection;
    const server = info?.serverInfo;
    const who = server ? `${server.title || server.name} ${server.version ?? ""}`.trim() : "the server";
    setConnection("connected", [
      `Connected to ${who}. Generation: `,
      h("strong", { class: "generation-badge", "data-generation": next.generation }, GENERATION_NAMES[next.generation] ?? next.generation),
      protocol === "auto" ? " (detected). " : ". ",
      h("span", { class: "generation-detail" }, GENERATION_DETAILS[next.generation] ?? ""),
    ]);
    showTools(tools);
  } catch (error) {
    if (attempt !== connectAttempt) return;
    setConnection("error", `Could not connect: ${error?.message ?? error} (${error?.code ?? "error"}).`);
    els.toolsEmpty.textContent = "No tools: not connected.";
  }
}

function setConnection(state, content) {
  els.connectionStatus.dataset.state = state;
  els.connectionStatus.replaceChildren(...[content].flat());
}

// ---- tools --------------------------------------------------------------------------

/**
 * A tool's task support. Under 2026-07-28 tools carry none: the server decides per call
 * ("server"); under 2025-11-25 a tool that says nothing never runs as a task.
 */
function support(tool) {
  if (client?.generation === "2026-07-28") return "server";
  return tool.execution?.taskSupport ?? "forbidden";
}

const SUPPORT_TEXT = {
  required: "task only",
  optional: "task optional",
  forbidden: "no task",
  server: "server decides",
};

function showTools(tools) {
  els.toolsEmpty.hidden = tools.length > 0;
  els.toolsEmpty.textContent = "The server offers no tools.";
  const buttons = tools.map((tool) => {
    const button = h("button", { type: "button", class: "tool", "aria-pressed": "false", "data-tool": tool.name }, [
      h("span", { class: "tool-name" }, tool.title || tool.name),
      h("span", { class: `badge badge-${support(tool)}` }, SUPPORT_TEXT[support(tool)]),
    ]);
    button.addEventListener("click", () => {
      for (const b of els.toolList.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
      showToolForm(tool);
    });
    return button;
  });
  els.toolList.replaceChildren(...buttons.map((b) => h("li", {}, b)));
  // Open on a tool worth watching: the reference server's report, else the first that
  // can run as a task.
  const pick = [(t) => t.name === "build_report", (t) => support(t) !== "forbidden", () => true];
  const first = buttons[pick.map((p) => tools.findIndex(p)).find((i) => i >= 0)];
  if (first) {
    first.setAttribute("aria-pressed", "true");
    showToolForm(tools[buttons.indexOf(first)]);
  }
}

function showToolForm(tool) {
  const fields = schemaFields(tool.inputSchema);
  const mode = support(tool);
  const asTask = h("input", { type: "checkbox", id: "run-as-task", name: "asTask" });
  asTask.checked = mode !== "forbidden";
  asTask.disabled = mode !== "optional";
  const taskHint = {
    required: "This tool runs only as a task.",
    optional: "Leave it off for a plain call that waits for the answer.",
    forbidden: "This tool never runs as a task; it answers at once.",
    server: "Under 2026-07-28 the server decides whether a call becomes a task.",
  }[mode];
  const error = h("p", { class: "note", role: "alert", hidden: true });
  const form = h("form", { class: "tool-form", "aria-labelledby": "tool-form-title" }, [
    h("h3", { id: "tool-form-title" }, tool.title || tool.name),
    tool.description ? h("p", { class: "description" }, tool.description) : null,
    fields.element,
    h("div", { class: "field checkbox", hidden: mode === "server" }, [
      h("label", { for: "run-as-task" }, [asTask, " Run as a task"]),
      h("p", { class: "hint", id: "run-as-task-hint" }, taskHint),
    ]),
    error,
    h("button", { type: "submit", class: "primary" }, "Run"),
  ]);
  asTask.setAttribute("aria-describedby", "run-as-task-hint");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let args;
    try {
      args = fields.read();
    } catch (e) {
      error.hidden = false;
      error.textContent = e.message;
      return;
    }
    error.hidden = true;
    run(tool.name, args, asTask.checked);
  });
  els.toolFormSlot.replaceChildren(form);
}

// ---- running and following ----------------------------------------------------------

function run(tool, args, asTask) {
  if (!client) return;
  const entry = { key: crypto.randomUUID(), tool, args, startedAt: Date.now(), generation: client.generation };
  const card = addCard(entry);
  if (asTask) startTask(client, card);
  else startPlain(client, card);
}

async function startTask(via, card) {
  // Until the server names the task, Cancel aborts the call itself.
  const abort = new AbortController();
  card.cancel = () => abort.abort();
  let task;
  try {
    task = await via.callToolAsTask(card.entry.tool, card.entry.args, { signal: abort.signal });
  } catch (error) {
    settle(card, { error });
    return;
  }
  follow(card, task);
}

async function startPlain(via, card) {
  card.markPlain();
  const abort = new AbortController();
  card.cancel = () => abort.abort();
  try {
    const result = await via.callTool(card.entry.tool, card.entry.args, {
      signal: abort.signal,
      onProgress: (p) => card.setProgress(p),
    });
    settle(card, { result });
  } catch (error) {
    settle(card, { error });
  }
}

/** Follows a task to its end on `card`, persisting its reference while it runs. */
async function follow(card, task) {
  const id = task.id;
  if (id) {
    card.setTaskId(id);
    cardsByTask.set(id, card);
    store.saveTask({ key: card.entry.key, taskId: id, reference: task.reference(), generation: card.entry.generation });
    claimQuestions(card, id);
  } else {
    // A 2026-07-28 server may answer a call at once instead of making it a task.
    card.markPlain("Answered at once, no task");
  }
  card.cancel = async () => {
    card.setCancelling(true);
    try {
      await task.cancel();
    } catch (error) {
      card.say(`Could not cancel: ${error?.message ?? error} (${error?.code ?? "error"}).`);
    } finally {
      card.setCancelling(false);
    }
  };
  const resumed = card.element.dataset.resumed === "true";
  if (task.status) card.setStatus(task.status, task.statusMessage ?? (resumed ? "Picked up again after the reload." : null));
  try {
    for await (const update of task.updates()) {
      if (update.type === "progress") card.setProgress(update);
      else card.setStatus(update.status, update.statusMessage ?? null);
    }
    const result = await task.result();
    settle(card, { result, status: task.status ?? "completed" });
  } catch (error) {
    settle(card, { error });
  }
}

/**
 * Ends a card with `{ result, status }` or `{ error }`, and records how it ended so that a
 * reload shows the same.
 */
function settle(card, final) {
  showFinal(card, final);
  const { key, taskId } = card.entry;
  if (taskId) cardsByTask.delete(taskId);
  const error = final.error && {
    name: final.error.name,
    code: final.error.code,
    fault: final.error.fault,
    data: final.error.data,
    message: final.error.message ?? String(final.error),
  };
  store.saveTask({ key, reference: undefined, endedAt: card.entry.endedAt, final: { ...final, error } });
  updateTaskChrome();
}

function showFinal(card, { result, status, error }) {
  if (error) card.fail(error);
  else card.finish(result, status);
}

// ---- questions from the server ------------------------------------------------------

function onInputRequest(request) {
  const card = request.taskId ? cardsByTask.get(request.taskId) : null;
  if (card) return ask(card, request);
  return new Promise((resolve, reject) => {
    if (!request.taskId) {
      showOrphan(request, resolve, reject);
      return;
    }
    // The question can come before the call's promise tells the card its task id.
    const waiting = unclaimed.get(request.taskId) ?? [];
    waiting.push({ request, resolve, reject });
    unclaimed.set(request.taskId, waiting);
  });
}

function claimQuestions(card, taskId) {
  for (const { request, resolve, reject } of unclaimed.get(taskId) ?? []) ask(card, request).then(resolve, reject);
  unclaimed.delete(taskId);
}

/**
 * Shows `request` on `card` and resolves with the answer. A question the page hosts as a
 * task (`hostedTaskId`) says so, with what the page's replies tell of the server's polls.
 */
function ask(card, request) {
  const id = request.hostedTaskId;
  if (!id) return card.ask(request);
  // A reload leaves the tasks the old page hosted behind: the resumed client does not own
  // them, so the server, finding its task gone, asks anew as a new task.
  const before = card.entry.hostedBeforeReload;
  card.entry.hostedBeforeReload = undefined;
  if (cards.has(card.entry.key)) store.saveTask({ key: card.entry.key, hostedTaskId: id });
  hostedCards.set(id, card);
  const answer = card.ask(request, { askedAgain: Boolean(before && before !== id) });
  card.hostedInfo(id, hosted.get(id) ?? {});
  const forget = () => {
    hostedCards.delete(id);
    hosted.delete(id);
  };
  answer.then(forget, forget);
  return answer;
}

/**
 * The package's fetch, watched: the page's own JSON-RPC replies say when the server made
 * a question a task the page hosts (a CreateTaskResult) and each time it polled that task
 * (the reply to its tasks/get), which the question's card shows.
 */
function watchedFetch(input, init) {
  if (typeof init?.body === "string" && init.body.includes('"result"')) {
    try {
      for (const message of [JSON.parse(init.body)].flat()) noteReply(message?.result);
    } catch {
      // Not JSON: nothing to read.
    }
  }
  return fetch(input, init);
}

function noteReply(result) {
  if (!result || typeof result !== "object") return;
  let id;
  if (typeof result.task?.taskId === "string") {
    id = result.task.taskId;
    hosted.set(id, { pollInterval: result.task.pollInterval, polls: 0 });
  } else if (typeof result.taskId === "string" && hosted.has(result.taskId) && result.status !== "cancelled") {
    id = result.taskId;
    const was = hosted.get(id);
    hosted.set(id, { ...was, polls: was.polls + 1 });
  } else {
    return;
  }
  hostedCards.get(id)?.hostedInfo(id, hosted.get(id));
}

/** A question that names no task (asked before one exists): shown above the cards. */
function showOrphan(request, resolve, reject) {
  const holder = new TaskCard(
    { key: "question", tool: "Question from the server", args: {}, startedAt: Date.now() },
    { onCancel: () => {}, onDismiss: () => holder.element.remove() },
  );
  holder.markPlain();
  holder.idText.textContent = "Not tied to a task yet";
  holder.cancelButton.hidden = true;
  els.orphans.append(holder.element);
  ask(holder, request).then(
    (answer) => {
      holder.element.remove();
      resolve(answer);
    },
    (error) => {
      // A hosted question the server withdrew: the holder keeps its note until dismissed.
      holder.end("cancelled");
      reject(error);
    },
  );
}

// ---- cards --------------------------------------------------------------------------

function addCard(entry) {
  const card = new TaskCard(entry, {
    onCancel: () => card.cancel?.(),
    onDismiss: () => {
      cards.delete(entry.key);
      store.forgetTask(entry.key);
      card.element.remove();
      updateTaskChrome();
      $("tasks-heading").focus();
    },
  });
  cards.set(entry.key, card);
  els.taskList.prepend(card.element);
  store.saveTask({ key: entry.key, tool: entry.tool, args: entry.args, startedAt: entry.startedAt, generation: entry.generation });
  updateTaskChrome();
  return card;
}

function updateTaskChrome() {
  els.tasksEmpty.hidden = cards.size > 0;
  els.clearFinished.hidden = ![...cards.values()].some((c) => c.finished);
}

els.clearFinished.addEventListener("click", () => {
  for (const [key, card] of cards) {
    if (!card.finished) continue;
    cards.delete(key);
    store.forgetTask(key);
    card.element.remove();
  }
  updateTaskChrome();
  $("tasks-heading").focus();
});

/** Cards from the last visit: finished ones as they ended, running ones resumed. */
async function restore() {
  const groups = new Map();
  for (const saved of store.savedTasks()) {
    if (!saved.final && !saved.reference) {
      // A call that had not become a task when the page went away cannot be followed.
      store.forgetTask(saved.key);
      continue;
    }
    const card = addCard({ ...saved });
    if (saved.final) {
      showFinal(card, saved.final);
      continue;
    }
    card.markResuming();
    card.entry.hostedBeforeReload = saved.hostedTaskId;
    const ref = saved.reference;
    // Tasks of one 2025-11-25 session are followed by one client that joins it.
    const group = `${ref.endpoint} ${ref.generation} ${ref.sessionId ?? ""}`;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push({ card, ref });
  }
  updateTaskChrome();
  await Promise.all([...groups.values()].map(resumeGroup));
}

async function resumeGroup(members) {
  let via = null;
  for (const { card, ref } of members) {
    let task;
    try {
      task = via ? await via.resumeTask(ref) : await open((options) => McpTaskClient.resume(ref, options));
    } catch (error) {
      settle(card, { error });
      continue;
    }
    via ??= task.client;
    follow(card, task);
  }
}

// ---- start --------------------------------------------------------------------------

setInterval(() => {
  const now = Date.now();
  for (const card of cards.values()) if (!card.finished) card.tick(now);
}, 1000);

els.connectForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!els.endpoint.checkValidity()) return;
  connect(els.endpoint.value, els.protocol.value);
});

async function main() {
  const saved = store.savedConnection();
  els.endpoint.value = saved.endpoint ?? new URL("/mcp", location.href).href;
  els.protocol.value = saved.protocol ?? "auto";
  try {
    await init();
  } catch (error) {
    setConnection("error", `The mcp-tasks package did not load: ${error?.message ?? error}. Build it with bash scripts/demo.sh.`);
    return;
  }
  document.body.dataset.ready = "true";
  await Promise.all([restore(), connect(els.endpoint.value, els.protocol.value)]);
}

main();
