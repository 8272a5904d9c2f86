//! Retrying the requests the bot makes on its own. In proxy mode serenity's ratelimiter is
//! off, so a 429 reaches us as an error without its `Retry-After`; 5xx and network errors are
//! transient too. Everything else (401, 403 missing access, 404 unknown channel, 400) is
//! permanent and returned at once. Interaction replies are retried only when rate limited
//! ([`while_rate_limited`]): a 429 was never carried out, but a follow-up whose 5xx came after
//! Discord posted it would be posted twice.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::HttpError;

/// Attempts in all, and the first and longest pause between them.
const ATTEMPTS: u32 = 5;
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(4);

/// Whether trying again later may succeed.
pub fn is_transient(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            response.status_code.as_u16() == 429 || response.status_code.is_server_error()
        }
        serenity::Error::Http(HttpError::Request(_)) => true,
        _ => false,
    }
}

/// Runs `request` until it succeeds, fails permanently, or has failed `ATTEMPTS` times, pausing
/// with exponential backoff between tries.
pub async fn with_retry<T, F, Fut>(what: &str, request: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    retry_if(what, is_transient, request).await
}

/// Runs `request` again while Discord answers 429, as [`with_retry`] does.
pub async fn while_rate_limited<T, F, Fut>(what: &str, request: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    retry_if(what, is_rate_limited, request).await
}

fn is_rate_limited(error: &serenity::Error) -> bool {
    matches!(error, serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
        if response.status_code.as_u16() == 429)
}

/// Discord's answer, for the metrics: serenity hides a success's status, and the scope of a 429.
fn observe<T>(result: &Result<T, serenity::Error>) {
    use crate::ops::metrics::{metrics, RateLimitScope};
    match result {
        Ok(_) => metrics().discord_succeeded(),
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) => {
            let status = response.status_code.as_u16();
            metrics().discord_failed(status);
            if status == 429 {
                metrics().rate_limited(RateLimitScope::Unknown);
            }
        }
        Err(_) => {}
    }
}

async fn retry_if<T, F, Fut>(
    what: &str,
    again: fn(&serenity::Error) -> bool,
    mut request: F,
) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut pause = FIRST_PAUSE;
    for attempt in 1.. {
        let result = request().await;
        observe(&result);
        match result {
            Ok(value) => return Ok(value),
            Err(error) if attempt < ATTEMPTS && again(&error) => {
                tracing::warn!(%error, attempt, "{what} failed; retrying in {pause:?}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            Err(error) => return Err(error),
        }
    }
    unreachable!("the loop returns by the last attempt")
}
