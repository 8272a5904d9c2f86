//! The process's logs: `RUST_LOG`'s filter, human-readable text on stderr or, with
//! `CONFBOT_LOG_FORMAT=json`, one JSON object per line (tracing-subscriber's own format) for a
//! log collector. Whatever the level, the token never reaches them: every line passes through
//! [`Redacting`], which replaces it, wherever a dependency might print it (a request's
//! `Authorization` header at trace level, an error quoting its input).

use std::io::{self, Write};

use anyhow::bail;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// What the token is replaced with.
pub const REDACTED: &str = "[token redacted]";

/// The filter without `RUST_LOG`.
const DEFAULT_FILTER: &str = "confbot=info,serenity=warn,poise=warn";

/// Sets up logging from `CONFBOT_LOG_FORMAT` (`text`, the default, or `json`), `RUST_LOG`
/// and `DISCORD_TOKEN` (to redact).
pub fn init() -> anyhow::Result<()> {
    let json = match std::env::var("CONFBOT_LOG_FORMAT").as_deref() {
        Err(_) | Ok("") | Ok("text") => false,
        Ok("json") => true,
        Ok(other) => bail!("CONFBOT_LOG_FORMAT: expected `text` or `json`, found `{other}`"),
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let writer = Redacting::new(std::env::var("DISCORD_TOKEN").unwrap_or_default());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        builder.json().init();
    } else {
        builder
            .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
            .init();
    }
    Ok(())
}

/// Writes log lines to stderr with the secret replaced by [`REDACTED`].
#[derive(Clone)]
pub struct Redacting {
    secret: String,
}

impl Redacting {
    pub fn new(secret: String) -> Redacting {
        Redacting {
            secret: secret.trim().to_string(),
        }
    }

    /// `line` without the secret. A secret shorter than 8 characters is no real token and
    /// would mangle ordinary words: it is left alone.
    pub fn redact(&self, line: &[u8]) -> Vec<u8> {
        let secret = self.secret.as_bytes();
        if secret.len() < 8 {
            return line.to_vec();
        }
        let mut out = Vec::with_capacity(line.len());
        let mut rest = line;
        while let Some(at) = rest.windows(secret.len()).position(|w| w == secret) {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(REDACTED.as_bytes());
            rest = &rest[at + secret.len()..];
        }
        out.extend_from_slice(rest);
        out
    }
}

/// One event's text: tracing-subscriber formats an event whole, then writes it, so the
/// secret is never split between two writes.
pub struct RedactingWriter<'a>(&'a Redacting);

impl Write for RedactingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stderr().write_all(&self.0.redact(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_replaced_wherever_it_appears() {
        let redacting = Redacting::new("abc.def-SECRET".into());
        let line = b"authorization: Bot abc.def-SECRET; again abc.def-SECRETabc.def-SECRET\n";
        let out = String::from_utf8(redacting.redact(line)).unwrap();
        assert!(!out.contains("abc.def-SECRET"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3);
        assert!(out.ends_with("\n"));
    }

    #[test]
    fn no_token_leaves_lines_as_they_are() {
        let redacting = Redacting::new(String::new());
        assert_eq!(redacting.redact(b"a line"), b"a line");
    }
}
