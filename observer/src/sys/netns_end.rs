//! Telling when a network namespace ends, without keeping it alive.
//!
//! Anything that refers to a namespace (its file held open, a socket in it) keeps it alive,
//! and its inode number is no name for it either: once it ends, the kernel may give that
//! number to a namespace made later. So bindscope gives the namespace a peer id in its own
//! namespace (`RTM_NEWNSID` with the namespace's file, as `ip netns set NAME auto` does; the
//! kernel hands such ids out itself whenever it names a peer namespace, such as the far end
//! of a veth, and `ip netns list-id` lists them), closes the file, and waits for the
//! `RTM_DELNSID` of that id, which the kernel sends when it tears the namespace down
//! (net/core/net_namespace.c `cleanup_net` → `unhash_nsid`). A namespace ends when nothing
//! refers to it any more: its name deleted (`ip netns del`), its last process gone.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_route::nsid::{NsidAttribute, NsidMessage};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

/// `RTNLGRP_NSID` (include/uapi/linux/rtnetlink.h).
const RTNLGRP_NSID: u32 = 28;
/// Large enough for any datagram of nsid messages.
const RECEIVE_BUFFER: usize = 16 * 1024;

/// A watch on one namespace's end (see the module's documentation).
pub struct NetnsEnd {
    /// Subscribed to `RTNLGRP_NSID`; non-blocking.
    events: Socket,
    /// For the dump that settles it when notifications were lost.
    requests: Socket,
    /// The namespace's peer id in ours.
    nsid: i32,
    buffer: Vec<u8>,
}

impl NetnsEnd {
    /// Starts watching the namespace `ns` refers to; `ns` may be closed once this returns.
    /// Needs CAP_NET_ADMIN (to give the id), as `ip netns set` does.
    pub fn watch(ns: &File) -> io::Result<NetnsEnd> {
        // Subscribed before the id exists, so that no end goes unseen.
        let mut events = Socket::new(NETLINK_ROUTE)?;
        events.bind_auto()?;
        events.add_membership(RTNLGRP_NSID)?;
        events.set_non_blocking(true)?;
        let mut requests = Socket::new(NETLINK_ROUTE)?;
        requests.bind_auto()?;
        requests.connect(&SocketAddr::new(0, 0))?;
        let mut buffer = vec![0; RECEIVE_BUFFER];
        let fd = ns.as_raw_fd() as u32;
        let nsid = match get_id(&mut requests, &mut buffer, fd)? {
            Some(id) => id,
            None => {
                // -1: any free id. EEXIST: someone gave it one meanwhile.
                let assigned =
                    request(&mut requests, &mut buffer, new_id(fd), NLM_F_ACK).and(Ok(()));
                match assigned {
                    Err(e) if e.raw_os_error() != Some(libc::EEXIST) => return Err(e),
                    _ => {}
                }
                get_id(&mut requests, &mut buffer, fd)?
                    .ok_or_else(|| io::Error::other("the kernel gave the namespace no id"))?
            }
        };
        Ok(NetnsEnd {
            events,
            requests,
            nsid,
            buffer,
        })
    }

    /// Whether the namespace has ended, from the notifications waiting now; never blocks.
    pub fn ended(&mut self) -> bool {
        loop {
            let size = match self
                .events
                .recv(&mut &mut self.buffer[..], libc::MSG_DONTWAIT)
            {
                Ok(size) => size,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                // Notifications were lost: the ids now in use settle it.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => return !self.listed(),
                Err(e) => {
                    log::debug!("reading namespace-id notifications: {e}");
                    return false;
                }
            };
            let ended = parse(&self.buffer[..size]).iter().any(|message| {
                matches!(
                    &message.payload,
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelNsId(m))
                        if id_of(m) == Some(self.nsid)
                )
            });
            if ended {
                return true;
            }
        }
    }

    /// Whether the namespace's id is still among the peer ids of ours (`RTM_GETNSID` dump);
    /// true if that cannot be told.
    fn listed(&mut self) -> bool {
        let dump = RouteNetlinkMessage::GetNsId(NsidMessage::default());
        match request(&mut self.requests, &mut self.buffer, dump, NLM_F_DUMP) {
            Ok(messages) => messages.iter().any(|m| match m {
                RouteNetlinkMessage::NewNsId(m) => id_of(m) == Some(self.nsid),
                _ => false,
            }),
            Err(e) => {
                log::debug!("listing namespace ids: {e}");
                true
            }
        }
    }
}

/// The `NETNSA_NSID` of `message`.
fn id_of(message: &NsidMessage) -> Option<i32> {
    message.attributes.iter().find_map(|a| match a {
        NsidAttribute::Id(id) => Some(*id),
        _ => None,
    })
}

/// `RTM_NEWNSID` giving the namespace of `fd` any free id.
fn new_id(fd: u32) -> RouteNetlinkMessage {
    let mut message = NsidMessage::default();
    message.attributes = vec![NsidAttribute::Fd(fd), NsidAttribute::Id(-1)];
    RouteNetlinkMessage::NewNsId(message)
}

/// The id the namespace of `fd` has in ours, if it has one (`RTM_GETNSID`).
fn get_id(requests: &mut Socket, buffer: &mut [u8], fd: u32) -> io::Result<Option<i32>> {
    let mut message = NsidMessage::default();
    message.attributes = vec![NsidAttribute::Fd(fd)];
    let answers = request(requests, buffer, RouteNetlinkMessage::GetNsId(message), 0)?;
    Ok(answers
        .iter()
        .find_map(|m| match m {
            RouteNetlinkMessage::NewNsId(m) => id_of(m),
            _ => None,
        })
        .filter(|&id| id >= 0))
}

/// Sends `message` with `flags` besides `NLM_F_REQUEST` and collects the answers: until
/// `NLMSG_DONE` for a dump, the acknowledgement with `NLM_F_ACK`, else the one answer. An
/// error answer is the error.
fn request(
    socket: &mut Socket,
    buffer: &mut [u8],
    message: RouteNetlinkMessage,
    flags: u16,
) -> io::Result<Vec<RouteNetlinkMessage>> {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | flags;
    header.sequence_number = 1;
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
    packet.finalize();
    let mut bytes = vec![0; packet.buffer_len()];
    packet.serialize(&mut bytes);
    socket.send(&bytes, 0)?;
    let mut answers = Vec::new();
    loop {
        let size = socket.recv(&mut &mut buffer[..], 0)?;
        for message in parse(&buffer[..size]) {
            match message.payload {
                NetlinkPayload::Error(error) => {
                    return match error.code {
                        Some(code) => Err(io::Error::from_raw_os_error(-code.get())),
                        None => Ok(answers),
                    }
                }
                NetlinkPayload::Done(_) => return Ok(answers),
                NetlinkPayload::InnerMessage(inner) => {
                    answers.push(inner);
                    if flags & NLM_F_DUMP == 0 && flags & NLM_F_ACK == 0 {
                        return Ok(answers);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The netlink messages of one datagram (those that parse).
fn parse(mut bytes: &[u8]) -> Vec<NetlinkMessage<RouteNetlinkMessage>> {
    let mut messages = Vec::new();
    while !bytes.is_empty() {
        let Ok(message) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(bytes) else {
            break;
        };
        // Messages are aligned to 4 bytes (NLMSG_ALIGN).
        let length = (message.header.length as usize).next_multiple_of(4);
        if length == 0 {
            break;
        }
        messages.push(message);
        bytes = bytes.get(length..).unwrap_or_default();
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `ip` with `args`; false if it cannot (no iproute2, no privileges).
    fn ip(args: &[&str]) -> bool {
        std::process::Command::new("ip")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    #[test]
    fn the_end_of_a_namespace_is_told_and_not_before() {
        let name = format!("bs-{}-nsend", std::process::id());
        if !ip(&["netns", "add", &name]) {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs as root with iproute2"
            );
            eprintln!("skipped: cannot create a network namespace here");
            return;
        }
        // The file is closed once watching: nothing of ours keeps the namespace.
        let watch = File::open(format!("/run/netns/{name}")).and_then(|ns| NetnsEnd::watch(&ns));
        if !ip(&["netns", "del", &name]) {
            panic!("could not delete namespace {name}");
        }
        let mut watch = watch.expect("watching");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !watch.ended() {
            assert!(
                std::time::Instant::now() < deadline,
                "no RTM_DELNSID for namespace {name}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
