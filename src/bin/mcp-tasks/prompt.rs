//! Answers a server's elicitation on the terminal: the message, then one line per field of
//! the requested schema. Reads lines, so answers can be piped in as well as typed.

use std::io::{self, BufRead, Write};

use serde_json::{Map, Value, json};

/// Builds an `ElicitResult` (`accept` with content, `decline`, or `cancel`) from the
/// elicitation's params by asking on `out` and reading `input`. End of input cancels.
pub fn elicit(params: &Value, input: &mut impl BufRead, out: &mut impl Write) -> io::Result<Value> {
    let message = params.get("message").and_then(Value::as_str).unwrap_or("The server asks:");
    writeln!(out, "\n{message}")?;
    if let Some(url) = params.get("url").and_then(Value::as_str) {
        writeln!(out, "  open {url}")?;
        return Ok(match ask(input, out, "  done? [y]es, [n]o, [c]ancel: ")?.as_deref() {
            Some("y" | "yes") => json!({"action": "accept"}),
            Some("n" | "no") => json!({"action": "decline"}),
            _ => json!({"action": "cancel"}),
        });
    }
    let schema = params.get("requestedSchema");
    let properties = schema.and_then(|s| s.get("properties")).and_then(Value::as_object);
    let required: Vec<&str> = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    writeln!(out, "  (answer each field; a line of !decline or !cancel stops)")?;
    let mut content = Map::new();
    for (name, field) in properties.into_iter().flatten() {
        let is_required = required.contains(&name.as_str());
        loop {
            let label = field.get("title").and_then(Value::as_str).unwrap_or(name);
            let hint = hint(field, is_required);
            let Some(line) = ask(input, out, &format!("  {label}{hint}: "))? else {
                return Ok(json!({"action": "cancel"}));
            };
            match line.as_str() {
                "!decline" => return Ok(json!({"action": "decline"})),
                "!cancel" => return Ok(json!({"action": "cancel"})),
                "" => match field.get("default") {
                    Some(default) => {
                        content.insert(name.clone(), default.clone());
                        break;
                    }
                    None if !is_required => break,
                    None => writeln!(out, "  this field is required")?,
                },
                text => match parse_field(field, text) {
                    Ok(value) => {
                        content.insert(name.clone(), value);
                        break;
                    }
                    Err(why) => writeln!(out, "  {why}")?,
                },
            }
        }
    }
    Ok(json!({"action": "accept", "content": content}))
}

/// Reads one trimmed line after showing `prompt`; `None` at end of input.
fn ask(input: &mut impl BufRead, out: &mut impl Write, prompt: &str) -> io::Result<Option<String>> {
    write!(out, "{prompt}")?;
    out.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

/// What to show after a field's label: its choices or type, and its default.
fn hint(field: &Value, required: bool) -> String {
    let mut parts = Vec::new();
    if let Some(choices) = multi_choices(field) {
        parts.push(format!("any of {}, comma-separated", choices.join("/")));
    } else if let Some(choices) = choices(field) {
        parts.push(choices.join("/"));
    } else if let Some(kind) = field.get("type").and_then(Value::as_str) {
        parts.push(if kind == "boolean" { "y/n".to_owned() } else { kind.to_owned() });
    }
    if let Some(default) = field.get("default") {
        parts.push(format!("default {default}"));
    } else if !required {
        parts.push("optional".to_owned());
    }
    if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
}

/// The allowed values of a single-choice field, in either schema form.
fn choices(field: &Value) -> Option<Vec<String>> {
    options(field, "oneOf")
}

/// The allowed values of a multi-select field (`type: "array"`), untitled (`items.enum`)
/// or titled (`items.anyOf`).
fn multi_choices(field: &Value) -> Option<Vec<String>> {
    if field.get("type").and_then(Value::as_str) != Some("array") {
        return None;
    }
    options(field.get("items")?, "anyOf")
}

/// `enum` values, or the `const` of each entry of `titled` (`oneOf` / `anyOf`).
fn options(schema: &Value, titled: &str) -> Option<Vec<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    }
    let options = schema.get(titled).and_then(Value::as_array)?;
    Some(
        options
            .iter()
            .filter_map(|o| o.get("const").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
    )
}

/// Reads a comma-separated line as the values of a multi-select field: each one a
/// choice, as many as `minItems`..`maxItems` allow.
fn parse_multi(field: &Value, choices: &[String], text: &str) -> Result<Value, String> {
    let picked: Vec<&str> = text.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
    if let Some(wrong) = picked.iter().find(|p| !choices.iter().any(|c| c == *p)) {
        return Err(format!("{wrong} is not one of {}", choices.join(", ")));
    }
    let count = picked.len() as u64;
    if let Some(min) = field.get("minItems").and_then(Value::as_u64).filter(|m| count < *m) {
        return Err(format!("choose at least {min}"));
    }
    if let Some(max) = field.get("maxItems").and_then(Value::as_u64).filter(|m| count > *m) {
        return Err(format!("choose at most {max}"));
    }
    Ok(Value::Array(picked.into_iter().map(|p| Value::String(p.to_owned())).collect()))
}

/// Reads a typed line as the field's type.
fn parse_field(field: &Value, text: &str) -> Result<Value, String> {
    if let Some(choices) = multi_choices(field) {
        return parse_multi(field, &choices, text);
    }
    if let Some(choices) = choices(field) {
        return if choices.iter().any(|c| c == text) {
            Ok(Value::String(text.to_owned()))
        } else {
            Err(format!("choose one of {}", choices.join(", ")))
        };
    }
    match field.get("type").and_then(Value::as_str) {
        Some("boolean") => match text.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" => Ok(Value::Bool(true)),
            "n" | "no" | "false" => Ok(Value::Bool(false)),
            _ => Err("answer y or n".to_owned()),
        },
        Some("integer") => {
            text.parse::<i64>().map(Value::from).map_err(|_| "a whole number, please".to_owned())
        }
        Some("number") => match text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => Err("a number, please".to_owned()),
        },
        _ => Ok(Value::String(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(params: Value, typed: &str) -> (Value, String) {
        let mut out = Vec::new();
        let answer = elicit(&params, &mut typed.as_bytes(), &mut out).expect("in-memory io");
        (answer, String::from_utf8_lossy(&out).into_owned())
    }

    // Fields are asked in the order serde_json's map keeps them: by name.
    fn form() -> Value {
        json!({
            "message": "Delete the file?",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "confirm": {"type": "boolean", "title": "Really delete"},
                    "copies": {"type": "integer", "default": 1},
                    "colour": {"type": "string", "enum": ["red", "green"]},
                    "note": {"type": "string"}
                },
                "required": ["confirm", "colour"]
            }
        })
    }

    #[test]
    fn typed_answers_become_typed_content_and_retries_are_asked_again() {
        let (answer, shown) = run(form(), "blue\ngreen\nmaybe\nyes\nlots\n3\n\n");
        assert_eq!(
            answer,
            json!({"action": "accept", "content": {"confirm": true, "copies": 3, "colour": "green"}})
        );
        assert!(shown.contains("Delete the file?"));
        assert!(shown.contains("answer y or n"));
        assert!(shown.contains("a whole number"));
        assert!(shown.contains("choose one of red, green"));
    }

    #[test]
    fn empty_lines_take_defaults_and_skip_optional_fields_but_not_required_ones() {
        let (answer, shown) = run(form(), "\nred\nn\n\n\n");
        assert_eq!(
            answer,
            json!({"action": "accept", "content": {"confirm": false, "copies": 1, "colour": "red"}})
        );
        assert!(shown.contains("this field is required"));
    }

    #[test]
    fn decline_cancel_and_end_of_input_stop_the_form() {
        assert_eq!(run(form(), "!decline\n").0, json!({"action": "decline"}));
        assert_eq!(run(form(), "y\n!cancel\n").0, json!({"action": "cancel"}));
        assert_eq!(run(form(), "y\n").0, json!({"action": "cancel"}));
    }

    /// Multi-select fields (both schema forms, as the everything server sends them) are
    /// arrays of the chosen values, never one string.
    #[test]
    fn multi_select_fields_are_answered_with_arrays() {
        let params = json!({
            "message": "Pick",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "instruments": {"type": "array", "minItems": 1, "maxItems": 2,
                        "items": {"type": "string", "enum": ["Guitar", "Piano", "Drums"]}},
                    "pets": {"type": "array", "items": {"anyOf": [
                        {"const": "cat", "title": "Cat"}, {"const": "dog", "title": "Dog"}]}}
                },
                "required": ["instruments"]
            }
        });
        let (answer, shown) = run(params, "Guitar, Harp\nGuitar,Piano,Drums\nGuitar, Drums\ndog\n");
        assert_eq!(
            answer,
            json!({"action": "accept", "content": {"instruments": ["Guitar", "Drums"], "pets": ["dog"]}})
        );
        assert!(shown.contains("any of Guitar/Piano/Drums, comma-separated"), "{shown}");
        assert!(shown.contains("Harp is not one of Guitar, Piano, Drums"), "{shown}");
        assert!(shown.contains("choose at most 2"), "{shown}");
    }

    #[test]
    fn url_mode_asks_whether_the_person_finished() {
        let params =
            json!({"message": "Sign in", "mode": "url", "url": "https://example.com/auth"});
        let (answer, shown) = run(params.clone(), "y\n");
        assert_eq!(answer, json!({"action": "accept"}));
        assert!(shown.contains("https://example.com/auth"));
        assert_eq!(run(params, "n\n").0, json!({"action": "decline"}));
    }

    #[test]
    fn a_schema_of_the_wrong_shape_still_gets_an_answer() {
        let (answer, _) = run(json!({"message": 7, "requestedSchema": [1, 2]}), "");
        assert_eq!(answer, json!({"action": "accept", "content": {}}));
    }
}
