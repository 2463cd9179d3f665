//! `bindscope routes`: a namespace's IPv4 routing tables in the layout of route(8), its
//! policy rules as `ip rule show` prints them, and a stream of their changes.
//!
//! Everything is read through the policy room's rtnetlink session (messages built and
//! parsed by `netlink-packet-route`): an RTM_GETROUTE dump of every table, filtered here
//! by table, and the rule dump the tracer's rule capture uses. `/proc/net/route` is not read:
//! it shows the main table only (net/ipv4/fib_trie.c `fib_route_seq_show`).
//!
//! The columns are route(8)'s (net-tools `rprint_fib`, fed by `/proc/net/route`): `Ref` and
//! `Use` are printed as the kernel has given them since the routing cache went (Linux 3.6),
//! always 0: `fib_route_seq_show` writes both as constant zeros.

mod inet6;
mod json;
mod route;
mod route6;
mod text;
mod watch;

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::policy::{Links, Rule, Session};
use crate::NetnsSpec;

pub use inet6::{snapshot_json6, write_tables6, Family, Namespace6, Snapshot6};
pub use json::snapshot_json;
pub use route::Route;
pub use route6::{pref_word, Hop, Route6};
pub use text::write_tables;

/// Which tables to show (`--table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tables {
    /// One table, by id.
    One(u32),
    /// Every table.
    All,
}

impl Tables {
    /// `--table`: `all`, a name `ip` knows (`main`, `local`, `/etc/iproute2/rt_tables`) or a
    /// number.
    pub fn parse(text: &str) -> Result<Tables, Error> {
        if text == "all" {
            return Ok(Tables::All);
        }
        crate::policy::table_id(text)
            .map(Tables::One)
            .ok_or_else(|| Error::UnknownTable(text.to_owned()))
    }

    /// Whether routes of table `id` are shown.
    pub fn shows(self, id: u32) -> bool {
        match self {
            Tables::All => true,
            Tables::One(one) => one == id,
        }
    }
}

/// Why the routes could not be shown; each one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--table` names no table.
    #[error("unknown table \"{0}\": give a table number, `all`, or a name from /etc/iproute2/rt_tables (main, local, default)")]
    UnknownTable(String),
    /// `--netns` could not be resolved or opened.
    #[error(transparent)]
    Netns(#[from] crate::Error),
    /// setns(2) refused: entering a network namespace needs CAP_SYS_ADMIN over it
    /// (net/core/net_namespace.c `netns_install`).
    #[error(
        "permission denied entering network namespace {0}: that needs CAP_SYS_ADMIN; run with sudo"
    )]
    NotPermitted(String),
    /// Writing the changes failed.
    #[error("could not write the changes: {0}")]
    Output(#[source] io::Error),
    /// The notification queue overran (`ENOBUFS`): a stream with a gap would mislead.
    #[error("the kernel dropped change notifications (too many changes at once): the stream has a gap; run --watch again")]
    Lost,
    /// rtnetlink failed.
    #[error("could not read the routing tables through rtnetlink: {0}")]
    Netlink(#[source] io::Error),
}

/// What `bindscope routes` shows: the routes of the chosen tables (grouped by table, in the
/// kernel's order) and, if asked, the rules.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// (table id, its routes), in the order the kernel dumped the tables.
    pub tables: Vec<(u32, Vec<Route>)>,
    /// The IPv4 rules in the kernel's order, when asked for.
    pub rules: Option<Vec<Rule>>,
}

/// The rtnetlink groups `--watch` follows: IPv4 routes, rules and addresses, and links (to
/// keep device names current).
const WATCHED: [u32; 4] = [
    libc::RTNLGRP_IPV4_ROUTE,
    libc::RTNLGRP_IPV4_RULE,
    libc::RTNLGRP_IPV4_IFADDR,
    libc::RTNLGRP_LINK,
];

/// A namespace's routing state through rtnetlink: a session subscribed to the groups
/// `--watch` follows before any dump (so no change falls between), and the links that name
/// the devices of routes.
///
/// The session's sockets keep the namespace alive, with its devices: `--watch` asks every
/// [`HELD_CHECK`](crate::policy::HELD_CHECK) whether anything else still holds it (see
/// [`crate::sys::netns::held_elsewhere`]) and ends when nothing does.
pub struct Namespace {
    session: Session,
    links: Links,
    /// Another namespace than bindscope's own: its inode, its name as given, and where
    /// something else was last seen holding it.
    other: Option<(u32, String, Option<PathBuf>)>,
}

/// Why `--watch` ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The reader went away (`| head`).
    ReaderGone,
    /// The namespace was deleted (nothing but bindscope held it any more); its name as given.
    NamespaceDeleted(String),
}

impl Namespace {
    /// Opens the namespace of `netns` (`None`: bindscope's own).
    pub fn open(netns: Option<&NetnsSpec>) -> Result<Namespace, Error> {
        let file: Option<File> = netns.map(NetnsSpec::open).transpose()?;
        Namespace::open_file(file, netns)
    }

    /// Opens the namespace the file `file` refers to (`None`: bindscope's own), which
    /// `netns` names in errors.
    pub fn open_file(file: Option<File>, netns: Option<&NetnsSpec>) -> Result<Namespace, Error> {
        let own = crate::sys::netns::own_inode().ok();
        let other = match (&file, netns) {
            (Some(file), Some(spec)) => file
                .metadata()
                .ok()
                .map(|m| m.ino() as u32)
                .filter(|inode| Some(*inode) != own)
                // The file given is where to look first (the thread of a
                // `/proc/PID/task/TID/ns/net` is found nowhere else).
                .map(|inode| {
                    let given = match spec {
                        NetnsSpec::Path(path) => Some(path.clone()),
                        NetnsSpec::Inode(_) => None,
                    };
                    (inode, spec.to_string(), given)
                }),
            _ => None,
        };
        let mut session = Session::open_notified(file, &WATCHED).map_err(|e| {
            if e.raw_os_error() == Some(libc::EPERM) {
                let name = netns.map_or_else(|| "(own)".into(), NetnsSpec::to_string);
                Error::NotPermitted(name)
            } else {
                Error::Netlink(e)
            }
        })?;
        let links = session.links().map_err(Error::Netlink)?;
        Ok(Namespace {
            session,
            links,
            other,
        })
    }

    /// Dumps the routes of `tables`, and the rules if `rules`.
    pub fn snapshot(&mut self, tables: Tables, rules: bool) -> Result<Snapshot, Error> {
        let mut snapshot = Snapshot::default();
        for message in self.session.routes().map_err(Error::Netlink)? {
            let Some(route) = Route::from_message(&message, &self.links) else {
                continue;
            };
            if !tables.shows(route.table) {
                continue;
            }
            match snapshot
                .tables
                .iter_mut()
                .find(|(id, _)| *id == route.table)
            {
                Some((_, routes)) => routes.push(route),
                None => snapshot.tables.push((route.table, vec![route])),
            }
        }
        if let (Tables::One(id), true) = (tables, snapshot.tables.is_empty()) {
            // An empty table still gets its header, as route(8) prints one for an empty main.
            snapshot.tables.push((id, Vec::new()));
        }
        if rules {
            snapshot.rules = Some(self.session.rules().map_err(Error::Netlink)?);
        }
        Ok(snapshot)
    }

    /// The namespace's links, by name and index.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// Streams the changes since the session opened to `out`, one line each, until
    /// interrupted, the reader goes away, or the namespace is deleted.
    pub fn watch(
        &mut self,
        tables: Tables,
        json: bool,
        out: &mut (impl std::io::Write + ?Sized),
    ) -> Result<Ended, Error> {
        let other = &mut self.other;
        let mut deleted = || {
            let (inode, name, held_at) = other.as_mut()?;
            let wanted = HashMap::from([(*inode, held_at.take())]);
            match crate::sys::netns::held_elsewhere(&wanted).remove(inode) {
                Some(place) => {
                    *held_at = Some(place);
                    None
                }
                None => Some(name.clone()),
            }
        };
        watch::watch(
            &mut self.session,
            &mut self.links,
            tables,
            json,
            out,
            &mut deleted,
        )
    }
}
