//! TLS mode: the fake also serves TLS as `discord.com`, with a certificate made at test time.
//!
//! serenity 0.12.5 only sends requests to `HttpBuilder::proxy` with its ratelimiter disabled,
//! so to run serenity's real ratelimiter (`Retry-After`, `X-RateLimit-*`) a test hands it a
//! reqwest client that resolves `discord.com` to the fake and trusts this certificate. TLS and
//! plain HTTP share the fake's one port: a connection whose first byte is a TLS handshake
//! record is served over TLS.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The first byte of a TLS ClientHello (record type "handshake").
pub(crate) const HANDSHAKE: u8 = 0x16;

struct Assets {
    cert_der: Vec<u8>,
    acceptor: TlsAcceptor,
}

/// One certificate per process: making keys is the slow part, and every fake is `discord.com`.
static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let certified = rcgen::generate_simple_self_signed(vec!["discord.com".to_owned()])
        .expect("rcgen makes a self-signed certificate");
    let cert_der = certified.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
        .expect("the generated certificate matches its key");
    // HTTP/1.1 only: websocket upgrades and serenity's requests both speak it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Assets {
        cert_der,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    }
});

pub(crate) fn acceptor() -> TlsAcceptor {
    ASSETS.acceptor.clone()
}

/// A reqwest client builder that sends `https://discord.com` to the fake at `addr` and trusts
/// the fake's certificate.
pub(crate) fn client_builder(addr: SocketAddr) -> reqwest::ClientBuilder {
    let cert = reqwest::Certificate::from_der(&ASSETS.cert_der).expect("a DER certificate");
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(cert)
        .resolve("discord.com", addr)
}
