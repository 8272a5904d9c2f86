//! Validation of request bodies against Discord's official OpenAPI spec
//! (`fixtures/discord/openapi.json`, see `fixtures/discord/SOURCES.md`).
//!
//! The whole spec is registered once per process as the root resource of a JSON Schema
//! (draft 2020-12, which OpenAPI 3.1 uses) registry; each route's validator is then just
//! `{"$ref": "<spec>#/paths/<route>/<method>/requestBody/content/application~1json/schema"}`,
//! compiled on first use and cached, because compiling against the 1.2 MB spec is slow.
//!
//! Where the spec is stricter than Discord itself it is patched on load: it types
//! `permissions`, `default_member_permissions`, `allow` and `deny` as integers in requests,
//! while Discord documents (and serenity sends) them as strings of digits; both are accepted.
//! And it types the `id` of an attachment in a request as a snowflake string, while Discord
//! documents the id of a file uploaded with the request as its index, an integer (serenity
//! sends `0`); both are accepted.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use std::cmp::Reverse;

use jsonschema::{OutputUnit, Registry, Validator};
use serde_json::{json, Value};

use crate::limits::FieldError;

const SPEC_URI: &str = "https://discord.com/api/v10/openapi.json";

/// The spec, patched (see the module doc), parsed once per process.
static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let text = include_str!("../fixtures/discord/openapi.json");
    let mut spec: Value = serde_json::from_str(text).expect("the vendored OpenAPI spec is JSON");
    accept_permission_strings(&mut spec);
    accept_upload_indexes(&mut spec);
    spec
});

static REGISTRY: LazyLock<Registry<'static>> = LazyLock::new(|| {
    Registry::new()
        .add(SPEC_URI, SPEC.clone())
        .and_then(|builder| builder.prepare())
        .expect("the vendored OpenAPI spec is a valid JSON Schema resource")
});

/// Validators by (method, route template); `None` when the route has no JSON request body.
type Cache = Mutex<HashMap<(String, String), Option<Arc<Validator>>>>;
static VALIDATORS: LazyLock<Cache> = LazyLock::new(Default::default);

/// Whether the spec describes a JSON request body for `method route` (e.g. `post`,
/// `/channels/{channel_id}/messages`).
fn body_pointer(method: &str, route: &str) -> Option<String> {
    let op = SPEC.get("paths")?.get(route)?.get(method)?;
    op.get("requestBody")?
        .get("content")?
        .get("application/json")?;
    // A JSON pointer in a URI fragment: `~` and `/` escaped, braces percent-encoded.
    let escaped = route
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D");
    Some(format!(
        "#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
    ))
}

fn validator(method: &str, route: &str) -> Option<Arc<Validator>> {
    let key = (method.to_owned(), route.to_owned());
    if let Some(v) = VALIDATORS.lock().expect("validator cache").get(&key) {
        return v.clone();
    }
    // Compiled outside the lock: two threads may both compile the same route once, which is
    // cheaper than serializing every request behind a slow compile.
    let compiled = body_pointer(method, route).map(|pointer| {
        let schema = json!({"$ref": format!("{SPEC_URI}{pointer}")});
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .with_registry(&REGISTRY)
            .build(&schema)
            .unwrap_or_else(|e| {
                panic!("cannot compile the spec's schema for {method} {route}: {e}")
            });
        Arc::new(v)
    });
    VALIDATORS
        .lock()
        .expect("validator cache")
        .insert(key, compiled.clone());
    compiled
}

/// Whether the spec knows `method route` at all (used to check fault and route templates).
pub(crate) fn knows(method: &str, route: &str) -> bool {
    SPEC.get("paths")
        .and_then(|p| p.get(route))
        .and_then(|r| r.get(method))
        .is_some()
}

/// Validates `body` of `method route` (method in lower case, route as in the spec).
pub(crate) fn validate(method: &str, route: &str, body: &Value) -> Vec<FieldError> {
    let Some(validator) = validator(method, route) else {
        return Vec::new();
    };
    let evaluation = validator.evaluate(body);
    let mut errors = best_errors(evaluation.root());
    errors.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    errors
}

/// The errors of an evaluation tree, choosing one branch at every `anyOf`/`oneOf`.
///
/// Discord's spec writes unions as `anyOf` (interaction callbacks, autocomplete data by choice
/// type, ...), and every failing branch reports. Like a person reading the spec, pick the
/// branch that fails least (fewest errors, then the deepest field): for 26 string choices
/// that is "`data.choices`: at most 25", not "`type` must be 4" from the message branch.
fn best_errors(unit: OutputUnit<'_>) -> Vec<FieldError> {
    if unit.valid() {
        return Vec::new();
    }
    let children = unit
        .children()
        .filter(|c| !c.valid())
        .map(best_errors)
        .filter(|e| !e.is_empty());
    let path = unit.evaluation_path().as_str();
    if path.ends_with("/anyOf") || path.ends_with("/oneOf") {
        let deepest =
            |errors: &Vec<FieldError>| errors.iter().map(|e| e.path.len()).max().unwrap_or(0);
        if let Some(best) = children.min_by_key(|errors| (errors.len(), Reverse(deepest(errors)))) {
            return best;
        }
        // No failing branch: the union itself failed (e.g. `oneOf` matched twice).
        return own_errors(unit);
    }
    let mut errors = own_errors(unit);
    errors.extend(children.flatten());
    errors
}

fn own_errors(unit: OutputUnit<'_>) -> Vec<FieldError> {
    let path: Vec<String> = unit
        .instance_location()
        .iter()
        .map(|s| s.to_string())
        .collect();
    unit.errors()
        .iter()
        .map(|e| FieldError {
            path: path.clone(),
            code: discord_code(e.keyword()),
            message: e.message().to_owned(),
        })
        .collect()
}

/// Discord's error codes for a failed JSON Schema keyword.
fn discord_code(keyword: &str) -> &'static str {
    match keyword {
        "maxLength" | "maxItems" | "maximum" => "BASE_TYPE_MAX_LENGTH",
        "minLength" | "minItems" | "minimum" => "BASE_TYPE_MIN_LENGTH",
        "required" => "BASE_TYPE_REQUIRED",
        "enum" | "const" => "BASE_TYPE_CHOICES",
        "type" => "BASE_TYPE_BAD_TYPE",
        _ => "BASE_TYPE_INVALID",
    }
}

fn accept_upload_indexes(spec: &mut Value) {
    let id = &mut spec["components"]["schemas"]["MessageAttachmentRequest"]["properties"]["id"];
    if !id.is_null() {
        let original = id.take();
        *id = json!({"anyOf": [original, {"type": "integer", "minimum": 0}]});
    }
}

fn accept_permission_strings(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for key in ["permissions", "default_member_permissions", "allow", "deny"] {
                    if let Some(schema) = props.get_mut(key) {
                        let is_integer = match schema.get("type") {
                            Some(Value::String(t)) => t == "integer",
                            Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                            _ => false,
                        };
                        if is_integer {
                            let original = schema.take();
                            *schema = json!({"anyOf": [original, {"type": "string", "pattern": "^[0-9]+$"}]});
                        }
                    }
                }
            }
            map.values_mut().for_each(accept_permission_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(accept_permission_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uploaded_file_may_be_referred_to_by_its_index() {
        let body =
            json!({"type": 4, "data": {"attachments": [{"id": 0, "filename": "agenda.ics"}]}});
        let route = "/interactions/{interaction_id}/{interaction_token}/callback";
        assert!(validate("post", route, &body).is_empty());
        let bad =
            json!({"type": 4, "data": {"attachments": [{"id": -1, "filename": "agenda.ics"}]}});
        assert!(!validate("post", route, &bad).is_empty());
    }

    #[test]
    fn a_message_with_a_long_embed_title_is_rejected_at_the_title() {
        let body = json!({"embeds": [{"title": "x".repeat(257)}]});
        let errors = validate("post", "/channels/{channel_id}/messages", &body);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, ["embeds", "0", "title"]);
        assert_eq!(errors[0].code, "BASE_TYPE_MAX_LENGTH");
    }

    #[test]
    fn a_union_reports_the_branch_that_fits_best() {
        let choices: Vec<Value> = (0..26)
            .map(|i| json!({"name": format!("t{i}"), "value": format!("t{i}")}))
            .collect();
        let body = json!({"type": 8, "data": {"choices": choices}});
        let errors = validate(
            "post",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            &body,
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, ["data", "choices"]);
    }

    #[test]
    fn permissions_may_be_strings_or_integers() {
        let route = "/applications/{application_id}/commands";
        for perms in [json!("8192"), json!(8192)] {
            let body =
                json!([{"name": "ask", "description": "Ask", "default_member_permissions": perms}]);
            assert_eq!(validate("put", route, &body), vec![], "{perms}");
        }
        let body =
            json!([{"name": "ask", "description": "Ask", "default_member_permissions": "lots"}]);
        assert!(!validate("put", route, &body).is_empty());
    }

    #[test]
    fn routes_without_a_json_body_are_not_validated() {
        assert!(knows("get", "/gateway"));
        assert!(validate("get", "/gateway", &json!({"anything": 1})).is_empty());
    }
}
