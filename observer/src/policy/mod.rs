//! Policy routing: which rule led the kernel to each table it looked up, per namespace.
//!
//! The tracer sees the table lookups of a route decision (`fib:fib_table_lookup`), not the
//! rules that chose those tables. Where the kernel offers no hook to capture the rule, the
//! rule is reconstructed: [`Policy`] keeps each namespace's IPv4 and IPv6 rule lists and
//! links current through rtnetlink (a dump, then RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE and
//! RTNLGRP_LINK notifications) and
//! [`walk`]s the list as the kernel does, checking every step against the tables the kernel
//! actually consulted. When the two disagree the answer is "unknown", with the reason.
//!
//! A traced decision is walked with the rules in force when it was made
//! ([`Policy::attribute_at`]): the lists of late are kept with when each was seen in force.
//!
//! A netlink socket keeps its namespace alive (with its devices: the host end of a veth pair
//! stays in the host's namespace as long as the pair lives), so a namespace's sockets are
//! closed as soon as nothing but bindscope holds the namespace (no `/run/netns` file or other
//! bind mount, no process in it; checked every [`HELD_CHECK`], see
//! [`crate::sys::netns::held_elsewhere`]), and once no lookup was attributed in it for
//! [`IDLE`]; the next lookup there opens and dumps anew. [`Policy::let_go`] does both; the
//! tracer's event loop calls it on every wake-up, lookups or not.
//!
//! ```no_run
//! use bindscope::policy::{End, FlowKeys, Policy, MISS};
//!
//! let mut policy = Policy::new();
//! let flow = FlowKeys {
//!     iif: 1, // locally generated
//!     oif: 0,
//!     mark: 0,
//!     uid: 1000,
//!     tos: 0,
//!     proto: 17,
//!     sport: 40000,
//!     dport: 53,
//!     src: "192.0.2.2".parse().unwrap(),
//!     dst: "198.51.100.7".parse().unwrap(),
//!     l3mdev: Some(0),
//! };
//! let netns = bindscope::sys::netns::own_inode().unwrap();
//! // The lookups of one decision as the tracer saw them: local missed, 51820 answered.
//! let walk = policy.attribute(netns, &flow, &[(255, MISS), (51820, 0)]);
//! for lookup in &walk.lookups {
//!     println!("{}{}", lookup.rule.brief, if lookup.suppressed { " (suppressed)" } else { "" });
//! }
//! if let End::Action { rule, error } = &walk.end {
//!     println!("{} ended it with {error}", rule.brief);
//! }
//! ```

mod history;
mod links;
mod names;
mod netlink;
mod rule;
mod selector;
mod text;
mod walk;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use netlink_packet_route::AddressFamily;

pub use links::Links;
pub use rule::{Action, Dscp, Ports, Rule, Shown};
pub use selector::{FlowKeys, Selector};
pub use walk::{walk, walk_steps, Attributed, End, Method, RuleRef, Step, Walk, MISS};

use crate::sys::clock::monotonic_ns;
use history::History;
pub(crate) use netlink::Session;

/// How long a namespace's rules are kept current without a lookup in it.
pub const IDLE: Duration = Duration::from_secs(2);

/// How often, at most, idle namespaces are looked for (see [`Policy::let_go`]).
const SWEEP_EVERY: Duration = Duration::from_millis(100);

/// How often, at most, the policy asks whether anything but bindscope still holds the
/// namespaces it keeps sockets in (see [`Policy::let_go`]): a deleted namespace's sockets
/// are closed within this time, and the kernel then removes the namespace and its devices
/// (some 30 ms more here).
pub const HELD_CHECK: Duration = Duration::from_millis(200);

/// How often, at most, the tracer's policy reads a namespace's notifications
/// ([`Policy::refreshing_every`]). A decision is decoded a few milliseconds after it was made
/// anyway; a rule changed within this time before a lookup may not be seen yet, and the walk
/// then reports the disagreement rather than a wrong rule.
pub const REFRESH: Duration = Duration::from_millis(5);

/// Table `id` as `ip` names it (`main`, `local`, a name from `/etc/iproute2/rt_tables`), or
/// its number.
pub fn table_name(id: u32) -> String {
    names::Names::get().table(id)
}

/// The id of the table `ip` knows as `name` (a name from `/etc/iproute2/rt_tables`, or a
/// number).
pub fn table_id(name: &str) -> Option<u32> {
    names::Names::get().table_id(name)
}

/// Why a namespace's rules could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No file of the namespace was found (see `netns::find`).
    #[error(
        "network namespace {0} was not found: it is gone, or only a bind mount outside \
         /run/netns keeps it"
    )]
    NamespaceNotFound(u32),
    /// rtnetlink failed.
    #[error(
        "could not read the policy rules of network namespace {netns} through rtnetlink: {source}"
    )]
    Netlink {
        /// The namespace's inode.
        netns: u32,
        /// What the socket said.
        #[source]
        source: std::io::Error,
    },
}

/// The rules, links and tables of one namespace, with its rtnetlink sockets.
struct Namespace {
    session: Session,
    /// The IPv4 rule lists of late, the current one last.
    history: History,
    /// The IPv6 rule lists of late.
    history6: History,
    links: Links,
    /// Tables seen looked up here: they exist as long as the namespace does.
    known_tables: HashSet<u32>,
    last_used: Instant,
    /// When its notifications were last read (or it was dumped).
    refreshed: Instant,
    /// Where something else was last seen holding the namespace: looked at first next time.
    held_at: Option<PathBuf>,
}

impl Namespace {
    /// Subscribes to the namespace's notifications, then dumps its rules and links.
    fn open(netns: u32) -> Result<Namespace, Error> {
        let file = crate::sys::netns::find(netns, None).ok_or(Error::NamespaceNotFound(netns))?;
        let failed = |source| Error::Netlink { netns, source };
        let mut session = Session::open_in(file).map_err(failed)?;
        let rules = session.rules().map_err(failed)?;
        let rules6 = session.rules_of(AddressFamily::Inet6).map_err(failed)?;
        let links = session.links().map_err(failed)?;
        log::debug!(
            "policy: watching namespace {netns} ({} IPv4 rules, {} IPv6 rules)",
            rules.len(),
            rules6.len()
        );
        Ok(Namespace {
            session,
            history: History::new(rules, monotonic_ns()),
            history6: History::new(rules6, monotonic_ns()),
            links,
            known_tables: HashSet::new(),
            last_used: Instant::now(),
            refreshed: Instant::now(),
            held_at: None,
        })
    }

    /// Applies the notifications: link changes as they come, a new dump of the rules when
    /// one changed, of everything when notifications were lost.
    fn refresh(&mut self, netns: u32) -> Result<(), Error> {
        let failed = |source| Error::Netlink { netns, source };
        self.refreshed = Instant::now();
        // Taken before reading: whatever changed before this moment is queued by now.
        let now = monotonic_ns();
        let changes = self.session.changes(&mut self.links).map_err(failed)?;
        if changes.rules || changes.lost {
            let rules = self.session.rules().map_err(failed)?;
            self.history.changed(rules, monotonic_ns());
        } else {
            self.history.seen(now);
        }
        if changes.rules6 || changes.lost {
            let rules = self
                .session
                .rules_of(AddressFamily::Inet6)
                .map_err(failed)?;
            self.history6.changed(rules, monotonic_ns());
        } else {
            self.history6.seen(now);
        }
        if changes.lost {
            self.links = self.session.links().map_err(failed)?;
        }
        Ok(())
    }
}

/// See [`Policy::profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The namespace has rules beyond the three default ones.
    pub custom: bool,
    /// One of its rules can refuse a table's route.
    pub may_suppress: bool,
}

/// The rule lists of the namespaces lookups are seen in, kept current, and the walk that
/// attributes each lookup to its rule.
pub struct Policy {
    namespaces: HashMap<u32, Namespace>,
    /// Namespaces not found lately, not searched for again (a search reads all of /proc)
    /// until `idle` has passed.
    missing: HashMap<u32, Instant>,
    idle: Duration,
    /// How often, at most, a namespace's notifications are read (see [`REFRESH`]); zero:
    /// before every attribution.
    refresh_every: Duration,
    /// When idle namespaces were last looked for.
    last_sweep: Instant,
    /// When it was last asked whether the namespaces are held by anything else.
    last_held_check: Instant,
    /// bindscope's own namespace: it holds that one itself, for as long as it runs.
    own: Option<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::with_idle(IDLE)
    }
}

impl Policy {
    /// A policy that closes a namespace's sockets after [`IDLE`] without use.
    pub fn new() -> Policy {
        Policy::default()
    }

    /// A policy that closes a namespace's sockets after `idle` without use.
    pub fn with_idle(idle: Duration) -> Policy {
        Policy {
            namespaces: HashMap::new(),
            missing: HashMap::new(),
            idle,
            refresh_every: Duration::ZERO,
            last_sweep: Instant::now(),
            last_held_check: Instant::now(),
            own: crate::sys::netns::own_inode().ok(),
        }
    }

    /// The same policy, reading each namespace's notifications at most every `interval`
    /// instead of before every attribution (see [`REFRESH`]).
    pub fn refreshing_every(self, interval: Duration) -> Policy {
        Policy {
            refresh_every: interval,
            ..self
        }
    }

    /// For each table lookup of one route decision made in namespace `netns` (the inode of
    /// the FIB's namespace) for `flow`, the rule that led to it; see [`walk`]. `lookups` are
    /// (table id, result) in the order the tracer saw them: 0 a hit, [`MISS`] (`-EAGAIN`) a
    /// miss, another negative errno the error of an unreachable/prohibit/blackhole route.
    /// The rules are those in force now; see [`Policy::attribute_at`] for a traced decision.
    pub fn attribute(&mut self, netns: u32, flow: &FlowKeys, lookups: &[(u32, i32)]) -> Walk {
        self.attribute_at(netns, monotonic_ns(), flow, lookups)
    }

    /// [`Policy::attribute`] for a decision made at `at_ns` (monotonic clock, as
    /// `bpf_ktime_get_ns` stamps the lookups), walked with the rules in force then. When the
    /// rules changed close to that time, the lists from before and after the change are both
    /// walked: the one the lookups agree with is taken, and if both agree but name different
    /// rules, the rule is unknown.
    pub fn attribute_at(
        &mut self,
        netns: u32,
        at_ns: u64,
        flow: &FlowKeys,
        lookups: &[(u32, i32)],
    ) -> Walk {
        self.let_go();
        let namespace = match self.namespace(netns) {
            Ok(namespace) => namespace,
            Err(error) => return Walk::unknown(lookups, error.to_string()),
        };
        let history = match flow.dst {
            IpAddr::V4(_) => &namespace.history,
            IpAddr::V6(_) => &namespace.history6,
        };
        let walks: Vec<Walk> = history
            .at(at_ns)
            .into_iter()
            .map(|rules| {
                walk(
                    rules,
                    &namespace.links,
                    &namespace.known_tables,
                    flow,
                    lookups,
                )
            })
            .collect();
        namespace
            .known_tables
            .extend(lookups.iter().map(|&(table, _)| table));
        walk::agreed(walks, lookups)
    }

    /// What namespace `netns`'s current rules are like, for the tracer's hot path: whether it
    /// has custom rules at all (without, the kernel consults none and there is nothing to
    /// walk), and whether one can refuse a table's route (`suppress_prefixlength`,
    /// `suppress_ifgroup`), so that a hit may be followed by more lookups of the same
    /// decision. `None` for a namespace whose rules cannot be read.
    pub fn profile(&mut self, netns: u32) -> Option<Profile> {
        let rules = self.namespace(netns).ok()?.history.current();
        Some(Profile {
            custom: !walk::only_default_rules(rules, false),
            may_suppress: rules.iter().any(Rule::suppresses),
        })
    }

    /// [`Policy::profile`] of the namespace's IPv6 rules.
    pub fn profile6(&mut self, netns: u32) -> Option<Profile> {
        let rules = self.namespace(netns).ok()?.history6.current();
        Some(Profile {
            custom: !walk::only_default_rules(rules, true),
            may_suppress: rules.iter().any(Rule::suppresses),
        })
    }

    /// The current IPv4 rules of namespace `netns`, in the kernel's order.
    pub fn rules(&mut self, netns: u32) -> Result<&[Rule], Error> {
        Ok(self.namespace(netns)?.history.current())
    }

    /// Closes the sockets of the namespaces nothing but bindscope holds any more (deleted:
    /// checked at most every [`HELD_CHECK`]) and of those no lookup was attributed in for
    /// longer than the idle time, and forgets the ones not found. [`Policy::attribute`] does
    /// this on every call; call it also when lookups stop coming (the tracer's event loop does,
    /// on every wake-up), or a deleted namespace is kept alive until the next lookup anywhere.
    pub fn let_go(&mut self) {
        let now = Instant::now();
        // A scan of every namespace: at most every SWEEP_EVERY on the tracer's hot path.
        if now.duration_since(self.last_sweep) >= SWEEP_EVERY {
            self.last_sweep = now;
            let idle = self.idle;
            self.namespaces.retain(|netns, namespace| {
                let keep = now.duration_since(namespace.last_used) < idle;
                if !keep {
                    log::debug!("policy: namespace {netns} idle, closing its sockets");
                }
                keep
            });
            self.missing.retain(|_, at| now.duration_since(*at) < idle);
        }
        if now.duration_since(self.last_held_check) >= HELD_CHECK {
            self.last_held_check = now;
            self.close_deleted();
        }
    }

    /// Closes the sockets of the namespaces nothing but bindscope holds (see
    /// [`crate::sys::netns::held_elsewhere`]): the sockets are all that keeps them, and their
    /// devices, alive.
    fn close_deleted(&mut self) {
        let own = self.own;
        let wanted: HashMap<u32, Option<PathBuf>> = self
            .namespaces
            .iter()
            .filter(|(netns, _)| Some(**netns) != own)
            .map(|(netns, namespace)| (*netns, namespace.held_at.clone()))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let mut held = crate::sys::netns::held_elsewhere(&wanted);
        self.namespaces.retain(|netns, namespace| {
            if Some(*netns) == own {
                return true;
            }
            match held.remove(netns) {
                Some(place) => {
                    namespace.held_at = Some(place);
                    true
                }
                None => {
                    log::debug!("policy: namespace {netns} deleted, closing its sockets");
                    false
                }
            }
        });
    }

    /// How many namespaces have open sockets.
    pub fn watched(&self) -> usize {
        self.namespaces.len()
    }

    /// Namespace `netns`, current: opened and dumped if new, its changes read if not.
    fn namespace(&mut self, netns: u32) -> Result<&mut Namespace, Error> {
        if self.missing.contains_key(&netns) {
            return Err(Error::NamespaceNotFound(netns));
        }
        let current = match self.namespaces.get_mut(&netns) {
            // Reading the notifications is a system call: a tracer reads them at most once
            // per REFRESH, not for every one of the hundred thousand decisions a second a
            // busy host makes.
            Some(namespace) if namespace.refreshed.elapsed() < self.refresh_every => Ok(()),
            Some(namespace) => namespace.refresh(netns),
            None => Namespace::open(netns).map(|namespace| {
                self.namespaces.insert(netns, namespace);
            }),
        };
        if let Err(error) = current {
            self.namespaces.remove(&netns);
            if matches!(error, Error::NamespaceNotFound(_)) {
                self.missing.insert(netns, Instant::now());
            }
            return Err(error);
        }
        let namespace = self
            .namespaces
            .get_mut(&netns)
            .ok_or(Error::NamespaceNotFound(netns))?;
        namespace.last_used = Instant::now();
        Ok(namespace)
    }
}
