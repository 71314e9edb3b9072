// Form fields from a JSON Schema object (a tool's inputSchema, an elicitation's
// requestedSchema): string, number, integer, boolean and enum properties, with their
// defaults, limits and required marks. Anything else is edited as JSON text.

import { h } from "./dom.js";

let nextId = 0;

/**
 * Builds the fields for `schema` and returns `{ element, read }`. `read()` gives the values
 * to send, leaving out optional fields left empty, or throws with a message naming the
 * first field that is wrong (the browser's own validation catches most before that).
 */
export function schemaFields(schema) {
  const properties = isObject(schema?.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  const fields = Object.entries(properties).map(([name, prop]) =>
    field(name, isObject(prop) ? prop : {}, required.has(name)),
  );
  const element = h("div", { class: "fields" }, fields.map((f) => f.element));
  if (fields.length === 0) element.append(h("p", { class: "muted" }, "No arguments."));
  return {
    element,
    read() {
      const values = {};
      for (const f of fields) {
        const value = f.read();
        if (value !== undefined) values[f.name] = value;
      }
      return values;
    },
  };
}

function field(name, prop, required) {
  const id = `f${++nextId}`;
  const label = prop.title || name;
  const hintId = prop.description ? `${id}-hint` : null;
  const hint = hintId ? h("p", { class: "hint", id: hintId }, prop.description) : null;
  const mark = required ? h("span", { class: "required" }, " (required)") : null;
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== "null") : prop.type;

  if (type === "boolean") return booleanField(name, prop, required, id, label, mark, hint);

  let control;
  let read;
  const enumValues = Array.isArray(prop.enum) ? prop.enum : null;
  if (enumValues) {
    control = h("select", { id, name });
    if (!required || prop.default === undefined) {
      control.append(h("option", { value: "" }, required ? "Choose…" : "(not set)"));
    }
    enumValues.forEach((v, i) => {
      const title = Array.isArray(prop.enumNames) ? prop.enumNames[i] : String(v);
      control.append(h("option", { value: String(i) }, title));
    });
    const chosen = enumValues.findIndex((v) => v === prop.default);
    control.value = chosen >= 0 ? String(chosen) : "";
    read = () => (control.value === "" ? undefined : enumValues[Number(control.value)]);
  } else if (type === "number" || type === "integer") {
    control = h("input", { id, name, type: "number", inputmode: type === "integer" ? "numeric" : "decimal" });
    control.step = type === "integer" ? "1" : "any";
    if (typeof prop.minimum === "number") control.min = String(prop.minimum);
    if (typeof prop.maximum === "number") control.max = String(prop.maximum);
    if (typeof prop.default === "number") control.value = String(prop.default);
    read = () => {
      if (control.value.trim() === "") return undefined;
      const n = Number(control.value);
      if (!Number.isFinite(n) || (type === "integer" && !Number.isInteger(n))) {
        throw new Error(`${label} must be ${type === "integer" ? "a whole number" : "a number"}`);
      }
      return n;
    };
  } else if (type === "string" || (type === undefined && !prop.properties && !prop.items)) {
    const inputType = { email: "email", uri: "url", date: "date", "date-time": "datetime-local" }[prop.format] || "text";
    const long = typeof prop.maxLength === "number" && prop.maxLength > 200;
    control = long ? h("textarea", { id, name, rows: "3" }) : h("input", { id, name, type: inputType });
    if (typeof prop.maxLength === "number") control.maxLength = prop.maxLength;
    if (typeof prop.minLength === "number") control.minLength = prop.minLength;
    if (typeof prop.pattern === "string") control.pattern = prop.pattern;
    if (typeof prop.default === "string") control.value = prop.default;
    read = () => (control.value === "" ? undefined : control.value);
  } else {
    // Objects and arrays: JSON text, checked when read.
    control = h("textarea", { id, name, rows: "3", class: "mono", spellcheck: "false" });
    if (prop.default !== undefined) control.value = JSON.stringify(prop.default);
    read = () => {
      if (control.value.trim() === "") return undefined;
      try {
        return JSON.parse(control.value);
      } catch {
        throw new Error(`${label} must be JSON`);
      }
    };
  }
  control.required = required;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  const element = h("div", { class: "field" }, [h("label", { for: id }, [label, mark]), hint, control]);
  return { name, element, read };
}

// Yes / No radios rather than a checkbox: a checkbox cannot tell "no" from "not answered",
// and a person approving a deployment should say no on purpose.
function booleanField(name, prop, required, id, label, mark, hint) {
  const options = [
    [true, "Yes"],
    [false, "No"],
  ].map(([value, text]) => {
    const input = h("input", { type: "radio", name: id, value: String(value), id: `${id}-${value}` });
    input.checked = prop.default === value;
    input.required = required;
    return { value, input, element: h("label", { class: "choice", for: input.id }, [input, ` ${text}`]) };
  });
  const legend = h("legend", {}, [label, mark]);
  const element = h("fieldset", { class: "field boolean", "aria-describedby": hint?.id }, [
    legend,
    hint,
    h("div", { class: "choices" }, options.map((o) => o.element)),
  ]);
  const read = () => options.find((o) => o.input.checked)?.value;
  return { name, element, read };
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
