// One card per tool call: status and message (announced politely), progress, elapsed time,
// the server's questions as a form, and the result or the error. The card only shows
// things; app.js drives it and says what Cancel does.

import { duration, h } from "./dom.js";
import { renderError, renderResult, renderValue } from "./render.js";
import { schemaFields } from "./schema-form.js";

const LABELS = {
  starting: "Starting",
  resuming: "Resuming",
  running: "Running",
  working: "Working",
  input_required: "Needs your answer",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  error: "Lost",
};
const TERMINAL = new Set(["completed", "failed", "cancelled", "error"]);

let nextCard = 0;

export class TaskCard {
  /**
   * `entry`: { key, tool, args, startedAt, generation?, taskId?, endedAt? };
   * `onCancel()` and `onDismiss()` are the buttons' actions.
   */
  constructor(entry, { onCancel, onDismiss }) {
    this.entry = entry;
    this.status = "starting";
    this.questions = [];
    const n = ++nextCard;
    const titleId = `card-${n}-title`;

    this.pill = h("span", { class: "pill", "aria-hidden": "true" });
    this.live = h("p", { class: "status-line", role: "status", "aria-live": "polite" });
    this.idText = h("span", { class: "task-id" });
    this.generationText = h("span", { class: "generation" });
    this.elapsed = h("span", { class: "elapsed" });
    this.progress = h("progress", { max: "1", "aria-labelledby": `card-${n}-progress-label` });
    this.progressLabel = h("span", { id: `card-${n}-progress-label`, class: "progress-label" });
    this.progressBox = h("div", { class: "progress-box", hidden: true }, [this.progress, this.progressLabel]);
    this.questionBox = h("div", { class: "questions" });
    this.outcome = h("div", { class: "outcome" });
    this.note = h("p", { class: "note", role: "alert" });
    this.note.hidden = true;
    this.cancelButton = h("button", { type: "button", class: "danger", onclick: () => onCancel() }, "Cancel");
    this.dismissButton = h("button", { type: "button", class: "quiet", onclick: () => onDismiss(), hidden: true }, "Dismiss");
    this.cancelButton.setAttribute("aria-describedby", titleId);
    this.dismissButton.setAttribute("aria-describedby", titleId);

    this.element = h("li", { class: "card", "data-tool": entry.tool, "aria-labelledby": titleId }, [
      h("div", { class: "card-head" }, [h("h3", { id: titleId }, entry.tool), this.pill]),
      h("p", { class: "meta" }, [this.idText, this.generationText, this.elapsed]),
      argsLine(entry.args),
      this.live,
      this.progressBox,
      this.questionBox,
      this.outcome,
      this.note,
      h("div", { class: "card-actions" }, [this.cancelButton, this.dismissButton]),
    ]);
    if (entry.generation) this.setGeneration(entry.generation);
    if (entry.taskId) this.setTaskId(entry.taskId);
    this.render(null);
  }

  get finished() {
    return TERMINAL.has(this.status);
  }

  setGeneration(generation) {
    this.entry.generation = generation;
    this.generationText.textContent = generation;
  }

  setTaskId(id) {
    this.entry.taskId = id;
    this.element.dataset.taskId = id;
    this.idText.replaceChildren("Task ", h("code", { title: id }, shortId(id)));
  }

  /** The card follows a call that is not a task (a tool that never runs as one). */
  markPlain(text = "Plain call, no task") {
    this.idText.textContent = text;
    this.setStatus("running", null);
  }

  markResuming() {
    this.element.dataset.resumed = "true";
    this.setStatus("resuming", "Picking the task up again after the reload…");
  }

  setStatus(status, message) {
    if (TERMINAL.has(status)) return this.end(status);
    if (this.finished) return;
    this.status = status;
    this.render(message);
  }

  /** A `progress` update: a number, maybe a total and a message. */
  setProgress({ progress, total, message }) {
    if (this.finished || typeof progress !== "number") return;
    this.progressBox.hidden = false;
    if (typeof total === "number" && total > 0) {
      this.progress.max = total;
      this.progress.value = Math.min(progress, total);
      this.progressLabel.textContent = `${fmt(progress)} of ${fmt(total)}`;
    } else {
      // Without a total there is no fraction to show: an indeterminate bar and the count.
      this.progress.removeAttribute("value");
      this.progressLabel.textContent = fmt(progress);
    }
    this.element.dataset.progress = String(progress);
    if (message && this.message !== message) this.render(message);
  }

  /**
   * Shows an input request and resolves with the answer a person gives. A question the
   * page hosts as a task (`request.hostedTaskId`) is marked so (`askedAgain`: after a
   * reload, anew) and rejects when its `signal` aborts: the server withdrew it.
   */
  ask(request, { askedAgain = false } = {}) {
    return new Promise((resolve, reject) => {
      const question = questionForm(request, (answer) => {
        this.drop(entry);
        resolve(answer);
      });
      const entry = { element: question, reject, hostedTaskId: request.hostedTaskId };
      if (entry.hostedTaskId) {
        entry.askedAgain = askedAgain;
        entry.hostedLine = h("p", { class: "hosted", "data-hosted-task-id": entry.hostedTaskId });
        question.firstChild.after(entry.hostedLine);
        this.hostedInfo(entry.hostedTaskId, {});
        const signal = request.signal;
        const withdraw = () => this.withdrawn(entry, signal.reason);
        if (signal?.aborted) queueMicrotask(withdraw);
        else signal?.addEventListener("abort", withdraw, { once: true });
      }
      this.questions.push(entry);
      this.questionBox.append(question);
      this.element.toggleAttribute("data-asking", true);
    });
  }

  /** What is known of hosted task `id`: its `pollInterval` and how often it was `polls`ed. */
  hostedInfo(id, { pollInterval, polls }) {
    const entry = this.questions.find((q) => q.hostedTaskId === id);
    if (!entry) return;
    const parts = ["Asked as a task this page hosts"];
    if (typeof pollInterval === "number") parts.push(`the server polls every ${seconds(pollInterval)}`);
    if (polls) parts.push(`${polls} poll${polls === 1 ? "" : "s"} so far`);
    entry.hostedLine.dataset.polls = String(polls ?? 0);
    entry.hostedLine.replaceChildren(
      entry.askedAgain ? "Asked again after the reload: the task the page hosted before went with it. " : "",
      parts.join(" · "),
    );
  }

  /** The server withdrew hosted question `entry` (its task was cancelled or expired). */
  withdrawn(entry, reason) {
    this.drop(entry);
    entry.reject(reason);
    const why = reason?.data?.reason;
    this.element.dataset.withdrawn = why ?? "closed";
    this.say(
      why === "cancelled"
        ? "The server cancelled the task this page hosted for its question; the question is withdrawn."
        : why === "expired"
          ? "The task this page hosted for the question ran out of time; the question is withdrawn."
          : "The connection closed; the question is withdrawn.",
    );
  }

  drop(entry) {
    this.questions = this.questions.filter((q) => q !== entry);
    entry.element.remove();
    this.element.toggleAttribute("data-asking", this.questions.length > 0);
  }

  /** The tool's result; `status` is the task's final status when there was a task. */
  finish(result, status = "completed") {
    this.end(status);
    if (result?.isError) {
      this.element.dataset.outcome = "tool-error";
      this.outcome.replaceChildren(h("p", { class: "label" }, "The tool reported an error"), renderResult(result));
      this.outcome.className = "outcome is-error";
    } else {
      this.element.dataset.outcome = "result";
      this.outcome.replaceChildren(h("p", { class: "label" }, "Result"), renderResult(result));
      this.outcome.className = "outcome is-result";
    }
  }

  /** A rejected call: cancelled, failed with a JSON-RPC error, lost, aborted… */
  fail(error) {
    const code = error?.code;
    if (code === "call_cancelled" || code === "aborted") {
      this.end("cancelled");
      this.element.dataset.outcome = "cancelled";
      return;
    }
    this.end(code === "call_rpc_error" ? "failed" : "error");
    this.element.dataset.outcome = "error";
    this.outcome.replaceChildren(h("p", { class: "label" }, "Error"), renderError(error));
    this.outcome.className = "outcome is-error";
  }

  /** Says why the last action did not work, without changing the status. */
  say(text) {
    this.note.hidden = !text;
    this.note.textContent = text ?? "";
  }

  setCancelling(on) {
    this.cancelButton.disabled = on;
    this.cancelButton.textContent = on ? "Cancelling…" : "Cancel";
  }

  tick(now) {
    const end = this.entry.endedAt ?? now;
    this.elapsed.textContent = `${this.finished ? "Took" : "Elapsed"} ${duration(end - this.entry.startedAt)}`;
  }

  end(status) {
    if (this.finished) return;
    this.status = status;
    // A task's last status message is usually about its last step ("Checking the
    // figures"); once it has ended, the outcome below says what happened.
    this.message = "";
    this.entry.endedAt ??= Date.now();
    for (const q of this.questions) {
      q.element.remove();
      // A hosted question waits for its signal: the server cancels its task when the tool's
      // ends, and the note then says so.
      if (!q.hostedTaskId) q.reject(new Error("the task ended before it was answered"));
    }
    this.questions = [];
    this.element.removeAttribute("data-asking");
    this.progressBox.classList.add("done");
    this.render(null);
  }

  render(message) {
    if (message !== null) this.message = message;
    const label = LABELS[this.status] ?? this.status;
    this.element.dataset.status = this.status;
    this.pill.textContent = label;
    this.pill.className = `pill pill-${this.status}`;
    this.live.replaceChildren(h("strong", {}, `${label}.`), this.message ? ` ${this.message}` : "");
    this.cancelButton.hidden = this.finished;
    this.dismissButton.hidden = !this.finished;
    this.tick(Date.now());
  }
}

/** The form for one input request; `done(answer)` gets an ElicitResult. */
function questionForm(request, done) {
  const params = request.params ?? {};
  const messageId = `q-${++nextCard}`;
  const message = h("p", { class: "question-message", id: messageId }, params.message ?? "The server asks for input.");
  if (request.method !== "elicitation/create") {
    // Sampling and roots need an LLM or a file system; this page has neither.
    const form = h("div", { class: "question" }, [
      h("p", {}, `The server sent ${request.method}, which this page cannot answer.`),
    ]);
    return form;
  }
  if (params.mode === "url" && params.url) {
    return h("form", { class: "question", "aria-labelledby": messageId, onsubmit: (e) => (e.preventDefault(), done({ action: "accept" })) }, [
      h("p", { class: "label" }, "The server asks you to visit a page"),
      message,
      h("p", {}, h("a", { href: params.url, target: "_blank", rel: "noopener" }, params.url)),
      buttons(() => done({ action: "decline" }), "I have done it"),
    ]);
  }
  const fields = schemaFields(params.requestedSchema);
  const error = h("p", { class: "note", role: "alert", hidden: true });
  const form = h("form", { class: "question", "aria-labelledby": messageId, novalidate: false }, [
    h("p", { class: "label" }, "The server asks"),
    message,
    fields.element,
    error,
    buttons(() => done({ action: "decline" }), "Send answer"),
  ]);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    try {
      done({ action: "accept", content: fields.read() });
    } catch (err) {
      error.hidden = false;
      error.textContent = err.message;
    }
  });
  return form;
}

function buttons(decline, submitText) {
  return h("div", { class: "question-actions" }, [
    h("button", { type: "submit", class: "primary" }, submitText),
    h("button", { type: "button", class: "quiet", onclick: decline }, "Decline"),
  ]);
}

function argsLine(args) {
  const entries = Object.entries(args ?? {});
  if (entries.length === 0) return h("p", { class: "args muted" }, "No arguments");
  return h("div", { class: "args" }, renderValue(args));
}

function shortId(id) {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

function seconds(ms) {
  return `${fmt(ms / 1000)} s`;
}

function fmt(n) {
  return Number.isInteger(n) ? n.toLocaleString() : n.toFixed(1);
}
