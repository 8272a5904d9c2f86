//! `confbot invite`: the OAuth2 URL that adds the bot to a server with the `bot` and
//! `applications.commands` scopes and exactly the permissions of [`super::permissions::NEEDED`].

use std::fmt::Write as _;

use anyhow::{bail, Context as _};
use base64::Engine as _;

use super::permissions::{self, NEEDED};

/// The OAuth2 URL to add application `application` to a server.
pub fn url(application: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application}&scope=bot+applications.commands&permissions={}",
        permissions::all().bits()
    )
}

/// The URL and, under it, each permission with what it is for.
pub fn report(application: u64) -> String {
    let mut out = format!(
        "Add confbot to a server (you need Manage Server there):\n\n  {}\n\nIt asks for:\n",
        url(application)
    );
    for need in NEEDED {
        let _ = writeln!(
            out,
            "  - {}: {}",
            permissions::name(need.permission),
            need.what_for
        );
    }
    out
}

/// A bot token's first part is its user id (a bot's is its application's), in base64: the
/// URL needs no request to Discord. Nothing of the token's secret parts is read or shown.
pub fn application_from_token(token: &str) -> anyhow::Result<u64> {
    let token = token.trim();
    if token.is_empty() {
        bail!("DISCORD_TOKEN is empty: set it, or give --application-id");
    }
    let first = token.split('.').next().unwrap_or_default();
    let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(first.trim_end_matches('='))
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|id| id.parse::<u64>().ok());
    decoded.context(
        "DISCORD_TOKEN does not look like a bot token (its first part is not a base64 id): \
         give --application-id (Developer Portal → General Information → Application ID)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_has_both_scopes_and_the_needed_permissions() {
        let url = url(1234);
        assert!(url.starts_with("https://discord.com/oauth2/authorize?client_id=1234&"));
        assert!(url.contains("scope=bot+applications.commands"));
        let bits: u64 = url.rsplit("permissions=").next().unwrap().parse().unwrap();
        assert_eq!(bits, permissions::all().bits());
        // Create Events and Set Voice Channel Status, not Manage Events.
        assert_ne!(bits & (1 << 44), 0);
        assert_ne!(bits & (1 << 48), 0);
        assert_eq!(bits & (1 << 33), 0);
    }

    #[test]
    fn the_report_says_what_each_permission_is_for() {
        let report = report(1);
        assert!(report.contains("Create Events: mirror the sessions into the Events tab"));
        assert_eq!(report.matches("\n  - ").count(), NEEDED.len());
    }

    #[test]
    fn the_application_comes_from_the_tokens_first_part() {
        // "123456789012345678" in base64, as Discord writes it (no padding).
        let token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.secret-part";
        assert_eq!(application_from_token(token).unwrap(), 123456789012345678);
        let error = application_from_token("not a token")
            .unwrap_err()
            .to_string();
        assert!(error.contains("--application-id"), "{error}");
        assert!(
            !error.contains("not a token"),
            "the token is never echoed: {error}"
        );
    }
}
