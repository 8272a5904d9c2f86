//! The accept loop: one `127.0.0.1:0` port for REST, the gateway websocket and TLS.
//!
//! Each connection is served with hyper's HTTP/1.1 (with upgrades, for the websocket). A
//! connection whose first byte opens a TLS handshake is served through rustls first; its
//! requests are marked so the request log says which path serenity took.

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower_service::Service;

use crate::rest::Tls;
use crate::tls;

pub(crate) async fn accept_loop(listener: TcpListener, router: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // Discord's edge answers at once; without this, Nagle's algorithm and the client's
        // delayed ACK hold a small write (a gateway dispatch) for up to 40 ms now and then.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let mut first = [0u8; 1];
            let is_tls =
                matches!(stream.peek(&mut first).await, Ok(1) if first[0] == tls::HANDSHAKE);
            if is_tls {
                if let Ok(stream) = tls::acceptor().accept(stream).await {
                    serve(stream, router, true).await;
                }
            } else {
                serve(stream, router, false).await;
            }
        });
    }
}

async fn serve<S>(stream: S, router: Router, is_tls: bool)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        if is_tls {
            req.extensions_mut().insert(Tls);
        }
        router.clone().call(req)
    });
    // A client that goes away mid-request is not the fake's problem.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}
