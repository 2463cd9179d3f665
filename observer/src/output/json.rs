//! The NDJSON sink: one object per line, route decisions through the [`RouteWriter`].

use std::io::Write;

use serde_json::json;

use super::ndjson::RouteWriter;
use super::sink::{Sink, Summary};
use crate::decode::{Body, Report};

/// NDJSON: one object per line, with a `type` field (`sockopt`, `route`, `ioctl`, `cmsg`,
/// `lost`, `summary`); the schema is in the README.
pub struct Json<W: Write> {
    out: W,
    /// Lines not yet written. serde_json writes an object as dozens of small pieces (each key,
    /// quote and value); appending those to a `Vec` is a few instructions each, while each
    /// `write_all` on `out` (a `BufWriter` around stdout) is an out-of-line call with its own
    /// checks: under load that difference was a third of the tracer's CPU time.
    pending: Vec<u8>,
    /// Route decisions, written with the parts they share with the previous one copied.
    routes: RouteWriter,
}

/// Pending output is written once it is this large (and on every `flush`).
const JSON_WRITE_AT: usize = 64 << 10;

impl<W: Write> Json<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Json {
            out,
            pending: Vec::with_capacity(2 * JSON_WRITE_AT),
            routes: RouteWriter::default(),
        }
    }

    fn line(&mut self, value: &serde_json::Value) {
        let _ = writeln!(self.pending, "{value}");
        self.write_if_full();
    }

    fn write_if_full(&mut self) {
        if self.pending.len() >= JSON_WRITE_AT {
            let _ = self.out.write_all(&self.pending);
            self.pending.clear();
        }
    }
}

impl<W: Write> Sink for Json<W> {
    fn report(&mut self, report: &Report) {
        match &report.body {
            Body::Route(decision) => {
                self.routes
                    .write(&mut self.pending, &report.origin, decision);
            }
            _ => {
                let _ = serde_json::to_writer(&mut self.pending, report);
            }
        }
        self.pending.push(b'\n');
        self.write_if_full();
    }

    fn lost(&mut self, delta: u64, total: u64) {
        self.line(&json!({ "type": "lost", "count": delta, "total": total }));
    }

    fn summary(&mut self, s: &Summary) {
        self.line(&json!({ "type": "summary", "events": s.events, "lost": s.lost, "stopped_by": s.stopped_by }));
    }

    fn flush(&mut self) {
        let _ = self.out.write_all(&self.pending);
        self.pending.clear();
        let _ = self.out.flush();
    }
}
