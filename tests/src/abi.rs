//! Building and decoding the C structures the scenarios hand to and get from the kernel.
//!
//! This is the one place that knows the layouts of `struct ifreq`, `ip_mreq(n)`, `in_pktinfo`,
//! `sock_extended_err` and control messages. For now it leans on the `libc` crate's
//! definitions for the structures `sockabi` does not have yet; when `sockabi`'s `ifreq`,
//! `mreq`, `pktinfo`, `exterr` and `cmsg` modules land, only this module changes (and the
//! scenarios then double as an end-to-end check of the codec against the real kernel).

use std::net::{Ipv4Addr, SocketAddrV4};

use sockabi::{InAddr, SockaddrIn};
use zerocopy::IntoBytes;

/// `sizeof(struct ifreq)` on 64-bit Linux: a 16-byte name and a 24-byte union.
pub const IFREQ_SIZE: usize = core::mem::size_of::<libc::ifreq>();

/// The bytes of an `in_addr` (network order).
fn in_addr(ip: Ipv4Addr) -> [u8; 4] {
    ip.octets()
}

/// The raw bytes of any plain C struct (used for `libc` structs without padding).
fn struct_bytes<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: `T` is a plain C struct; reading its `size_of` bytes is reading initialised
    // memory (callers pass structs that have no padding bytes).
    unsafe {
        core::slice::from_raw_parts((value as *const T).cast::<u8>(), core::mem::size_of::<T>())
    }
    .to_vec()
}

/// A zeroed `struct ifreq` with `ifr_name` set (truncated to 15 bytes, NUL-terminated).
pub fn ifreq_with_name(name: &str) -> [u8; IFREQ_SIZE] {
    let mut buf = [0u8; IFREQ_SIZE];
    let bytes = name.as_bytes();
    let len = bytes.len().min(libc::IFNAMSIZ - 1);
    buf[..len].copy_from_slice(&bytes[..len]);
    buf
}

/// A zeroed `struct ifreq` with `ifr_ifindex` set (for `SIOCGIFNAME`).
pub fn ifreq_with_index(ifindex: i32) -> [u8; IFREQ_SIZE] {
    let mut buf = [0u8; IFREQ_SIZE];
    buf[libc::IFNAMSIZ..libc::IFNAMSIZ + 4].copy_from_slice(&ifindex.to_ne_bytes());
    buf
}

/// `ifr_name` of an ifreq, up to the first NUL.
pub fn ifreq_name(ifreq: &[u8; IFREQ_SIZE]) -> String {
    let name = &ifreq[..libc::IFNAMSIZ];
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    String::from_utf8_lossy(&name[..len]).into_owned()
}

/// The `int` at the start of the union (`ifr_ifindex`, `ifr_mtu`, `ifr_metric`).
pub fn ifreq_int(ifreq: &[u8; IFREQ_SIZE]) -> i32 {
    let mut int = [0u8; 4];
    int.copy_from_slice(&ifreq[libc::IFNAMSIZ..libc::IFNAMSIZ + 4]);
    i32::from_ne_bytes(int)
}

/// Sets the `int` at the start of the union (`ifr_mtu` for `SIOCSIFMTU`).
pub fn set_ifreq_int(ifreq: &mut [u8; IFREQ_SIZE], value: i32) {
    ifreq[libc::IFNAMSIZ..libc::IFNAMSIZ + 4].copy_from_slice(&value.to_ne_bytes());
}

/// `ifr_flags`: the C `short` at the start of the union, as the kernel truncated it.
pub fn ifreq_flags(ifreq: &[u8; IFREQ_SIZE]) -> u16 {
    u16::from_ne_bytes([ifreq[libc::IFNAMSIZ], ifreq[libc::IFNAMSIZ + 1]])
}

/// `ifr_addr` as an IPv4 socket address, if its family is `AF_INET`.
pub fn ifreq_addr(ifreq: &[u8; IFREQ_SIZE]) -> Option<SocketAddrV4> {
    SockaddrIn::ref_from_prefix(&ifreq[libc::IFNAMSIZ..])
        .ok()?
        .socket_addr()
        .ok()
}

/// `struct ip_mreqn` (12 bytes): group, local address, interface index.
pub fn ip_mreqn(group: Ipv4Addr, address: Ipv4Addr, ifindex: i32) -> Vec<u8> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from_ne_bytes(in_addr(group)),
        },
        imr_address: libc::in_addr {
            s_addr: u32::from_ne_bytes(in_addr(address)),
        },
        imr_ifindex: ifindex,
    };
    struct_bytes(&mreqn)
}

/// `struct ip_mreq` (8 bytes): group and local interface address.
pub fn ip_mreq(group: Ipv4Addr, interface: Ipv4Addr) -> Vec<u8> {
    let mreq = libc::ip_mreq {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from_ne_bytes(in_addr(group)),
        },
        imr_interface: libc::in_addr {
            s_addr: u32::from_ne_bytes(in_addr(interface)),
        },
    };
    struct_bytes(&mreq)
}

/// A bare `struct in_addr` (4 bytes), the shortest `IP_MULTICAST_IF` argument.
pub fn in_addr_bytes(ip: Ipv4Addr) -> Vec<u8> {
    InAddr::from(ip).as_bytes().to_vec()
}

/// `struct in_pktinfo`, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PktInfo {
    /// `ipi_ifindex`: the interface the packet arrived on (receive) or must leave by (send).
    pub ipi_ifindex: i32,
    /// `ipi_spec_dst`: the local address (receive) or the source to use (send).
    pub ipi_spec_dst: Ipv4Addr,
    /// `ipi_addr`: the destination address in the IP header (receive only).
    pub ipi_addr: Ipv4Addr,
}

impl PktInfo {
    /// The 12 bytes of the `struct in_pktinfo`.
    pub fn to_bytes(self) -> Vec<u8> {
        let info = libc::in_pktinfo {
            ipi_ifindex: self.ipi_ifindex,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from_ne_bytes(in_addr(self.ipi_spec_dst)),
            },
            ipi_addr: libc::in_addr {
                s_addr: u32::from_ne_bytes(in_addr(self.ipi_addr)),
            },
        };
        struct_bytes(&info)
    }

    /// Decodes the data of an `IP_PKTINFO` control message.
    pub fn parse(data: &[u8]) -> Option<Self> {
        let ifindex: [u8; 4] = data.get(0..4)?.try_into().ok()?;
        let spec_dst: [u8; 4] = data.get(4..8)?.try_into().ok()?;
        let addr: [u8; 4] = data.get(8..12)?.try_into().ok()?;
        Some(PktInfo {
            ipi_ifindex: i32::from_ne_bytes(ifindex),
            ipi_spec_dst: Ipv4Addr::from(spec_dst),
            ipi_addr: Ipv4Addr::from(addr),
        })
    }
}

/// `struct sock_extended_err` plus the offender address that follows it (`SO_EE_OFFENDER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedErr {
    /// `ee_errno`: the error, as an errno number.
    pub ee_errno: u32,
    /// `ee_origin`: `SO_EE_ORIGIN_LOCAL` (1), `SO_EE_ORIGIN_ICMP` (2), ...
    pub ee_origin: u8,
    /// `ee_type`: the ICMP type (for ICMP origins).
    pub ee_type: u8,
    /// `ee_code`: the ICMP code (for ICMP origins).
    pub ee_code: u8,
    /// `ee_info`: the MTU for `EMSGSIZE` errors.
    pub ee_info: u32,
    /// `ee_data`: other data.
    pub ee_data: u32,
    /// The offender's address family (`AF_UNSPEC` when the source is unknown).
    pub offender_family: u16,
    /// The offender's address, when its family is `AF_INET`.
    pub offender: Option<Ipv4Addr>,
}

impl ExtendedErr {
    /// Decodes the data of an `IP_RECVERR` control message (16 + 16 bytes).
    pub fn parse(data: &[u8]) -> Option<Self> {
        let word = |at: usize| -> Option<u32> {
            Some(u32::from_ne_bytes(data.get(at..at + 4)?.try_into().ok()?))
        };
        let size = core::mem::size_of::<libc::sock_extended_err>();
        let offender = SockaddrIn::ref_from_prefix(data.get(size..)?).ok()?;
        Some(ExtendedErr {
            ee_errno: word(0)?,
            ee_origin: *data.get(4)?,
            ee_type: *data.get(5)?,
            ee_code: *data.get(6)?,
            ee_info: word(8)?,
            ee_data: word(12)?,
            offender_family: offender.family(),
            offender: offender.socket_addr().ok().map(|a| *a.ip()),
        })
    }
}

/// One control message: level, type and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlMessage {
    /// `cmsg_level` (`IPPROTO_IP`, `SOL_SOCKET`, ...).
    pub level: i32,
    /// `cmsg_type` (`IP_PKTINFO`, `IP_RECVERR`, ...).
    pub kind: i32,
    /// The data after the header, `cmsg_len - CMSG_LEN(0)` bytes.
    pub data: Vec<u8>,
}

/// Size of `struct cmsghdr` on 64-bit Linux (`size_t cmsg_len; int cmsg_level; int cmsg_type`).
const CMSG_HEADER: usize = 16;

/// Rounds up to the alignment of control messages (`CMSG_ALIGN`, 8 on 64-bit Linux).
fn cmsg_align(len: usize) -> usize {
    len.next_multiple_of(core::mem::size_of::<usize>())
}

/// One encoded control message (header, data, padding), ready to concatenate with others and
/// pass to [`crate::sys::sendmsg`].
pub fn cmsg(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
    let len = CMSG_HEADER + data.len();
    let mut out = Vec::with_capacity(cmsg_align(len));
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&level.to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(data);
    out.resize(cmsg_align(len), 0);
    out
}

/// Splits the control bytes of a received message into its messages (stops at the first
/// malformed header rather than panicking).
pub fn control_messages(control: &[u8]) -> Vec<ControlMessage> {
    let mut out = Vec::new();
    let mut rest = control;
    while rest.len() >= CMSG_HEADER {
        let Ok(len_bytes) = rest[..8].try_into() else {
            break;
        };
        let len = usize::from_ne_bytes(len_bytes);
        if len < CMSG_HEADER || len > rest.len() {
            break;
        }
        let level = i32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]);
        let kind = i32::from_ne_bytes([rest[12], rest[13], rest[14], rest[15]]);
        out.push(ControlMessage {
            level,
            kind,
            data: rest[CMSG_HEADER..len].to_vec(),
        });
        rest = rest.get(cmsg_align(len)..).unwrap_or(&[]);
    }
    out
}

/// The data of the first control message with this level and type.
pub fn find_control(control: &[u8], level: i32, kind: i32) -> Option<Vec<u8>> {
    control_messages(control)
        .into_iter()
        .find(|m| m.level == level && m.kind == kind)
        .map(|m| m.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_c_abi() {
        assert_eq!(IFREQ_SIZE, 40);
        assert_eq!(
            ip_mreqn(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, 0).len(),
            12
        );
        assert_eq!(
            ip_mreq(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED).len(),
            8
        );
        assert_eq!(in_addr_bytes(Ipv4Addr::UNSPECIFIED).len(), 4);
        let info = PktInfo {
            ipi_ifindex: 7,
            ipi_spec_dst: Ipv4Addr::new(192, 0, 2, 2),
            ipi_addr: Ipv4Addr::new(192, 0, 2, 3),
        };
        assert_eq!(info.to_bytes().len(), 12);
        assert_eq!(PktInfo::parse(&info.to_bytes()), Some(info));
    }

    #[test]
    fn group_address_is_in_network_order() {
        let bytes = ip_mreqn(Ipv4Addr::new(239, 1, 2, 3), Ipv4Addr::UNSPECIFIED, 5);
        assert_eq!(&bytes[..4], &[239, 1, 2, 3]);
        assert_eq!(&bytes[8..], &5i32.to_ne_bytes());
    }

    #[test]
    fn control_messages_round_trip() {
        let mut bytes = cmsg(libc::IPPROTO_IP, libc::IP_PKTINFO, &[1; 12]);
        bytes.extend(cmsg(libc::SOL_SOCKET, libc::SO_MARK, &[2; 4]));
        // SAFETY: CMSG_SPACE is a pure computation.
        assert_eq!(bytes.len(), unsafe {
            (libc::CMSG_SPACE(12) + libc::CMSG_SPACE(4)) as usize
        });
        let messages = control_messages(&bytes);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].data, [1; 12]);
        assert_eq!(messages[1].level, libc::SOL_SOCKET);
        assert_eq!(messages[1].data, [2; 4]);
        assert_eq!(control_messages(&bytes[..20]).len(), 0);
    }

    #[test]
    fn ifreq_fields() {
        let mut ifr = ifreq_with_name("a-very-long-interface-name");
        assert_eq!(ifreq_name(&ifr), "a-very-long-int");
        set_ifreq_int(&mut ifr, 1400);
        assert_eq!(ifreq_int(&ifr), 1400);
        assert_eq!(ifreq_int(&ifreq_with_index(3)), 3);
    }
}
