//! Counting reports: the metrics as a [`Sink`].

use std::borrow::Cow;

use super::labels::{OnlinkLabels, PinningLabels, RouteLabels, TypeLabels};
use super::Metrics;
use crate::decode::{type_index, type_name};
use crate::decode::{Body, Report};
use crate::enrich::name::Name;
use crate::output::sink::{Sink, Summary};

/// A namespace's label: its name, or its inode.
fn label(netns: u32, name: Option<&str>) -> String {
    name.map_or_else(|| netns.to_string(), str::to_owned)
}

/// What a route decision's labels are made from: its namespace (inode and name), device,
/// table and error.
pub(super) type RouteKey = (
    u32,
    Option<Name>,
    Option<Name>,
    Name,
    Option<Cow<'static, str>>,
);

impl Sink for Metrics {
    fn report(&mut self, report: &Report) {
        let events = &self.events;
        self.by_type[type_index(report)]
            .get_or_insert_with(|| {
                events
                    .get_or_create(&TypeLabels {
                        r#type: type_name(report),
                    })
                    .clone()
            })
            .inc();
        match &report.body {
            Body::Route(decision) => {
                let netns = report.origin.netns;
                let name = self.names.name(netns);
                if decision.onlink_fallback {
                    self.onlink_fallbacks.inc(OnlinkLabels {
                        netns: label(netns, name.as_deref()),
                        dev: decision.oif_name.as_deref().unwrap_or("none").to_owned(),
                    });
                }
                let key: RouteKey = (
                    netns,
                    name,
                    decision.dev.clone(),
                    decision.table_name.clone(),
                    decision.err.clone(),
                );
                match &self.last_route {
                    Some((last, counter)) if *last == key => {
                        counter.inc();
                    }
                    _ => {
                        let counter = self.route_decisions.counter(RouteLabels {
                            netns: label(netns, key.1.as_deref()),
                            dev: decision.dev.as_deref().unwrap_or("none").to_owned(),
                            table: decision.table_name.to_string(),
                            result: decision.err.as_deref().unwrap_or("ok").to_owned(),
                        });
                        counter.inc();
                        self.last_route = Some((key, counter));
                    }
                };
            }
            Body::Sockopt(call) => {
                let netns = self.names.label(report.origin.netns);
                self.pinning_calls.inc(PinningLabels {
                    netns,
                    option: call.optname.clone(),
                    result: call.errno.clone().unwrap_or_else(|| "ok".into()),
                });
            }
            Body::Ioctl(_) | Body::Cmsg(_) => {}
        }
    }

    fn lost(&mut self, delta: u64, _total: u64) {
        self.lost.inc_by(delta);
    }

    fn summary(&mut self, _summary: &Summary) {}

    fn flush(&mut self) {
        if let Some(ring) = &self.ring {
            self.ring_used
                .set(i64::try_from(ring.used()).unwrap_or(i64::MAX));
        }
    }
}
