//! Discord's limits that its OpenAPI spec does not carry: message content of at most 2000
//! characters (the spec says 4000), at most 6000 characters of embed text per message, and
//! buttons of the right shape: a link button (style 5) has a `url` (http, https or discord)
//! and no `custom_id`, any other button a `custom_id` and no `url`.
//!
//! The interaction rules the spec cannot express (one acknowledgement, within 3 seconds; tokens
//! valid 15 minutes) live with the interaction routes in `rest/interactions.rs`.

use serde_json::Value;

/// Discord's documented maximum for `content`.
pub const MAX_CONTENT: usize = 2000;
/// Discord's documented maximum for all embed text of one message together.
pub const MAX_EMBED_TOTAL: usize = 6000;

/// One invalid field, as Discord reports it in a 50035 "Invalid Form Body" error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field from the body's root, e.g. `["embeds", "0", "title"]`.
    pub path: Vec<String>,
    /// Discord's code, e.g. `BASE_TYPE_MAX_LENGTH`.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

/// Where a route's body carries message fields (`content`, `embeds`), if it does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MessageAt {
    /// The body is the message (create/edit message, webhook and follow-up messages).
    Root,
    /// An interaction callback: the message is its `data`.
    CallbackData,
}

/// Which routes carry message fields, by (lower-case method, spec route).
pub(crate) fn message_fields(method: &str, route: &str) -> Option<MessageAt> {
    match (method, route) {
        ("post", "/interactions/{interaction_id}/{interaction_token}/callback") => {
            Some(MessageAt::CallbackData)
        }
        ("post" | "patch", "/channels/{channel_id}/messages")
        | ("patch", "/channels/{channel_id}/messages/{message_id}")
        | ("post", "/webhooks/{webhook_id}/{webhook_token}")
        | ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        | ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}") => {
            Some(MessageAt::Root)
        }
        _ => None,
    }
}

/// Checks the limits of the message carried by a body.
pub(crate) fn check(method: &str, route: &str, body: &Value) -> Vec<FieldError> {
    let (message, prefix): (&Value, Vec<String>) = match message_fields(method, route) {
        None => return Vec::new(),
        Some(MessageAt::Root) => (body, vec![]),
        Some(MessageAt::CallbackData) => match body.get("data") {
            Some(data) => (data, vec!["data".into()]),
            None => return Vec::new(),
        },
    };
    let mut errors = Vec::new();
    let at = |field: &str| {
        let mut p = prefix.clone();
        p.push(field.into());
        p
    };
    if let Some(content) = message.get("content").and_then(Value::as_str) {
        let len = content.chars().count();
        if len > MAX_CONTENT {
            errors.push(FieldError {
                path: at("content"),
                code: "BASE_TYPE_MAX_LENGTH",
                message: format!("Must be {MAX_CONTENT} or fewer in length (is {len})."),
            });
        }
    }
    if let Some(embeds) = message.get("embeds").and_then(Value::as_array) {
        let total: usize = embeds.iter().map(embed_text_len).sum();
        if total > MAX_EMBED_TOTAL {
            errors.push(FieldError {
                path: at("embeds"),
                code: "MAX_EMBED_SIZE_EXCEEDED",
                message: format!(
                    "Embed size exceeds maximum size of {MAX_EMBED_TOTAL} (is {total})."
                ),
            });
        }
    }
    errors.extend(button_errors(message, &prefix));
    errors
}

/// The buttons of a message's action rows that Discord refuses.
fn button_errors(message: &Value, prefix: &[String]) -> Vec<FieldError> {
    let rows = message.get("components").and_then(Value::as_array);
    let mut errors = Vec::new();
    for (r, row) in rows.into_iter().flatten().enumerate() {
        let buttons = row.get("components").and_then(Value::as_array);
        for (b, button) in buttons.into_iter().flatten().enumerate() {
            if button.get("type").and_then(Value::as_u64) != Some(2) {
                continue;
            }
            let has = |key: &str| button.get(key).is_some_and(|v| !v.is_null());
            let url = button.get("url").and_then(Value::as_str);
            let link = button.get("style").and_then(Value::as_u64) == Some(5);
            let wrong = match (link, has("custom_id")) {
                (true, true) => Some(("custom_id", "A link button cannot have a custom_id")),
                (true, false) if !url.is_some_and(is_button_url) => {
                    Some(("url", "A link button needs an http, https or discord url"))
                }
                (false, false) => Some(("custom_id", "A button needs a custom_id")),
                (false, true) if has("url") => Some(("url", "Only a link button has a url")),
                _ => None,
            };
            if let Some((field, message)) = wrong {
                let mut path = prefix.to_vec();
                path.extend(
                    [
                        "components",
                        &r.to_string(),
                        "components",
                        &b.to_string(),
                        field,
                    ]
                    .map(String::from),
                );
                errors.push(FieldError {
                    path,
                    code: "BUTTON_COMPONENT_INVALID",
                    message: message.into(),
                });
            }
        }
    }
    errors
}

fn is_button_url(url: &str) -> bool {
    ["http://", "https://", "discord://"]
        .iter()
        .any(|scheme| url.len() > scheme.len() && url.starts_with(scheme))
}

/// The characters Discord counts towards the 6000 of a message: title, description, field
/// names and values, footer text and author name.
pub fn embed_text_len(embed: &Value) -> usize {
    let len = |v: Option<&Value>| v.and_then(Value::as_str).map_or(0, |s| s.chars().count());
    let fields: usize = embed
        .get("fields")
        .and_then(Value::as_array)
        .map_or(0, |fs| {
            fs.iter()
                .map(|f| len(f.get("name")) + len(f.get("value")))
                .sum()
        });
    len(embed.get("title"))
        + len(embed.get("description"))
        + len(embed.pointer("/footer/text"))
        + len(embed.pointer("/author/name"))
        + fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_over_2000_characters_is_rejected_even_though_the_spec_allows_4000() {
        let route = "/channels/{channel_id}/messages";
        assert!(check("post", route, &json!({"content": "é".repeat(2000)})).is_empty());
        let errors = check("post", route, &json!({"content": "é".repeat(2001)}));
        assert_eq!(errors[0].path, ["content"]);
    }

    #[test]
    fn a_link_button_has_a_url_and_no_custom_id_and_other_buttons_the_reverse() {
        let route = "/channels/{channel_id}/messages";
        let with = |button: Value| json!({"components": [{"type": 1, "components": [button]}]});
        let fine = [
            json!({"type": 2, "style": 5, "label": "Watch", "url": "https://example.org/live"}),
            json!({"type": 2, "style": 1, "label": "Ask", "custom_id": "qa:ask"}),
        ];
        for button in fine {
            assert!(
                check("post", route, &with(button.clone())).is_empty(),
                "{button}"
            );
        }
        let refused = [
            json!({"type": 2, "style": 5, "label": "Watch"}),
            json!({"type": 2, "style": 5, "label": "Watch", "url": "ftp://example.org"}),
            json!({"type": 2, "style": 5, "url": "https://example.org", "custom_id": "x"}),
            json!({"type": 2, "style": 2, "label": "Ask"}),
            json!({"type": 2, "style": 2, "custom_id": "x", "url": "https://example.org"}),
        ];
        for button in refused {
            let errors = check("post", route, &with(button.clone()));
            assert_eq!(errors.len(), 1, "{button}");
            assert_eq!(errors[0].path[..4], ["components", "0", "components", "0"]);
        }
    }

    #[test]
    fn embed_text_is_counted_across_all_embeds_of_a_message() {
        let embed = json!({"title": "t".repeat(200), "description": "d".repeat(2800),
            "fields": [{"name": "n", "value": "v"}], "footer": {"text": "f"}});
        let route = "/interactions/{interaction_id}/{interaction_token}/callback";
        let one = json!({"type": 4, "data": {"embeds": [embed]}});
        assert!(check("post", route, &one).is_empty());
        let three = json!({"type": 4, "data": {"embeds": [embed, embed, embed]}});
        assert_eq!(check("post", route, &three)[0].path, ["data", "embeds"]);
    }
}
