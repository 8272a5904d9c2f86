//! What `confbot serve` reads from the environment (and `.env`, loaded by `main`), typed once.
//! Each variable is documented in `.env.example`. `CONFBOT_DB` is read with the command line
//! (`--db`), since every subcommand uses it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// The bot's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub discord_token: String,
    /// Register commands in this guild only (instant) instead of globally.
    pub guild_id: Option<u64>,
    /// Send Discord requests to this base URL (a proxy or a loopback Discord) instead of discord.com.
    pub api_url: Option<String>,
    /// The program to import when the database is empty; `None` means the bundled one.
    pub program: Option<PathBuf>,
    /// Rehearse: the clock starts at this instant...
    pub rehearse_from: Option<DateTime<Utc>>,
    /// ...and runs this many times faster.
    pub rehearse_speed: f64,
}

/// A variable that is missing or malformed, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the configuration through `var` (the process environment in production).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let discord_token = var("DISCORD_TOKEN").ok_or_else(|| {
            ConfigError(
                "DISCORD_TOKEN is not set. Copy .env.example to .env and put your bot's token in it \
                 (Discord Developer Portal → your application → Bot → Reset Token)."
                    .into(),
            )
        })?;
        let guild_id = var("DISCORD_GUILD_ID")
            .map(|v| {
                v.parse::<u64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                    ConfigError(format!(
                        "DISCORD_GUILD_ID must be a server id (a number), not `{v}`"
                    ))
                })
            })
            .transpose()?;
        let api_url = var("DISCORD_API_URL").map(|v| v.trim_end_matches('/').to_string());
        if let Some(url) = &api_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "DISCORD_API_URL must start with http:// or https://, not `{url}`"
                )));
            }
        }
        let rehearse_from = var("CONFBOT_REHEARSE_FROM")
            .map(|v| {
                DateTime::parse_from_rfc3339(&v)
                    .map(|at| at.to_utc())
                    .map_err(|_| {
                        ConfigError(format!(
                            "CONFBOT_REHEARSE_FROM must be an instant with an offset such as \
                         2021-05-04T10:40:00-07:00, not `{v}`"
                        ))
                    })
            })
            .transpose()?;
        let rehearse_speed = match var("CONFBOT_REHEARSE_SPEED") {
            None => 1.0,
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or_else(|| {
                    ConfigError(format!(
                        "CONFBOT_REHEARSE_SPEED must be a positive number, not `{v}`"
                    ))
                })?,
        };
        Ok(Config {
            discord_token,
            guild_id,
            api_url,
            program: var("CONFBOT_PROGRAM").map(PathBuf::from),
            rehearse_from,
            rehearse_speed,
        })
    }

    /// Reads the configuration from the process environment.
    pub fn from_environment() -> Result<Config, ConfigError> {
        Config::from_vars(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn only_the_token_is_required() {
        let config = config(&[("DISCORD_TOKEN", "abc")]).unwrap();
        assert_eq!(
            (config.guild_id, config.api_url, config.program),
            (None, None, None)
        );
        assert_eq!(config.rehearse_speed, 1.0);
    }

    #[test]
    fn a_missing_token_says_what_to_do() {
        let error = config(&[("DISCORD_TOKEN", "  ")]).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("DISCORD_TOKEN is not set. Copy .env.example to .env"));
    }

    #[test]
    fn malformed_values_are_named() {
        let error = config(&[("DISCORD_TOKEN", "t"), ("DISCORD_GUILD_ID", "general")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "DISCORD_GUILD_ID must be a server id (a number), not `general`"
        );
        let error =
            config(&[("DISCORD_TOKEN", "t"), ("CONFBOT_REHEARSE_SPEED", "-2")]).unwrap_err();
        assert!(error.to_string().contains("positive number, not `-2`"));
        let error = config(&[
            ("DISCORD_TOKEN", "t"),
            ("CONFBOT_REHEARSE_FROM", "2021-05-04 10:40"),
        ])
        .unwrap_err();
        assert!(error.to_string().contains("with an offset"));
        let error =
            config(&[("DISCORD_TOKEN", "t"), ("DISCORD_API_URL", "127.0.0.1:5")]).unwrap_err();
        assert!(error.to_string().contains("http://"));
    }

    #[test]
    fn rehearsal_and_api_url_are_read() {
        let config = config(&[
            ("DISCORD_TOKEN", "t"),
            ("DISCORD_API_URL", "http://127.0.0.1:9000/"),
            ("CONFBOT_REHEARSE_FROM", "2021-05-04T10:40:00-07:00"),
            ("CONFBOT_REHEARSE_SPEED", "60"),
        ])
        .unwrap();
        assert_eq!(config.api_url.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(
            config.rehearse_from.unwrap().to_rfc3339(),
            "2021-05-04T17:40:00+00:00"
        );
        assert_eq!(config.rehearse_speed, 60.0);
    }
}
