//! What to trace and which events to keep: the CLI's options as typed values, validated before
//! anything is loaded into the kernel.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sockabi::IfName;

use crate::Error;

/// The event families that can be traced, each backed by its own programs (a family left out
/// is not attached at all, so it costs nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSet {
    /// `setsockopt` on pinning/steering options.
    pub sockopt: bool,
    /// IPv4 FIB lookups.
    pub route: bool,
    /// Netdevice ioctls.
    pub ioctl: bool,
    /// Control data of `sendmsg` and `recvmsg(MSG_ERRQUEUE)`.
    pub cmsg: bool,
}

impl EventSet {
    /// Every family.
    pub const ALL: EventSet = EventSet {
        sockopt: true,
        route: true,
        ioctl: true,
        cmsg: true,
    };

    /// No family.
    pub const NONE: EventSet = EventSet {
        sockopt: false,
        route: false,
        ioctl: false,
        cmsg: false,
    };

    /// The family called `name` in `--events`, if there is one.
    fn flag(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "sockopt" => Some(&mut self.sockopt),
            "route" => Some(&mut self.route),
            "ioctl" => Some(&mut self.ioctl),
            "cmsg" => Some(&mut self.cmsg),
            _ => None,
        }
    }

    /// Whether the family called `name` (in `--events`) is in the set.
    pub fn contains(self, name: &str) -> bool {
        let mut set = self;
        set.flag(name).is_some_and(|f| *f)
    }

    /// Takes the family called `name` out of the set.
    pub fn remove(&mut self, name: &str) {
        if let Some(flag) = self.flag(name) {
            *flag = false;
        }
    }

    /// Whether no family is in the set.
    pub fn is_empty(self) -> bool {
        self == EventSet::NONE
    }

    /// The families in the set, by their names in `--events`, in its order.
    pub fn names(self) -> Vec<&'static str> {
        ["sockopt", "route", "ioctl", "cmsg"]
            .into_iter()
            .filter(|name| self.contains(name))
            .collect()
    }
}

impl Default for EventSet {
    fn default() -> Self {
        EventSet::ALL
    }
}

impl FromStr for EventSet {
    type Err = Error;

    /// A comma-separated list: `sockopt,route,ioctl,cmsg` (or `all`).
    fn from_str(list: &str) -> Result<Self, Error> {
        let mut set = EventSet {
            sockopt: false,
            route: false,
            ioctl: false,
            cmsg: false,
        };
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "sockopt" => set.sockopt = true,
                "route" => set.route = true,
                "ioctl" => set.ioctl = true,
                "cmsg" => set.cmsg = true,
                "all" => set = EventSet::ALL,
                other => {
                    return Err(Error::BadFilter {
                        what: "--events",
                        value: other.into(),
                        reason: "expected a comma-separated list of sockopt, route, ioctl, cmsg"
                            .into(),
                    })
                }
            }
        }
        if set
            == (EventSet {
                sockopt: false,
                route: false,
                ioctl: false,
                cmsg: false,
            })
        {
            return Err(Error::BadFilter {
                what: "--events",
                value: list.into(),
                reason: "names no event family; use sockopt, route, ioctl and/or cmsg".into(),
            });
        }
        Ok(set)
    }
}

/// An IPv4 prefix, `a.b.c.d/len` (a bare address means `/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Cidr {
    /// The network address (host bits cleared).
    pub network: Ipv4Addr,
    /// Prefix length, 0 to 32.
    pub prefix_len: u8,
}

impl Ipv4Cidr {
    /// The netmask.
    pub fn mask(&self) -> Ipv4Addr {
        let bits = u32::MAX
            .checked_shl(32 - u32::from(self.prefix_len))
            .unwrap_or(0);
        Ipv4Addr::from(bits)
    }

    /// Whether `addr` is inside the prefix.
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & u32::from(self.mask()) == u32::from(self.network)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::BadFilter {
            what: "--dst",
            value: text.into(),
            reason: reason.into(),
        };
        let (addr, len) = text.split_once('/').unwrap_or((text, "32"));
        let addr: Ipv4Addr = addr
            .parse()
            .map_err(|_| bad("expected an address such as 198.51.100.0/24 or 2001:db8::/32"))?;
        let prefix_len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= 32)
            .ok_or_else(|| bad("the prefix length must be 0 to 32"))?;
        let mut cidr = Ipv4Cidr {
            network: addr,
            prefix_len,
        };
        cidr.network = Ipv4Addr::from(u32::from(addr) & u32::from(cidr.mask()));
        Ok(cidr)
    }
}

/// An IPv6 prefix, `2001:db8::/32` (a bare address means `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Cidr {
    /// The network address (host bits cleared).
    pub network: Ipv6Addr,
    /// Prefix length, 0 to 128.
    pub prefix_len: u8,
}

impl Ipv6Cidr {
    /// The netmask.
    pub fn mask(&self) -> Ipv6Addr {
        let bits = u128::MAX
            .checked_shl(128 - u32::from(self.prefix_len))
            .unwrap_or(0);
        Ipv6Addr::from(bits)
    }

    /// Whether `addr` is inside the prefix.
    pub fn contains(&self, addr: Ipv6Addr) -> bool {
        u128::from(addr) & u128::from(self.mask()) == u128::from(self.network)
    }
}

/// `--dst`: an IPv4 or IPv6 prefix. Route lookups of the other family never match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cidr {
    /// `198.51.100.0/24`.
    V4(Ipv4Cidr),
    /// `2001:db8::/32`.
    V6(Ipv6Cidr),
}

impl Cidr {
    /// Whether `addr` is inside the prefix (never for the other family).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self, addr) {
            (Cidr::V4(c), IpAddr::V4(a)) => c.contains(a),
            (Cidr::V6(c), IpAddr::V6(a)) => c.contains(a),
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        if !text.contains(':') {
            return text.parse().map(Cidr::V4);
        }
        let bad = |reason: &str| Error::BadFilter {
            what: "--dst",
            value: text.into(),
            reason: reason.into(),
        };
        let (addr, len) = text.split_once('/').unwrap_or((text, "128"));
        let addr: Ipv6Addr = addr
            .parse()
            .map_err(|_| bad("expected an IPv6 address such as 2001:db8::/32"))?;
        let prefix_len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= 128)
            .ok_or_else(|| bad("the prefix length must be 0 to 128"))?;
        let mut cidr = Ipv6Cidr {
            network: addr,
            prefix_len,
        };
        cidr.network = Ipv6Addr::from(u128::from(addr) & u128::from(cidr.mask()));
        Ok(Cidr::V6(cidr))
    }
}

/// `--netns`: what `ip -n` takes (a name from `/run/netns`, a namespace file), a process id,
/// or a namespace inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetnsSpec {
    /// `/run/netns/NAME`, `/proc/PID/ns/net`, ...
    Path(PathBuf),
    /// The namespace inode, as `ls -i` or `lsns` show it.
    Inode(u32),
}

/// The largest process id Linux hands out (include/linux/threads.h `PID_MAX_LIMIT`, 4M on
/// 64-bit). Namespace inodes are far above: allocated from `PROC_DYNAMIC_FIRST` =
/// 0xF0000000 up (fs/proc/generic.c `proc_alloc_inum`), or fixed just below it for the
/// initial namespaces (include/linux/proc_ns.h), so a number names a pid or an inode
/// without ambiguity.
const PID_MAX_LIMIT: u32 = 4 * 1024 * 1024;

/// Where `ip netns` keeps named namespaces (iproute2 include/namespace.h `NETNS_RUN_DIR`).
const NETNS_RUN_DIR: &str = "/run/netns";

impl NetnsSpec {
    /// The namespace's file, opened: for an inode, found as [`crate::sys::netns::find`] finds it.
    pub fn open(&self) -> Result<std::fs::File, Error> {
        let file = match self {
            NetnsSpec::Path(path) => std::fs::File::open(path).map_err(|e| {
                let reason = match e.kind() {
                    std::io::ErrorKind::PermissionDenied => "permission denied: opening another process's namespace needs root (CAP_SYS_PTRACE); run with sudo".to_owned(),
                    // It was there when the command line was read.
                    std::io::ErrorKind::NotFound => "the namespace is gone (deleted, or its process exited); `ip netns list` shows the named ones".to_owned(),
                    _ => e.to_string(),
                };
                Error::BadFilter {
                    what: "--netns",
                    value: path.display().to_string(),
                    reason,
                }
            })?,
            NetnsSpec::Inode(inode) => {
                crate::sys::netns::find(*inode, None).ok_or_else(|| Error::BadFilter {
                    what: "--netns",
                    value: inode.to_string(),
                    reason: "no network namespace with this inode was found (in /run/netns or any process)".into(),
                })?
            }
        };
        // `ip netns del` unmounts the namespace, then removes the file it was mounted on: a
        // file opened in between is an empty one.
        if !is_namespace(&file) {
            return Err(Error::BadFilter {
                what: "--netns",
                value: match self {
                    NetnsSpec::Path(path) => path.display().to_string(),
                    NetnsSpec::Inode(inode) => inode.to_string(),
                },
                reason: "not a namespace file (any more: the namespace is gone?); `ip netns list` shows the named ones".into(),
            });
        }
        Ok(file)
    }
}

/// Whether `file` is a namespace file (nsfs, as `/proc/PID/ns/net` and the bind mounts of
/// `ip netns` are).
fn is_namespace(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    /// `NSFS_MAGIC` (include/uapi/linux/magic.h).
    const NSFS_MAGIC: u32 = 0x6e73_6673;
    // SAFETY: all zeroes is a valid `statfs`, which fstatfs fills in.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid fd, and a `statfs` that outlives the call.
    let ok = unsafe { libc::fstatfs(file.as_raw_fd(), &mut stat) } == 0;
    // Its width differs between architectures; the magic fits 32 bits.
    ok && stat.f_type as u32 == NSFS_MAGIC
}

/// As a message names it: the path, or the inode.
impl std::fmt::Display for NetnsSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetnsSpec::Path(path) => write!(f, "{}", path.display()),
            NetnsSpec::Inode(inode) => write!(f, "{inode}"),
        }
    }
}

impl FromStr for NetnsSpec {
    type Err = Error;

    /// As `ip -n` resolves its argument (iproute2 lib/namespace.c `netns_switch`): a name
    /// without `/` is a file in `/run/netns`, anything with a `/` a path. A number that is no
    /// name there is a process id (its `/proc/PID/ns/net`) up to `PID_MAX_LIMIT`, an inode
    /// above.
    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = |reason: String| Error::BadFilter {
            what: "--netns",
            value: text.into(),
            reason,
        };
        if text.is_empty() {
            return Err(bad(
                "give a name from /run/netns, a namespace file, a pid or an inode".into(),
            ));
        }
        let named = Path::new(NETNS_RUN_DIR).join(text);
        if !text.contains('/') && text != "." && text != ".." && named.exists() {
            return Ok(NetnsSpec::Path(named));
        }
        if let Ok(number) = text.parse::<u32>() {
            if number > PID_MAX_LIMIT {
                return Ok(NetnsSpec::Inode(number));
            }
            let path = PathBuf::from(format!("/proc/{number}/ns/net"));
            return match std::fs::metadata(&path) {
                Ok(_) => Ok(NetnsSpec::Path(path)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(bad(format!(
                    "no process {number} (and no {NETNS_RUN_DIR}/{number}); give a running process id, a name from `ip netns list`, or a namespace file"
                ))),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(bad(format!(
                    "permission denied reading {}: another user's process needs root (CAP_SYS_PTRACE); run with sudo",
                    path.display()
                ))),
                Err(e) => Err(bad(format!("{}: {e}", path.display()))),
            };
        }
        if !text.contains('/') {
            return Err(bad(format!(
                "no network namespace named \"{text}\" in {NETNS_RUN_DIR} (see `ip netns list`); or give a namespace file such as /proc/PID/ns/net, a pid or an inode"
            )));
        }
        let path = PathBuf::from(text);
        if !path.exists() {
            return Err(bad("no such file; give a namespace file such as /run/netns/NAME or /proc/PID/ns/net, a name from `ip netns list`, a pid or an inode number".into()));
        }
        Ok(NetnsSpec::Path(path))
    }
}

/// In-kernel filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this process (thread group).
    pub pid: Option<u32>,
    /// Only tasks with this `comm` (at most 15 bytes).
    pub comm: Option<String>,
    /// Only this network namespace.
    pub netns: Option<NetnsSpec>,
    /// Route lookups for this device only (as oif, iif or result).
    pub dev: Option<IfName>,
    /// Route lookups towards this prefix only (and so of its family only).
    pub dst: Option<Cidr>,
    /// Only failed calls and failed route decisions.
    pub errors_only: bool,
    /// Only events from the container whose id starts with this (user space: the id comes
    /// from the cgroup path); softirq lookups, which belong to no container, never match.
    pub container: Option<String>,
    /// With `pid` or `comm`: also the route lookups the kernel makes in a softirq (receiving,
    /// forwarding), which belong to no task and so match neither; `netns` still applies.
    pub softirq: bool,
    /// Never this process: the CLI passes its own pid, since resolving interface names makes
    /// it issue `SIOCGIFNAME` ioctls that it would otherwise trace.
    pub exclude_pid: Option<u32>,
}

/// Everything `Tracer::start` needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which families to attach.
    pub events: EventSet,
    /// What to keep.
    pub filter: Filter,
    /// Ring buffer size in bytes (a power of two, multiple of the page size).
    pub ring_size: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            events: EventSet::ALL,
            filter: Filter::default(),
            ring_size: 1 << 22,
        }
    }
}

/// The largest `--ring-size`: the ring is that much memory the kernel holds for as long as
/// bindscope runs.
pub const RING_SIZE_MAX: u64 = 1 << 30;

/// Checks `--ring-size`: the kernel wants a power of two that is a multiple of the page size.
pub fn parse_ring_size(text: &str) -> Result<u32, Error> {
    let bad = |reason: &str| Error::BadFilter {
        what: "--ring-size",
        value: text.into(),
        reason: reason.into(),
    };
    let (digits, unit) = match text.trim().to_ascii_lowercase() {
        t if t.ends_with('k') => (t.trim_end_matches('k').to_string(), 1 << 10),
        t if t.ends_with('m') => (t.trim_end_matches('m').to_string(), 1 << 20),
        t if t.ends_with('g') => (t.trim_end_matches('g').to_string(), 1 << 30),
        t => (t, 1),
    };
    let size = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| bad("expected a byte count such as 4096, 64k, 4m or 1g"))?;
    if size > RING_SIZE_MAX {
        return Err(bad("the ring buffer is at most 1g, memory the kernel holds for as long as bindscope runs (the default 4m holds some 30,000 route events); give a power of two from 4096 to 1g"));
    }
    if size < 4096 || !size.is_power_of_two() {
        return Err(bad("must be a power of two from 4096 (one page) to 1g"));
    }
    Ok(size as u32)
}

/// A ring size as `--ring-size` takes it: `4k`, `64k`, `4m`, `1g`.
pub fn ring_size_text(size: u32) -> String {
    match size {
        s if s >= 1 << 30 && s.is_multiple_of(1 << 30) => format!("{}g", s >> 30),
        s if s >= 1 << 20 && s.is_multiple_of(1 << 20) => format!("{}m", s >> 20),
        s if s >= 1 << 10 && s.is_multiple_of(1 << 10) => format!("{}k", s >> 10),
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_cidr_parses_and_masks() {
        let Cidr::V6(c) = "2001:db8:1::9/48".parse().unwrap() else {
            panic!("not IPv6")
        };
        assert_eq!(c.network, "2001:db8:1::".parse::<Ipv6Addr>().unwrap());
        let dst = Cidr::V6(c);
        assert!(dst.contains("2001:db8:1:ffff::1".parse().unwrap()));
        assert!(!dst.contains("2001:db8:2::1".parse().unwrap()));
        assert!(!dst.contains("198.51.100.1".parse().unwrap()));
        let Cidr::V6(host) = "2001:db8::1".parse().unwrap() else {
            panic!("not IPv6")
        };
        assert_eq!(host.prefix_len, 128);
        assert_eq!(
            "::/0".parse::<Cidr>().ok().map(|c| match c {
                Cidr::V6(c) => c.mask(),
                Cidr::V4(_) => Ipv6Addr::LOCALHOST,
            }),
            Some(Ipv6Addr::UNSPECIFIED)
        );
        assert!("2001:db8::/129".parse::<Cidr>().is_err());
        assert!(matches!("198.51.100.0/24".parse(), Ok(Cidr::V4(_))));
    }

    #[test]
    fn cidr_parses_and_masks() {
        let c: Ipv4Cidr = "198.51.100.7/24".parse().unwrap();
        assert_eq!(c.network, Ipv4Addr::new(198, 51, 100, 0));
        assert!(c.contains(Ipv4Addr::new(198, 51, 100, 159)));
        assert!(!c.contains(Ipv4Addr::new(192, 0, 2, 1)));
        let all: Ipv4Cidr = "0.0.0.0/0".parse().unwrap();
        assert_eq!(all.mask(), Ipv4Addr::UNSPECIFIED);
        let host: Ipv4Cidr = "192.0.2.1".parse().unwrap();
        assert_eq!(host.prefix_len, 32);
        assert!("192.0.2.1/33".parse::<Ipv4Cidr>().is_err());
        assert!("eth0"
            .parse::<Ipv4Cidr>()
            .unwrap_err()
            .to_string()
            .contains("--dst"));
    }

    #[test]
    fn events_list() {
        let mut e: EventSet = "route,sockopt".parse().unwrap();
        assert!(e.route && e.sockopt && !e.ioctl && !e.cmsg);
        assert_eq!(e.names(), ["sockopt", "route"]);
        assert!(e.contains("route") && !e.contains("cmsg") && !e.contains("bogus"));
        e.remove("route");
        e.remove("sockopt");
        assert!(e.is_empty());
        assert!("route,bogus".parse::<EventSet>().is_err());
        assert!("".parse::<EventSet>().is_err());
    }

    #[test]
    fn ring_sizes() {
        assert_eq!(parse_ring_size("4096").unwrap(), 4096);
        assert_eq!(parse_ring_size("64k").unwrap(), 65536);
        assert!(parse_ring_size("5000").is_err());
        assert!(parse_ring_size("1024").is_err());
        assert_eq!(parse_ring_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_ring_size("1024m").unwrap(), 1 << 30);
        for too_large in ["2g", "4g", "2048m", "2097152k"] {
            let err = parse_ring_size(too_large).unwrap_err().to_string();
            assert!(err.contains("at most 1g"), "{too_large}: {err}");
        }
        for size in ["4k", "64k", "4m", "1g"] {
            assert_eq!(ring_size_text(parse_ring_size(size).unwrap()), size);
        }
    }

    #[test]
    fn netns_inode_pid_or_path() {
        assert_eq!(
            "4026531840".parse::<NetnsSpec>().unwrap(),
            NetnsSpec::Inode(4026531840)
        );
        assert_eq!(
            std::process::id().to_string().parse::<NetnsSpec>().unwrap(),
            NetnsSpec::Path(format!("/proc/{}/ns/net", std::process::id()).into())
        );
        assert!("/no/such/netns".parse::<NetnsSpec>().is_err());
        let unnamed = "no-such-namespace-name".parse::<NetnsSpec>().unwrap_err();
        assert!(unnamed.to_string().contains("/run/netns"), "{unnamed}");
        assert!(matches!(
            "/proc/self/ns/net".parse::<NetnsSpec>().unwrap(),
            NetnsSpec::Path(_)
        ));
    }
}
