//! Decoding a captured netdevice ioctl argument into a typed, printable request.
//!
//! The observer copies the `ifreq` (or `ifconf`) after the syscall returns, so for a
//! successful `SIOCG*` call the value is the kernel's answer; after a failed call (the kernel
//! copies back only on success) it is whatever the caller passed in.

use core::fmt;

use super::sioc::{
    request_info, IfreqMember, IoctlArg, RequestInfo, SIOCDIFADDR, SIOCSIFADDR, SIOCSIFDSTADDR,
};
use super::{Hex, IfFlags, IfPrivFlags};
use super::{HwAddr, Ifconf, Ifmap, Ifreq, In6Ifreq, MiiIoctlData, Sockaddr};
use crate::ifname::RawIfName;
use crate::{Error, Result};

/// A decoded netdevice ioctl: which request, on which interface, with which value.
///
/// `Display` gives one line, e.g. `SIOCGIFINDEX "eth1" ifindex=3` or
/// `SIOCGIFADDR "lo" addr=127.0.0.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IfreqRequest {
    /// The request and what is known about it (name, privilege, union member).
    pub info: &'static RequestInfo,
    /// `ifr_name`; `None` for `SIOCGIFNAME` (whose name is its answer, see
    /// [`IfreqValue::IndexToName`]) and for `SIOCGIFCONF` (no `ifreq`).
    pub name: Option<RawIfName>,
    /// The union member the request uses, typed.
    pub value: IfreqValue,
}

impl IfreqRequest {
    /// The request number.
    pub fn request(&self) -> u32 {
        self.info.request
    }

    /// The request's C name (`SIOCGIFINDEX`).
    pub fn request_name(&self) -> &'static str {
        self.info.name
    }
}

/// The value of a netdevice request: the `ifreq` union member its request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IfreqValue {
    /// The request uses no member (requests the kernel does not implement).
    None,
    /// `SIOCGIFNAME`: the index asked about and, after success, the name the kernel wrote.
    IndexToName {
        /// `ifr_ifindex`.
        ifindex: i32,
        /// `ifr_name`.
        name: RawIfName,
    },
    /// `ifr_ifindex` (`SIOCGIFINDEX`, `SIOCBRADDIF`, `SIOCBRDELIF`).
    Index(i32),
    /// `ifr_flags`, the active flags (16 bits: see [`IfFlags`]).
    Flags(IfFlags),
    /// `ifr_flags`, the private flags.
    PrivFlags(IfPrivFlags),
    /// `ifr_addr`, `ifr_dstaddr`, `ifr_broadaddr` or `ifr_netmask` (which one:
    /// [`RequestInfo::arg`]); an `AF_INET` `sockaddr_in` in practice, see
    /// [`Sockaddr::as_sockaddr_in`].
    Addr(Sockaddr),
    /// `ifr_hwaddr` (`SIOC[GS]IFHWADDR`, `SIOCSIFHWBROADCAST`, `SIOC{ADD,DEL}MULTI`).
    HwAddr(HwAddr),
    /// `ifr_metric`.
    Metric(i32),
    /// `ifr_mtu`.
    Mtu(i32),
    /// `ifr_qlen`.
    Qlen(i32),
    /// `ifr_map`.
    Map(Ifmap),
    /// `ifr_newname` (`SIOCSIFNAME`), not validated: the kernel answers `EINVAL` for a name
    /// `dev_valid_name` rejects.
    NewName(RawIfName),
    /// `ifr_slave` (bonding requests), not validated.
    Slave(RawIfName),
    /// `ifr_data`, a user-space pointer.
    Data(u64),
    /// `struct mii_ioctl_data` (`SIOCGMIIPHY`, `SIOCGMIIREG`, `SIOCSMIIREG`).
    Mii(MiiIoctlData),
    /// The union's bytes, for members not decoded here (`ifr_settings` of `SIOCWANDEV`).
    Raw([u8; 24]),
    /// `SIOCGIFCONF`'s `struct ifconf` (the records are in user memory, see
    /// [`records`](super::records)).
    Conf(Ifconf),
}

/// Decodes the argument of netdevice ioctl `request` from `bytes` (at least the 40 bytes of
/// a `struct ifreq`, or the 16 of a `struct ifconf` for `SIOCGIFCONF`; extra bytes are
/// ignored).
///
/// Fails with [`Error::Invalid`] for a request that is unknown or does not pass an `ifreq`
/// or `ifconf`, and [`Error::Truncated`] when `bytes` is too short. Names are not validated
/// (see [`RawIfName`]).
///
/// ```
/// use sockabi::ifreq::{decode, IfFlags, IfreqValue, Ifreq, SIOCGIFFLAGS, SIOCGIFNAME};
/// use sockabi::IfName;
/// use zerocopy::IntoBytes;
///
/// let mut req = Ifreq::with_name(IfName::new("lo")?);
/// req.set_flags(IfFlags::UP | IfFlags::LOOPBACK | IfFlags::RUNNING);
/// let d = decode(SIOCGIFFLAGS, req.as_bytes())?;
/// assert_eq!(d.to_string(), r#"SIOCGIFFLAGS "lo" flags=0x49<UP|LOOPBACK|RUNNING>"#);
///
/// // SIOCGIFNAME answers in ifr_name: the name is part of the value.
/// let mut answer = Ifreq::with_name(IfName::new("lo")?);
/// answer.set_ifindex(1);
/// let d = decode(SIOCGIFNAME, answer.as_bytes())?;
/// assert_eq!(d.name, None);
/// assert_eq!(d.to_string(), r#"SIOCGIFNAME ifindex=1 name="lo""#);
///
/// assert!(decode(0x5401, answer.as_bytes()).is_err()); // not a socket ioctl
/// assert!(decode(SIOCGIFFLAGS, &answer.as_bytes()[..39]).is_err());
/// # Ok::<(), sockabi::Error>(())
/// ```
pub fn decode(request: u32, bytes: &[u8]) -> Result<IfreqRequest> {
    let info = request_info(request).ok_or(Error::Invalid {
        what: "ioctl request",
        reason: "not a socket ioctl this crate knows",
    })?;
    let member = match info.arg {
        IoctlArg::Ifreq(member) => member,
        IoctlArg::Ifconf => {
            return Ok(IfreqRequest {
                info,
                name: None,
                value: IfreqValue::Conf(*Ifconf::ref_from_prefix(bytes)?),
            })
        }
        IoctlArg::Other => {
            return Err(Error::Invalid {
                what: "ioctl request",
                reason: "does not pass a struct ifreq or ifconf",
            })
        }
    };
    let ifr = Ifreq::ref_from_prefix(bytes)?;
    let value = match member {
        IfreqMember::None => IfreqValue::None,
        IfreqMember::IndexToName => IfreqValue::IndexToName {
            ifindex: ifr.ifindex(),
            name: ifr.name(),
        },
        IfreqMember::Ifindex => IfreqValue::Index(ifr.ifindex()),
        IfreqMember::Flags => IfreqValue::Flags(ifr.flags()),
        IfreqMember::PrivFlags => IfreqValue::PrivFlags(ifr.priv_flags()),
        IfreqMember::Addr
        | IfreqMember::Dstaddr
        | IfreqMember::Broadaddr
        | IfreqMember::Netmask => IfreqValue::Addr(*ifr.addr()),
        IfreqMember::Hwaddr => IfreqValue::HwAddr(ifr.hwaddr()),
        IfreqMember::Metric => IfreqValue::Metric(ifr.metric()),
        IfreqMember::Mtu => IfreqValue::Mtu(ifr.mtu()),
        IfreqMember::Qlen => IfreqValue::Qlen(ifr.qlen()),
        IfreqMember::Map => IfreqValue::Map(*ifr.map()),
        IfreqMember::Newname => IfreqValue::NewName(ifr.newname()),
        IfreqMember::Slave => IfreqValue::Slave(ifr.slave()),
        IfreqMember::Data => IfreqValue::Data(ifr.data()),
        IfreqMember::Mii => IfreqValue::Mii(*ifr.mii()),
        IfreqMember::Settings => IfreqValue::Raw(ifr.ifr_ifru),
    };
    let name = match member {
        IfreqMember::IndexToName => None,
        _ => Some(ifr.name()),
    };
    Ok(IfreqRequest { info, name, value })
}

impl fmt::Display for IfreqRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info.name)?;
        if let Some(name) = &self.name {
            write!(f, " \"{name}\"")?;
        }
        let label = match self.info.arg {
            IoctlArg::Ifreq(member) => member.label(),
            IoctlArg::Ifconf | IoctlArg::Other => "",
        };
        match &self.value {
            IfreqValue::None => Ok(()),
            IfreqValue::IndexToName { ifindex, name } => {
                write!(f, " ifindex={ifindex} name=\"{name}\"")
            }
            IfreqValue::Index(v)
            | IfreqValue::Metric(v)
            | IfreqValue::Mtu(v)
            | IfreqValue::Qlen(v) => write!(f, " {label}={v}"),
            IfreqValue::Flags(flags) => write!(f, " {label}={:#x}<{flags}>", flags.bits()),
            IfreqValue::PrivFlags(flags) => write!(f, " {label}={:#x}<{flags}>", flags.bits()),
            IfreqValue::Addr(sa) => write!(f, " {label}={sa}"),
            IfreqValue::HwAddr(hw) => write!(f, " {label}={hw}"),
            IfreqValue::Map(map) => write!(f, " {label}={map}"),
            IfreqValue::NewName(name) | IfreqValue::Slave(name) => {
                write!(f, " {label}=\"{name}\"")
            }
            IfreqValue::Data(ptr) => write!(f, " {label}={ptr:#x}"),
            IfreqValue::Mii(mii) => write!(f, " {label}={mii}"),
            IfreqValue::Raw(bytes) => write!(f, " {label}={}", Hex(bytes)),
            IfreqValue::Conf(conf) => write!(f, " {conf}"),
        }
    }
}

/// A decoded `struct in6_ifreq` request (`SIOCSIFADDR`, `SIOCDIFADDR`, `SIOCSIFDSTADDR` on an
/// `AF_INET6` socket). `Display`: `SIOCSIFADDR 2001:db8::1/64 ifindex=3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct In6IfreqRequest {
    /// The request and what is known about it.
    pub info: &'static RequestInfo,
    /// The address, prefix length and interface index.
    pub value: In6Ifreq,
}

/// Decodes the `struct in6_ifreq` that `AF_INET6` sockets pass to `SIOCSIFADDR`,
/// `SIOCDIFADDR` and `SIOCSIFDSTADDR` (netdevice(7)): which layout applies depends on the
/// socket's family, which the request number alone does not tell, so the caller chooses.
///
/// ```
/// use sockabi::ifreq::{decode_in6, In6Ifreq, SIOCSIFADDR};
/// use zerocopy::IntoBytes;
///
/// let req = In6Ifreq::new("2001:db8::1".parse().unwrap(), 64, 3);
/// let d = decode_in6(SIOCSIFADDR, req.as_bytes())?;
/// assert_eq!(d.to_string(), "SIOCSIFADDR 2001:db8::1/64 ifindex=3");
/// # Ok::<(), sockabi::Error>(())
/// ```
pub fn decode_in6(request: u32, bytes: &[u8]) -> Result<In6IfreqRequest> {
    let info = match request {
        SIOCSIFADDR | SIOCDIFADDR | SIOCSIFDSTADDR => request_info(request),
        _ => None,
    }
    .ok_or(Error::Invalid {
        what: "ioctl request",
        reason: "does not pass a struct in6_ifreq",
    })?;
    Ok(In6IfreqRequest {
        info,
        value: *In6Ifreq::ref_from_prefix(bytes)?,
    })
}

impl fmt::Display for In6IfreqRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.info.name, self.value)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::{String, ToString};

    use zerocopy::byteorder::{U16, U64};
    use zerocopy::IntoBytes;

    use super::super::*;
    use super::*;
    use crate::IfName;

    fn lo() -> Ifreq {
        Ifreq::with_name(IfName::new("lo").unwrap())
    }

    fn shown(request: u32, req: &Ifreq) -> String {
        decode(request, req.as_bytes()).unwrap().to_string()
    }

    #[test]
    fn index() {
        let mut req = Ifreq::with_name(IfName::new("eth1").unwrap());
        req.set_ifindex(3);
        let d = decode(SIOCGIFINDEX, req.as_bytes()).unwrap();
        assert_eq!(d.request(), SIOCGIFINDEX);
        assert_eq!(d.request_name(), "SIOCGIFINDEX");
        assert_eq!(d.name.unwrap().as_bytes(), b"eth1");
        assert_eq!(d.value, IfreqValue::Index(3));
        assert_eq!(d.to_string(), r#"SIOCGIFINDEX "eth1" ifindex=3"#);
        assert_eq!(shown(SIOCBRADDIF, &req), r#"SIOCBRADDIF "eth1" ifindex=3"#);
    }

    #[test]
    fn index_to_name_has_no_input_name() {
        let mut req = Ifreq::with_ifindex(7);
        let d = decode(SIOCGIFNAME, req.as_bytes()).unwrap();
        assert_eq!(d.name, None);
        assert_eq!(
            d.value,
            IfreqValue::IndexToName {
                ifindex: 7,
                name: RawIfName::default()
            }
        );
        req.set_name(IfName::new("veth0").unwrap());
        assert_eq!(
            shown(SIOCGIFNAME, &req),
            r#"SIOCGIFNAME ifindex=7 name="veth0""#
        );
    }

    #[test]
    fn flags_and_private_flags() {
        let mut req = lo();
        req.set_flags(IfFlags::UP | IfFlags::LOOPBACK | IfFlags::RUNNING);
        assert_eq!(
            decode(SIOCSIFFLAGS, req.as_bytes()).unwrap().value,
            IfreqValue::Flags(IfFlags::from_bits_retain(0x49))
        );
        req.set_flags(IfFlags::all());
        assert_eq!(
            shown(SIOCGIFFLAGS, &req),
            "SIOCGIFFLAGS \"lo\" flags=0xffff<UP|BROADCAST|DEBUG|LOOPBACK|POINTOPOINT|NOTRAILERS|\
             RUNNING|NOARP|PROMISC|ALLMULTI|MASTER|SLAVE|MULTICAST|PORTSEL|AUTOMEDIA|DYNAMIC>"
        );
        req.set_flags(IfFlags::empty());
        assert_eq!(
            shown(SIOCGIFFLAGS, &req),
            r#"SIOCGIFFLAGS "lo" flags=0x0<0>"#
        );
        req.set_priv_flags(IfPrivFlags::BONDING | IfPrivFlags::SLAVE_INACTIVE);
        assert_eq!(
            shown(SIOCGIFPFLAGS, &req),
            r#"SIOCGIFPFLAGS "lo" priv_flags=0x24<SLAVE_INACTIVE|BONDING>"#
        );
    }

    #[test]
    fn addresses_use_the_member_name() {
        let mut req = lo();
        req.set_sockaddr(Sockaddr::from(core::net::Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(
            shown(SIOCGIFADDR, &req),
            r#"SIOCGIFADDR "lo" addr=127.0.0.1"#
        );
        assert_eq!(
            shown(SIOCSIFDSTADDR, &req),
            r#"SIOCSIFDSTADDR "lo" dstaddr=127.0.0.1"#
        );
        assert_eq!(
            shown(SIOCGIFBRDADDR, &req),
            r#"SIOCGIFBRDADDR "lo" broadaddr=127.0.0.1"#
        );
        req.set_sockaddr(Sockaddr::from(core::net::Ipv4Addr::new(255, 0, 0, 0)));
        assert_eq!(
            shown(SIOCGIFNETMASK, &req),
            r#"SIOCGIFNETMASK "lo" netmask=255.0.0.0"#
        );
        let d = decode(SIOCGIFNETMASK, req.as_bytes()).unwrap();
        let IfreqValue::Addr(sa) = d.value else {
            panic!("{d:?}")
        };
        assert_eq!(sa.ipv4().unwrap(), core::net::Ipv4Addr::new(255, 0, 0, 0));
        // A port is shown; another family shows its raw bytes.
        req.set_sockaddr(Sockaddr::from(SockaddrIn::new(
            "192.0.2.1:99".parse().unwrap(),
        )));
        assert_eq!(
            shown(SIOCSIFADDR, &req),
            r#"SIOCSIFADDR "lo" addr=192.0.2.1:99"#
        );
        req.set_sockaddr(Sockaddr {
            sa_family: U16::new(10),
            sa_data: [0xab; 14],
        });
        assert_eq!(
            shown(SIOCDIFADDR, &req),
            r#"SIOCDIFADDR "lo" addr=family=10 data=abababababababababababababab"#
        );
    }

    #[test]
    fn hardware_addresses() {
        let mut req = Ifreq::with_name(IfName::new("eth0").unwrap());
        req.set_hwaddr(HwAddr::new(ARPHRD_ETHER, &[0x02, 0xfc, 0, 0, 0, 1]));
        assert_eq!(
            shown(SIOCGIFHWADDR, &req),
            r#"SIOCGIFHWADDR "eth0" hwaddr=02:fc:00:00:00:01 (ether)"#
        );
        req.set_hwaddr(HwAddr::new(0, &[0x01, 0, 0x5e, 0, 0, 1]));
        assert_eq!(
            shown(SIOCADDMULTI, &req),
            r#"SIOCADDMULTI "eth0" hwaddr=01:00:5e:00:00:01:00:00:00:00:00:00:00:00 (arphrd 0)"#
        );
        req.set_hwaddr(HwAddr::new(ARPHRD_NONE, &[]));
        assert_eq!(
            shown(SIOCSIFHWBROADCAST, &req),
            r#"SIOCSIFHWBROADCAST "eth0" hwaddr= (none)"#
        );
    }

    #[test]
    fn integers() {
        let mut req = lo();
        req.set_mtu(65536);
        assert_eq!(shown(SIOCGIFMTU, &req), r#"SIOCGIFMTU "lo" mtu=65536"#);
        assert_eq!(
            decode(SIOCSIFMTU, req.as_bytes()).unwrap().value,
            IfreqValue::Mtu(65536)
        );
        req.set_qlen(1000);
        assert_eq!(
            shown(SIOCGIFTXQLEN, &req),
            r#"SIOCGIFTXQLEN "lo" qlen=1000"#
        );
        assert_eq!(
            decode(SIOCSIFTXQLEN, req.as_bytes()).unwrap().value,
            IfreqValue::Qlen(1000)
        );
        req.set_metric(0);
        assert_eq!(shown(SIOCGIFMETRIC, &req), r#"SIOCGIFMETRIC "lo" metric=0"#);
        assert_eq!(
            decode(SIOCSIFMETRIC, req.as_bytes()).unwrap().value,
            IfreqValue::Metric(0)
        );
    }

    #[test]
    fn map() {
        let mut req = lo();
        req.set_map(Ifmap {
            mem_start: U64::new(0xd000),
            mem_end: U64::new(0xdfff),
            base_addr: U16::new(0x300),
            irq: 10,
            dma: 0,
            port: 2,
            _pad: [0; 3],
        });
        assert_eq!(
            shown(SIOCGIFMAP, &req),
            r#"SIOCGIFMAP "lo" map={mem_start=0xd000 mem_end=0xdfff base_addr=0x300 irq=10 dma=0 port=2}"#
        );
        assert!(matches!(
            decode(SIOCSIFMAP, req.as_bytes()).unwrap().value,
            IfreqValue::Map(m) if m.irq == 10
        ));
    }

    #[test]
    fn names_in_the_union_are_not_validated() {
        let mut req = Ifreq::with_name(IfName::new("eth0").unwrap());
        req.ifr_ifru[..6].copy_from_slice(b"a b/c\0");
        assert_eq!(
            shown(SIOCSIFNAME, &req),
            r#"SIOCSIFNAME "eth0" newname="a b/c""#
        );
        req.set_slave(IfName::new("eth1").unwrap());
        assert_eq!(
            shown(SIOCBONDENSLAVE, &req),
            r#"SIOCBONDENSLAVE "eth0" slave="eth1""#
        );
        assert_eq!(
            shown(SIOCGIFSLAVE, &req),
            r#"SIOCGIFSLAVE "eth0" slave="eth1""#
        );
        // The request's own name may be an alias label or garbage too.
        req.ifr_name = *b"eth0:1\0\0\0\0\0\0\0\0\0\0";
        req.set_ifindex(4);
        assert_eq!(
            shown(SIOCGIFINDEX, &req),
            r#"SIOCGIFINDEX "eth0:1" ifindex=4"#
        );
        req.ifr_name = [0xff; 16];
        let d = decode(SIOCGIFMTU, req.as_bytes()).unwrap();
        assert_eq!(d.name.unwrap().as_bytes(), [0xff; 15], "byte 15 is ignored");
    }

    #[test]
    fn data_mii_and_raw() {
        let mut req = Ifreq::with_name(IfName::new("eth0").unwrap());
        req.set_data(0x7ffd_1234_5678);
        assert_eq!(
            shown(SIOCETHTOOL, &req),
            r#"SIOCETHTOOL "eth0" data=0x7ffd12345678"#
        );
        assert_eq!(
            shown(SIOCDEVPRIVATE + 2, &req),
            r#"SIOCDEVPRIVATE+2 "eth0" data=0x7ffd12345678"#
        );
        req.set_mii(MiiIoctlData {
            phy_id: U16::new(1),
            reg_num: U16::new(1),
            val_in: U16::new(0),
            val_out: U16::new(0x796d),
        });
        assert_eq!(
            shown(SIOCGMIIREG, &req),
            r#"SIOCGMIIREG "eth0" mii={phy_id=1 reg_num=1 val_in=0x0000 val_out=0x796d}"#
        );
        req.ifr_ifru = [0x11; 24];
        let d = decode(SIOCWANDEV, req.as_bytes()).unwrap();
        assert_eq!(d.value, IfreqValue::Raw([0x11; 24]));
        assert!(d.to_string().ends_with(&"11".repeat(24)));
        assert_eq!(shown(SIOCSIFLINK, &req), r#"SIOCSIFLINK "eth0""#);
    }

    #[test]
    fn ifconf() {
        let conf = Ifconf::new(80, 0x7ffd_0000_1000);
        let d = decode(SIOCGIFCONF, conf.as_bytes()).unwrap();
        assert_eq!(d.name, None);
        assert_eq!(d.value, IfreqValue::Conf(conf));
        assert_eq!(
            d.to_string(),
            "SIOCGIFCONF ifc_len=80 ifc_buf=0x7ffd00001000"
        );
        assert_eq!(
            decode(SIOCGIFCONF, &conf.as_bytes()[..15]),
            Err(Error::truncated("ifconf", 16, 15))
        );
    }

    #[test]
    fn rejections() {
        let req = lo();
        assert_eq!(
            decode(0x5401, req.as_bytes()),
            Err(Error::Invalid {
                what: "ioctl request",
                reason: "not a socket ioctl this crate knows"
            })
        );
        assert_eq!(
            decode(SIOCADDRT, req.as_bytes()),
            Err(Error::Invalid {
                what: "ioctl request",
                reason: "does not pass a struct ifreq or ifconf"
            })
        );
        assert_eq!(
            decode(SIOCGIFINDEX, &req.as_bytes()[..16]),
            Err(Error::truncated("ifreq", 40, 16))
        );
        assert_eq!(
            decode(SIOCGIFINDEX, &[]),
            Err(Error::truncated("ifreq", 40, 0))
        );
    }

    #[test]
    fn in6() {
        let req = In6Ifreq::new("2001:db8::7".parse().unwrap(), 128, 9);
        let d = decode_in6(SIOCDIFADDR, req.as_bytes()).unwrap();
        assert_eq!(d.value, req);
        assert_eq!(d.to_string(), "SIOCDIFADDR 2001:db8::7/128 ifindex=9");
        assert!(decode_in6(SIOCSIFDSTADDR, req.as_bytes()).is_ok());
        assert_eq!(
            decode_in6(SIOCGIFADDR, req.as_bytes()),
            Err(Error::Invalid {
                what: "ioctl request",
                reason: "does not pass a struct in6_ifreq"
            })
        );
        assert_eq!(
            decode_in6(SIOCSIFADDR, &req.as_bytes()[..23]),
            Err(Error::truncated("in6_ifreq", 24, 23))
        );
    }
}
