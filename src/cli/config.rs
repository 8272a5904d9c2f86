//! The environment (and `.env`, loaded by `main`), read once, at the edge: every variable is
//! parsed here into the settings of the part it configures (`jobs::Settings`,
//! `source::Settings`), with an error that names it. Each is documented in `.env.example`.
//! `CONFBOT_DB` is read with the command line (`--db`), since every subcommand uses it.

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::budget::Budget;
use crate::ids::GuildId;
use crate::jobs::delivery::Rules;
use crate::jobs::Settings as JobSettings;
use crate::program::time::{parse_duration, parse_zone};
use crate::program::Format;
use crate::source::{Settings as SourceSettings, DEFAULT_POLL, LONGEST_POLL, SHORTEST_POLL};

/// The bot's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub discord_token: String,
    /// Register commands in this guild only (instant) instead of globally.
    pub guild_id: Option<GuildId>,
    /// Send Discord requests to this base URL (a proxy or a loopback Discord) instead of discord.com.
    pub api_url: Option<String>,
    /// The program to import when the database is empty; `None` means the bundled one.
    pub program: Option<PathBuf>,
    /// Rehearse: the clock starts at this instant...
    pub rehearse_from: Option<DateTime<Utc>>,
    /// ...and runs this many times faster.
    pub rehearse_speed: f64,
    pub announce: JobSettings,
    /// The live program source (`CONFBOT_PROGRAM_*`), if any.
    pub source: Option<SourceSettings>,
}

/// A variable that is missing or malformed, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// Reads variables by name, treating blank as unset, and parses them with messages that name
/// the variable, what it must be and what it was.
struct Vars<F: Fn(&str) -> Option<String>>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// `parse` the variable if set; on failure say it `must be` something.
    fn parse<T>(
        &self,
        name: &str,
        must_be: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        self.get(name)
            .map(|v| {
                parse(&v).ok_or_else(|| ConfigError(format!("{name} must be {must_be}, not `{v}`")))
            })
            .transpose()
    }

    /// A Discord id (a positive number).
    fn id<T: From<u64>>(&self, name: &str, what: &str) -> Result<Option<T>, ConfigError> {
        self.parse(name, what, |v| {
            v.parse::<u64>().ok().filter(|id| *id > 0).map(T::from)
        })
    }
}

impl Config {
    /// Reads the configuration through `var` (the process environment in production).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let vars = Vars(var);
        let discord_token = vars.get("DISCORD_TOKEN").ok_or_else(|| {
            ConfigError(
                "DISCORD_TOKEN is not set. Copy .env.example to .env and put your bot's token in it \
                 (Discord Developer Portal → your application → Bot → Reset Token)."
                    .into(),
            )
        })?;
        let api_url = vars.parse(
            "DISCORD_API_URL",
            "a URL starting with http:// or https://",
            |v| {
                (v.starts_with("http://") || v.starts_with("https://"))
                    .then(|| v.trim_end_matches('/').to_string())
            },
        )?;
        let rehearse_from = vars.parse(
            "CONFBOT_REHEARSE_FROM",
            "an instant with an offset such as 2021-05-04T10:40:00-07:00",
            |v| DateTime::parse_from_rfc3339(v).ok().map(|at| at.to_utc()),
        )?;
        let rehearse_speed = vars.parse(
            "CONFBOT_REHEARSE_SPEED",
            "a positive number up to 10000",
            |v| v.parse::<f64>().ok().filter(|s| *s > 0.0 && *s <= FASTEST),
        )?;
        Ok(Config {
            discord_token,
            guild_id: vars.id("DISCORD_GUILD_ID", "a server id (a number)")?,
            api_url,
            program: program_path(&vars),
            rehearse_from,
            rehearse_speed: rehearse_speed.unwrap_or(1.0),
            announce: job_settings(&vars)?,
            source: source_settings(&vars)?,
        })
    }

    /// Reads the configuration from the process environment.
    pub fn from_environment() -> Result<Config, ConfigError> {
        Config::from_vars(|name| std::env::var(name).ok())
    }
}

/// `CONFBOT_PROGRAM`: the program to import into an empty database instead of the bundled one
/// (blank is unset, as for every variable).
fn program_path<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Option<PathBuf> {
    vars.get("CONFBOT_PROGRAM").map(PathBuf::from)
}

/// The jobs' settings and the program path, from the process environment: what the commands
/// that need no token (`preview`, `ask`) read.
pub fn offline_from_environment() -> Result<(JobSettings, Option<PathBuf>), ConfigError> {
    let vars = Vars(|name: &str| std::env::var(name).ok());
    Ok((job_settings(&vars)?, program_path(&vars)))
}

/// The jobs' settings read through `var` alone (the fuzz target of the lead list uses it).
pub fn job_settings_from(var: impl Fn(&str) -> Option<String>) -> Result<JobSettings, ConfigError> {
    job_settings(&Vars(var))
}

/// When and where the jobs deliver: `CONFBOT_ANNOUNCE_*` and `CONFBOT_TICK`.
fn job_settings<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<JobSettings, ConfigError> {
    let defaults = JobSettings::default();
    let week = |v: &str| parse_duration(v).ok().filter(|d| *d <= LONGEST);
    let leads = vars.parse(
        "CONFBOT_ANNOUNCE_LEADS",
        "durations of at most a week, such as `10m,0m`",
        |v| {
            let mut leads: Vec<TimeDelta> = v
                .split(',')
                .map(|lead| week(lead.trim()))
                .collect::<Option<_>>()?;
            // Longest first and unique: the same lead twice would claim one announcement twice.
            leads.sort_unstable_by(|a, b| b.cmp(a));
            leads.dedup();
            Some(leads)
        },
    )?;
    let grace = vars.parse(
        "CONFBOT_ANNOUNCE_GRACE",
        "a duration of at most a week, such as `5m`",
        week,
    )?;
    let tick_seconds = vars.parse("CONFBOT_TICK", "between 1s and 59s", |v| {
        let seconds = parse_duration(v).ok()?.num_seconds();
        (1..=59).contains(&seconds).then_some(seconds as u32)
    })?;
    Ok(JobSettings {
        rules: Rules {
            leads: leads.unwrap_or(defaults.rules.leads),
            grace: grace.unwrap_or(defaults.rules.grace),
            retry_within: defaults.rules.retry_within,
            budget: Budget {
                tick: tick_seconds
                    .map_or(defaults.rules.budget.tick, |s| TimeDelta::seconds(s.into())),
                ..defaults.rules.budget
            },
        },
        channel: vars.id("CONFBOT_ANNOUNCE_CHANNEL_ID", "a channel id")?,
        tick_seconds: tick_seconds.unwrap_or(defaults.tick_seconds),
        digest_at: vars.parse("CONFBOT_DIGEST_AT", "a local time such as `08:00`", |v| {
            chrono::NaiveTime::parse_from_str(v, "%H:%M").ok()
        })?,
        feedback: vars
            .parse("CONFBOT_FEEDBACK", "`on` or `off`", |v| {
                match v.to_ascii_lowercase().as_str() {
                    "on" | "true" | "yes" | "1" => Some(true),
                    "off" | "false" | "no" | "0" => Some(false),
                    _ => None,
                }
            })?
            .unwrap_or(defaults.feedback),
    })
}

/// The live program source: `CONFBOT_PROGRAM_URL`, `_POLL`, `_FORMAT` and `_TIMEZONE`.
fn source_settings<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<Option<SourceSettings>, ConfigError> {
    let url = vars.parse(
        "CONFBOT_PROGRAM_URL",
        "an http:// or https:// URL of a program file",
        |v| {
            reqwest::Url::parse(v)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        },
    )?;
    let poll = vars.parse(
        "CONFBOT_PROGRAM_POLL",
        "a duration between 1m and 24h, such as `5m`",
        |v| {
            let poll = parse_duration(v).ok()?;
            if !(SHORTEST_POLL..=LONGEST_POLL).contains(&poll) {
                return None;
            }
            poll.to_std().ok()
        },
    )?;
    let formats: Vec<String> = Format::WORDS
        .iter()
        .map(|(format, _)| format!("`{}`", format.word()))
        .collect();
    let format = vars.parse(
        "CONFBOT_PROGRAM_FORMAT",
        &format!("one of {}", formats.join(", ")),
        Format::from_word,
    )?;
    let time_zone = vars.parse(
        "CONFBOT_PROGRAM_TIMEZONE",
        "an IANA time zone such as `Europe/Berlin`",
        |v| parse_zone(v).ok(),
    )?;
    let Some(url) = url else {
        let stray = [
            ("CONFBOT_PROGRAM_POLL", poll.is_some()),
            ("CONFBOT_PROGRAM_FORMAT", format.is_some()),
            ("CONFBOT_PROGRAM_TIMEZONE", time_zone.is_some()),
        ];
        return match stray.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(ConfigError(format!(
                "{name} is set but CONFBOT_PROGRAM_URL is not: it configures the live program source"
            ))),
            None => Ok(None),
        };
    };
    let format = format.unwrap_or_default();
    if format == Format::Sessionize && time_zone.is_none() {
        return Err(ConfigError(
            "CONFBOT_PROGRAM_FORMAT=sessionize needs CONFBOT_PROGRAM_TIMEZONE: Sessionize times \
             have no offset"
                .into(),
        ));
    }
    Ok(Some(SourceSettings {
        url,
        poll: poll.unwrap_or(DEFAULT_POLL),
        format,
        time_zone,
    }))
}

/// The longest lead or grace period: a week (and no overflow in the time arithmetic).
const LONGEST: TimeDelta = TimeDelta::days(7);

/// The fastest rehearsal: a conference day in under ten seconds.
const FASTEST: f64 = 10_000.0;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Duration;

    use crate::ids::ChannelId;

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
        assert_eq!(config.announce, JobSettings::default());
        assert_eq!(
            config.announce.rules.leads,
            [TimeDelta::minutes(10), TimeDelta::zero()]
        );
    }

    #[test]
    fn announcement_settings_are_read_and_checked() {
        let config = config(&[
            ("DISCORD_TOKEN", "t"),
            ("CONFBOT_ANNOUNCE_LEADS", "15m, 5m,0s"),
            ("CONFBOT_ANNOUNCE_GRACE", "2m"),
            ("CONFBOT_ANNOUNCE_CHANNEL_ID", "42"),
            ("CONFBOT_TICK", "1s"),
            ("CONFBOT_DIGEST_AT", "07:30"),
            ("CONFBOT_FEEDBACK", "on"),
        ])
        .unwrap();
        let announce = config.announce;
        assert!(announce.feedback);
        assert_eq!(
            announce.digest_at,
            chrono::NaiveTime::from_hms_opt(7, 30, 0)
        );
        assert_eq!(
            announce.rules.leads,
            [
                TimeDelta::minutes(15),
                TimeDelta::minutes(5),
                TimeDelta::zero()
            ]
        );
        assert_eq!(
            (
                announce.rules.grace,
                announce.channel,
                announce.tick_seconds
            ),
            (TimeDelta::minutes(2), Some(ChannelId(42)), 1)
        );
        let error = config_error(&[("CONFBOT_ANNOUNCE_LEADS", "soon")]);
        assert_eq!(
            error,
            "CONFBOT_ANNOUNCE_LEADS must be durations of at most a week, such as `10m,0m`, not `soon`"
        );
        assert!(config_error(&[("CONFBOT_TICK", "2m")]).contains("between 1s and 59s"));
        assert_eq!(
            config_error(&[("CONFBOT_DIGEST_AT", "8am")]),
            "CONFBOT_DIGEST_AT must be a local time such as `08:00`, not `8am`"
        );
        assert_eq!(
            config_error(&[("CONFBOT_FEEDBACK", "sometimes")]),
            "CONFBOT_FEEDBACK must be `on` or `off`, not `sometimes`"
        );
        assert!(
            config_error(&[("CONFBOT_ANNOUNCE_GRACE", "1000000000h")]).contains("at most a week")
        );
        assert!(config_error(&[("CONFBOT_REHEARSE_SPEED", "1e300")]).contains("up to 10000"));
    }

    #[test]
    fn repeated_leads_count_once() {
        let config = config(&[
            ("DISCORD_TOKEN", "t"),
            ("CONFBOT_ANNOUNCE_LEADS", "0m,10m,600s"),
        ])
        .unwrap();
        assert_eq!(
            config.announce.rules.leads,
            [TimeDelta::minutes(10), TimeDelta::zero()]
        );
    }

    fn config_error(extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![("DISCORD_TOKEN", "t")];
        pairs.extend_from_slice(extra);
        config(&pairs).unwrap_err().to_string()
    }

    #[test]
    fn the_live_source_is_read_with_its_defaults() {
        assert_eq!(config(&[("DISCORD_TOKEN", "t")]).unwrap().source, None);
        let source = config(&[
            ("DISCORD_TOKEN", "t"),
            (
                "CONFBOT_PROGRAM_URL",
                "https://pretalx.example/conf/schedule.json",
            ),
        ])
        .unwrap()
        .source
        .unwrap();
        assert_eq!(
            source,
            SourceSettings {
                url: "https://pretalx.example/conf/schedule.json"
                    .parse()
                    .unwrap(),
                poll: Duration::from_secs(300),
                format: Format::Auto,
                time_zone: None,
            }
        );
        let source = config(&[
            ("DISCORD_TOKEN", "t"),
            ("CONFBOT_PROGRAM_URL", "http://127.0.0.1:8000/All"),
            ("CONFBOT_PROGRAM_POLL", "1m30s"),
            ("CONFBOT_PROGRAM_FORMAT", "Sessionize"),
            ("CONFBOT_PROGRAM_TIMEZONE", "Europe/Berlin"),
        ])
        .unwrap()
        .source
        .unwrap();
        assert_eq!(
            (source.poll, source.format, source.time_zone),
            (
                Duration::from_secs(90),
                Format::Sessionize,
                Some(chrono_tz::Europe::Berlin)
            )
        );
    }

    #[test]
    fn a_bad_live_source_is_refused_with_its_name() {
        let url = ("CONFBOT_PROGRAM_URL", "https://example.org/schedule.json");
        assert!(
            config_error(&[("CONFBOT_PROGRAM_URL", "file:///tmp/schedule.json")])
                .starts_with("CONFBOT_PROGRAM_URL must be an http:// or https:// URL")
        );
        assert!(config_error(&[url, ("CONFBOT_PROGRAM_POLL", "30s")])
            .contains("CONFBOT_PROGRAM_POLL must be a duration between 1m and 24h"));
        assert!(config_error(&[url, ("CONFBOT_PROGRAM_POLL", "2d")])
            .contains("CONFBOT_PROGRAM_POLL must be"));
        let error = config_error(&[url, ("CONFBOT_PROGRAM_FORMAT", "excel")]);
        assert!(
            error.starts_with("CONFBOT_PROGRAM_FORMAT must be one of `auto`, `page`,")
                && error.ends_with("not `excel`"),
            "{error}"
        );
        assert!(
            config_error(&[url, ("CONFBOT_PROGRAM_TIMEZONE", "Mars/Olympus")])
                .contains("IANA time zone")
        );
        assert!(
            config_error(&[url, ("CONFBOT_PROGRAM_FORMAT", "sessionize")])
                .contains("needs CONFBOT_PROGRAM_TIMEZONE")
        );
        assert_eq!(
            config_error(&[("CONFBOT_PROGRAM_POLL", "5m")]),
            "CONFBOT_PROGRAM_POLL is set but CONFBOT_PROGRAM_URL is not: it configures the live \
             program source"
        );
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
        assert!(error
            .to_string()
            .contains("positive number up to 10000, not `-2`"));
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
