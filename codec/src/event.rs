//! The records bindscope's eBPF program writes into its ring buffer, and the load-time settings
//! it reads: defined once here so the kernel side and userspace cannot disagree on a layout.
//!
//! Every record starts with an [`EventHeader`] whose `kind` says which record follows. Records
//! carry *raw* ABI bytes (an `optval`, a `struct ifreq`, a control buffer) exactly as the traced
//! process passed them or the kernel returned them; userspace decodes them with the rest of this
//! crate. The eBPF side copies, it never interprets.
//!
//! The layouts are this crate's usual alignment-1 `zerocopy` structs, so userspace views a record
//! in place in the ring buffer with [`Event::parse`].

use zerocopy::byteorder::{NativeEndian, I32, I64, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::view_prefix;
use crate::{Error, Result};

/// Bytes of a task's `comm` (`TASK_COMM_LEN`).
pub const COMM_LEN: usize = 16;
/// Bytes of `optval` a sockopt record keeps: every fixed-size option bindscope decodes fits,
/// the largest being `struct group_source_req` (264: two `sockaddr_storage`s); a source
/// filter (`ip_msfilter`, `group_filter`) longer than this is reported as partly captured.
pub const OPTVAL_CAPTURE: usize = 264;
/// Bytes of a `struct ifreq` (x86_64), the argument of the netdevice ioctls.
pub const IFREQ_CAPTURE: usize = 40;
/// Bytes of a control buffer a cmsg record keeps (room for an `IP_PKTINFO` and an `IP_RECVERR`
/// message with its offender, several times over).
pub const CONTROL_CAPTURE: usize = 128;
/// Bytes of `msg_name` a cmsg record keeps (a `sockaddr_in6`, 28; a `sockaddr_in` is 16).
pub const NAME_CAPTURE: usize = 28;

/// Which record follows the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum EventKind {
    /// A [`SockoptEvent`]: `setsockopt()` on an option that pins or steers a socket.
    Sockopt = 1,
    /// A [`RouteEvent`]: one IPv4 FIB table lookup (`fib:fib_table_lookup`).
    Route = 2,
    /// An [`IoctlEvent`]: a netdevice ioctl taking a `struct ifreq`.
    Ioctl = 3,
    /// A [`CmsgEvent`]: control data of `sendmsg()`, or of `recvmsg(MSG_ERRQUEUE)`.
    Cmsg = 4,
    /// A [`Route6Event`]: one IPv6 FIB table lookup (`fib6:fib6_table_lookup`).
    Route6 = 5,
}

impl EventKind {
    /// The kind for a header's `kind` field, if known.
    pub const fn from_u32(value: u32) -> Option<Self> {
        match value {
            1 => Some(EventKind::Sockopt),
            2 => Some(EventKind::Route),
            3 => Some(EventKind::Ioctl),
            4 => Some(EventKind::Cmsg),
            5 => Some(EventKind::Route6),
            _ => None,
        }
    }
}

/// What every record starts with: who did it, where, and when.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct EventHeader {
    /// An [`EventKind`] as `u32`.
    pub kind: U32<NativeEndian>,
    /// The CPU the event was recorded on (route lookups of one decision share it).
    pub cpu: U32<NativeEndian>,
    /// `bpf_ktime_get_ns()`: monotonic clock, nanoseconds since boot.
    pub ts_ns: U64<NativeEndian>,
    /// Thread-group id (what userspace calls the pid).
    pub pid: U32<NativeEndian>,
    /// Thread id.
    pub tid: U32<NativeEndian>,
    /// Inode of the current task's network namespace; for a [`RouteEvent`], of the namespace
    /// whose FIB was consulted (see [`RouteEvent::netns_source`]). 0 when it could not be read.
    pub netns: U32<NativeEndian>,
    /// The low 32 bits of `bpf_get_current_cgroup_id()`: the task's cgroup in the v2
    /// hierarchy, whose id is the inode number of its cgroupfs directory, which names its
    /// container; 0 for a lookup made in a softirq, which belongs to no task. The high 32
    /// bits are kernfs's generation, which changes only once 2^32 nodes have been made; they
    /// are left out to keep the header (and every route record) as small as before.
    pub cgroup: U32<NativeEndian>,
    /// The task's `comm`, NUL-padded.
    pub comm: [u8; COMM_LEN],
}

/// `setsockopt(fd, level, optname, optval, optlen)` and what it returned.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct SockoptEvent {
    /// Common header; `kind` is [`EventKind::Sockopt`].
    pub header: EventHeader,
    /// The socket's file descriptor.
    pub fd: I32<NativeEndian>,
    /// `level` (`SOL_SOCKET`, `IPPROTO_IP`).
    pub level: I32<NativeEndian>,
    /// `optname`.
    pub optname: I32<NativeEndian>,
    /// `optlen` as the process passed it.
    pub optlen: I32<NativeEndian>,
    /// The syscall's return value: 0, or a negative errno.
    pub ret: I64<NativeEndian>,
    /// Bytes of `optval` copied (at most [`OPTVAL_CAPTURE`]); see also `capture_failed`.
    pub captured: U32<NativeEndian>,
    /// 1 when reading `optval` from user memory failed (bad pointer, page not present).
    pub capture_failed: U32<NativeEndian>,
    /// The first `captured` bytes of `optval`.
    pub optval: [u8; OPTVAL_CAPTURE],
}

impl SockoptEvent {
    /// The captured part of `optval` (never longer than the buffer, whatever `captured` says).
    pub fn optval(&self) -> &[u8] {
        clamp(&self.optval, self.captured.get())
    }
}

/// One FIB table lookup as the `fib:fib_table_lookup` tracepoint reports it.
///
/// The fields are ordered so that, in a record starting 8-aligned (as every ring-buffer record
/// does), each sits at its natural alignment: the eBPF program then writes the record with one
/// store per field instead of byte by byte.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct RouteEvent {
    /// Common header; `kind` is [`EventKind::Route`].
    pub header: EventHeader,
    /// The table consulted (254 main, 255 local, ...).
    pub tb_id: U32<NativeEndian>,
    /// 0 on a match; `-EAGAIN` when this table had no match (policy rules go on to the next
    /// table); another negative errno for unreachable/prohibit/blackhole routes.
    pub err: I32<NativeEndian>,
    /// Requested output interface (`flowi4_oif`): the constraint SO_BINDTODEVICE,
    /// IP_UNICAST_IF or IP_PKTINFO put on the lookup; 0 = any.
    pub oif: I32<NativeEndian>,
    /// Input interface (`flowi4_iif`); 1 (loopback) for locally generated traffic.
    pub iif: I32<NativeEndian>,
    /// Source address of the flow (network order; 0.0.0.0 when not yet chosen).
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
    /// Gateway of the chosen next hop (0.0.0.0 when directly connected or on a miss).
    pub gw4: [u8; 4],
    /// Source port (host order).
    pub sport: U16<NativeEndian>,
    /// Destination port (host order).
    pub dport: U16<NativeEndian>,
    /// Name of the chosen next hop's device, NUL-padded; "-" or empty on a miss.
    pub dev: [u8; 16],
    /// IP protocol of the flow.
    pub proto: u8,
    /// TOS (DSCP) of the flow.
    pub tos: u8,
    /// Scope of the flow.
    pub scope: u8,
    /// `flowi4_flags`.
    pub flags: u8,
    /// The flow's firewall mark (`flowi4_mark`: `SO_MARK`, or set by netfilter): what `ip rule
    /// ... fwmark` selects on.
    pub mark: U32<NativeEndian>,
    /// The flow's uid (`flowi4_uid`): what `ip rule ... uidrange` selects on. The socket
    /// owner's for output lookups; the kernel's overflow uid for received packets.
    pub uid: U32<NativeEndian>,
    /// The flow's L3 master device (`flowi4_l3mdev`, a VRF's ifindex; Linux 5.18+); 0 when
    /// none or absent on this kernel.
    pub l3mdev: I32<NativeEndian>,
    /// Whose lookup this is: a [`RouteContext`] as `u8`. In [`RouteContext::Softirq`] the
    /// header's pid, tid and comm are zero: the kernel made the lookup on its own (receiving
    /// or forwarding a packet, a timer), not for the task it happened to interrupt.
    pub context: u8,
    /// How the header's `netns` (the namespace whose FIB was consulted) was found: a
    /// [`NetnsSource`] as `u8`.
    pub netns_source: u8,
    /// 1 when `rule_priority` was captured in the kernel (the rule whose action looked this
    /// table up, where BPF trampolines exist), 0 when not.
    pub rule_captured: u8,
    /// Reserved, zero.
    pub _reserved: u8,
    /// The priority of the policy rule that led to this lookup, if `rule_captured`.
    pub rule_priority: U32<NativeEndian>,
}

/// One IPv6 FIB table lookup as `fib6:fib6_table_lookup` reports it (`fib6_table_lookup()` in
/// `net/ipv6/route.c`, once per table a decision consults).
///
/// Ordered, as [`RouteEvent`], so that each field sits at its natural alignment in an
/// 8-aligned record.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct Route6Event {
    /// Common header; `kind` is [`EventKind::Route6`].
    pub header: EventHeader,
    /// The table consulted (`fib6_table.tb6_id`: 254 main, 255 local, ...).
    pub tb_id: U32<NativeEndian>,
    /// The error of the route found, as the tracepoint reports it
    /// (`ip6_rt_type_to_error(res->fib6_type)`): 0, `-EHOSTUNREACH` (an unreachable route,
    /// and also a table without any route: see `miss`), `-EACCES` (prohibit), `-EINVAL`
    /// (blackhole), `-EAGAIN` (throw).
    pub err: I32<NativeEndian>,
    /// Requested output interface (`flowi6_oif`): SO_BINDTODEVICE, IPV6_UNICAST_IF,
    /// IPV6_PKTINFO or a link-local destination's scope put it there; 0 = any.
    pub oif: I32<NativeEndian>,
    /// Input interface (`flowi6_iif`); 1 (loopback) for locally generated traffic.
    pub iif: I32<NativeEndian>,
    /// Source address of the flow (`::` when not yet chosen).
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
    /// Gateway of the chosen next hop (`::` when directly connected or on a miss).
    pub gw: [u8; 16],
    /// Name of the chosen next hop's device, NUL-padded; "-" when none. The kernel's
    /// "no route" entry and reject routes point at the loopback device: "lo".
    pub dev: [u8; 16],
    /// Source port (host order).
    pub sport: U16<NativeEndian>,
    /// Destination port (host order).
    pub dport: U16<NativeEndian>,
    /// The flow label (20 bits, host order).
    pub flowlabel: U32<NativeEndian>,
    /// The flow's firewall mark (`flowi6_mark`).
    pub mark: U32<NativeEndian>,
    /// The flow's uid (`flowi6_uid`).
    pub uid: U32<NativeEndian>,
    /// The flow's L3 master device (`flowi6_l3mdev`, Linux 5.18+); 0 when none or absent.
    pub l3mdev: I32<NativeEndian>,
    /// IP protocol of the flow.
    pub proto: u8,
    /// Traffic class of the flow (`ip6_tclass(flowi6_flowlabel)`).
    pub tclass: u8,
    /// Scope of the flow.
    pub scope: u8,
    /// `flowi6_flags`.
    pub flags: u8,
    /// A [`RouteContext`] as `u8`.
    pub context: u8,
    /// A [`NetnsSource`] as `u8`.
    pub netns_source: u8,
    /// 1 when the table had no route for the flow: the kernel answered with its "no route"
    /// entry (`net->ipv6.fib6_null_entry`), and a policy walk goes on to the next rule; 0
    /// when a route (possibly a reject route) was found; 2 when the hook cannot tell (the
    /// classic tracepoint: both look like an unreachable route through "lo").
    pub miss: u8,
    /// 1 when `rule_priority` was captured in the kernel (fentry on `fib6_rule_action`).
    pub rule_captured: u8,
    /// The priority of the policy rule that led to this lookup, if `rule_captured`.
    pub rule_priority: U32<NativeEndian>,
}

/// Whose route lookup a [`RouteEvent`] is (its `context` byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RouteContext {
    /// A task made the lookup for itself, in a system call (connect, sendmsg, bind, ...) or
    /// as a kernel thread.
    Task = 1,
    /// The kernel made it while serving a softirq (between `irq:softirq_entry` and
    /// `irq:softirq_exit` on that CPU): receiving or forwarding a packet, a TCP timer. Which
    /// task it interrupted says nothing about it.
    Softirq = 2,
}

impl RouteContext {
    /// The context for a record's `context` byte, if known.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            1 => Some(RouteContext::Task),
            2 => Some(RouteContext::Softirq),
            _ => None,
        }
    }
}

/// How the eBPF side found the namespace whose FIB a lookup consulted (a [`RouteEvent`]'s
/// `netns_source` byte). The lookup itself does not say: `fib_table_lookup` receives the
/// table and the flow, not the `struct net`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NetnsSource {
    /// Not found: a miss in a softirq that received no packet before it (a timer), or an
    /// input lookup on another device than the packet's.
    Unknown = 0,
    /// Exact: the namespace of the matched next hop's device (`nhc_dev->nd_net`), which
    /// lives in the FIB it was found in.
    NextHop = 1,
    /// The namespace of the task that made the lookup in its own system call: the socket's
    /// namespace unless the thread `setns()`ed after creating the socket.
    Task = 2,
    /// The namespace of the device the packet being processed in this softirq arrived on
    /// (`net:netif_receive_skb`): the lookup is an input lookup on that device, or one made
    /// while processing that packet (an ICMP error, a SYN-ACK, an address-type check).
    Received = 3,
    /// Exact: the lookup's own `struct net` argument (`fib6_table_lookup` is told its
    /// namespace; the IPv4 lookup is not).
    Lookup = 4,
}

impl NetnsSource {
    /// The source for a record's `netns_source` byte, if known.
    pub const fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(NetnsSource::Unknown),
            1 => Some(NetnsSource::NextHop),
            2 => Some(NetnsSource::Task),
            3 => Some(NetnsSource::Received),
            4 => Some(NetnsSource::Lookup),
            _ => None,
        }
    }
}

/// A netdevice ioctl on a `struct ifreq`, captured after the call (so a `SIOCG*` request
/// holds the kernel's answer).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct IoctlEvent {
    /// Common header; `kind` is [`EventKind::Ioctl`].
    pub header: EventHeader,
    /// The file descriptor.
    pub fd: I32<NativeEndian>,
    /// The request number (`SIOCGIFINDEX`, ...).
    pub request: U32<NativeEndian>,
    /// The syscall's return value: 0, or a negative errno.
    pub ret: I64<NativeEndian>,
    /// Bytes of the argument copied (at most [`IFREQ_CAPTURE`]).
    pub captured: U32<NativeEndian>,
    /// 1 when reading the argument from user memory failed.
    pub capture_failed: U32<NativeEndian>,
    /// The `struct ifreq` (or, for `SIOCGIFCONF`, the `struct ifconf`) after the call.
    pub ifreq: [u8; IFREQ_CAPTURE],
}

impl IoctlEvent {
    /// The captured part of the argument.
    pub fn arg(&self) -> &[u8] {
        clamp(&self.ifreq, self.captured.get())
    }
}

/// Which call a [`CmsgEvent`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum CmsgDirection {
    /// `sendmsg()` with control data (e.g. `IP_PKTINFO` choosing interface and source).
    Send = 1,
    /// `recvmsg(MSG_ERRQUEUE)`: an `IP_RECVERR` error report.
    RecvErrQueue = 2,
}

impl CmsgDirection {
    /// The direction for a record's `direction` field, if known.
    pub const fn from_u32(value: u32) -> Option<Self> {
        match value {
            1 => Some(CmsgDirection::Send),
            2 => Some(CmsgDirection::RecvErrQueue),
            _ => None,
        }
    }
}

/// Control data of `sendmsg()` (as passed) or of `recvmsg(MSG_ERRQUEUE)` (as returned).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub struct CmsgEvent {
    /// Common header; `kind` is [`EventKind::Cmsg`].
    pub header: EventHeader,
    /// The socket's file descriptor.
    pub fd: I32<NativeEndian>,
    /// A [`CmsgDirection`] as `u32`.
    pub direction: U32<NativeEndian>,
    /// The syscall's return value: bytes sent/received, or a negative errno.
    pub ret: I64<NativeEndian>,
    /// The `flags` argument of the call.
    pub flags: U32<NativeEndian>,
    /// `msg_controllen` (after the call for `recvmsg`).
    pub controllen: U32<NativeEndian>,
    /// Bytes of the control buffer copied (at most [`CONTROL_CAPTURE`]).
    pub captured: U32<NativeEndian>,
    /// `msg_namelen` (after the call for `recvmsg`).
    pub namelen: U32<NativeEndian>,
    /// Bytes of `msg_name` copied (at most [`NAME_CAPTURE`]).
    pub name_captured: U32<NativeEndian>,
    /// 1 when reading user memory failed.
    pub capture_failed: U32<NativeEndian>,
    /// `msg_name`: the destination of a send, the origin of a received error.
    pub name: [u8; NAME_CAPTURE],
    /// The control buffer.
    pub control: [u8; CONTROL_CAPTURE],
}

impl CmsgEvent {
    /// The captured control bytes.
    pub fn control(&self) -> &[u8] {
        clamp(&self.control, self.captured.get())
    }

    /// The captured `msg_name` bytes.
    pub fn name(&self) -> &[u8] {
        clamp(&self.name, self.name_captured.get())
    }
}

/// A record viewed in place.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// See [`SockoptEvent`].
    Sockopt(&'a SockoptEvent),
    /// See [`RouteEvent`].
    Route(&'a RouteEvent),
    /// See [`IoctlEvent`].
    Ioctl(&'a IoctlEvent),
    /// See [`CmsgEvent`].
    Cmsg(&'a CmsgEvent),
    /// See [`Route6Event`].
    Route6(&'a Route6Event),
}

impl<'a> Event<'a> {
    /// Views one ring-buffer record.
    ///
    /// ```
    /// use sockabi::event::{Event, EventKind, RouteEvent};
    /// use zerocopy::FromZeros;
    ///
    /// let mut record = RouteEvent::new_zeroed();
    /// record.header.kind.set(EventKind::Route as u32);
    /// record.dst = [198, 51, 100, 159];
    /// let bytes = zerocopy::IntoBytes::as_bytes(&record);
    /// match Event::parse(bytes)? {
    ///     Event::Route(route) => assert_eq!(route.dst, [198, 51, 100, 159]),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// # Ok::<(), sockabi::Error>(())
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let header: &EventHeader = view_prefix(bytes, "event header")?;
        match EventKind::from_u32(header.kind.get()) {
            Some(EventKind::Sockopt) => view_prefix(bytes, "sockopt event").map(Event::Sockopt),
            Some(EventKind::Route) => view_prefix(bytes, "route event").map(Event::Route),
            Some(EventKind::Ioctl) => view_prefix(bytes, "ioctl event").map(Event::Ioctl),
            Some(EventKind::Cmsg) => view_prefix(bytes, "cmsg event").map(Event::Cmsg),
            Some(EventKind::Route6) => view_prefix(bytes, "IPv6 route event").map(Event::Route6),
            None => Err(Error::Invalid {
                what: "event header",
                reason: "unknown event kind",
            }),
        }
    }

    /// The common header.
    pub fn header(&self) -> &'a EventHeader {
        match *self {
            Event::Sockopt(e) => &e.header,
            Event::Route(e) => &e.header,
            Event::Ioctl(e) => &e.header,
            Event::Cmsg(e) => &e.header,
            Event::Route6(e) => &e.header,
        }
    }
}

/// The first `len` bytes of `buf`, or all of it if `len` is larger.
fn clamp(buf: &[u8], len: u32) -> &[u8] {
    let len = usize::try_from(len).unwrap_or(usize::MAX).min(buf.len());
    &buf[..len]
}

/// `struct user_msghdr` as a 64-bit process passes it to `sendmsg`/`recvmsg`: pointers as
/// integers, since the eBPF side only follows them with `bpf_probe_read_user`.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct UserMsghdr {
    /// `void *msg_name`.
    pub msg_name: U64<NativeEndian>,
    /// `int msg_namelen` (+ 4 bytes of padding, kept in `_pad1`).
    pub msg_namelen: U32<NativeEndian>,
    /// Padding after `msg_namelen`.
    pub _pad1: U32<NativeEndian>,
    /// `struct iovec *msg_iov`.
    pub msg_iov: U64<NativeEndian>,
    /// `size_t msg_iovlen`.
    pub msg_iovlen: U64<NativeEndian>,
    /// `void *msg_control`.
    pub msg_control: U64<NativeEndian>,
    /// `size_t msg_controllen`.
    pub msg_controllen: U64<NativeEndian>,
    /// `int msg_flags` (+ padding).
    pub msg_flags: U32<NativeEndian>,
    /// Padding at the end.
    pub _pad2: U32<NativeEndian>,
}

/// `MSG_ERRQUEUE`: `recvmsg` flag that reads the socket's error queue (`IP_RECVERR` reports).
pub const MSG_ERRQUEUE: u32 = 0x2000;

/// Whether bindscope traces `setsockopt(level, optname)`: the options that pin a socket to an
/// interface, or steer its routing and error reporting. The eBPF side filters with this on
/// syscall entry, so untraced options cost one comparison.
pub const fn is_traced_sockopt(level: i32, optname: i32) -> bool {
    const SOL_SOCKET: i32 = 1;
    const IPPROTO_IP: i32 = 0;
    const IPPROTO_IPV6: i32 = 41;
    match level {
        // SO_BINDTODEVICE, SO_MARK, SO_BINDTOIFINDEX
        SOL_SOCKET => matches!(optname, 25 | 36 | 62),
        // IP_TOS, IP_TTL, IP_PKTINFO, IP_MTU_DISCOVER, IP_RECVERR, IP_FREEBIND,
        // IP_TRANSPARENT, IP_MULTICAST_IF..IP_DROP_SOURCE_MEMBERSHIP (32..=40), IP_MSFILTER,
        // the family-generic MCAST_JOIN_GROUP..MCAST_MSFILTER (42..=48), IP_MULTICAST_ALL,
        // IP_UNICAST_IF
        IPPROTO_IP => matches!(
            optname,
            1 | 2 | 8 | 10 | 11 | 15 | 19 | 32..=41 | 42..=48 | 49 | 50
        ),
        // IPV6_UNICAST_HOPS, IPV6_MULTICAST_IF, _HOPS, _LOOP, IPV6_ADD/DROP_MEMBERSHIP,
        // IPV6_MTU_DISCOVER, IPV6_RECVERR, IPV6_V6ONLY, IPV6_MULTICAST_ALL, MCAST_* (42..=48),
        // IPV6_RECVPKTINFO, IPV6_PKTINFO, IPV6_TCLASS, IPV6_AUTOFLOWLABEL,
        // IPV6_ADDR_PREFERENCES, IPV6_TRANSPARENT, IPV6_UNICAST_IF, IPV6_FREEBIND
        IPPROTO_IPV6 => matches!(
            optname,
            16..=21 | 23 | 25 | 26 | 29 | 42..=48 | 49 | 50 | 67 | 70 | 72 | 75 | 76 | 78
        ),
        _ => false,
    }
}

/// Whether bindscope traces `ioctl(fd, request, ...)`: the netdevice requests
/// (`SIOCGIFNAME` 0x8910 up to `SIOCSIFTXQLEN` 0x8943 and the bonding/bridge ones after it),
/// which take a `struct ifreq` (`SIOCGIFCONF` takes a `struct ifconf`).
pub const fn is_traced_ioctl(request: u32) -> bool {
    request >= 0x8910 && request <= 0x895f
}

/// Fields of the `fib:fib_table_lookup` tracepoint record. Their offsets differ between kernels,
/// so userspace reads them from the tracepoint's `format` file and hands them to the program in
/// the `FIB_OFFSETS` global, indexed by these constants. An offset of [`OFFSET_ABSENT`] means
/// the field does not exist on this kernel.
pub mod fib_field {
    /// `tb_id`.
    pub const TB_ID: usize = 0;
    /// `err`.
    pub const ERR: usize = 1;
    /// `oif`.
    pub const OIF: usize = 2;
    /// `iif`.
    pub const IIF: usize = 3;
    /// `proto`.
    pub const PROTO: usize = 4;
    /// `tos` (`dscp` on kernels that renamed it).
    pub const TOS: usize = 5;
    /// `scope`.
    pub const SCOPE: usize = 6;
    /// `flags`.
    pub const FLAGS: usize = 7;
    /// `src`.
    pub const SRC: usize = 8;
    /// `dst`.
    pub const DST: usize = 9;
    /// `gw4`.
    pub const GW4: usize = 10;
    /// `sport`.
    pub const SPORT: usize = 11;
    /// `dport`.
    pub const DPORT: usize = 12;
    /// `name` (the device).
    pub const NAME: usize = 13;
    /// Not an offset: 1 when `name` is a `__data_loc` field (Linux 5.10 and older keep the
    /// device name out of line; the field then holds `offset | length << 16` of the string
    /// within the record), 0 when it is an inline `char[16]`.
    pub const NAME_DATA_LOC: usize = 14;
    /// How many entries there are.
    pub const COUNT: usize = 15;
    /// The tracepoint's field names, indexed by the constants above (up to `NAME`).
    pub const NAMES: [&str; NAME_DATA_LOC] = [
        "tb_id", "err", "oif", "iif", "proto", "tos", "scope", "flags", "src", "dst", "gw4",
        "sport", "dport", "name",
    ];
}

/// Offsets into kernel structs (from BTF) that the raw-tracepoint variant of the route program
/// reads, in the `FIB_RAW_OFFSETS` global, indexed by these constants.
///
/// The raw tracepoint `fib_table_lookup(u32 tb_id, const struct flowi4 *flp, const struct
/// fib_nh_common *nhc, int err)` costs next to nothing when it fires, unlike the classic
/// tracepoint, which formats a whole record first; the program then reads only what it needs.
pub mod fib_raw_field {
    /// `flowi4.__fl_common.flowic_oif`.
    pub const FLOWI4_OIF: usize = 0;
    /// `flowi4.__fl_common.flowic_iif`.
    pub const FLOWI4_IIF: usize = 1;
    /// `flowi4.__fl_common.flowic_tos` (`flowic_dscp` on kernels that renamed it).
    pub const FLOWI4_TOS: usize = 2;
    /// `flowi4.__fl_common.flowic_scope`.
    pub const FLOWI4_SCOPE: usize = 3;
    /// `flowi4.__fl_common.flowic_proto`.
    pub const FLOWI4_PROTO: usize = 4;
    /// `flowi4.__fl_common.flowic_flags`.
    pub const FLOWI4_FLAGS: usize = 5;
    /// `flowi4.saddr`.
    pub const FLOWI4_SADDR: usize = 6;
    /// `flowi4.daddr`.
    pub const FLOWI4_DADDR: usize = 7;
    /// `flowi4.uli.ports.sport` (network order).
    pub const FLOWI4_SPORT: usize = 8;
    /// `flowi4.uli.ports.dport` (network order).
    pub const FLOWI4_DPORT: usize = 9;
    /// `fib_nh_common.nhc_dev`.
    pub const NHC_DEV: usize = 10;
    /// `fib_nh_common.nhc_gw_family`.
    pub const NHC_GW_FAMILY: usize = 11;
    /// `fib_nh_common.nhc_gw` (its IPv4 member is at the union's start).
    pub const NHC_GW: usize = 12;
    /// `net_device.name`.
    pub const NETDEV_NAME: usize = 13;
    /// Bytes of `flowi4` read at once (enough for every field above; at most [`CHUNK`]).
    pub const FLOWI4_READ_LEN: usize = 14;
    /// Bytes of `fib_nh_common` read at once (at most [`CHUNK`]).
    pub const NHC_READ_LEN: usize = 15;
    /// `flowi4.__fl_common.flowic_mark`.
    pub const FLOWI4_MARK: usize = 16;
    /// `flowi4.__fl_common.flowic_uid` (a `kuid_t`, one `u32`).
    pub const FLOWI4_UID: usize = 17;
    /// `flowi4.__fl_common.flowic_l3mdev` (Linux 5.18+; [`OFFSET_ABSENT`](super::OFFSET_ABSENT)
    /// before).
    pub const FLOWI4_L3MDEV: usize = 18;
    /// `net_device.nd_net.net`: the namespace a device (and so the FIB holding a route through
    /// it) belongs to.
    pub const NETDEV_NET: usize = 19;
    /// `net_device.ifindex`.
    pub const NETDEV_IFINDEX: usize = 20;
    /// `sk_buff.dev`: the device a received packet arrived on (read by the receive program).
    pub const SKB_DEV: usize = 21;
    /// How many entries there are.
    pub const COUNT: usize = 22;
    /// The program reads each struct with one `bpf_probe_read_kernel` of at most this many
    /// bytes, then picks the fields out of its copy: one helper call instead of one per field.
    pub const CHUNK: usize = 64;
}

/// Fields of the `fib6:fib6_table_lookup` tracepoint record, whose offsets userspace reads
/// from its `format` file into the `FIB6_OFFSETS` global (for kernels without BTF), indexed by
/// these constants.
pub mod fib6_field {
    /// `tb_id`.
    pub const TB_ID: usize = 0;
    /// `err`.
    pub const ERR: usize = 1;
    /// `oif`.
    pub const OIF: usize = 2;
    /// `iif`.
    pub const IIF: usize = 3;
    /// `flowlabel`.
    pub const FLOWLABEL: usize = 4;
    /// `tos` (the traffic class).
    pub const TOS: usize = 5;
    /// `scope`.
    pub const SCOPE: usize = 6;
    /// `flags`.
    pub const FLAGS: usize = 7;
    /// `src`.
    pub const SRC: usize = 8;
    /// `dst`.
    pub const DST: usize = 9;
    /// `sport`.
    pub const SPORT: usize = 10;
    /// `dport`.
    pub const DPORT: usize = 11;
    /// `proto`.
    pub const PROTO: usize = 12;
    /// `name` (the device).
    pub const NAME: usize = 13;
    /// `gw`.
    pub const GW: usize = 14;
    /// Not an offset: bytes of the record the program copies at once (the end of its last
    /// field; at most [`RECORD_CAPTURE`]).
    pub const READ_LEN: usize = 15;
    /// How many entries there are.
    pub const COUNT: usize = 16;
    /// The program copies the formatted record with one `bpf_probe_read_kernel` of at most
    /// this many bytes, then picks the fields out of its copy: one helper call instead of one
    /// per field (and a verifier walk that stays small).
    pub const RECORD_CAPTURE: usize = 128;
    /// The tracepoint's field names, indexed by the constants above (up to `GW`).
    pub const NAMES: [&str; READ_LEN] = [
        "tb_id",
        "err",
        "oif",
        "iif",
        "flowlabel",
        "tos",
        "scope",
        "flags",
        "src",
        "dst",
        "sport",
        "dport",
        "proto",
        "name",
        "gw",
    ];
}

/// Offsets into kernel structs (from BTF) that the BTF-typed IPv6 route program reads, in the
/// `FIB6_BTF_OFFSETS` global, indexed by these constants. Its tracepoint is
/// `fib6_table_lookup(const struct net *net, const struct fib6_result *res, struct
/// fib6_table *table, const struct flowi6 *flp)`.
pub mod fib6_btf_field {
    /// `flowi6.__fl_common.flowic_oif`.
    pub const OIF: usize = 0;
    /// `flowi6.__fl_common.flowic_iif`.
    pub const IIF: usize = 1;
    /// `flowi6.__fl_common.flowic_mark`.
    pub const MARK: usize = 2;
    /// `flowi6.__fl_common.flowic_uid`.
    pub const UID: usize = 3;
    /// `flowi6.__fl_common.flowic_l3mdev` (Linux 5.18+).
    pub const L3MDEV: usize = 4;
    /// `flowi6.__fl_common.flowic_proto`.
    pub const PROTO: usize = 5;
    /// `flowi6.__fl_common.flowic_scope`.
    pub const SCOPE: usize = 6;
    /// `flowi6.__fl_common.flowic_flags`.
    pub const FLAGS: usize = 7;
    /// `flowi6.saddr`.
    pub const SADDR: usize = 8;
    /// `flowi6.daddr`.
    pub const DADDR: usize = 9;
    /// `flowi6.flowlabel` (network order).
    pub const FLOWLABEL: usize = 10;
    /// `flowi6.uli.ports.sport` (network order).
    pub const SPORT: usize = 11;
    /// `flowi6.uli.ports.dport` (network order).
    pub const DPORT: usize = 12;
    /// `fib6_result.nh` (a `struct fib6_nh *`).
    pub const RES_NH: usize = 13;
    /// `fib6_result.f6i` (the route found).
    pub const RES_F6I: usize = 14;
    /// `fib6_nh.nh_common.nhc_dev`.
    pub const NH_DEV: usize = 15;
    /// `fib6_nh.nh_common.nhc_gw` (an `in6_addr` for an IPv6 gateway).
    pub const NH_GW: usize = 16;
    /// `fib6_nh.nh_common.nhc_gw_family`.
    pub const NH_GW_FAMILY: usize = 17;
    /// `fib6_table.tb6_id`.
    pub const TB6_ID: usize = 18;
    /// `net.ipv6.fib6_null_entry`: the entry a table without a route answers with.
    pub const NET_NULL_ENTRY: usize = 19;
    /// `fib6_result.fib6_type`.
    pub const RES_TYPE: usize = 20;
    /// `net_device.name`.
    pub const NETDEV_NAME: usize = 21;
    /// How many entries there are.
    pub const COUNT: usize = 22;
}

/// The offset value that marks a field as absent on this kernel.
pub const OFFSET_ABSENT: u32 = u32::MAX;

/// Offsets into `struct fib_rule` (from BTF) that the rule-capture program reads, in the
/// `RULE_OFFSETS` global, indexed by these constants.
pub mod rule_field {
    /// `fib_rule.pref`: the rule's priority.
    pub const PREF: usize = 0;
    /// How many entries there are.
    pub const COUNT: usize = 1;
}

/// Offsets of the syscall tracepoint fields the program reads (from the `format` files of
/// `syscalls:sys_enter_*`), in the `SYSCALL_OFFSETS` global, indexed by these constants.
pub mod syscall_field {
    /// `setsockopt`'s `fd`.
    pub const SETSOCKOPT_FD: usize = 0;
    /// `setsockopt`'s `level`.
    pub const SETSOCKOPT_LEVEL: usize = 1;
    /// `setsockopt`'s `optname`.
    pub const SETSOCKOPT_OPTNAME: usize = 2;
    /// `setsockopt`'s `optval`.
    pub const SETSOCKOPT_OPTVAL: usize = 3;
    /// `setsockopt`'s `optlen`.
    pub const SETSOCKOPT_OPTLEN: usize = 4;
    /// `ioctl`'s `fd`.
    pub const IOCTL_FD: usize = 5;
    /// `ioctl`'s `cmd`.
    pub const IOCTL_CMD: usize = 6;
    /// `ioctl`'s `arg`.
    pub const IOCTL_ARG: usize = 7;
    /// `sendmsg`'s `fd`.
    pub const SENDMSG_FD: usize = 8;
    /// `sendmsg`'s `msg`.
    pub const SENDMSG_MSG: usize = 9;
    /// `sendmsg`'s `flags`.
    pub const SENDMSG_FLAGS: usize = 10;
    /// `recvmsg`'s `fd`.
    pub const RECVMSG_FD: usize = 11;
    /// `recvmsg`'s `msg`.
    pub const RECVMSG_MSG: usize = 12;
    /// `recvmsg`'s `flags`.
    pub const RECVMSG_FLAGS: usize = 13;
    /// `ret` of `sys_exit_*` (the same for every syscall).
    pub const EXIT_RET: usize = 14;
    /// How many fields there are.
    pub const COUNT: usize = 15;
}

/// Offsets into kernel structs (from BTF) of what the programs read from the current task:
/// the way to its network namespace's inode (`task_struct.nsproxy`, `nsproxy.net_ns`,
/// `net.ns.inum`) and its name (`task_struct.comm`). In the `TASK_OFFSETS` global, indexed by
/// these constants.
pub mod task_field {
    /// Offset of `nsproxy` in `struct task_struct`.
    pub const TASK_NSPROXY: usize = 0;
    /// Offset of `net_ns` in `struct nsproxy`.
    pub const NSPROXY_NET_NS: usize = 1;
    /// Offset of `ns.inum` in `struct net`.
    pub const NET_NS_INUM: usize = 2;
    /// Offset of `comm` in `struct task_struct` (read directly by the BTF-typed route
    /// program; the others call `bpf_get_current_comm`).
    pub const TASK_COMM: usize = 3;
    /// Offset of `pid` (the thread id) in `struct task_struct` (read directly by the
    /// BTF-typed route program; the others call `bpf_get_current_pid_tgid`).
    pub const TASK_PID: usize = 4;
    /// Offset of `tgid` (the process id) in `struct task_struct` (as `TASK_PID`).
    pub const TASK_TGID: usize = 5;
    /// How many offsets there are.
    pub const COUNT: usize = 6;
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    #[test]
    fn record_sizes_are_stable() {
        assert_eq!(size_of::<EventHeader>(), 48);
        assert_eq!(size_of::<SockoptEvent>(), 48 + 32 + OPTVAL_CAPTURE);
        assert_eq!(size_of::<RouteEvent>(), 48 + 16 + 12 + 4 + 16 + 4 + 12 + 8);
        assert_eq!(size_of::<IoctlEvent>(), 48 + 24 + IFREQ_CAPTURE);
        assert_eq!(size_of::<UserMsghdr>(), 56);
        assert_eq!(size_of::<Route6Event>(), 48 + 16 + 48 + 16 + 4 + 16 + 4 + 8);
        assert_eq!(size_of::<Route6Event>() % 8, 0);
    }

    #[test]
    fn parse_rejects_short_and_unknown() {
        assert!(matches!(
            Event::parse(&[0; 10]),
            Err(Error::Truncated {
                needed: 48,
                got: 10,
                ..
            })
        ));
        let mut bytes = [0u8; 200];
        bytes[0] = 9;
        assert!(matches!(Event::parse(&bytes), Err(Error::Invalid { .. })));
        bytes[0] = EventKind::Cmsg as u8;
        assert!(matches!(
            Event::parse(&bytes[..100]),
            Err(Error::Truncated { .. })
        ));
    }

    #[test]
    fn captured_lengths_are_clamped() {
        let mut bytes = [0u8; size_of::<SockoptEvent>()];
        bytes[0] = EventKind::Sockopt as u8;
        let Ok(Event::Sockopt(e)) = Event::parse(&bytes) else {
            panic!("not a sockopt event")
        };
        assert!(e.optval().is_empty());
        let mut owned = *e;
        owned.captured.set(10_000);
        assert_eq!(owned.optval().len(), OPTVAL_CAPTURE);
    }

    #[test]
    fn traced_sockopts() {
        assert!(is_traced_sockopt(1, 25));
        assert!(is_traced_sockopt(0, 35));
        assert!(!is_traced_sockopt(1, 2));
        assert!(!is_traced_sockopt(6, 1));
        // IPV6_UNICAST_IF, IPV6_MULTICAST_IF, MCAST_JOIN_GROUP at both levels
        assert!(is_traced_sockopt(41, 76));
        assert!(is_traced_sockopt(41, 17));
        assert!(is_traced_sockopt(41, 42) && is_traced_sockopt(0, 42));
        // IPV6_CHECKSUM is not about interfaces or routing
        assert!(!is_traced_sockopt(41, 7));
    }
}
