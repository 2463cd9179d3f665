//! `struct ifreq` and the netdevice ioctls of netdevice(7): layouts, the `SIOC*` requests, a
//! decoder for what the observer captures, and the `SIOCGIFCONF` buffer walker.
//!
//! Layouts are those of Linux on 64-bit targets (x86_64, aarch64, and the eBPF observer that
//! runs there): `struct ifreq` is 40 bytes, `struct ifmap` 24, `struct ifconf` 16. A 32-bit
//! process issuing the same ioctl uses the `compat_` layouts (a 32-byte `ifreq`), which this
//! module does not decode.
//!
//! ```
//! use sockabi::ifreq::{self, Ifreq, IfreqValue, SIOCGIFINDEX};
//! use sockabi::IfName;
//!
//! // Build the request a caller passes, as the kernel would answer it ...
//! let mut req = Ifreq::with_name(IfName::new("eth1")?);
//! req.set_ifindex(3);
//! // ... and decode the captured bytes.
//! let decoded = ifreq::decode(SIOCGIFINDEX, zerocopy::IntoBytes::as_bytes(&req))?;
//! assert_eq!(decoded.value, IfreqValue::Index(3));
//! assert_eq!(decoded.to_string(), r#"SIOCGIFINDEX "eth1" ifindex=3"#);
//! # Ok::<(), sockabi::Error>(())
//! ```

use core::fmt;

use zerocopy::byteorder::{NativeEndian, I16, I32, U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::addr::{emit_bytes, view_prefix, In6Addr, SockaddrIn, AF_INET};
use crate::ifname::{IfName, RawIfName, IFNAMSIZ};
use crate::{Error, Result};

mod decode;
mod flags;
mod ifconf;
mod sioc;

pub use decode::{decode, decode_in6, IfreqRequest, IfreqValue, In6IfreqRequest};
pub use flags::{IfFlags, IfPrivFlags, IFF_DORMANT, IFF_ECHO, IFF_LOWER_UP};
pub use ifconf::{ifconf_may_be_truncated, records, Ifconf, Records};
pub use sioc::*;

/// `sizeof(struct ifreq)` on 64-bit Linux: 16 bytes of name and a 24-byte union.
pub const IFREQ_SIZE: usize = 40;

/// `struct sockaddr` (16 bytes): the generic socket address the `ifreq` union carries in
/// `ifr_addr`, `ifr_dstaddr`, `ifr_broadaddr`, `ifr_netmask` and `ifr_hwaddr`.
///
/// For the address ioctls the kernel only accepts and returns `AF_INET` addresses (a
/// `sockaddr_in` in the same 16 bytes, see [`Sockaddr::as_sockaddr_in`]); for the hardware
/// address ioctls `sa_family` holds an `ARPHRD_*` device type (see [`HwAddr`]).
///
/// ```
/// use sockabi::ifreq::Sockaddr;
/// use std::net::Ipv4Addr;
///
/// let sa = Sockaddr::from(Ipv4Addr::new(192, 0, 2, 1));
/// assert_eq!(sa.ipv4()?, Ipv4Addr::new(192, 0, 2, 1));
/// assert_eq!(sa.to_string(), "192.0.2.1");
/// assert!(Sockaddr::default().as_sockaddr_in().is_err()); // AF_UNSPEC
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct Sockaddr {
    /// Address family (`AF_*`) or, in `ifr_hwaddr`, the `ARPHRD_*` type; host byte order.
    pub sa_family: U16<NativeEndian>,
    /// Family-specific address bytes.
    pub sa_data: [u8; 14],
}

impl Sockaddr {
    /// Views a `sockaddr` at the start of `bytes`.
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "sockaddr")
    }

    /// The family field (host order).
    pub fn family(&self) -> u16 {
        self.sa_family.get()
    }

    /// The same 16 bytes as a `sockaddr_in`, if the family is `AF_INET`.
    pub fn as_sockaddr_in(&self) -> Result<&SockaddrIn> {
        if self.family() != AF_INET {
            return Err(Error::BadFamily {
                what: "sockaddr_in",
                family: self.family(),
            });
        }
        Ok(zerocopy::transmute_ref!(self))
    }

    /// The IPv4 address, if the family is `AF_INET` (the port of an interface address is
    /// meaningless and ignored).
    pub fn ipv4(&self) -> Result<core::net::Ipv4Addr> {
        self.as_sockaddr_in().map(|sin| sin.sin_addr.ip())
    }
}

impl From<SockaddrIn> for Sockaddr {
    fn from(sin: SockaddrIn) -> Self {
        zerocopy::transmute!(sin)
    }
}

impl From<core::net::Ipv4Addr> for Sockaddr {
    /// An `AF_INET` address with port 0, as `SIOCSIFADDR` and friends expect it.
    fn from(ip: core::net::Ipv4Addr) -> Self {
        Sockaddr::from(SockaddrIn::new(core::net::SocketAddrV4::new(ip, 0)))
    }
}

impl fmt::Display for Sockaddr {
    /// `192.0.2.1` for `AF_INET` (with `:port` if the port is not 0), otherwise
    /// `family=N data=<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_sockaddr_in() {
            Ok(sin) if sin.port() == 0 => write!(f, "{}", sin.sin_addr),
            Ok(sin) => write!(f, "{}:{}", sin.sin_addr, sin.port()),
            Err(_) => write!(f, "family={} data={}", self.family(), Hex(&self.sa_data)),
        }
    }
}

/// `ARPHRD_ETHER`: Ethernet.
pub const ARPHRD_ETHER: u16 = 1;
/// `ARPHRD_IEEE802`: IEEE 802.2 Ethernet/TR/TB.
pub const ARPHRD_IEEE802: u16 = 6;
/// `ARPHRD_INFINIBAND`: InfiniBand (20-byte addresses, cut to 14 by `SIOCGIFHWADDR`).
pub const ARPHRD_INFINIBAND: u16 = 32;
/// `ARPHRD_PPP`: PPP (no hardware address).
pub const ARPHRD_PPP: u16 = 512;
/// `ARPHRD_RAWIP`: raw IP (no hardware address).
pub const ARPHRD_RAWIP: u16 = 519;
/// `ARPHRD_TUNNEL`: IPIP tunnel (the 4-byte local IPv4 address).
pub const ARPHRD_TUNNEL: u16 = 768;
/// `ARPHRD_TUNNEL6`: IP6IP6 tunnel.
pub const ARPHRD_TUNNEL6: u16 = 769;
/// `ARPHRD_LOOPBACK`: the loopback device (a zero 6-byte address).
pub const ARPHRD_LOOPBACK: u16 = 772;
/// `ARPHRD_SIT`: IPv6-in-IPv4 (`sit0`).
pub const ARPHRD_SIT: u16 = 776;
/// `ARPHRD_IPGRE`: GRE over IPv4.
pub const ARPHRD_IPGRE: u16 = 778;
/// `ARPHRD_IEEE80211`: IEEE 802.11.
pub const ARPHRD_IEEE80211: u16 = 801;
/// `ARPHRD_IP6GRE`: GRE over IPv6.
pub const ARPHRD_IP6GRE: u16 = 823;
/// `ARPHRD_NONE`: no link-layer header (tun devices, WireGuard).
pub const ARPHRD_NONE: u16 = 0xfffe;
/// `ARPHRD_VOID`: nothing is known.
pub const ARPHRD_VOID: u16 = 0xffff;

/// A hardware address from `ifr_hwaddr`: `sa_family` is the `ARPHRD_*` device type and
/// `sa_data` holds the address from byte 0 (netdevice(7)).
///
/// The ABI does not carry the address length (the kernel copies `min(addr_len, 14)` bytes and
/// leaves the rest zero); [`HwAddr::len`] knows it for common device types.
///
/// ```
/// use sockabi::ifreq::{HwAddr, ARPHRD_ETHER};
///
/// let mac = HwAddr::new(ARPHRD_ETHER, &[0x02, 0xfc, 0, 0, 0, 1]);
/// assert_eq!(mac.as_bytes(), [0x02, 0xfc, 0, 0, 0, 1]);
/// assert_eq!(mac.to_string(), "02:fc:00:00:00:01 (ether)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct HwAddr {
    /// The `ARPHRD_*` device type.
    pub arphrd: u16,
    /// The address bytes, zero-padded.
    pub data: [u8; 14],
}

impl HwAddr {
    /// An address of device type `arphrd`; bytes past 14 are dropped as the kernel does.
    pub fn new(arphrd: u16, addr: &[u8]) -> Self {
        let mut data = [0u8; 14];
        for (dst, src) in data.iter_mut().zip(addr) {
            *dst = *src;
        }
        HwAddr { arphrd, data }
    }

    /// The address length for the device types whose length is fixed (6 for Ethernet-like
    /// and loopback, 4 for IPv4 tunnels, 0 for PPP/raw IP/none), `None` otherwise.
    pub fn len(&self) -> Option<usize> {
        match self.arphrd {
            ARPHRD_ETHER | ARPHRD_IEEE802 | ARPHRD_IEEE80211 | ARPHRD_LOOPBACK => Some(6),
            ARPHRD_TUNNEL | ARPHRD_SIT | ARPHRD_IPGRE => Some(4),
            ARPHRD_PPP | ARPHRD_RAWIP | ARPHRD_NONE => Some(0),
            _ => None,
        }
    }

    /// Whether the address is known to be empty (a device type without hardware address).
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The address bytes: [`HwAddr::len`] of them when known, all 14 otherwise.
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.len().unwrap_or(self.data.len());
        self.data.get(..len).unwrap_or(&self.data)
    }

    /// A short name of the device type (`ether`, `loopback`, ...), if it is one listed here.
    pub fn type_name(&self) -> Option<&'static str> {
        Some(match self.arphrd {
            ARPHRD_ETHER => "ether",
            ARPHRD_IEEE802 => "ieee802",
            ARPHRD_INFINIBAND => "infiniband",
            ARPHRD_PPP => "ppp",
            ARPHRD_RAWIP => "rawip",
            ARPHRD_TUNNEL => "ipip",
            ARPHRD_TUNNEL6 => "tunnel6",
            ARPHRD_LOOPBACK => "loopback",
            ARPHRD_SIT => "sit",
            ARPHRD_IPGRE => "gre",
            ARPHRD_IEEE80211 => "ieee802.11",
            ARPHRD_IP6GRE => "ip6gre",
            ARPHRD_NONE => "none",
            ARPHRD_VOID => "void",
            _ => return None,
        })
    }
}

impl From<&Sockaddr> for HwAddr {
    fn from(sa: &Sockaddr) -> Self {
        HwAddr {
            arphrd: sa.family(),
            data: sa.sa_data,
        }
    }
}

impl From<HwAddr> for Sockaddr {
    fn from(hw: HwAddr) -> Self {
        Sockaddr {
            sa_family: U16::new(hw.arphrd),
            sa_data: hw.data,
        }
    }
}

impl fmt::Display for HwAddr {
    /// `02:fc:00:00:00:01 (ether)`; an unknown type shows as `(arphrd N)` with all 14 bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        match self.type_name() {
            Some(name) => write!(f, " ({name})"),
            None => write!(f, " (arphrd {})", self.arphrd),
        }
    }
}

/// `struct ifmap` (24 bytes on 64-bit Linux): the device's hardware parameters for
/// `SIOCGIFMAP` / `SIOCSIFMAP`. The interpretation is up to the driver; most modern devices
/// report zeros and refuse to set it (`EOPNOTSUPP`).
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct Ifmap {
    /// `unsigned long mem_start`: shared memory start.
    pub mem_start: U64<NativeEndian>,
    /// `unsigned long mem_end`: shared memory end.
    pub mem_end: U64<NativeEndian>,
    /// `unsigned short base_addr`: I/O base address.
    pub base_addr: U16<NativeEndian>,
    /// `unsigned char irq`: IRQ number.
    pub irq: u8,
    /// `unsigned char dma`: DMA channel.
    pub dma: u8,
    /// `unsigned char port`: media port (`IF_PORT_*`).
    pub port: u8,
    /// The 3 bytes of tail padding C adds to reach the `unsigned long` alignment.
    pub _pad: [u8; 3],
}

impl Ifmap {
    /// Views an `ifmap` at the start of `bytes`.
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ifmap")
    }
}

impl fmt::Display for Ifmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{mem_start={:#x} mem_end={:#x} base_addr={:#x} irq={} dma={} port={}}}",
            self.mem_start.get(),
            self.mem_end.get(),
            self.base_addr.get(),
            self.irq,
            self.dma,
            self.port
        )
    }
}

/// `struct mii_ioctl_data` (8 bytes), which `SIOCGMIIPHY`, `SIOCGMIIREG` and `SIOCSMIIREG`
/// place directly in the `ifreq` union to read and write PHY registers.
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct MiiIoctlData {
    /// PHY address.
    pub phy_id: U16<NativeEndian>,
    /// Register number.
    pub reg_num: U16<NativeEndian>,
    /// Value to write (`SIOCSMIIREG`).
    pub val_in: U16<NativeEndian>,
    /// Value read (`SIOCGMIIREG`).
    pub val_out: U16<NativeEndian>,
}

impl fmt::Display for MiiIoctlData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{phy_id={} reg_num={} val_in={:#06x} val_out={:#06x}}}",
            self.phy_id.get(),
            self.reg_num.get(),
            self.val_in.get(),
            self.val_out.get()
        )
    }
}

/// `struct ifreq` (40 bytes on 64-bit Linux): an interface name and a 24-byte union whose
/// meaning depends on the request.
///
/// The union is kept as bytes (`ifr_ifru`); typed accessors read each member the way C code
/// does (all members start at offset 16). Getters never fail, since every member fits the
/// union. Setters write the member and zero the rest of the union, as `memset` + assignment
/// in C would.
///
/// ```
/// use sockabi::ifreq::{Ifreq, IfFlags};
/// use sockabi::IfName;
///
/// let mut req = Ifreq::with_name(IfName::new("lo")?);
/// req.set_flags(IfFlags::UP | IfFlags::LOOPBACK);
/// assert_eq!(req.name().as_bytes(), b"lo");
/// assert_eq!(req.flags(), IfFlags::UP | IfFlags::LOOPBACK);
///
/// // Views work on any byte slice, e.g. what an eBPF program copied out.
/// let bytes = zerocopy::IntoBytes::as_bytes(&req);
/// assert_eq!(Ifreq::ref_from_prefix(bytes)?.flags(), IfFlags::UP | IfFlags::LOOPBACK);
/// # Ok::<(), sockabi::Error>(())
/// ```
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct Ifreq {
    /// `char ifr_name[IFNAMSIZ]`: the interface name, NUL-padded.
    pub ifr_name: [u8; IFNAMSIZ],
    /// `union ifr_ifru`: the request's value, see the accessors.
    pub ifr_ifru: [u8; 24],
}

/// The `ifreq` union seen as one member followed by the rest of its 24 bytes: these make
/// member access a compile-time-checked reinterpretation, with no run-time length check.
macro_rules! overlay {
    ($name:ident, $ty:ty, $rest:literal) => {
        #[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
        #[repr(C)]
        struct $name {
            value: $ty,
            rest: [u8; $rest],
        }
    };
}
overlay!(IfruI16, I16<NativeEndian>, 22);
overlay!(IfruI32, I32<NativeEndian>, 20);
overlay!(IfruU64, U64<NativeEndian>, 16);
overlay!(IfruSockaddr, Sockaddr, 8);
overlay!(IfruName, [u8; IFNAMSIZ], 8);
overlay!(IfruMii, MiiIoctlData, 16);

impl Ifreq {
    /// Views an `ifreq` at the start of `bytes` (any alignment).
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "ifreq")
    }

    /// A request for interface `name` with a zeroed union.
    pub fn with_name(name: IfName) -> Self {
        Ifreq {
            ifr_name: name.to_c_buffer(),
            ifr_ifru: [0; 24],
        }
    }

    /// The `SIOCGIFNAME` request: no name, `ifr_ifindex` set.
    pub fn with_ifindex(ifindex: i32) -> Self {
        let mut req = Ifreq::default();
        req.set_ifindex(ifindex);
        req
    }

    /// `ifr_name` as the kernel reads it (not validated; may be empty or an alias label).
    pub fn name(&self) -> RawIfName {
        RawIfName::from_field(&self.ifr_name)
    }

    /// `ifr_name` as a valid device name.
    pub fn if_name(&self) -> Result<IfName> {
        self.name().to_if_name()
    }

    /// Sets `ifr_name` (the union is left alone).
    pub fn set_name(&mut self, name: IfName) {
        self.ifr_name = name.to_c_buffer();
    }

    fn ifru_i32(&self) -> i32 {
        let overlay: &IfruI32 = zerocopy::transmute_ref!(&self.ifr_ifru);
        overlay.value.get()
    }

    fn set_ifru_i32(&mut self, value: i32) {
        self.ifr_ifru = zerocopy::transmute!(IfruI32 {
            value: I32::new(value),
            rest: [0; 20],
        });
    }

    fn sockaddr(&self) -> &Sockaddr {
        let overlay: &IfruSockaddr = zerocopy::transmute_ref!(&self.ifr_ifru);
        &overlay.value
    }

    fn ifru_name(&self) -> RawIfName {
        let overlay: &IfruName = zerocopy::transmute_ref!(&self.ifr_ifru);
        RawIfName::from_field(&overlay.value)
    }

    fn set_ifru_name(&mut self, name: IfName) {
        self.ifr_ifru = zerocopy::transmute!(IfruName {
            value: name.to_c_buffer(),
            rest: [0; 8],
        });
    }

    /// `ifr_addr`: the interface address (`SIOCGIFADDR`, `SIOCSIFADDR`).
    pub fn addr(&self) -> &Sockaddr {
        self.sockaddr()
    }

    /// `ifr_dstaddr`: the point-to-point peer address (same bytes as `ifr_addr`).
    pub fn dstaddr(&self) -> &Sockaddr {
        self.sockaddr()
    }

    /// `ifr_broadaddr`: the broadcast address (same bytes as `ifr_addr`).
    pub fn broadaddr(&self) -> &Sockaddr {
        self.sockaddr()
    }

    /// `ifr_netmask`: the network mask (same bytes as `ifr_addr`).
    pub fn netmask(&self) -> &Sockaddr {
        self.sockaddr()
    }

    /// The address member as a `sockaddr_in`, if its family is `AF_INET`.
    pub fn addr_in(&self) -> Result<&SockaddrIn> {
        self.sockaddr().as_sockaddr_in()
    }

    /// Sets the address member (`ifr_addr`, `ifr_dstaddr`, `ifr_broadaddr`, `ifr_netmask` or
    /// `ifr_hwaddr`: they share their bytes).
    pub fn set_sockaddr(&mut self, sa: Sockaddr) {
        self.ifr_ifru = zerocopy::transmute!(IfruSockaddr {
            value: sa,
            rest: [0; 8],
        });
    }

    /// `ifr_hwaddr`: the hardware address and device type.
    pub fn hwaddr(&self) -> HwAddr {
        HwAddr::from(self.sockaddr())
    }

    /// Sets `ifr_hwaddr`.
    pub fn set_hwaddr(&mut self, hw: HwAddr) {
        self.set_sockaddr(Sockaddr::from(hw));
    }

    /// `ifr_flags` as the active flag word (`SIOCGIFFLAGS`).
    pub fn flags(&self) -> IfFlags {
        let overlay: &IfruI16 = zerocopy::transmute_ref!(&self.ifr_ifru);
        IfFlags::from_bits_retain(overlay.value.get().cast_unsigned())
    }

    /// Sets `ifr_flags` (`SIOCSIFFLAGS`).
    pub fn set_flags(&mut self, flags: IfFlags) {
        self.set_ifru_i16(flags.bits().cast_signed());
    }

    fn set_ifru_i16(&mut self, value: i16) {
        self.ifr_ifru = zerocopy::transmute!(IfruI16 {
            value: I16::new(value),
            rest: [0; 22],
        });
    }

    /// `ifr_flags` as the private flag word (`SIOCGIFPFLAGS`).
    pub fn priv_flags(&self) -> IfPrivFlags {
        let overlay: &IfruI16 = zerocopy::transmute_ref!(&self.ifr_ifru);
        IfPrivFlags::from_bits_retain(overlay.value.get().cast_unsigned())
    }

    /// Sets `ifr_flags` to a private flag word (`SIOCSIFPFLAGS`).
    pub fn set_priv_flags(&mut self, flags: IfPrivFlags) {
        self.set_ifru_i16(flags.bits().cast_signed());
    }

    /// `ifr_ifindex` (`SIOCGIFINDEX`'s answer, `SIOCGIFNAME`'s input).
    pub fn ifindex(&self) -> i32 {
        self.ifru_i32()
    }

    /// Sets `ifr_ifindex`.
    pub fn set_ifindex(&mut self, ifindex: i32) {
        self.set_ifru_i32(ifindex);
    }

    /// `ifr_metric` (the kernel always answers 0 and refuses to set it).
    pub fn metric(&self) -> i32 {
        self.ifru_i32()
    }

    /// Sets `ifr_metric`.
    pub fn set_metric(&mut self, metric: i32) {
        self.set_ifru_i32(metric);
    }

    /// `ifr_mtu`.
    pub fn mtu(&self) -> i32 {
        self.ifru_i32()
    }

    /// Sets `ifr_mtu` (`SIOCSIFMTU`).
    pub fn set_mtu(&mut self, mtu: i32) {
        self.set_ifru_i32(mtu);
    }

    /// `ifr_qlen`: the transmit queue length (`SIOCGIFTXQLEN`).
    pub fn qlen(&self) -> i32 {
        self.ifru_i32()
    }

    /// Sets `ifr_qlen` (`SIOCSIFTXQLEN`; the kernel rejects negative values with `EINVAL`).
    pub fn set_qlen(&mut self, qlen: i32) {
        self.set_ifru_i32(qlen);
    }

    /// `ifr_map`: the device's hardware parameters.
    pub fn map(&self) -> &Ifmap {
        zerocopy::transmute_ref!(&self.ifr_ifru)
    }

    /// Sets `ifr_map`.
    pub fn set_map(&mut self, map: Ifmap) {
        self.ifr_ifru = zerocopy::transmute!(map);
    }

    /// `ifr_newname`: the new name of `SIOCSIFNAME` (not validated; the kernel does that).
    pub fn newname(&self) -> RawIfName {
        self.ifru_name()
    }

    /// Sets `ifr_newname`.
    pub fn set_newname(&mut self, name: IfName) {
        self.set_ifru_name(name);
    }

    /// `ifr_slave`: the slave device of the bonding ioctls (not validated).
    pub fn slave(&self) -> RawIfName {
        self.ifru_name()
    }

    /// Sets `ifr_slave`.
    pub fn set_slave(&mut self, name: IfName) {
        self.set_ifru_name(name);
    }

    /// `ifr_data`: a user-space pointer (ethtool, hardware timestamping, private ioctls),
    /// opaque here.
    pub fn data(&self) -> u64 {
        let overlay: &IfruU64 = zerocopy::transmute_ref!(&self.ifr_ifru);
        overlay.value.get()
    }

    /// Sets `ifr_data`.
    pub fn set_data(&mut self, data: u64) {
        self.ifr_ifru = zerocopy::transmute!(IfruU64 {
            value: U64::new(data),
            rest: [0; 16],
        });
    }

    /// The `mii_ioctl_data` of the MII ioctls.
    pub fn mii(&self) -> &MiiIoctlData {
        let overlay: &IfruMii = zerocopy::transmute_ref!(&self.ifr_ifru);
        &overlay.value
    }

    /// Sets the `mii_ioctl_data`.
    pub fn set_mii(&mut self, mii: MiiIoctlData) {
        self.ifr_ifru = zerocopy::transmute!(IfruMii {
            value: mii,
            rest: [0; 16],
        });
    }
}

/// `struct in6_ifreq` (24 bytes), which netdevice(7) notes `AF_INET6` sockets pass instead of
/// an `ifreq` for `SIOCSIFADDR` and `SIOCDIFADDR` (and `SIOCSIFDSTADDR` for `sit` tunnels):
/// the device is chosen by index, there is no name.
#[derive(
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Debug,
)]
#[repr(C)]
pub struct In6Ifreq {
    /// `struct in6_addr ifr6_addr`: the IPv6 address.
    pub ifr6_addr: In6Addr,
    /// `__u32 ifr6_prefixlen`: the prefix length.
    pub ifr6_prefixlen: U32<NativeEndian>,
    /// `int ifr6_ifindex`: the interface index.
    pub ifr6_ifindex: I32<NativeEndian>,
}

impl In6Ifreq {
    /// Views an `in6_ifreq` at the start of `bytes`.
    pub fn ref_from_prefix(bytes: &[u8]) -> Result<&Self> {
        view_prefix(bytes, "in6_ifreq")
    }

    /// A request for `addr/prefixlen` on interface `ifindex`.
    pub fn new(addr: core::net::Ipv6Addr, prefixlen: u32, ifindex: i32) -> Self {
        In6Ifreq {
            ifr6_addr: addr.into(),
            ifr6_prefixlen: U32::new(prefixlen),
            ifr6_ifindex: I32::new(ifindex),
        }
    }

    /// The address.
    pub fn addr(&self) -> core::net::Ipv6Addr {
        self.ifr6_addr.ip()
    }

    /// The prefix length (`ifr6_prefixlen`).
    pub fn prefixlen(&self) -> u32 {
        self.ifr6_prefixlen.get()
    }

    /// The interface index (`ifr6_ifindex`).
    pub fn ifindex(&self) -> i32 {
        self.ifr6_ifindex.get()
    }

    /// Writes the 24 bytes to the start of `buf`; returns 24.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        emit_bytes(self.as_bytes(), buf, "in6_ifreq")
    }
}

impl fmt::Display for In6Ifreq {
    /// `2001:db8::1/64 ifindex=3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} ifindex={}",
            self.addr(),
            self.ifr6_prefixlen.get(),
            self.ifr6_ifindex.get()
        )
    }
}

/// Lower-case hex of bytes, without separators.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_offsets() {
        use core::mem::{offset_of, size_of};
        assert_eq!(size_of::<Ifreq>(), IFREQ_SIZE);
        assert_eq!(offset_of!(Ifreq, ifr_ifru), 16);
        assert_eq!(size_of::<Sockaddr>(), 16);
        assert_eq!(size_of::<Ifmap>(), 24);
        assert_eq!(offset_of!(Ifmap, irq), 18);
        assert_eq!(offset_of!(Ifmap, dma), 19);
        assert_eq!(offset_of!(Ifmap, port), 20);
        assert_eq!(size_of::<MiiIoctlData>(), 8);
        assert_eq!(size_of::<In6Ifreq>(), 24);
    }

    #[test]
    fn members_share_the_union() {
        let mut req = Ifreq::with_name(IfName::new("eth0").unwrap());
        req.set_ifindex(-2);
        assert_eq!(req.ifr_ifru[..4], (-2i32).to_ne_bytes());
        assert_eq!(req.mtu(), -2);
        assert_eq!(req.qlen(), -2);
        assert_eq!(req.metric(), -2);
        req.set_flags(IfFlags::DYNAMIC | IfFlags::UP);
        assert_eq!(req.ifr_ifru[..2], 0x8001u16.to_ne_bytes());
        assert_eq!(req.ifr_ifru[2..], [0; 22], "setters zero the rest");
        assert_eq!(req.priv_flags().bits(), 0x8001);
        req.set_data(0x1122_3344_5566_7788);
        assert_eq!(req.data(), 0x1122_3344_5566_7788);
        assert_eq!(req.ifr_name[..5], *b"eth0\0");
    }

    #[test]
    fn address_members() {
        let mut req = Ifreq::default();
        req.set_sockaddr(Sockaddr::from(core::net::Ipv4Addr::new(192, 0, 2, 7)));
        assert_eq!(req.addr().family(), AF_INET);
        assert_eq!(req.netmask().ipv4().unwrap().octets(), [192, 0, 2, 7]);
        assert_eq!(req.dstaddr(), req.broadaddr());
        assert_eq!(req.addr_in().unwrap().port(), 0);
        req.set_hwaddr(HwAddr::new(ARPHRD_ETHER, &[2, 0xfc, 0, 0, 0, 1]));
        assert_eq!(
            req.addr().ipv4(),
            Err(Error::BadFamily {
                what: "sockaddr_in",
                family: 1
            })
        );
        assert_eq!(req.hwaddr().as_bytes(), [2, 0xfc, 0, 0, 0, 1]);
    }

    #[test]
    fn hwaddr_lengths() {
        let long = HwAddr::new(ARPHRD_INFINIBAND, &[7; 20]);
        assert_eq!(long.data, [7; 14], "cut to sa_data as the kernel does");
        assert_eq!(long.len(), None);
        assert_eq!(long.as_bytes().len(), 14);
        assert!(HwAddr::new(ARPHRD_NONE, &[]).is_empty());
        assert_eq!(
            HwAddr::new(ARPHRD_SIT, &[192, 0, 2, 1]).as_bytes(),
            [192, 0, 2, 1]
        );
        assert_eq!(HwAddr::new(9999, &[]).type_name(), None);
    }

    #[test]
    fn names_and_maps() {
        let mut req = Ifreq::with_ifindex(1);
        assert!(req.name().is_empty());
        assert!(req.if_name().is_err());
        req.set_name(IfName::new("lo").unwrap());
        assert_eq!(req.if_name().unwrap().as_bytes(), b"lo");
        req.set_newname(IfName::new("lo2").unwrap());
        assert_eq!(req.newname().as_bytes(), b"lo2");
        req.set_slave(IfName::new("eth1").unwrap());
        assert_eq!(req.slave().as_bytes(), b"eth1");
        let map = Ifmap {
            mem_start: U64::new(0x1000),
            mem_end: U64::new(0x1fff),
            base_addr: U16::new(0x300),
            irq: 11,
            dma: 3,
            port: 1,
            _pad: [0; 3],
        };
        req.set_map(map);
        assert_eq!(*req.map(), map);
        assert_eq!(req.ifr_ifru[16..18], 0x300u16.to_ne_bytes());
        assert_eq!(req.ifr_ifru[18..21], [11, 3, 1]);
        let mii = MiiIoctlData {
            phy_id: U16::new(1),
            reg_num: U16::new(2),
            val_in: U16::new(3),
            val_out: U16::new(4),
        };
        req.set_mii(mii);
        assert_eq!(*req.mii(), mii);
    }

    #[test]
    fn short_input_is_an_error() {
        assert_eq!(
            Ifreq::ref_from_prefix(&[0; 39]),
            Err(Error::truncated("ifreq", 40, 39))
        );
        assert_eq!(
            In6Ifreq::ref_from_prefix(&[0; 3]),
            Err(Error::truncated("in6_ifreq", 24, 3))
        );
    }
}
