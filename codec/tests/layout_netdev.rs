//! The netdevice layouts and constants against the C headers (a small C program compiled with
//! `cc`), against the `libc` crate, and against the running kernel (read-only ioctls on a UDP
//! socket in the root namespace, on loopback only).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use sockabi::ifname::RawIfName;
use sockabi::ifreq::{
    self, decode, ifconf_may_be_truncated, records, requests, HwAddr, IfFlags, IfPrivFlags, Ifconf,
    Ifmap, Ifreq, IfreqValue, In6Ifreq, MiiIoctlData, Sockaddr, IFREQ_SIZE,
};
use sockabi::{IfName, IFNAMSIZ};
use zerocopy::{FromBytes, IntoBytes};

/// The C side: prints `key value` lines (numbers in decimal, sample structs in hex).
fn c_program() -> String {
    let mut src = String::from(
        r#"
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_arp.h>
#include <linux/if.h>
#include <linux/sockios.h>
#include <linux/ipv6.h>
#include <linux/mii.h>

#define SIZE(name, type) printf("%s %zu\n", name, sizeof(type))
#define OFF(name, type, field) printf("%s %zu\n", name, offsetof(type, field))
#define MSIZE(name, type, field) printf("%s %zu\n", name, sizeof(((type *)0)->field))
#define VAL(name) printf("%s %lu\n", #name, (unsigned long)(name))

static void hex(const char *name, const void *p, size_t n) {
    const unsigned char *b = p;
    printf("%s ", name);
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

int main(void) {
    SIZE("sizeof_ifreq", struct ifreq);
    OFF("ifreq.ifr_name", struct ifreq, ifr_name);
    OFF("ifreq.ifr_ifru", struct ifreq, ifr_ifru);
    MSIZE("sizeof_ifreq.ifr_ifru", struct ifreq, ifr_ifru);
    OFF("ifreq.ifr_addr", struct ifreq, ifr_addr);
    OFF("ifreq.ifr_dstaddr", struct ifreq, ifr_dstaddr);
    OFF("ifreq.ifr_broadaddr", struct ifreq, ifr_broadaddr);
    OFF("ifreq.ifr_netmask", struct ifreq, ifr_netmask);
    OFF("ifreq.ifr_hwaddr", struct ifreq, ifr_hwaddr);
    OFF("ifreq.ifr_flags", struct ifreq, ifr_flags);
    OFF("ifreq.ifr_ifindex", struct ifreq, ifr_ifindex);
    OFF("ifreq.ifr_metric", struct ifreq, ifr_metric);
    OFF("ifreq.ifr_mtu", struct ifreq, ifr_mtu);
    OFF("ifreq.ifr_map", struct ifreq, ifr_map);
    OFF("ifreq.ifr_slave", struct ifreq, ifr_slave);
    OFF("ifreq.ifr_newname", struct ifreq, ifr_newname);
    OFF("ifreq.ifr_data", struct ifreq, ifr_data);
    OFF("ifreq.ifr_qlen", struct ifreq, ifr_qlen);
    MSIZE("sizeof_ifreq.ifr_addr", struct ifreq, ifr_addr);
    MSIZE("sizeof_ifreq.ifr_flags", struct ifreq, ifr_flags);
    MSIZE("sizeof_ifreq.ifr_ifindex", struct ifreq, ifr_ifindex);
    MSIZE("sizeof_ifreq.ifr_map", struct ifreq, ifr_map);
    MSIZE("sizeof_ifreq.ifr_newname", struct ifreq, ifr_newname);
    MSIZE("sizeof_ifreq.ifr_data", struct ifreq, ifr_data);

    SIZE("sizeof_ifmap", struct ifmap);
    OFF("ifmap.mem_start", struct ifmap, mem_start);
    OFF("ifmap.mem_end", struct ifmap, mem_end);
    OFF("ifmap.base_addr", struct ifmap, base_addr);
    OFF("ifmap.irq", struct ifmap, irq);
    OFF("ifmap.dma", struct ifmap, dma);
    OFF("ifmap.port", struct ifmap, port);

    SIZE("sizeof_ifconf", struct ifconf);
    OFF("ifconf.ifc_len", struct ifconf, ifc_len);
    OFF("ifconf.ifc_buf", struct ifconf, ifc_buf);
    OFF("ifconf.ifc_req", struct ifconf, ifc_req);

    SIZE("sizeof_sockaddr", struct sockaddr);
    OFF("sockaddr.sa_family", struct sockaddr, sa_family);
    OFF("sockaddr.sa_data", struct sockaddr, sa_data);

    SIZE("sizeof_in6_ifreq", struct in6_ifreq);
    OFF("in6_ifreq.ifr6_addr", struct in6_ifreq, ifr6_addr);
    OFF("in6_ifreq.ifr6_prefixlen", struct in6_ifreq, ifr6_prefixlen);
    OFF("in6_ifreq.ifr6_ifindex", struct in6_ifreq, ifr6_ifindex);

    SIZE("sizeof_mii_ioctl_data", struct mii_ioctl_data);
    OFF("mii_ioctl_data.phy_id", struct mii_ioctl_data, phy_id);
    OFF("mii_ioctl_data.reg_num", struct mii_ioctl_data, reg_num);
    OFF("mii_ioctl_data.val_in", struct mii_ioctl_data, val_in);
    OFF("mii_ioctl_data.val_out", struct mii_ioctl_data, val_out);

    VAL(IFNAMSIZ);
    VAL(IFF_UP); VAL(IFF_BROADCAST); VAL(IFF_DEBUG); VAL(IFF_LOOPBACK);
    VAL(IFF_POINTOPOINT); VAL(IFF_NOTRAILERS); VAL(IFF_RUNNING); VAL(IFF_NOARP);
    VAL(IFF_PROMISC); VAL(IFF_ALLMULTI); VAL(IFF_MASTER); VAL(IFF_SLAVE);
    VAL(IFF_MULTICAST); VAL(IFF_PORTSEL); VAL(IFF_AUTOMEDIA); VAL(IFF_DYNAMIC);
    VAL(IFF_LOWER_UP); VAL(IFF_DORMANT); VAL(IFF_ECHO);

    VAL(ARPHRD_ETHER); VAL(ARPHRD_IEEE802); VAL(ARPHRD_INFINIBAND); VAL(ARPHRD_PPP);
    VAL(ARPHRD_RAWIP); VAL(ARPHRD_TUNNEL); VAL(ARPHRD_TUNNEL6); VAL(ARPHRD_LOOPBACK);
    VAL(ARPHRD_SIT); VAL(ARPHRD_IPGRE); VAL(ARPHRD_IEEE80211); VAL(ARPHRD_IP6GRE);
    VAL(ARPHRD_NONE); VAL(ARPHRD_VOID);

    /* Sample values written through the C members, read back by the Rust accessors. */
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "eth0");
    r.ifr_map.mem_start = 0x1122334455667788UL;
    r.ifr_map.mem_end = 0x99aabbccddeeff00UL;
    r.ifr_map.base_addr = 0x0300;
    r.ifr_map.irq = 11;
    r.ifr_map.dma = 3;
    r.ifr_map.port = 7;
    hex("sample.map", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    r.ifr_flags = (short)(IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_DYNAMIC);
    hex("sample.flags", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    r.ifr_ifindex = -7;
    hex("sample.ifindex", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.33", &sin->sin_addr);
    hex("sample.addr", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    r.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(r.ifr_hwaddr.sa_data, "\x02\xfc\x00\x00\x00\x01", 6);
    hex("sample.hwaddr", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    strcpy(r.ifr_newname, "renamed0");
    hex("sample.newname", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    r.ifr_data = (char *)0x7ffd12345678UL;
    hex("sample.data", &r, sizeof r);

    memset(&r.ifr_ifru, 0, sizeof r.ifr_ifru);
    struct mii_ioctl_data *mii = (struct mii_ioctl_data *)&r.ifr_ifru;
    mii->phy_id = 1; mii->reg_num = 2; mii->val_in = 0x1234; mii->val_out = 0x796d;
    hex("sample.mii", &r, sizeof r);

    struct ifconf c;
    memset(&c, 0, sizeof c);
    c.ifc_len = 120;
    c.ifc_buf = (char *)0x7ffd00001000UL;
    hex("sample.ifconf", &c, sizeof c);

    struct in6_ifreq i6;
    memset(&i6, 0, sizeof i6);
    inet_pton(AF_INET6, "2001:db8::5", &i6.ifr6_addr);
    i6.ifr6_prefixlen = 64;
    i6.ifr6_ifindex = 9;
    hex("sample.in6_ifreq", &i6, sizeof i6);

    /* Every request in the Rust table, by its C name (an expression for the private ranges). */
"#,
    );
    for r in requests() {
        writeln!(
            src,
            "    printf(\"req {} %lu\\n\", (unsigned long)({}));",
            r.name, r.name
        )
        .unwrap();
    }
    src.push_str("    return 0;\n}\n");
    src
}

/// The C program's `key value` lines, compiled and run once per test process.
fn c_values() -> &'static BTreeMap<String, String> {
    static VALUES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    VALUES.get_or_init(compile_and_run)
}

fn compile_and_run() -> BTreeMap<String, String> {
    let dir = std::env::temp_dir().join(format!("sockabi-layout-netdev-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = RemoveOnDrop(dir.clone());
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, c_program()).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("running {cc}: {e}"));
    assert!(
        out.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (k, v) = line.rsplit_once(' ').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn num(c: &BTreeMap<String, String>, key: &str) -> u64 {
    c.get(key)
        .unwrap_or_else(|| panic!("C did not print {key}"))
        .parse()
        .unwrap()
}

fn sample(c: &BTreeMap<String, String>, key: &str) -> Vec<u8> {
    let hex = &c[key];
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn usize_eq(c: &BTreeMap<String, String>, key: &str, rust: usize) {
    assert_eq!(num(c, key), rust as u64, "{key}");
}

#[test]
fn layouts_match_c() {
    let c = c_values();
    usize_eq(c, "sizeof_ifreq", size_of::<Ifreq>());
    usize_eq(c, "sizeof_ifreq", IFREQ_SIZE);
    usize_eq(c, "ifreq.ifr_name", offset_of!(Ifreq, ifr_name));
    usize_eq(c, "ifreq.ifr_ifru", offset_of!(Ifreq, ifr_ifru));
    usize_eq(c, "sizeof_ifreq.ifr_ifru", size_of::<[u8; 24]>());
    // Every union member starts at the union, which is what the accessors assume.
    for member in [
        "addr",
        "dstaddr",
        "broadaddr",
        "netmask",
        "hwaddr",
        "flags",
        "ifindex",
        "metric",
        "mtu",
        "map",
        "slave",
        "newname",
        "data",
        "qlen",
    ] {
        usize_eq(
            c,
            &format!("ifreq.ifr_{member}"),
            offset_of!(Ifreq, ifr_ifru),
        );
    }
    usize_eq(c, "sizeof_ifreq.ifr_addr", size_of::<Sockaddr>());
    usize_eq(c, "sizeof_ifreq.ifr_flags", size_of::<i16>());
    usize_eq(c, "sizeof_ifreq.ifr_ifindex", size_of::<i32>());
    usize_eq(c, "sizeof_ifreq.ifr_map", size_of::<Ifmap>());
    usize_eq(c, "sizeof_ifreq.ifr_newname", IFNAMSIZ);
    usize_eq(c, "sizeof_ifreq.ifr_data", size_of::<u64>());

    usize_eq(c, "sizeof_ifmap", size_of::<Ifmap>());
    usize_eq(c, "ifmap.mem_start", offset_of!(Ifmap, mem_start));
    usize_eq(c, "ifmap.mem_end", offset_of!(Ifmap, mem_end));
    usize_eq(c, "ifmap.base_addr", offset_of!(Ifmap, base_addr));
    usize_eq(c, "ifmap.irq", offset_of!(Ifmap, irq));
    usize_eq(c, "ifmap.dma", offset_of!(Ifmap, dma));
    usize_eq(c, "ifmap.port", offset_of!(Ifmap, port));

    usize_eq(c, "sizeof_ifconf", size_of::<Ifconf>());
    usize_eq(c, "ifconf.ifc_len", offset_of!(Ifconf, ifc_len));
    usize_eq(c, "ifconf.ifc_buf", offset_of!(Ifconf, ifc_buf));
    usize_eq(c, "ifconf.ifc_req", offset_of!(Ifconf, ifc_buf));

    usize_eq(c, "sizeof_sockaddr", size_of::<Sockaddr>());
    usize_eq(c, "sockaddr.sa_family", offset_of!(Sockaddr, sa_family));
    usize_eq(c, "sockaddr.sa_data", offset_of!(Sockaddr, sa_data));

    usize_eq(c, "sizeof_in6_ifreq", size_of::<In6Ifreq>());
    usize_eq(c, "in6_ifreq.ifr6_addr", offset_of!(In6Ifreq, ifr6_addr));
    usize_eq(
        c,
        "in6_ifreq.ifr6_prefixlen",
        offset_of!(In6Ifreq, ifr6_prefixlen),
    );
    usize_eq(
        c,
        "in6_ifreq.ifr6_ifindex",
        offset_of!(In6Ifreq, ifr6_ifindex),
    );

    usize_eq(c, "sizeof_mii_ioctl_data", size_of::<MiiIoctlData>());
    usize_eq(c, "mii_ioctl_data.phy_id", offset_of!(MiiIoctlData, phy_id));
    usize_eq(
        c,
        "mii_ioctl_data.reg_num",
        offset_of!(MiiIoctlData, reg_num),
    );
    usize_eq(c, "mii_ioctl_data.val_in", offset_of!(MiiIoctlData, val_in));
    usize_eq(
        c,
        "mii_ioctl_data.val_out",
        offset_of!(MiiIoctlData, val_out),
    );
}

#[test]
fn constants_match_c() {
    let c = c_values();
    usize_eq(c, "IFNAMSIZ", IFNAMSIZ);
    let flags = [
        ("IFF_UP", IfFlags::UP),
        ("IFF_BROADCAST", IfFlags::BROADCAST),
        ("IFF_DEBUG", IfFlags::DEBUG),
        ("IFF_LOOPBACK", IfFlags::LOOPBACK),
        ("IFF_POINTOPOINT", IfFlags::POINTOPOINT),
        ("IFF_NOTRAILERS", IfFlags::NOTRAILERS),
        ("IFF_RUNNING", IfFlags::RUNNING),
        ("IFF_NOARP", IfFlags::NOARP),
        ("IFF_PROMISC", IfFlags::PROMISC),
        ("IFF_ALLMULTI", IfFlags::ALLMULTI),
        ("IFF_MASTER", IfFlags::MASTER),
        ("IFF_SLAVE", IfFlags::SLAVE),
        ("IFF_MULTICAST", IfFlags::MULTICAST),
        ("IFF_PORTSEL", IfFlags::PORTSEL),
        ("IFF_AUTOMEDIA", IfFlags::AUTOMEDIA),
        ("IFF_DYNAMIC", IfFlags::DYNAMIC),
    ];
    for (name, flag) in flags {
        assert_eq!(num(c, name), u64::from(flag.bits()), "{name}");
    }
    assert_eq!(flags.len(), IfFlags::all().iter().count());
    assert_eq!(num(c, "IFF_LOWER_UP"), u64::from(ifreq::IFF_LOWER_UP));
    assert_eq!(num(c, "IFF_DORMANT"), u64::from(ifreq::IFF_DORMANT));
    assert_eq!(num(c, "IFF_ECHO"), u64::from(ifreq::IFF_ECHO));

    for (name, value) in [
        ("ARPHRD_ETHER", ifreq::ARPHRD_ETHER),
        ("ARPHRD_IEEE802", ifreq::ARPHRD_IEEE802),
        ("ARPHRD_INFINIBAND", ifreq::ARPHRD_INFINIBAND),
        ("ARPHRD_PPP", ifreq::ARPHRD_PPP),
        ("ARPHRD_RAWIP", ifreq::ARPHRD_RAWIP),
        ("ARPHRD_TUNNEL", ifreq::ARPHRD_TUNNEL),
        ("ARPHRD_TUNNEL6", ifreq::ARPHRD_TUNNEL6),
        ("ARPHRD_LOOPBACK", ifreq::ARPHRD_LOOPBACK),
        ("ARPHRD_SIT", ifreq::ARPHRD_SIT),
        ("ARPHRD_IPGRE", ifreq::ARPHRD_IPGRE),
        ("ARPHRD_IEEE80211", ifreq::ARPHRD_IEEE80211),
        ("ARPHRD_IP6GRE", ifreq::ARPHRD_IP6GRE),
        ("ARPHRD_NONE", ifreq::ARPHRD_NONE),
        ("ARPHRD_VOID", ifreq::ARPHRD_VOID),
    ] {
        assert_eq!(num(c, name), u64::from(value), "{name}");
    }

    // Every request of the table, by the name it prints.
    for r in requests() {
        assert_eq!(
            num(c, &format!("req {}", r.name)),
            u64::from(r.request),
            "{}",
            r.name
        );
    }
}

#[test]
fn c_written_structs_decode() {
    let c = c_values();
    let map = sample(c, "sample.map");
    let ifr = Ifreq::ref_from_prefix(&map).unwrap();
    assert_eq!(ifr.name().as_bytes(), b"eth0");
    assert_eq!(ifr.if_name().unwrap(), IfName::new("eth0").unwrap());
    let m = ifr.map();
    assert_eq!(m.mem_start.get(), 0x1122_3344_5566_7788);
    assert_eq!(m.mem_end.get(), 0x99aa_bbcc_ddee_ff00);
    assert_eq!((m.base_addr.get(), m.irq, m.dma, m.port), (0x300, 11, 3, 7));

    let flags = sample(c, "sample.flags");
    assert_eq!(
        Ifreq::ref_from_prefix(&flags).unwrap().flags(),
        IfFlags::UP | IfFlags::BROADCAST | IfFlags::RUNNING | IfFlags::MULTICAST | IfFlags::DYNAMIC
    );

    let index = sample(c, "sample.ifindex");
    assert_eq!(Ifreq::ref_from_prefix(&index).unwrap().ifindex(), -7);
    assert_eq!(
        decode(ifreq::SIOCGIFINDEX, &index).unwrap().to_string(),
        r#"SIOCGIFINDEX "eth0" ifindex=-7"#
    );

    let addr = sample(c, "sample.addr");
    let ifr = Ifreq::ref_from_prefix(&addr).unwrap();
    assert_eq!(
        ifr.addr().ipv4().unwrap(),
        std::net::Ipv4Addr::new(192, 0, 2, 33)
    );
    assert_eq!(ifr.addr_in().unwrap().port(), 0);

    let hw = sample(c, "sample.hwaddr");
    assert_eq!(
        Ifreq::ref_from_prefix(&hw).unwrap().hwaddr(),
        HwAddr::new(ifreq::ARPHRD_ETHER, &[0x02, 0xfc, 0, 0, 0, 1])
    );

    let newname = sample(c, "sample.newname");
    assert_eq!(
        Ifreq::ref_from_prefix(&newname).unwrap().newname(),
        RawIfName::from(IfName::new("renamed0").unwrap())
    );

    let data = sample(c, "sample.data");
    assert_eq!(
        Ifreq::ref_from_prefix(&data).unwrap().data(),
        0x7ffd_1234_5678
    );

    let mii = sample(c, "sample.mii");
    let m = *Ifreq::ref_from_prefix(&mii).unwrap().mii();
    assert_eq!(
        (
            m.phy_id.get(),
            m.reg_num.get(),
            m.val_in.get(),
            m.val_out.get()
        ),
        (1, 2, 0x1234, 0x796d)
    );

    let conf = sample(c, "sample.ifconf");
    let conf = Ifconf::ref_from_prefix(&conf).unwrap();
    assert_eq!((conf.len(), conf.buf()), (120, 0x7ffd_0000_1000));

    let in6 = sample(c, "sample.in6_ifreq");
    assert_eq!(
        *In6Ifreq::ref_from_prefix(&in6).unwrap(),
        In6Ifreq::new("2001:db8::5".parse().unwrap(), 64, 9)
    );
}

#[test]
fn constants_match_libc() {
    let pairs: [(libc::c_ulong, u32); 43] = [
        (libc::SIOCADDRT, ifreq::SIOCADDRT),
        (libc::SIOCDELRT, ifreq::SIOCDELRT),
        (libc::SIOCGIFNAME, ifreq::SIOCGIFNAME),
        (libc::SIOCSIFLINK, ifreq::SIOCSIFLINK),
        (libc::SIOCGIFCONF, ifreq::SIOCGIFCONF),
        (libc::SIOCGIFFLAGS, ifreq::SIOCGIFFLAGS),
        (libc::SIOCSIFFLAGS, ifreq::SIOCSIFFLAGS),
        (libc::SIOCGIFADDR, ifreq::SIOCGIFADDR),
        (libc::SIOCSIFADDR, ifreq::SIOCSIFADDR),
        (libc::SIOCGIFDSTADDR, ifreq::SIOCGIFDSTADDR),
        (libc::SIOCSIFDSTADDR, ifreq::SIOCSIFDSTADDR),
        (libc::SIOCGIFBRDADDR, ifreq::SIOCGIFBRDADDR),
        (libc::SIOCSIFBRDADDR, ifreq::SIOCSIFBRDADDR),
        (libc::SIOCGIFNETMASK, ifreq::SIOCGIFNETMASK),
        (libc::SIOCSIFNETMASK, ifreq::SIOCSIFNETMASK),
        (libc::SIOCGIFMETRIC, ifreq::SIOCGIFMETRIC),
        (libc::SIOCSIFMETRIC, ifreq::SIOCSIFMETRIC),
        (libc::SIOCGIFMEM, ifreq::SIOCGIFMEM),
        (libc::SIOCSIFMEM, ifreq::SIOCSIFMEM),
        (libc::SIOCGIFMTU, ifreq::SIOCGIFMTU),
        (libc::SIOCSIFMTU, ifreq::SIOCSIFMTU),
        (libc::SIOCSIFNAME, ifreq::SIOCSIFNAME),
        (libc::SIOCSIFHWADDR, ifreq::SIOCSIFHWADDR),
        (libc::SIOCGIFENCAP, ifreq::SIOCGIFENCAP),
        (libc::SIOCSIFENCAP, ifreq::SIOCSIFENCAP),
        (libc::SIOCGIFHWADDR, ifreq::SIOCGIFHWADDR),
        (libc::SIOCGIFSLAVE, ifreq::SIOCGIFSLAVE),
        (libc::SIOCSIFSLAVE, ifreq::SIOCSIFSLAVE),
        (libc::SIOCADDMULTI, ifreq::SIOCADDMULTI),
        (libc::SIOCDELMULTI, ifreq::SIOCDELMULTI),
        (libc::SIOCGIFINDEX, ifreq::SIOCGIFINDEX),
        (libc::SIOCSIFPFLAGS, ifreq::SIOCSIFPFLAGS),
        (libc::SIOCGIFPFLAGS, ifreq::SIOCGIFPFLAGS),
        (libc::SIOCDIFADDR, ifreq::SIOCDIFADDR),
        (libc::SIOCSIFHWBROADCAST, ifreq::SIOCSIFHWBROADCAST),
        (libc::SIOCGIFCOUNT, ifreq::SIOCGIFCOUNT),
        (libc::SIOCGIFBR, ifreq::SIOCGIFBR),
        (libc::SIOCSIFBR, ifreq::SIOCSIFBR),
        (libc::SIOCGIFTXQLEN, ifreq::SIOCGIFTXQLEN),
        (libc::SIOCSIFTXQLEN, ifreq::SIOCSIFTXQLEN),
        (libc::SIOCGIFMAP, ifreq::SIOCGIFMAP),
        (libc::SIOCSIFMAP, ifreq::SIOCSIFMAP),
        (libc::SIOCETHTOOL, ifreq::SIOCETHTOOL),
    ];
    for (libc_value, ours) in pairs {
        assert_eq!(
            libc_value,
            libc::c_ulong::from(ours),
            "{:?}",
            ifreq::ioctl_name(ours)
        );
    }
    for (libc_value, ours) in [
        (libc::SIOCGMIIPHY, ifreq::SIOCGMIIPHY),
        (libc::SIOCGMIIREG, ifreq::SIOCGMIIREG),
        (libc::SIOCSMIIREG, ifreq::SIOCSMIIREG),
        (libc::SIOCWANDEV, ifreq::SIOCWANDEV),
        (libc::SIOCOUTQNSD, ifreq::SIOCOUTQNSD),
        (libc::SIOCGSKNS, ifreq::SIOCGSKNS),
        (libc::SIOCDARP, ifreq::SIOCDARP),
        (libc::SIOCGARP, ifreq::SIOCGARP),
        (libc::SIOCSARP, ifreq::SIOCSARP),
        (libc::SIOCDRARP, ifreq::SIOCDRARP),
        (libc::SIOCGRARP, ifreq::SIOCGRARP),
        (libc::SIOCSRARP, ifreq::SIOCSRARP),
        (libc::SIOCSHWTSTAMP, ifreq::SIOCSHWTSTAMP),
        (libc::SIOCGHWTSTAMP, ifreq::SIOCGHWTSTAMP),
    ] {
        assert_eq!(
            libc_value,
            libc::c_ulong::from(ours),
            "{:?}",
            ifreq::ioctl_name(ours)
        );
    }
    assert_eq!(libc::IFNAMSIZ, IFNAMSIZ);
    let iff = [
        (libc::IFF_UP, IfFlags::UP),
        (libc::IFF_BROADCAST, IfFlags::BROADCAST),
        (libc::IFF_DEBUG, IfFlags::DEBUG),
        (libc::IFF_LOOPBACK, IfFlags::LOOPBACK),
        (libc::IFF_POINTOPOINT, IfFlags::POINTOPOINT),
        (libc::IFF_NOTRAILERS, IfFlags::NOTRAILERS),
        (libc::IFF_RUNNING, IfFlags::RUNNING),
        (libc::IFF_NOARP, IfFlags::NOARP),
        (libc::IFF_PROMISC, IfFlags::PROMISC),
        (libc::IFF_ALLMULTI, IfFlags::ALLMULTI),
        (libc::IFF_MASTER, IfFlags::MASTER),
        (libc::IFF_SLAVE, IfFlags::SLAVE),
        (libc::IFF_MULTICAST, IfFlags::MULTICAST),
        (libc::IFF_PORTSEL, IfFlags::PORTSEL),
        (libc::IFF_AUTOMEDIA, IfFlags::AUTOMEDIA),
        (libc::IFF_DYNAMIC, IfFlags::DYNAMIC),
    ];
    for (libc_value, ours) in iff {
        assert_eq!(libc_value, libc::c_int::from(ours.bits()));
    }
    assert_eq!(libc::IFF_LOWER_UP.cast_unsigned(), ifreq::IFF_LOWER_UP);
    assert_eq!(libc::IFF_DORMANT.cast_unsigned(), ifreq::IFF_DORMANT);
    assert_eq!(libc::IFF_ECHO.cast_unsigned(), ifreq::IFF_ECHO);
    assert_eq!(size_of::<libc::ifreq>(), size_of::<Ifreq>());
    assert_eq!(size_of::<libc::ifconf>(), size_of::<Ifconf>());
    assert_eq!(size_of::<libc::sockaddr>(), size_of::<Sockaddr>());
}

/// The private flag values netdevice(7) lists: no current header has them (the kernel moved
/// and renumbered them), so they are pinned here to the Linux 2.6 `include/linux/if.h` values.
#[test]
fn private_flags_have_the_documented_values() {
    let expected = [
        (IfPrivFlags::VLAN_802_1Q, 0x1),
        (IfPrivFlags::EBRIDGE, 0x2),
        (IfPrivFlags::SLAVE_INACTIVE, 0x4),
        (IfPrivFlags::MASTER_8023AD, 0x8),
        (IfPrivFlags::MASTER_ALB, 0x10),
        (IfPrivFlags::BONDING, 0x20),
        (IfPrivFlags::SLAVE_NEEDARP, 0x40),
        (IfPrivFlags::ISATAP, 0x80),
    ];
    for (flag, bits) in expected {
        assert_eq!(flag.bits(), bits);
    }
}

// ---- Real ioctls: read-only, on loopback, in the root namespace. ----

/// A UDP socket closed on drop.
struct Socket(libc::c_int);

impl Socket {
    fn udp() -> Socket {
        // SAFETY: plain socket(2) call.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        Socket(fd)
    }

    /// Issues `request` with `arg` as its argument; the error is the errno.
    fn ioctl<T: IntoBytes + FromBytes>(&self, request: u32, arg: &mut T) -> Result<(), i32> {
        // SAFETY: `arg` is a valid, writable struct of the size the request expects (the
        // types' sizes equal the C structs', checked above).
        let rc = unsafe { libc::ioctl(self.0, request as _, arg as *mut T) };
        if rc < 0 {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap())
        } else {
            Ok(())
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: closing the descriptor this value owns.
        unsafe { libc::close(self.0) };
    }
}

fn lo() -> IfName {
    IfName::new("lo").unwrap()
}

fn sysfs(attr: &str) -> i32 {
    std::fs::read_to_string(format!("/sys/class/net/lo/{attr}"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn kernel_ifindex_and_name() {
    let sock = Socket::udp();
    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFINDEX, &mut req).unwrap();
    let d = decode(ifreq::SIOCGIFINDEX, req.as_bytes()).unwrap();
    // SAFETY: a NUL-terminated C string.
    let expected = unsafe { libc::if_nametoindex(c"lo".as_ptr()) } as i32;
    assert_eq!(d.value, IfreqValue::Index(expected));
    assert_eq!(
        d.to_string(),
        format!("SIOCGIFINDEX \"lo\" ifindex={expected}")
    );

    // SIOCGIFNAME: "the only ioctl which returns its result in ifr_name".
    let mut req = Ifreq::with_ifindex(expected);
    sock.ioctl(ifreq::SIOCGIFNAME, &mut req).unwrap();
    let d = decode(ifreq::SIOCGIFNAME, req.as_bytes()).unwrap();
    assert_eq!(d.name, None);
    assert_eq!(
        d.value,
        IfreqValue::IndexToName {
            ifindex: expected,
            name: lo().into()
        }
    );

    let mut missing = Ifreq::with_name(IfName::new("nosuchdev0").unwrap());
    assert_eq!(
        sock.ioctl(ifreq::SIOCGIFINDEX, &mut missing),
        Err(libc::ENODEV)
    );
}

#[test]
fn kernel_flags_mtu_qlen_metric() {
    let sock = Socket::udp();
    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFFLAGS, &mut req).unwrap();
    let flags = req.flags();
    assert!(
        flags.contains(IfFlags::UP | IfFlags::LOOPBACK | IfFlags::RUNNING),
        "{flags}"
    );
    // sysfs shows dev->flags; SIOCGIFFLAGS shows dev_get_flags(), which computes RUNNING
    // from the operational state and PROMISC/ALLMULTI from what user space asked for.
    let sys_flags = std::fs::read_to_string("/sys/class/net/lo/flags").unwrap();
    let sys_flags = u16::from_str_radix(sys_flags.trim().trim_start_matches("0x"), 16).unwrap();
    let derived = IfFlags::RUNNING | IfFlags::PROMISC | IfFlags::ALLMULTI;
    assert_eq!(
        flags.difference(derived),
        IfFlags::from_bits_retain(sys_flags).difference(derived)
    );

    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFMTU, &mut req).unwrap();
    assert_eq!(
        decode(ifreq::SIOCGIFMTU, req.as_bytes()).unwrap().value,
        IfreqValue::Mtu(sysfs("mtu"))
    );

    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFTXQLEN, &mut req).unwrap();
    assert_eq!(req.qlen(), sysfs("tx_queue_len"));

    // netdevice(7): "it sets ifr_metric to 0 if you attempt to read it".
    let mut req = Ifreq::with_name(lo());
    req.set_metric(99);
    sock.ioctl(ifreq::SIOCGIFMETRIC, &mut req).unwrap();
    assert_eq!(req.metric(), 0);

    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFMAP, &mut req).unwrap();
    assert!(matches!(
        decode(ifreq::SIOCGIFMAP, req.as_bytes()).unwrap().value,
        IfreqValue::Map(_)
    ));
}

#[test]
fn kernel_addresses() {
    let sock = Socket::udp();
    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFADDR, &mut req).unwrap();
    assert_eq!(req.addr().ipv4().unwrap(), std::net::Ipv4Addr::LOCALHOST);
    assert_eq!(
        decode(ifreq::SIOCGIFADDR, req.as_bytes())
            .unwrap()
            .to_string(),
        r#"SIOCGIFADDR "lo" addr=127.0.0.1"#
    );
    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFNETMASK, &mut req).unwrap();
    assert_eq!(
        req.netmask().ipv4().unwrap(),
        std::net::Ipv4Addr::new(255, 0, 0, 0)
    );

    // The hardware address of lo: type ARPHRD_LOOPBACK, six zero bytes.
    let mut req = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFHWADDR, &mut req).unwrap();
    let hw = req.hwaddr();
    assert_eq!(hw.arphrd, ifreq::ARPHRD_LOOPBACK);
    assert_eq!(hw.as_bytes(), [0; 6]);
    assert_eq!(
        decode(ifreq::SIOCGIFHWADDR, req.as_bytes())
            .unwrap()
            .to_string(),
        r#"SIOCGIFHWADDR "lo" hwaddr=00:00:00:00:00:00 (loopback)"#
    );
}

/// Where the kernel differs from the seed: netdevice(7) documents SIOCGIFPFLAGS, but current
/// kernels pass it to devinet_ioctl, which does not handle it.
#[test]
fn kernel_private_flags_are_not_implemented() {
    let sock = Socket::udp();
    let mut req = Ifreq::with_name(lo());
    assert_eq!(
        sock.ioctl(ifreq::SIOCGIFPFLAGS, &mut req),
        Err(libc::EINVAL)
    );
}

#[test]
fn kernel_ifconf_sizing_and_walk() {
    let sock = Socket::udp();
    // A NULL buffer asks for the size needed.
    let mut conf = Ifconf::new(0, 0);
    sock.ioctl(ifreq::SIOCGIFCONF, &mut conf).unwrap();
    let needed = usize::try_from(conf.len()).unwrap();
    assert!(needed >= IFREQ_SIZE, "lo has 127.0.0.1");
    assert_eq!(needed % IFREQ_SIZE, 0);

    // Room for one record more than needed, in case an address appears in between.
    let mut buf = vec![0u8; needed + IFREQ_SIZE];
    let mut conf = Ifconf::new(i32::try_from(buf.len()).unwrap(), buf.as_mut_ptr() as u64);
    sock.ioctl(ifreq::SIOCGIFCONF, &mut conf).unwrap();
    let got = usize::try_from(conf.len()).unwrap();
    assert!(!ifconf_may_be_truncated(buf.len(), got));
    assert_eq!(
        decode(ifreq::SIOCGIFCONF, conf.as_bytes())
            .unwrap()
            .to_string(),
        format!("SIOCGIFCONF ifc_len={got} ifc_buf={:#x}", conf.buf())
    );
    let recs: Vec<&Ifreq> = records(&buf[..got]).map(Result::unwrap).collect();
    assert_eq!(recs.len(), got / IFREQ_SIZE);
    assert!(
        recs.iter().any(|r| r.name().as_bytes() == b"lo"
            && r.addr().ipv4() == Ok(std::net::Ipv4Addr::LOCALHOST)),
        "{recs:?}"
    );
    for r in &recs {
        // Only IPv4 addresses are listed; the name is the label, its device part is valid.
        assert_eq!(r.addr().family(), libc::AF_INET as u16);
        assert!(r.name().device().is_ok(), "{:?}", r.name());
    }

    // "The kernel will skip the exceeding ones and return success": one byte short of the
    // records reported above, the last record is dropped silently.
    let short = got - 1;
    let mut buf = vec![0u8; short];
    let mut conf = Ifconf::new(i32::try_from(short).unwrap(), buf.as_mut_ptr() as u64);
    sock.ioctl(ifreq::SIOCGIFCONF, &mut conf).unwrap();
    let partial = usize::try_from(conf.len()).unwrap();
    assert_eq!(partial, got - IFREQ_SIZE);
    assert!(ifconf_may_be_truncated(short, partial));
    assert_eq!(records(&buf[..partial]).count(), recs.len() - 1);
}

/// The same call through libc's own `ifreq` gives the same bytes as through [`Ifreq`].
#[test]
fn kernel_answer_matches_libc_struct() {
    let sock = Socket::udp();
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut theirs: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in theirs.ifr_name.iter_mut().zip(b"lo") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: SIOCGIFMTU with a valid ifreq.
    let rc = unsafe { libc::ioctl(sock.0, libc::SIOCGIFMTU as _, &mut theirs) };
    assert_eq!(rc, 0);
    let mut ours = Ifreq::with_name(lo());
    sock.ioctl(ifreq::SIOCGIFMTU, &mut ours).unwrap();
    // SAFETY: reading the libc struct's bytes.
    let their_bytes: [u8; IFREQ_SIZE] = unsafe { std::mem::transmute(theirs) };
    assert_eq!(ours.as_bytes(), their_bytes);
    // SAFETY: the union member SIOCGIFMTU wrote.
    assert_eq!(ours.mtu(), unsafe { theirs.ifr_ifru.ifru_mtu });
}
