//! Prometheus metrics: what the tracer saw, counted with bounded labels, served over HTTP in
//! the OpenMetrics text format (`prometheus-client`) for the monitoring people already run.
//!
//! [`Metrics`] is a [`Sink`](crate::output::Sink) like the table and NDJSON writers: the event
//! loop hands it every report, and it counts. [`serve`] answers `GET /metrics` from the same
//! registry. Labels stay bounded: a namespace is labelled by its name under `/run/netns`
//! where it has one, by its inode otherwise, and each metric keeps at most [`MAX_SERIES`]
//! label sets; reports that would add more are counted under one set whose labels are all
//! `other`.

mod labels;
mod ring;
mod server;
mod sink;

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

pub use ring::RingLevel;
pub use server::{serve, Listener};

use labels::{Capped, OnlinkLabels, PinningLabels, RouteLabels, TypeLabels};

/// The most label sets one metric keeps; past it, new ones are counted under `other`.
/// Prometheus's own guidance is to keep a target's series in the thousands; with four
/// labelled metrics this keeps bindscope's under 4,100 whatever the host does.
pub const MAX_SERIES: usize = 1000;

/// The counters, and the registry they are served from.
pub struct Metrics {
    registry: Arc<Registry>,
    route_decisions: Capped<RouteLabels>,
    onlink_fallbacks: Capped<OnlinkLabels>,
    pinning_calls: Capped<PinningLabels>,
    events: Family<TypeLabels, Counter>,
    lost: Counter,
    ring_used: Gauge,
    ring: Option<RingLevel>,
    names: crate::enrich::netns::NetnsNames,
    /// The counter of the last route decision's labels, and what they were made from:
    /// decisions come in runs of the same labels, and making them (four strings, two hashes)
    /// cost more than the rest of a report.
    last_route: Option<(sink::RouteKey, Counter)>,
    /// The counter of each report type, by `stream::type_index`.
    by_type: [Option<Counter>; 4],
}

impl Metrics {
    /// The metrics, with the ring buffer's fill level read from `ring` (`None`: not reported).
    pub fn new(ring: Option<RingLevel>) -> Metrics {
        Metrics::with_cap(ring, MAX_SERIES)
    }

    fn with_cap(ring: Option<RingLevel>, cap: usize) -> Metrics {
        let mut registry = Registry::default();
        let route_decisions = Capped::new(cap);
        registry.register(
            "bindscope_route_decisions",
            "Route decisions, by the namespace whose FIB was consulted, the chosen device (none when it failed), the deciding table and the result (ok or the errno)",
            route_decisions.family(),
        );
        let onlink_fallbacks = Capped::new(cap);
        registry.register(
            "bindscope_onlink_fallbacks",
            "Failed output lookups bound to a device, which the kernel sends on-link on that device instead of failing",
            onlink_fallbacks.family(),
        );
        let pinning_calls = Capped::new(cap);
        registry.register(
            "bindscope_pinning_calls",
            "setsockopt calls that pin or steer a socket (SO_BINDTODEVICE, IP_MULTICAST_IF, ...), by namespace, option and result (ok or the errno)",
            pinning_calls.family(),
        );
        let events = Family::<TypeLabels, Counter>::default();
        registry.register(
            "bindscope_events",
            "Events reported, by type",
            events.clone(),
        );
        let lost = Counter::default();
        registry.register(
            "bindscope_events_lost",
            "Events lost in the kernel (ring buffer full, or programs skipped)",
            lost.clone(),
        );
        let ring_used = Gauge::default();
        if let Some(level) = &ring {
            registry.register(
                "bindscope_ring_buffer_used_bytes",
                "Bytes of records waiting in the ring buffer when last read",
                ring_used.clone(),
            );
            let size = Gauge::<i64>::default();
            size.set(i64::try_from(level.size()).unwrap_or(i64::MAX));
            registry.register(
                "bindscope_ring_buffer_size_bytes",
                "The ring buffer's size",
                size,
            );
        }
        registry.register(
            "bindscope_build",
            "The running bindscope",
            Info::new(vec![(
                "version".to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            )]),
        );
        Metrics {
            registry: Arc::new(registry),
            route_decisions,
            onlink_fallbacks,
            pinning_calls,
            events,
            lost,
            ring_used,
            ring,
            names: crate::enrich::netns::NetnsNames::default(),
            last_route: None,
            by_type: Default::default(),
        }
    }

    /// The registry, for [`serve`].
    pub fn registry(&self) -> Arc<Registry> {
        Arc::clone(&self.registry)
    }

    /// The metrics in the OpenMetrics text format, as `/metrics` serves them.
    pub fn text(&self) -> String {
        server::encode(&self.registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Body, Context, Origin, Report, SockoptReport};
    use crate::enrich::name::Name;
    use crate::output::sink::Sink;

    fn bind_to_device(netns: u32, errno: Option<&str>) -> Report {
        Report {
            origin: Origin {
                ts_ns: 0,
                context: Context::Task,
                pid: Some(1),
                tid: Some(1),
                comm: Some("probe".into()),
                netns,
                attribution: Default::default(),
            },
            body: Body::Sockopt(SockoptReport {
                fd: 3,
                level: "SOL_SOCKET".into(),
                optname: "SO_BINDTODEVICE".into(),
                optlen: 5,
                ret: if errno.is_some() { -1 } else { 0 },
                errno: errno.map(str::to_owned),
                value: "\"eth1\"".into(),
                ifname: Some("eth1".into()),
                ifindex: None,
                multiaddr: None,
                address: None,
                source: None,
                unbind: false,
                decode_error: None,
            }),
        }
    }

    fn series(text: &str, metric: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(metric))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_flood_of_namespaces_stays_within_the_cap() {
        let mut metrics = Metrics::new(None);
        // Inodes no /run/netns name has: each would be a label set of its own.
        for netns in 0..(MAX_SERIES as u32 + 500) {
            metrics.report(&bind_to_device(1_000_000 + netns, None));
        }
        let text = metrics.text();
        let pinning = series(&text, "bindscope_pinning_calls_total{");
        assert_eq!(pinning.len(), MAX_SERIES + 1, "{}", pinning.len());
        assert!(
            pinning.contains(
                &"bindscope_pinning_calls_total{netns=\"other\",option=\"other\",result=\"other\"} 500"
                    .to_owned()
            ),
            "{:?}",
            &pinning[pinning.len().saturating_sub(3)..]
        );
        // A label set seen before the cap keeps counting under its own labels.
        metrics.report(&bind_to_device(1_000_000, None));
        assert!(metrics.text().contains(
            "bindscope_pinning_calls_total{netns=\"1000000\",option=\"SO_BINDTODEVICE\",result=\"ok\"} 2"
        ));
        assert_eq!(
            series(&metrics.text(), "bindscope_events_total{"),
            vec![format!(
                "bindscope_events_total{{type=\"sockopt\"}} {}",
                MAX_SERIES + 501
            )]
        );
    }

    #[test]
    fn failures_and_losses_are_counted() {
        let mut metrics = Metrics::new(None);
        metrics.report(&bind_to_device(7, Some("ENODEV")));
        metrics.lost(3, 3);
        let text = metrics.text();
        assert!(text.contains(
            "bindscope_pinning_calls_total{netns=\"7\",option=\"SO_BINDTODEVICE\",result=\"ENODEV\"} 1"
        ), "{text}");
        assert!(text.contains("bindscope_events_lost_total 3"), "{text}");
        assert!(
            text.contains(&format!(
                "bindscope_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
    }

    /// Route decisions in runs and alternations, past the cap: each is counted under its own
    /// labels (or `other`), whichever counter the sink kept from the decision before.
    #[test]
    fn route_decisions_are_counted_under_their_own_labels() {
        let decision = |netns: u32, dev: Option<&str>, err: Option<&'static str>| {
            let mut d = crate::output::ndjson::tests::decision();
            d.dev = dev.map(Name::shared);
            d.err = err.map(Into::into);
            let mut origin = crate::output::ndjson::tests::origin("curl");
            origin.netns = netns;
            Report {
                origin,
                body: Body::Route(d),
            }
        };
        let mut metrics = Metrics::with_cap(None, 2);
        let eth0 = decision(1_000_001, Some("eth0"), None);
        let eth1 = decision(1_000_001, Some("eth1"), None);
        let failed = decision(1_000_001, None, Some("ENETUNREACH"));
        let elsewhere = decision(1_000_002, Some("eth0"), None);
        for report in [
            &eth0, &eth0, &eth1, &eth0, &failed, &eth1, &elsewhere, &eth0,
        ] {
            metrics.report(report);
        }
        let route = |labels: &str| format!("bindscope_route_decisions_total{{{labels}}}");
        let counts = series(&metrics.text(), "bindscope_route_decisions_total{");
        for want in [
            format!(
                "{} 4",
                route("netns=\"1000001\",dev=\"eth0\",table=\"main\",result=\"ok\"")
            ),
            format!(
                "{} 2",
                route("netns=\"1000001\",dev=\"eth1\",table=\"main\",result=\"ok\"")
            ),
            format!(
                "{} 2",
                route("netns=\"other\",dev=\"other\",table=\"other\",result=\"other\"")
            ),
        ] {
            assert!(counts.contains(&want), "{want} in {counts:?}");
        }
        assert_eq!(counts.len(), 3, "{counts:?}");
    }
}
