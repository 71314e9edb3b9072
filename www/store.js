// What survives a reload, in localStorage: the endpoint and protocol last used, and every
// task card: its tool and arguments, when it started, the task reference while it runs
// (McpTask.reference(), plain JSON) and how it ended once it has.

const KEY = "mcp-tasks-demo/v1";
/** Finished cards beyond this many are forgotten, oldest first. */
const KEEP_FINISHED = 30;

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null");
    if (saved && typeof saved === "object" && Array.isArray(saved.tasks)) return saved;
  } catch {
    // Unreadable state (another version, hand edits) is dropped rather than trusted.
  }
  return { endpoint: null, protocol: "auto", tasks: [] };
}

let state = load();

function save() {
  const finished = state.tasks.filter((t) => t.final);
  if (finished.length > KEEP_FINISHED) {
    const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED).map((t) => t.key));
    state.tasks = state.tasks.filter((t) => !drop.has(t.key));
  }
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // Storage full or disabled (private mode): the page still works, it just forgets.
  }
}

export function savedConnection() {
  return { endpoint: state.endpoint, protocol: state.protocol };
}

export function saveConnection(endpoint, protocol) {
  state.endpoint = endpoint;
  state.protocol = protocol;
  save();
}

/** Every saved card, oldest first. */
export function savedTasks() {
  return state.tasks.slice();
}

/** Adds or updates the card `entry.key` with the fields of `entry`. */
export function saveTask(entry) {
  const i = state.tasks.findIndex((t) => t.key === entry.key);
  if (i >= 0) state.tasks[i] = { ...state.tasks[i], ...entry };
  else state.tasks.push(entry);
  save();
}

export function forgetTask(key) {
  state.tasks = state.tasks.filter((t) => t.key !== key);
  save();
}
