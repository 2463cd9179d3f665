//! Counting reports: the metrics as a [`Sink`].

use super::labels::{OnlinkLabels, PinningLabels, RouteLabels, TypeLabels};
use super::Metrics;
use crate::decode::{Body, Report};
use crate::stream::{type_name, Sink, Summary};

impl Sink for Metrics {
    fn report(&mut self, report: &Report) {
        self.events
            .get_or_create(&TypeLabels {
                r#type: type_name(report),
            })
            .inc();
        match &report.body {
            Body::Route(decision) => {
                let netns = self.names.label(report.origin.netns);
                if decision.onlink_fallback {
                    self.onlink_fallbacks.inc(OnlinkLabels {
                        netns: netns.clone(),
                        dev: decision.oif_name.as_deref().unwrap_or("none").to_owned(),
                    });
                }
                self.route_decisions.inc(RouteLabels {
                    netns,
                    dev: decision.dev.as_deref().unwrap_or("none").to_owned(),
                    table: decision.table_name.to_string(),
                    result: decision.err.as_deref().unwrap_or("ok").to_owned(),
                });
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
