//! Fetching a program document over HTTP(S): conditional (ETag, Last-Modified), bounded in
//! time, size and redirects, gzip accepted. Every failure is a [`FetchError`] that names the
//! URL and says what went wrong.

use std::time::Duration;

use anyhow::Context;
use reqwest::header::{self, HeaderMap};
use reqwest::{StatusCode, Url};

/// How long and how much a fetch may take. Tests shrink them to stay fast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Connecting (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// The whole fetch, until the last byte of the body.
    pub timeout: Duration,
    /// The body, counted as it arrives (after gzip), so a larger one is never held whole.
    pub max_bytes: u64,
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_bytes: crate::MAX_PROGRAM_BYTES,
            max_redirects: 5,
        }
    }
}

/// What the server said identifies a version of the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful answer.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the document is the one the validators name.
    NotModified,
    Document {
        body: Vec<u8>,
        validators: Validators,
    },
}

/// Why a fetch failed; `url` is the source as shown to people (without credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("could not reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("could not connect to {url} within {after:?}")]
    ConnectTimedOut { url: String, after: Duration },
    #[error("{url} did not answer in full within {after:?}")]
    TimedOut { url: String, after: Duration },
    #[error("{url} redirected more than {limit} times")]
    Redirects { url: String, limit: usize },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: String },
    #[error("{url} is larger than the limit of {limit}")]
    TooLarge { url: String, limit: String },
    #[error("the answer from {url} broke off: {reason}")]
    Broken { url: String, reason: String },
}

/// An HTTP client with the [`Limits`] built in.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: Limits,
}

impl Fetcher {
    pub fn new(limits: Limits) -> anyhow::Result<Fetcher> {
        let client = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::limited(limits.max_redirects))
            .gzip(true)
            .user_agent(concat!("confbot/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client of the program source")?;
        Ok(Fetcher { client, limits })
    }

    /// GETs `url`, sending `validators` back so an unchanged document costs a 304.
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let shown = shown_url(url);
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(|e| self.error(&shown, e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: shown,
                status: status.to_string(),
            });
        }
        let too_large = || FetchError::TooLarge {
            url: shown.clone(),
            limit: bytes(self.limits.max_bytes),
        };
        // A declared length says so before a byte is read (absent when gzip is decoded).
        if response
            .content_length()
            .is_some_and(|n| n > self.limits.max_bytes)
        {
            return Err(too_large());
        }
        let validators = Validators {
            etag: text_header(response.headers(), header::ETAG),
            last_modified: text_header(response.headers(), header::LAST_MODIFIED),
        };
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.error(&shown, e))? {
            if (body.len() + chunk.len()) as u64 > self.limits.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Document { body, validators })
    }

    /// reqwest's error in words: which limit was hit, or the innermost cause.
    fn error(&self, url: &str, error: reqwest::Error) -> FetchError {
        let url = url.to_string();
        if error.is_timeout() && error.is_connect() {
            FetchError::ConnectTimedOut {
                url,
                after: self.limits.connect_timeout,
            }
        } else if error.is_timeout() {
            FetchError::TimedOut {
                url,
                after: self.limits.timeout,
            }
        } else if error.is_redirect() {
            FetchError::Redirects {
                url,
                limit: self.limits.max_redirects,
            }
        } else if error.is_body() || error.is_decode() {
            FetchError::Broken {
                url,
                reason: root_cause(&error),
            }
        } else {
            FetchError::Unreachable {
                url,
                reason: root_cause(&error),
            }
        }
    }
}

/// The URL without user name and password, for messages and logs.
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Only URLs that cannot have credentials refuse these, and those have none to hide.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

fn text_header(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The last error of the chain: "Connection refused (os error 111)", not "error sending request".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn bytes(n: u64) -> String {
    // Not `is_multiple_of`: the README promises Rust 1.85.
    let megabytes = n >> 20;
    if megabytes << 20 == n {
        format!("{megabytes} MB")
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_not_shown() {
        let url = Url::parse("https://user:secret@example.org/s.json?x=1").unwrap();
        assert_eq!(shown_url(&url), "https://example.org/s.json?x=1");
    }

    #[test]
    fn limits_are_written_for_people() {
        assert_eq!(bytes(50 << 20), "50 MB");
        assert_eq!(bytes(1000), "1000 bytes");
        assert_eq!(Limits::default().max_bytes, crate::MAX_PROGRAM_BYTES);
    }
}
