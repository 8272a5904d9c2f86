//! A loopback HTTP server for a program document, as pretalx or Sessionize would serve it, that
//! a test changes, makes answer 304, fail, stall, never end or break off, and asks what it saw.
//! Shared by `tests/source.rs` and the end-to-end tests (each uses part of it).
#![allow(dead_code)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::stream::{self, StreamExt as _};

/// The path the document is served at.
pub const PATH: &str = "/schedule.json";

/// How the server answers a GET of [`PATH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The document, honouring `If-None-Match` and `If-Modified-Since` with a 304.
    Document,
    /// This status and a short text body.
    Status(u16),
    /// The headers and one byte, then nothing, ever.
    Stall,
    /// A body that never ends.
    Endless,
}

/// One request, as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub accept_encoding: Option<String>,
    pub status: u16,
}

struct World {
    document: Vec<u8>,
    /// Bumped by each new document: its ETag and Last-Modified.
    version: u32,
    etag: bool,
    last_modified: bool,
    gzip: bool,
    answer: Answer,
    seen: Vec<Seen>,
}

impl World {
    fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }

    fn last_modified(&self) -> String {
        format!("Tue, 04 May 2021 17:{:02}:00 GMT", self.version % 60)
    }
}

pub struct ProgramServer {
    addr: SocketAddr,
    world: Arc<Mutex<World>>,
    task: tokio::task::JoinHandle<()>,
}

impl ProgramServer {
    /// Serves `document` with an ETag and a Last-Modified, not compressed.
    pub async fn start(document: impl Into<Vec<u8>>) -> ProgramServer {
        let world = Arc::new(Mutex::new(World {
            document: document.into(),
            version: 1,
            etag: true,
            last_modified: true,
            gzip: false,
            answer: Answer::Document,
            seen: Vec::new(),
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&world));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        ProgramServer { addr, world, task }
    }

    /// The document's URL.
    pub fn url(&self) -> reqwest::Url {
        self.url_at(PATH)
    }

    /// `/hop/N` redirects N + 1 times before reaching the document.
    pub fn url_at(&self, path: &str) -> reqwest::Url {
        format!("http://{}{path}", self.addr).parse().unwrap()
    }

    /// A new version of the document (new validators).
    pub fn set_document(&self, document: impl Into<Vec<u8>>) {
        let mut world = self.world.lock().unwrap();
        world.document = document.into();
        world.version += 1;
    }

    pub fn answer(&self, answer: Answer) {
        self.world.lock().unwrap().answer = answer;
    }

    /// Which validators the document is served with.
    pub fn validators(&self, etag: bool, last_modified: bool) {
        let mut world = self.world.lock().unwrap();
        world.etag = etag;
        world.last_modified = last_modified;
    }

    /// Gzip the document for clients that accept it.
    pub fn gzip(&self, on: bool) {
        self.world.lock().unwrap().gzip = on;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.world.lock().unwrap().seen.clone()
    }
}

impl Drop for ProgramServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(State(world): State<Arc<Mutex<World>>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let headers = request.headers();
    let mut world = world.lock().unwrap();
    let response = answer(&world, &path, headers);
    world.seen.push(Seen {
        path,
        if_none_match: text(headers, header::IF_NONE_MATCH),
        if_modified_since: text(headers, header::IF_MODIFIED_SINCE),
        accept_encoding: text(headers, header::ACCEPT_ENCODING),
        status: response.status().as_u16(),
    });
    response
}

fn answer(world: &World, path: &str, headers: &HeaderMap) -> Response {
    if let Some(hops) = path.strip_prefix("/hop/") {
        let next = match hops.parse::<u32>().unwrap() {
            0 => PATH.to_string(),
            n => format!("/hop/{}", n - 1),
        };
        return response(StatusCode::FOUND)
            .header(header::LOCATION, next)
            .body(Body::empty())
            .unwrap();
    }
    assert_eq!(path, PATH, "the tests ask for nothing else");
    match world.answer {
        Answer::Document => document(world, headers),
        Answer::Status(status) => response(StatusCode::from_u16(status).unwrap())
            .body(Body::from("something went wrong"))
            .unwrap(),
        Answer::Stall => response(StatusCode::OK)
            .body(Body::from_stream(
                stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{"))])
                    .chain(stream::pending()),
            ))
            .unwrap(),
        Answer::Endless => response(StatusCode::OK)
            .body(Body::from_stream(stream::repeat_with(|| {
                Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 16 << 10]))
            })))
            .unwrap(),
    }
}

fn document(world: &World, headers: &HeaderMap) -> Response {
    let etag = world.etag.then(|| world.etag());
    let last_modified = world.last_modified.then(|| world.last_modified());
    let if_none_match = text(headers, header::IF_NONE_MATCH);
    // As HTTP says: If-Modified-Since counts only without If-None-Match.
    let unchanged = match (&if_none_match, &etag) {
        (Some(sent), Some(etag)) => sent == etag,
        (Some(_), None) => false,
        (None, _) => {
            last_modified.is_some() && text(headers, header::IF_MODIFIED_SINCE) == last_modified
        }
    };
    let mut builder = response(if unchanged {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    if let Some(etag) = etag {
        builder = builder.header(header::ETAG, etag);
    }
    if let Some(last_modified) = last_modified {
        builder = builder.header(header::LAST_MODIFIED, last_modified);
    }
    if unchanged {
        return builder.body(Body::empty()).unwrap();
    }
    let accepts_gzip = text(headers, header::ACCEPT_ENCODING).is_some_and(|a| a.contains("gzip"));
    if world.gzip && accepts_gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&world.document).unwrap();
        return builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(encoder.finish().unwrap()))
            .unwrap();
    }
    builder.body(Body::from(world.document.clone())).unwrap()
}

/// A server that answers every request with the headers of `document` (its full length) and
/// half its body, then closes the connection: a body cut off in transit. Its URL.
pub async fn cut_off(document: Vec<u8>) -> reqwest::Url {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{PATH}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut connection, _)) = listener.accept().await {
            // The request is small and unread bytes do not matter: one read is enough.
            let mut request = [0; 4096];
            let _ = connection.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                document.len()
            );
            let _ = connection.write_all(head.as_bytes()).await;
            let _ = connection.write_all(&document[..document.len() / 2]).await;
            let _ = connection.shutdown().await;
        }
    });
    url.parse().unwrap()
}

fn response(status: StatusCode) -> axum::http::response::Builder {
    Response::builder().status(status)
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
