//! Interface flag words: the active flags of `SIOCGIFFLAGS` (`short ifr_flags`) and the private
//! flags of `SIOCGIFPFLAGS`.

use core::fmt;

bitflags::bitflags! {
    /// The active flag word of a device (`IFF_*` of `<net/if.h>`), as `SIOCGIFFLAGS` returns it
    /// and `SIOCSIFFLAGS` takes it in the 16-bit `short ifr_flags`.
    ///
    /// The kernel keeps 32 bits of device flags (`dev_get_flags`) and `SIOCGIFFLAGS` casts them
    /// to `short`, so [`IFF_LOWER_UP`], [`IFF_DORMANT`] and [`IFF_ECHO`] (bits 16 to 18) are
    /// never seen through this ioctl; rtnetlink's `ifi_flags` carries them.
    ///
    /// Every one of the 16 bits has a name, so no bit is ever dropped.
    ///
    /// ```
    /// use sockabi::ifreq::IfFlags;
    ///
    /// let lo = IfFlags::from_bits_retain(0x49);
    /// assert_eq!(lo, IfFlags::UP | IfFlags::LOOPBACK | IfFlags::RUNNING);
    /// assert_eq!(lo.to_string(), "UP|LOOPBACK|RUNNING");
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct IfFlags: u16 {
        /// `IFF_UP`: the interface is administratively up.
        const UP = 0x1;
        /// `IFF_BROADCAST`: a valid broadcast address is set.
        const BROADCAST = 0x2;
        /// `IFF_DEBUG`: internal debugging flag.
        const DEBUG = 0x4;
        /// `IFF_LOOPBACK`: a loopback interface.
        const LOOPBACK = 0x8;
        /// `IFF_POINTOPOINT`: a point-to-point link.
        const POINTOPOINT = 0x10;
        /// `IFF_NOTRAILERS`: avoid use of trailers (obsolete).
        const NOTRAILERS = 0x20;
        /// `IFF_RUNNING`: resources allocated; the kernel reports the operational state here.
        const RUNNING = 0x40;
        /// `IFF_NOARP`: no ARP; L2 destination address not set.
        const NOARP = 0x80;
        /// `IFF_PROMISC`: promiscuous mode.
        const PROMISC = 0x100;
        /// `IFF_ALLMULTI`: receive all multicast packets.
        const ALLMULTI = 0x200;
        /// `IFF_MASTER`: master of a load-balancing bundle.
        const MASTER = 0x400;
        /// `IFF_SLAVE`: slave of a load-balancing bundle.
        const SLAVE = 0x800;
        /// `IFF_MULTICAST`: supports multicast.
        const MULTICAST = 0x1000;
        /// `IFF_PORTSEL`: can select the media type through `ifmap`.
        const PORTSEL = 0x2000;
        /// `IFF_AUTOMEDIA`: automatic media selection active.
        const AUTOMEDIA = 0x4000;
        /// `IFF_DYNAMIC`: addresses are lost when the interface goes down.
        const DYNAMIC = 0x8000;
    }
}

/// `IFF_LOWER_UP` (since Linux 2.6.17): the driver signals L1 up. Bit 16 of the 32-bit
/// rtnetlink `ifi_flags`; `SIOCGIFFLAGS` cannot report it (see [`IfFlags`]).
pub const IFF_LOWER_UP: u32 = 1 << 16;
/// `IFF_DORMANT` (since Linux 2.6.17): the driver signals dormant. rtnetlink only.
pub const IFF_DORMANT: u32 = 1 << 17;
/// `IFF_ECHO` (since Linux 2.6.25): echo sent packets. rtnetlink only.
pub const IFF_ECHO: u32 = 1 << 18;

bitflags::bitflags! {
    /// The private flag word of `SIOCGIFPFLAGS` / `SIOCSIFPFLAGS` (`ifr_flags`, 16 bits), with
    /// the values netdevice(7) documents: those of `IFF_802_1Q_VLAN` ... `IFF_OVS_DATAPATH` in
    /// Linux 2.6 to 3.x (`include/linux/if.h`, later `enum netdev_priv_flags` in
    /// `include/linux/netdevice.h`).
    ///
    /// Kernel reality differs from the man page: modern kernels renumbered
    /// `netdev_priv_flags` (the bonding bits `IFF_SLAVE_INACTIVE`, `IFF_MASTER_8023AD`,
    /// `IFF_MASTER_ALB`, `IFF_SLAVE_NEEDARP`, `IFF_MASTER_ARPMON` are gone) and no longer
    /// implement these ioctls at all: on an `AF_INET` socket they reach `devinet_ioctl`, which
    /// answers `EINVAL` (checked on Linux 6.18). This type therefore only reads values from
    /// old kernels or from callers.
    ///
    /// ```
    /// use sockabi::ifreq::IfPrivFlags;
    /// assert_eq!(IfPrivFlags::BONDING.bits(), 0x20);
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct IfPrivFlags: u16 {
        /// `IFF_802_1Q_VLAN`: an 802.1Q VLAN device.
        const VLAN_802_1Q = 0x1;
        /// `IFF_EBRIDGE`: an Ethernet bridging device.
        const EBRIDGE = 0x2;
        /// `IFF_SLAVE_INACTIVE`: an inactive bonding slave.
        const SLAVE_INACTIVE = 0x4;
        /// `IFF_MASTER_8023AD`: an 802.3ad bonding master.
        const MASTER_8023AD = 0x8;
        /// `IFF_MASTER_ALB`: a balance-alb bonding master.
        const MASTER_ALB = 0x10;
        /// `IFF_BONDING`: a bonding master or slave.
        const BONDING = 0x20;
        /// `IFF_SLAVE_NEEDARP`: needs ARPs for validation.
        const SLAVE_NEEDARP = 0x40;
        /// `IFF_ISATAP`: an RFC 4214 ISATAP interface.
        const ISATAP = 0x80;
        /// `IFF_MASTER_ARPMON`: a bonding master with the ARP monitor in use.
        const MASTER_ARPMON = 0x100;
        /// `IFF_WAN_HDLC`: a WAN HDLC device.
        const WAN_HDLC = 0x200;
        /// `IFF_XMIT_DST_RELEASE`: `dev_hard_start_xmit` may release `skb->dst`.
        const XMIT_DST_RELEASE = 0x400;
        /// `IFF_DONT_BRIDGE`: do not bridge this Ethernet device.
        const DONT_BRIDGE = 0x800;
        /// `IFF_DISABLE_NETPOLL`: netpoll disabled at run time.
        const DISABLE_NETPOLL = 0x1000;
        /// `IFF_MACVLAN_PORT`: used as a macvlan port.
        const MACVLAN_PORT = 0x2000;
        /// `IFF_BRIDGE_PORT`: used as a bridge port.
        const BRIDGE_PORT = 0x4000;
        /// `IFF_OVS_DATAPATH`: used as an Open vSwitch datapath port.
        const OVS_DATAPATH = 0x8000;
    }
}

impl fmt::Display for IfFlags {
    /// The names joined by `|` (`UP|LOOPBACK|RUNNING`), `0` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_names(f, self.iter_names())
    }
}

impl fmt::Display for IfPrivFlags {
    /// The names joined by `|`, `0` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_names(f, self.iter_names())
    }
}

fn write_names<T>(
    f: &mut fmt::Formatter<'_>,
    names: impl Iterator<Item = (&'static str, T)>,
) -> fmt::Result {
    let mut any = false;
    for (name, _) in names {
        if any {
            f.write_str("|")?;
        }
        f.write_str(name)?;
        any = true;
    }
    if !any {
        f.write_str("0")?;
    }
    Ok(())
}
