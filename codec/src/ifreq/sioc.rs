//! The socket ioctl requests of `<linux/sockios.h>` (0x89xx): their names, which take a
//! `struct ifreq` and which union member, which need `CAP_NET_ADMIN`.
//!
//! One table ([`requests`]) is the single source for names, privilege and argument type; the
//! layout test checks every entry against the C headers.

/// `FIOSETOWN`: set the process or group that receives `SIGIO`/`SIGURG` (`int *`).
pub const FIOSETOWN: u32 = 0x8901;
/// `SIOCSPGRP`: same as `FIOSETOWN`.
pub const SIOCSPGRP: u32 = 0x8902;
/// `FIOGETOWN`: get the `SIGIO` owner (`int *`).
pub const FIOGETOWN: u32 = 0x8903;
/// `SIOCGPGRP`: same as `FIOGETOWN`.
pub const SIOCGPGRP: u32 = 0x8904;
/// `SIOCATMARK`: is the socket at the urgent-data mark (`int *`).
pub const SIOCATMARK: u32 = 0x8905;
/// `SIOCGSTAMP_OLD`: timestamp of the last packet (`struct timeval` of 64-bit time).
pub const SIOCGSTAMP_OLD: u32 = 0x8906;
/// `SIOCGSTAMPNS_OLD`: same, as `struct timespec`.
pub const SIOCGSTAMPNS_OLD: u32 = 0x8907;
/// `SIOCADDRT`: add a route (`struct rtentry`). Privileged.
pub const SIOCADDRT: u32 = 0x890b;
/// `SIOCDELRT`: delete a route (`struct rtentry`). Privileged.
pub const SIOCDELRT: u32 = 0x890c;
/// `SIOCRTMSG`: unused.
pub const SIOCRTMSG: u32 = 0x890d;
/// `SIOCGIFNAME`: the name of the interface whose index is `ifr_ifindex`, into `ifr_name`.
pub const SIOCGIFNAME: u32 = 0x8910;
/// `SIOCSIFLINK`: set interface channel; not implemented (`ENOTTY`).
pub const SIOCSIFLINK: u32 = 0x8911;
/// `SIOCGIFCONF`: the IPv4 interface addresses, into an array of `ifreq` (`struct ifconf`).
pub const SIOCGIFCONF: u32 = 0x8912;
/// `SIOCGIFFLAGS`: the active flag word, `ifr_flags`.
pub const SIOCGIFFLAGS: u32 = 0x8913;
/// `SIOCSIFFLAGS`: set the active flag word. Privileged.
pub const SIOCSIFFLAGS: u32 = 0x8914;
/// `SIOCGIFADDR`: the IPv4 address, `ifr_addr`.
pub const SIOCGIFADDR: u32 = 0x8915;
/// `SIOCSIFADDR`: set the address (`in6_ifreq` on `AF_INET6` sockets). Privileged.
pub const SIOCSIFADDR: u32 = 0x8916;
/// `SIOCGIFDSTADDR`: the point-to-point peer address, `ifr_dstaddr`.
pub const SIOCGIFDSTADDR: u32 = 0x8917;
/// `SIOCSIFDSTADDR`: set the peer address. Privileged.
pub const SIOCSIFDSTADDR: u32 = 0x8918;
/// `SIOCGIFBRDADDR`: the broadcast address, `ifr_broadaddr`.
pub const SIOCGIFBRDADDR: u32 = 0x8919;
/// `SIOCSIFBRDADDR`: set the broadcast address. Privileged.
pub const SIOCSIFBRDADDR: u32 = 0x891a;
/// `SIOCGIFNETMASK`: the network mask, `ifr_netmask`.
pub const SIOCGIFNETMASK: u32 = 0x891b;
/// `SIOCSIFNETMASK`: set the network mask. Privileged.
pub const SIOCSIFNETMASK: u32 = 0x891c;
/// `SIOCGIFMETRIC`: the metric, `ifr_metric` (always 0).
pub const SIOCGIFMETRIC: u32 = 0x891d;
/// `SIOCSIFMETRIC`: set the metric (`EOPNOTSUPP`). Privileged.
pub const SIOCSIFMETRIC: u32 = 0x891e;
/// `SIOCGIFMEM`: get memory address (BSD); not implemented (`ENOTTY`).
pub const SIOCGIFMEM: u32 = 0x891f;
/// `SIOCSIFMEM`: set memory address (BSD); not implemented (`ENOTTY`).
pub const SIOCSIFMEM: u32 = 0x8920;
/// `SIOCGIFMTU`: the MTU, `ifr_mtu`.
pub const SIOCGIFMTU: u32 = 0x8921;
/// `SIOCSIFMTU`: set the MTU. Privileged.
pub const SIOCSIFMTU: u32 = 0x8922;
/// `SIOCSIFNAME`: rename the interface to `ifr_newname` (only while down). Privileged.
pub const SIOCSIFNAME: u32 = 0x8923;
/// `SIOCSIFHWADDR`: set the hardware address, `ifr_hwaddr`. Privileged.
pub const SIOCSIFHWADDR: u32 = 0x8924;
/// `SIOCGIFENCAP`: SLIP encapsulation (a tty ioctl; `ENOTTY` on sockets).
pub const SIOCGIFENCAP: u32 = 0x8925;
/// `SIOCSIFENCAP`: SLIP encapsulation (a tty ioctl; `ENOTTY` on sockets).
pub const SIOCSIFENCAP: u32 = 0x8926;
/// `SIOCGIFHWADDR`: the hardware address and `ARPHRD_*` type, `ifr_hwaddr`.
pub const SIOCGIFHWADDR: u32 = 0x8927;
/// `SIOCGIFSLAVE`: driver slaving support (`EINVAL` on current kernels).
pub const SIOCGIFSLAVE: u32 = 0x8929;
/// `SIOCSIFSLAVE`: driver slaving support. Privileged.
pub const SIOCSIFSLAVE: u32 = 0x8930;
/// `SIOCADDMULTI`: add a link-layer multicast address (`ifr_hwaddr`, family `AF_UNSPEC`).
/// Privileged.
pub const SIOCADDMULTI: u32 = 0x8931;
/// `SIOCDELMULTI`: delete a link-layer multicast address. Privileged.
pub const SIOCDELMULTI: u32 = 0x8932;
/// `SIOCGIFINDEX`: the interface index, `ifr_ifindex`.
pub const SIOCGIFINDEX: u32 = 0x8933;
/// `SIOCSIFPFLAGS`: set the private flags (`EINVAL` on current kernels). Privileged.
pub const SIOCSIFPFLAGS: u32 = 0x8934;
/// `SIOCGIFPFLAGS`: the private flags (`EINVAL` on current kernels).
pub const SIOCGIFPFLAGS: u32 = 0x8935;
/// `SIOCDIFADDR`: delete an address (`in6_ifreq` on `AF_INET6` sockets). Privileged.
pub const SIOCDIFADDR: u32 = 0x8936;
/// `SIOCSIFHWBROADCAST`: set the hardware broadcast address. Privileged.
pub const SIOCSIFHWBROADCAST: u32 = 0x8937;
/// `SIOCGIFCOUNT`: number of devices; not implemented (`ENOTTY`).
pub const SIOCGIFCOUNT: u32 = 0x8938;
/// `SIOCGIFBR`: old bridging interface (`unsigned long[3]`).
pub const SIOCGIFBR: u32 = 0x8940;
/// `SIOCSIFBR`: old bridging interface. Privileged.
pub const SIOCSIFBR: u32 = 0x8941;
/// `SIOCGIFTXQLEN`: the transmit queue length, `ifr_qlen`.
pub const SIOCGIFTXQLEN: u32 = 0x8942;
/// `SIOCSIFTXQLEN`: set the transmit queue length. Privileged.
pub const SIOCSIFTXQLEN: u32 = 0x8943;
/// `SIOCETHTOOL`: ethtool commands (`ifr_data` points to the command; some need privilege).
pub const SIOCETHTOOL: u32 = 0x8946;
/// `SIOCGMIIPHY`: the MII PHY address. Privileged.
pub const SIOCGMIIPHY: u32 = 0x8947;
/// `SIOCGMIIREG`: read an MII register. Privileged.
pub const SIOCGMIIREG: u32 = 0x8948;
/// `SIOCSMIIREG`: write an MII register. Privileged.
pub const SIOCSMIIREG: u32 = 0x8949;
/// `SIOCWANDEV`: get/set WAN device parameters (`ifr_settings`).
pub const SIOCWANDEV: u32 = 0x894a;
/// `SIOCOUTQNSD`: bytes in the send queue not yet sent (`int *`).
pub const SIOCOUTQNSD: u32 = 0x894b;
/// `SIOCGSKNS`: a file descriptor for the socket's network namespace. Privileged.
pub const SIOCGSKNS: u32 = 0x894c;
/// `SIOCDARP`: delete an ARP entry (`struct arpreq`). Privileged.
pub const SIOCDARP: u32 = 0x8953;
/// `SIOCGARP`: get an ARP entry (`struct arpreq`).
pub const SIOCGARP: u32 = 0x8954;
/// `SIOCSARP`: set an ARP entry (`struct arpreq`). Privileged.
pub const SIOCSARP: u32 = 0x8955;
/// `SIOCDRARP`: delete a RARP entry (RARP was removed from Linux).
pub const SIOCDRARP: u32 = 0x8960;
/// `SIOCGRARP`: get a RARP entry (removed).
pub const SIOCGRARP: u32 = 0x8961;
/// `SIOCSRARP`: set a RARP entry (removed).
pub const SIOCSRARP: u32 = 0x8962;
/// `SIOCGIFMAP`: the hardware parameters, `ifr_map`.
pub const SIOCGIFMAP: u32 = 0x8970;
/// `SIOCSIFMAP`: set the hardware parameters. Privileged (`capable`, not `ns_capable`).
pub const SIOCSIFMAP: u32 = 0x8971;
/// `SIOCADDDLCI`: create a Frame Relay DLCI device (removed).
pub const SIOCADDDLCI: u32 = 0x8980;
/// `SIOCDELDLCI`: delete a DLCI device (removed).
pub const SIOCDELDLCI: u32 = 0x8981;
/// `SIOCGIFVLAN`: 802.1Q VLAN queries (`struct vlan_ioctl_args`).
pub const SIOCGIFVLAN: u32 = 0x8982;
/// `SIOCSIFVLAN`: 802.1Q VLAN configuration (`struct vlan_ioctl_args`). Privileged.
pub const SIOCSIFVLAN: u32 = 0x8983;
/// `SIOCBONDENSLAVE`: enslave `ifr_slave` to the bond. Privileged.
pub const SIOCBONDENSLAVE: u32 = 0x8990;
/// `SIOCBONDRELEASE`: release `ifr_slave` from the bond. Privileged.
pub const SIOCBONDRELEASE: u32 = 0x8991;
/// `SIOCBONDSETHWADDR`: set the bond's hardware address from `ifr_slave`. Privileged.
pub const SIOCBONDSETHWADDR: u32 = 0x8992;
/// `SIOCBONDSLAVEINFOQUERY`: slave state (`ifr_data`).
pub const SIOCBONDSLAVEINFOQUERY: u32 = 0x8993;
/// `SIOCBONDINFOQUERY`: bond state (`ifr_data`).
pub const SIOCBONDINFOQUERY: u32 = 0x8994;
/// `SIOCBONDCHANGEACTIVE`: make `ifr_slave` the active slave. Privileged.
pub const SIOCBONDCHANGEACTIVE: u32 = 0x8995;
/// `SIOCBRADDBR`: create a bridge (`char *` name). Privileged.
pub const SIOCBRADDBR: u32 = 0x89a0;
/// `SIOCBRDELBR`: delete a bridge (`char *` name). Privileged.
pub const SIOCBRDELBR: u32 = 0x89a1;
/// `SIOCBRADDIF`: add the device `ifr_ifindex` to bridge `ifr_name`. Privileged.
pub const SIOCBRADDIF: u32 = 0x89a2;
/// `SIOCBRDELIF`: remove the device `ifr_ifindex` from bridge `ifr_name`. Privileged.
pub const SIOCBRDELIF: u32 = 0x89a3;
/// `SIOCSHWTSTAMP`: set hardware timestamping (`ifr_data`). Privileged.
pub const SIOCSHWTSTAMP: u32 = 0x89b0;
/// `SIOCGHWTSTAMP`: get hardware timestamping (`ifr_data`).
pub const SIOCGHWTSTAMP: u32 = 0x89b1;
/// `SIOCPROTOPRIVATE`: first of 16 protocol-private requests (0x89e0 to 0x89ef).
pub const SIOCPROTOPRIVATE: u32 = 0x89e0;
/// `SIOCDEVPRIVATE`: first of 16 device-private requests (0x89f0 to 0x89ff, `ifr_data`).
pub const SIOCDEVPRIVATE: u32 = 0x89f0;

/// The union member of `struct ifreq` a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IfreqMember {
    /// No member (requests the kernel does not implement).
    None,
    /// `SIOCGIFNAME`: `ifr_ifindex` in, `ifr_name` out.
    IndexToName,
    /// `ifr_ifindex`.
    Ifindex,
    /// `ifr_flags` as the active flags.
    Flags,
    /// `ifr_flags` as the private flags.
    PrivFlags,
    /// `ifr_addr`.
    Addr,
    /// `ifr_dstaddr`.
    Dstaddr,
    /// `ifr_broadaddr`.
    Broadaddr,
    /// `ifr_netmask`.
    Netmask,
    /// `ifr_hwaddr`.
    Hwaddr,
    /// `ifr_metric`.
    Metric,
    /// `ifr_mtu`.
    Mtu,
    /// `ifr_map`.
    Map,
    /// `ifr_newname`.
    Newname,
    /// `ifr_slave`.
    Slave,
    /// `ifr_qlen`.
    Qlen,
    /// `ifr_data`.
    Data,
    /// `struct mii_ioctl_data` in the union.
    Mii,
    /// `ifr_settings` (`struct if_settings`).
    Settings,
}

impl IfreqMember {
    /// The C member's name without the `ifr_` prefix, as the decoder prints it
    /// (`ifindex`, `addr`, ...); empty for [`IfreqMember::None`].
    pub fn label(self) -> &'static str {
        match self {
            IfreqMember::None => "",
            IfreqMember::IndexToName | IfreqMember::Ifindex => "ifindex",
            IfreqMember::Flags => "flags",
            IfreqMember::PrivFlags => "priv_flags",
            IfreqMember::Addr => "addr",
            IfreqMember::Dstaddr => "dstaddr",
            IfreqMember::Broadaddr => "broadaddr",
            IfreqMember::Netmask => "netmask",
            IfreqMember::Hwaddr => "hwaddr",
            IfreqMember::Metric => "metric",
            IfreqMember::Mtu => "mtu",
            IfreqMember::Map => "map",
            IfreqMember::Newname => "newname",
            IfreqMember::Slave => "slave",
            IfreqMember::Qlen => "qlen",
            IfreqMember::Data => "data",
            IfreqMember::Mii => "mii",
            IfreqMember::Settings => "settings",
        }
    }
}

/// What a request's argument points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IoctlArg {
    /// A `struct ifreq`, using the given union member.
    Ifreq(IfreqMember),
    /// A `struct ifconf` (`SIOCGIFCONF`).
    Ifconf,
    /// Something else (`int *`, `struct rtentry`, `struct arpreq`, ...), not decoded here.
    Other,
}

/// What this crate knows about one socket ioctl request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestInfo {
    /// The request number.
    pub request: u32,
    /// Its C name, e.g. `SIOCGIFINDEX` (`SIOCDEVPRIVATE+3` inside the private ranges).
    pub name: &'static str,
    /// Whether the kernel requires `CAP_NET_ADMIN` (in the socket's network namespace, except
    /// `SIOCSIFMAP`/`SIOCSIFTXQLEN` which check the initial namespace) and fails with `EPERM`
    /// without it. `SIOCETHTOOL` is `false`: only some ethtool commands are privileged.
    pub privileged: bool,
    /// Whether a successful call writes its answer into the argument (the `SIOCG*`
    /// requests). The kernel copies an `ifreq` back only on success, so after a failure the
    /// argument still holds the caller's input.
    pub writes_back: bool,
    /// The argument's type.
    pub arg: IoctlArg,
}

const fn info(
    request: u32,
    name: &'static str,
    privileged: bool,
    writes_back: bool,
    arg: IoctlArg,
) -> RequestInfo {
    RequestInfo {
        request,
        name,
        privileged,
        writes_back,
        arg,
    }
}

// Short forms for the table.
const PRIV: bool = true;
const OPEN: bool = false;
const GET: bool = true;
const SET: bool = false;
const OTHER: IoctlArg = IoctlArg::Other;

const fn ifr(member: IfreqMember) -> IoctlArg {
    IoctlArg::Ifreq(member)
}

use IfreqMember as M;

/// Every request, sorted by number (a test checks it). All are `0x89xx`, which the lookup
/// index relies on (checked when it is built, at compile time).
static REQUESTS: &[RequestInfo] = TABLE;

const TABLE: &[RequestInfo] = &[
    info(FIOSETOWN, "FIOSETOWN", OPEN, SET, OTHER),
    info(SIOCSPGRP, "SIOCSPGRP", OPEN, SET, OTHER),
    info(FIOGETOWN, "FIOGETOWN", OPEN, GET, OTHER),
    info(SIOCGPGRP, "SIOCGPGRP", OPEN, GET, OTHER),
    info(SIOCATMARK, "SIOCATMARK", OPEN, GET, OTHER),
    info(SIOCGSTAMP_OLD, "SIOCGSTAMP_OLD", OPEN, GET, OTHER),
    info(SIOCGSTAMPNS_OLD, "SIOCGSTAMPNS_OLD", OPEN, GET, OTHER),
    info(SIOCADDRT, "SIOCADDRT", PRIV, SET, OTHER),
    info(SIOCDELRT, "SIOCDELRT", PRIV, SET, OTHER),
    info(SIOCRTMSG, "SIOCRTMSG", OPEN, SET, OTHER),
    info(SIOCGIFNAME, "SIOCGIFNAME", OPEN, GET, ifr(M::IndexToName)),
    info(SIOCSIFLINK, "SIOCSIFLINK", OPEN, SET, ifr(M::None)),
    info(SIOCGIFCONF, "SIOCGIFCONF", OPEN, GET, IoctlArg::Ifconf),
    info(SIOCGIFFLAGS, "SIOCGIFFLAGS", OPEN, GET, ifr(M::Flags)),
    info(SIOCSIFFLAGS, "SIOCSIFFLAGS", PRIV, SET, ifr(M::Flags)),
    info(SIOCGIFADDR, "SIOCGIFADDR", OPEN, GET, ifr(M::Addr)),
    info(SIOCSIFADDR, "SIOCSIFADDR", PRIV, SET, ifr(M::Addr)),
    info(SIOCGIFDSTADDR, "SIOCGIFDSTADDR", OPEN, GET, ifr(M::Dstaddr)),
    info(SIOCSIFDSTADDR, "SIOCSIFDSTADDR", PRIV, SET, ifr(M::Dstaddr)),
    info(
        SIOCGIFBRDADDR,
        "SIOCGIFBRDADDR",
        OPEN,
        GET,
        ifr(M::Broadaddr),
    ),
    info(
        SIOCSIFBRDADDR,
        "SIOCSIFBRDADDR",
        PRIV,
        SET,
        ifr(M::Broadaddr),
    ),
    info(SIOCGIFNETMASK, "SIOCGIFNETMASK", OPEN, GET, ifr(M::Netmask)),
    info(SIOCSIFNETMASK, "SIOCSIFNETMASK", PRIV, SET, ifr(M::Netmask)),
    info(SIOCGIFMETRIC, "SIOCGIFMETRIC", OPEN, GET, ifr(M::Metric)),
    info(SIOCSIFMETRIC, "SIOCSIFMETRIC", PRIV, SET, ifr(M::Metric)),
    info(SIOCGIFMEM, "SIOCGIFMEM", OPEN, GET, ifr(M::None)),
    info(SIOCSIFMEM, "SIOCSIFMEM", OPEN, SET, ifr(M::None)),
    info(SIOCGIFMTU, "SIOCGIFMTU", OPEN, GET, ifr(M::Mtu)),
    info(SIOCSIFMTU, "SIOCSIFMTU", PRIV, SET, ifr(M::Mtu)),
    // dev_ioctl lists SIOCSIFNAME among the calls that "return a value" and copies it back.
    info(SIOCSIFNAME, "SIOCSIFNAME", PRIV, GET, ifr(M::Newname)),
    info(SIOCSIFHWADDR, "SIOCSIFHWADDR", PRIV, SET, ifr(M::Hwaddr)),
    info(SIOCGIFENCAP, "SIOCGIFENCAP", OPEN, GET, OTHER),
    info(SIOCSIFENCAP, "SIOCSIFENCAP", OPEN, SET, OTHER),
    info(SIOCGIFHWADDR, "SIOCGIFHWADDR", OPEN, GET, ifr(M::Hwaddr)),
    info(SIOCGIFSLAVE, "SIOCGIFSLAVE", OPEN, GET, ifr(M::Slave)),
    info(SIOCSIFSLAVE, "SIOCSIFSLAVE", PRIV, SET, ifr(M::Slave)),
    info(SIOCADDMULTI, "SIOCADDMULTI", PRIV, SET, ifr(M::Hwaddr)),
    info(SIOCDELMULTI, "SIOCDELMULTI", PRIV, SET, ifr(M::Hwaddr)),
    info(SIOCGIFINDEX, "SIOCGIFINDEX", OPEN, GET, ifr(M::Ifindex)),
    info(SIOCSIFPFLAGS, "SIOCSIFPFLAGS", PRIV, SET, ifr(M::PrivFlags)),
    info(SIOCGIFPFLAGS, "SIOCGIFPFLAGS", OPEN, GET, ifr(M::PrivFlags)),
    info(SIOCDIFADDR, "SIOCDIFADDR", PRIV, SET, ifr(M::Addr)),
    info(
        SIOCSIFHWBROADCAST,
        "SIOCSIFHWBROADCAST",
        PRIV,
        SET,
        ifr(M::Hwaddr),
    ),
    info(SIOCGIFCOUNT, "SIOCGIFCOUNT", OPEN, GET, OTHER),
    info(SIOCGIFBR, "SIOCGIFBR", OPEN, GET, OTHER),
    info(SIOCSIFBR, "SIOCSIFBR", PRIV, SET, OTHER),
    info(SIOCGIFTXQLEN, "SIOCGIFTXQLEN", OPEN, GET, ifr(M::Qlen)),
    info(SIOCSIFTXQLEN, "SIOCSIFTXQLEN", PRIV, SET, ifr(M::Qlen)),
    info(SIOCETHTOOL, "SIOCETHTOOL", OPEN, SET, ifr(M::Data)),
    info(SIOCGMIIPHY, "SIOCGMIIPHY", PRIV, GET, ifr(M::Mii)),
    info(SIOCGMIIREG, "SIOCGMIIREG", PRIV, GET, ifr(M::Mii)),
    info(SIOCSMIIREG, "SIOCSMIIREG", PRIV, SET, ifr(M::Mii)),
    info(SIOCWANDEV, "SIOCWANDEV", OPEN, SET, ifr(M::Settings)),
    info(SIOCOUTQNSD, "SIOCOUTQNSD", OPEN, GET, OTHER),
    info(SIOCGSKNS, "SIOCGSKNS", PRIV, GET, OTHER),
    info(SIOCDARP, "SIOCDARP", PRIV, SET, OTHER),
    info(SIOCGARP, "SIOCGARP", OPEN, GET, OTHER),
    info(SIOCSARP, "SIOCSARP", PRIV, SET, OTHER),
    info(SIOCDRARP, "SIOCDRARP", PRIV, SET, OTHER),
    info(SIOCGRARP, "SIOCGRARP", OPEN, GET, OTHER),
    info(SIOCSRARP, "SIOCSRARP", PRIV, SET, OTHER),
    info(SIOCGIFMAP, "SIOCGIFMAP", OPEN, GET, ifr(M::Map)),
    info(SIOCSIFMAP, "SIOCSIFMAP", PRIV, SET, ifr(M::Map)),
    info(SIOCADDDLCI, "SIOCADDDLCI", PRIV, SET, OTHER),
    info(SIOCDELDLCI, "SIOCDELDLCI", PRIV, SET, OTHER),
    info(SIOCGIFVLAN, "SIOCGIFVLAN", OPEN, GET, OTHER),
    info(SIOCSIFVLAN, "SIOCSIFVLAN", PRIV, SET, OTHER),
    info(SIOCBONDENSLAVE, "SIOCBONDENSLAVE", PRIV, SET, ifr(M::Slave)),
    info(SIOCBONDRELEASE, "SIOCBONDRELEASE", PRIV, SET, ifr(M::Slave)),
    info(
        SIOCBONDSETHWADDR,
        "SIOCBONDSETHWADDR",
        PRIV,
        SET,
        ifr(M::Slave),
    ),
    info(
        SIOCBONDSLAVEINFOQUERY,
        "SIOCBONDSLAVEINFOQUERY",
        OPEN,
        GET,
        ifr(M::Data),
    ),
    info(
        SIOCBONDINFOQUERY,
        "SIOCBONDINFOQUERY",
        OPEN,
        GET,
        ifr(M::Data),
    ),
    info(
        SIOCBONDCHANGEACTIVE,
        "SIOCBONDCHANGEACTIVE",
        PRIV,
        SET,
        ifr(M::Slave),
    ),
    info(SIOCBRADDBR, "SIOCBRADDBR", PRIV, SET, OTHER),
    info(SIOCBRDELBR, "SIOCBRDELBR", PRIV, SET, OTHER),
    info(SIOCBRADDIF, "SIOCBRADDIF", PRIV, SET, ifr(M::Ifindex)),
    info(SIOCBRDELIF, "SIOCBRDELIF", PRIV, SET, ifr(M::Ifindex)),
    info(SIOCSHWTSTAMP, "SIOCSHWTSTAMP", PRIV, SET, ifr(M::Data)),
    info(SIOCGHWTSTAMP, "SIOCGHWTSTAMP", OPEN, GET, ifr(M::Data)),
    info(SIOCPROTOPRIVATE, "SIOCPROTOPRIVATE", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 1, "SIOCPROTOPRIVATE+1", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 2, "SIOCPROTOPRIVATE+2", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 3, "SIOCPROTOPRIVATE+3", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 4, "SIOCPROTOPRIVATE+4", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 5, "SIOCPROTOPRIVATE+5", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 6, "SIOCPROTOPRIVATE+6", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 7, "SIOCPROTOPRIVATE+7", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 8, "SIOCPROTOPRIVATE+8", OPEN, SET, OTHER),
    info(SIOCPROTOPRIVATE + 9, "SIOCPROTOPRIVATE+9", OPEN, SET, OTHER),
    info(
        SIOCPROTOPRIVATE + 10,
        "SIOCPROTOPRIVATE+10",
        OPEN,
        SET,
        OTHER,
    ),
    info(
        SIOCPROTOPRIVATE + 11,
        "SIOCPROTOPRIVATE+11",
        OPEN,
        SET,
        OTHER,
    ),
    info(
        SIOCPROTOPRIVATE + 12,
        "SIOCPROTOPRIVATE+12",
        OPEN,
        SET,
        OTHER,
    ),
    info(
        SIOCPROTOPRIVATE + 13,
        "SIOCPROTOPRIVATE+13",
        OPEN,
        SET,
        OTHER,
    ),
    info(
        SIOCPROTOPRIVATE + 14,
        "SIOCPROTOPRIVATE+14",
        OPEN,
        SET,
        OTHER,
    ),
    info(
        SIOCPROTOPRIVATE + 15,
        "SIOCPROTOPRIVATE+15",
        OPEN,
        SET,
        OTHER,
    ),
    info(SIOCDEVPRIVATE, "SIOCDEVPRIVATE", OPEN, SET, ifr(M::Data)),
    info(
        SIOCDEVPRIVATE + 1,
        "SIOCDEVPRIVATE+1",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 2,
        "SIOCDEVPRIVATE+2",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 3,
        "SIOCDEVPRIVATE+3",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 4,
        "SIOCDEVPRIVATE+4",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 5,
        "SIOCDEVPRIVATE+5",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 6,
        "SIOCDEVPRIVATE+6",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 7,
        "SIOCDEVPRIVATE+7",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 8,
        "SIOCDEVPRIVATE+8",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 9,
        "SIOCDEVPRIVATE+9",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 10,
        "SIOCDEVPRIVATE+10",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 11,
        "SIOCDEVPRIVATE+11",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 12,
        "SIOCDEVPRIVATE+12",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 13,
        "SIOCDEVPRIVATE+13",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 14,
        "SIOCDEVPRIVATE+14",
        OPEN,
        SET,
        ifr(M::Data),
    ),
    info(
        SIOCDEVPRIVATE + 15,
        "SIOCDEVPRIVATE+15",
        OPEN,
        SET,
        ifr(M::Data),
    ),
];

/// Every request this crate knows, sorted by number.
///
/// ```
/// let names: Vec<_> = sockabi::ifreq::requests().map(|r| r.name).collect();
/// assert!(names.contains(&"SIOCGIFCONF"));
/// ```
pub fn requests() -> impl ExactSizeIterator<Item = &'static RequestInfo> {
    REQUESTS.iter()
}

/// What this crate knows about `request`, if it is a socket ioctl of `<linux/sockios.h>`.
///
/// ```
/// use sockabi::ifreq::{request_info, IfreqMember, IoctlArg, SIOCSIFMTU};
/// let info = request_info(SIOCSIFMTU).unwrap();
/// assert_eq!(info.name, "SIOCSIFMTU");
/// assert!(info.privileged);
/// assert_eq!(info.arg, IoctlArg::Ifreq(IfreqMember::Mtu));
/// ```
pub fn request_info(request: u32) -> Option<&'static RequestInfo> {
    if request >> 8 != 0x89 {
        return None;
    }
    let slot = INDEX.get(usize::try_from(request & 0xff).ok()?)?;
    REQUESTS.get(usize::from(*slot).checked_sub(1)?)
}

/// For each low byte of a `0x89xx` request, 1 + its position in the table (0: none), so a
/// lookup is one load; the observer decodes every captured ioctl.
static INDEX: [u8; 256] = build_index();

const fn build_index() -> [u8; 256] {
    let mut index = [0u8; 256];
    let mut i = 0;
    while i < TABLE.len() {
        let request = TABLE[i].request;
        assert!(
            request >> 8 == 0x89,
            "the index covers 0x89xx requests only"
        );
        assert!(i < 255, "the index stores positions in a u8");
        index[(request & 0xff) as usize] = (i + 1) as u8;
        i += 1;
    }
    index
}

/// The C name of a socket ioctl request, e.g. `ioctl_name(0x8933) == Some("SIOCGIFINDEX")`.
///
/// ```
/// assert_eq!(sockabi::ifreq::ioctl_name(0x8933), Some("SIOCGIFINDEX"));
/// assert_eq!(sockabi::ifreq::ioctl_name(0x89f3), Some("SIOCDEVPRIVATE+3"));
/// assert_eq!(sockabi::ifreq::ioctl_name(0x5401), None); // TCGETS is not a socket ioctl
/// ```
pub fn ioctl_name(request: u32) -> Option<&'static str> {
    request_info(request).map(|r| r.name)
}

/// Whether `request` needs `CAP_NET_ADMIN` (the kernel answers `EPERM` without it); `false`
/// for unknown requests. See [`RequestInfo::privileged`].
///
/// ```
/// use sockabi::ifreq::{is_privileged, SIOCGIFFLAGS, SIOCSIFFLAGS};
/// assert!(is_privileged(SIOCSIFFLAGS));
/// assert!(!is_privileged(SIOCGIFFLAGS));
/// ```
pub fn is_privileged(request: u32) -> bool {
    request_info(request).is_some_and(|r| r.privileged)
}

/// Whether `request` passes a `struct ifreq` (a netdevice request of netdevice(7)).
/// `SIOCGIFCONF` passes a `struct ifconf` and is not one.
///
/// ```
/// use sockabi::ifreq::{is_ifreq_request, SIOCGIFCONF, SIOCGIFMTU, SIOCADDRT};
/// assert!(is_ifreq_request(SIOCGIFMTU));
/// assert!(!is_ifreq_request(SIOCGIFCONF));
/// assert!(!is_ifreq_request(SIOCADDRT));
/// ```
pub fn is_ifreq_request(request: u32) -> bool {
    request_info(request).is_some_and(|r| matches!(r.arg, IoctlArg::Ifreq(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in REQUESTS.windows(2) {
            assert!(pair[0].request < pair[1].request, "{}", pair[1].name);
        }
    }

    #[test]
    fn every_entry_is_found() {
        for r in requests() {
            assert_eq!(request_info(r.request), Some(r));
        }
        assert_eq!(request_info(0x8928), None, "a gap in the numbering");
        assert_eq!(request_info(0), None);
        assert_eq!(request_info(u32::MAX), None);
    }

    #[test]
    fn names_match_constants() {
        let pairs = [
            (SIOCGIFNAME, "SIOCGIFNAME", 0x8910),
            (SIOCGIFCONF, "SIOCGIFCONF", 0x8912),
            (SIOCGIFFLAGS, "SIOCGIFFLAGS", 0x8913),
            (SIOCSIFFLAGS, "SIOCSIFFLAGS", 0x8914),
            (SIOCGIFADDR, "SIOCGIFADDR", 0x8915),
            (SIOCSIFADDR, "SIOCSIFADDR", 0x8916),
            (SIOCGIFMTU, "SIOCGIFMTU", 0x8921),
            (SIOCSIFMTU, "SIOCSIFMTU", 0x8922),
            (SIOCGIFINDEX, "SIOCGIFINDEX", 0x8933),
        ];
        for (constant, name, value) in pairs {
            assert_eq!(constant, value);
            assert_eq!(ioctl_name(constant), Some(name));
        }
    }

    #[test]
    fn privilege_follows_the_kernel() {
        // dev_ioctl: the MII reads need CAP_NET_ADMIN although they only read.
        assert!(is_privileged(SIOCGMIIREG));
        // Every SIOCS*IF* netdevice setter is privileged.
        for r in requests() {
            if r.name.starts_with("SIOCSIF")
                && matches!(r.arg, IoctlArg::Ifreq(m) if m != IfreqMember::None)
            {
                assert!(r.privileged, "{}", r.name);
            }
        }
        for get in [
            SIOCGIFNAME,
            SIOCGIFCONF,
            SIOCGIFINDEX,
            SIOCGIFHWADDR,
            SIOCGIFMAP,
        ] {
            assert!(!is_privileged(get));
        }
        assert!(!is_privileged(0x1234));
    }

    #[test]
    fn ifreq_requests() {
        assert!(is_ifreq_request(SIOCGIFNAME));
        assert!(is_ifreq_request(SIOCBRADDIF));
        assert!(is_ifreq_request(SIOCDEVPRIVATE + 15));
        assert!(!is_ifreq_request(SIOCPROTOPRIVATE));
        assert!(!is_ifreq_request(SIOCGIFCONF));
        assert!(!is_ifreq_request(SIOCGARP));
        assert!(!is_ifreq_request(0));
        assert_eq!(IfreqMember::None.label(), "");
        assert_eq!(IfreqMember::IndexToName.label(), "ifindex");
    }
}
