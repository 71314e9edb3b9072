// Tool results and errors as something a person can read: text blocks as text, structured
// content as labelled values, errors with their codes.

import { h } from "./dom.js";

/** A CallToolResult: its content blocks, then its structured content. */
export function renderResult(result) {
  const blocks = Array.isArray(result?.content) ? result.content : [];
  const parts = blocks.map(renderBlock);
  const structured = result?.structuredContent;
  const repeatsText = blocks.length === 1 && blocks[0].type === "text" && sameJson(blocks[0].text, structured);
  if (structured !== undefined && !repeatsText) {
    parts.push(h("div", { class: "structured" }, [h("p", { class: "label" }, "Structured content"), renderValue(structured)]));
  }
  if (parts.length === 0) parts.push(h("p", { class: "muted" }, "The tool returned nothing."));
  return h("div", { class: "result-body" }, parts);
}

function renderBlock(block) {
  switch (block?.type) {
    case "text":
      return h("p", { class: "text" }, String(block.text ?? ""));
    case "image":
      return h("img", { src: `data:${block.mimeType};base64,${block.data}`, alt: "Image returned by the tool" });
    case "resource_link":
      return h("p", {}, ["Resource: ", h("a", { href: safeHref(block.uri), rel: "noopener" }, block.name || block.uri)]);
    case "resource":
      return h("p", { class: "text" }, block.resource?.text ?? `Resource ${block.resource?.uri ?? ""}`);
    default:
      return h("pre", { class: "mono" }, JSON.stringify(block, null, 2));
  }
}

/** Any JSON value: scalars as text, lists of scalars joined, objects as a definition list. */
export function renderValue(value) {
  if (value === null || typeof value !== "object") return h("span", { class: "value" }, scalar(value));
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      return h("span", { class: "value" }, value.length ? value.map(scalar).join(", ") : "(none)");
    }
    return h("ol", { class: "value-list" }, value.map((v) => h("li", {}, renderValue(v))));
  }
  return h(
    "dl",
    { class: "value-map" },
    Object.entries(value).map(([k, v]) => [h("dt", {}, humanKey(k)), h("dd", {}, renderValue(v))]),
  );
}

/** An McpTasksError (or any thrown value) with its code and, for JSON-RPC errors, the peer's code. */
export function renderError(error) {
  const code = error?.code ?? "error";
  // A failed tool call carries the peer's JSON-RPC error as its data; other requests nest it.
  const rpc = code === "call_rpc_error" ? error.data : error?.data?.rpcError;
  const codes = [h("code", {}, code)];
  if (rpc && typeof rpc.code === "number") codes.push(" · JSON-RPC ", h("code", {}, String(rpc.code)));
  if (error?.fault) codes.push(` · ${faultText(error.fault)}`);
  return h("div", { class: "error-body" }, [
    h("p", { class: "text" }, rpc?.message ? rpc.message : String(error?.message ?? error)),
    h("p", { class: "codes" }, codes),
  ]);
}

function faultText(fault) {
  return { peer: "the server's side", caller: "this page's side", transport: "the network" }[fault] ?? fault;
}

function scalar(v) {
  if (typeof v === "number") return v.toLocaleString();
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v === null || v === undefined) return "—";
  return String(v);
}

/** "sourceCount" → "Source count", "rows_done" → "Rows done". */
function humanKey(key) {
  const words = key.replace(/[_-]+/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function sameJson(text, value) {
  if (value === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

function safeHref(uri) {
  return /^https?:/i.test(String(uri)) ? uri : "#";
}
