//! The `/metrics` endpoint: a listener bound before tracing starts (so a port in use is an
//! error before anything is loaded), and a small HTTP/1.1 responder on the tracer's tokio
//! runtime that answers `GET /metrics` with the registry in the OpenMetrics text format and
//! closes the connection. Prometheus scrapes exactly that; nothing else is served.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The content type of the OpenMetrics text format, which Prometheus asks for first.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// A request head larger than this is not a scrape.
const MAX_HEAD: usize = 8 * 1024;
/// A client that sends no request head within this time is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the endpoint could not listen; one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A non-loopback address without `--metrics-public`.
    #[error("--metrics {0} is not a loopback address: the metrics name this host's namespaces, devices and failing calls, so serving them beyond the host needs --metrics-public")]
    NotLoopback(SocketAddr),
    /// bind(2) failed: the port is taken, or the address is not this host's.
    #[error("cannot listen on {addr} for --metrics: {source}; pick another address or port with --metrics ADDR")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What bind said.
        #[source]
        source: io::Error,
    },
}

/// A bound, listening socket for the endpoint.
pub struct Listener {
    inner: std::net::TcpListener,
}

impl Listener {
    /// Listens on `addr`; an address other than loopback needs `public`.
    pub fn bind(addr: SocketAddr, public: bool) -> Result<Listener, Error> {
        if !addr.ip().is_loopback() && !public {
            return Err(Error::NotLoopback(addr));
        }
        let inner = std::net::TcpListener::bind(addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|source| Error::Bind { addr, source })?;
        Ok(Listener { inner })
    }

    /// The address it listens on (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// Serves `registry` on `listener` until the runtime stops; each connection on its own task.
pub async fn serve(listener: Listener, registry: Arc<Registry>) -> io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener.inner)?;
    loop {
        let (stream, peer) = listener.accept().await?;
        let registry = Arc::clone(&registry);
        tokio::spawn(async move {
            if let Err(e) = respond(stream, &registry).await {
                log::debug!("metrics request from {peer}: {e}");
            }
        });
    }
}

/// The registry in the OpenMetrics text format.
pub(super) fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, registry);
    text
}

async fn respond(mut stream: TcpStream, registry: &Registry) -> io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() <= MAX_HEAD {
        let n = tokio::time::timeout(READ_TIMEOUT, stream.read(&mut buffer))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    let line = head
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split(' ');
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => ("200 OK", OPENMETRICS, encode(registry)),
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "bindscope serves its metrics at /metrics\n".to_owned(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "only GET /metrics is served\n".to_owned(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(body.as_bytes()).await?;
    }
    stream.shutdown().await
}
