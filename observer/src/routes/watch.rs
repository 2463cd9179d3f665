//! `--watch`: one line per change of a route, rule or IPv4 address, from the rtnetlink
//! notifications of the session's groups, until the process is interrupted, the reader goes
//! away or the namespace is deleted.

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::Instant;

use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use serde_json::json;

use super::{json::rule_json, Ended, Error, Route, Tables};
use crate::policy::{Links, Rule, Session, HELD_CHECK};

/// A change, as the text line and the JSON object print it.
struct Change {
    /// `added` or `deleted`.
    what: &'static str,
    /// `route`, `rule` or `address`.
    kind: &'static str,
    text: String,
    json: serde_json::Value,
}

/// Streams the changes `session` is notified of (routes of `tables` only), one line each,
/// flushed as it comes; `links` (from the snapshot dump) keeps device names current.
/// `deleted` is asked every [`HELD_CHECK`] whether the namespace was deleted (its name if so):
/// the session is then all that keeps it alive, and the stream ends.
pub(super) fn watch(
    session: &mut Session,
    links: &mut Links,
    tables: Tables,
    as_json: bool,
    out: &mut (impl Write + ?Sized),
    deleted: &mut dyn FnMut() -> Option<String>,
) -> Result<Ended, Error> {
    let mut checked = Instant::now();
    loop {
        if checked.elapsed() >= HELD_CHECK {
            checked = Instant::now();
            if let Some(name) = deleted() {
                return Ok(Ended::NamespaceDeleted(name));
            }
        }
        let wait = HELD_CHECK.saturating_sub(checked.elapsed());
        let messages = session.next_notifications(wait).map_err(|e| {
            if e.raw_os_error() == Some(libc::ENOBUFS) {
                Error::Lost
            } else {
                Error::Netlink(e)
            }
        })?;
        for message in messages.into_iter().flatten() {
            let Some(change) = describe(&message, links, tables) else {
                continue;
            };
            let written = if as_json {
                let mut object = change.json;
                object["change"] = change.what.into();
                object["kind"] = change.kind.into();
                writeln!(out, "{object}")
            } else {
                writeln!(out, "{} {} {}", change.kind, change.what, change.text)
            };
            match written.and_then(|()| out.flush()) {
                Ok(()) => {}
                // The reader went away (`| head`): the stream ends there.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(Ended::ReaderGone),
                Err(e) => return Err(Error::Output(e)),
            }
        }
    }
}

/// The change `message` notifies, or `None` for one not shown (another family, another
/// table, a link change, which only updates `links`).
fn describe(message: &RouteNetlinkMessage, links: &mut Links, tables: Tables) -> Option<Change> {
    use RouteNetlinkMessage as M;
    let (what, message) = match message {
        M::NewLink(link) => {
            links.insert_message(link);
            return None;
        }
        M::DelLink(link) => {
            links.remove_message(link);
            return None;
        }
        M::NewRoute(_) | M::NewRule(_) | M::NewAddress(_) => ("added", message),
        M::DelRoute(_) | M::DelRule(_) | M::DelAddress(_) => ("deleted", message),
        _ => return None,
    };
    if let Some((kind, text, json)) = super::inet6::describe(message, links, tables) {
        return Some(Change {
            what,
            kind,
            text,
            json,
        });
    }
    match message {
        M::NewRoute(route) | M::DelRoute(route) => {
            let route = Route::from_message(route, links).filter(|r| tables.shows(r.table))?;
            Some(Change {
                what,
                kind: "route",
                text: route.brief(),
                json: json!({ "route": route.json() }),
            })
        }
        M::NewRule(rule) | M::DelRule(rule) => {
            let rule = Rule::from_message(rule)?;
            Some(Change {
                what,
                kind: "rule",
                text: rule.to_string(),
                json: json!({ "rule": rule_json(&rule) }),
            })
        }
        M::NewAddress(address) | M::DelAddress(address) => {
            let (text, device, prefix) = address_text(address, links)?;
            Some(Change {
                what,
                kind: "address",
                text: format!("{text}/{prefix} dev {device}"),
                json: json!({ "address": { "local": text, "prefix_len": prefix, "iface": device } }),
            })
        }
        _ => None,
    }
}

/// An IPv4 address message's local address, device name and prefix length (`IFA_LOCAL`,
/// which `ip addr` shows; `IFA_ADDRESS` is the peer on point-to-point links).
fn address_text(message: &AddressMessage, links: &Links) -> Option<(String, String, u8)> {
    if message.header.family != AddressFamily::Inet {
        return None;
    }
    let local = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Local(IpAddr::V4(v4)) => Some(*v4),
        _ => None,
    })?;
    let index = i32::try_from(message.header.index).ok()?;
    let device = links.label(index);
    Some((local.to_string(), device, message.header.prefix_len))
}
