//! Loading and attaching the eBPF programs, and reading their ring buffer.
//!
//! [`Tracer::start`] checks what can be checked before touching the kernel (privileges, kernel
//! version, tracefs, BTF), hands the program this kernel's offsets and the filters as globals,
//! and attaches only the families asked for. Dropping the `Tracer` detaches and unloads
//! everything: aya closes the links and program fds, and nothing is pinned.
//!
//! The room of the kernel side: the configuration it is given ([`config`]), the kernel's
//! layouts read from BTF ([`btf`]) and tracefs ([`tracefs`]), attaching ([`attach`], the
//! route hooks of each family: [`route4`], [`route6`]) and the ring reader ([`ring`]). It
//! uses the host's facts (`crate::sys`) and nothing downstream of it.

mod attach;
mod btf;
pub mod config;
mod ring;
mod route4;
mod route6;
mod tracefs;

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use aya::maps::{Map, MapData, PerCpuArray};
use aya::programs::{FEntry, FExit, Program};
use aya::{Ebpf, EbpfLoader};
use aya_obj::generated::{bpf_cmd, bpf_prog_info};
use sockabi::event::{
    fib_field, fib_raw_field, rule_field, syscall_field, task_field, OFFSET_ABSENT,
};
use sockabi::IFNAMSIZ;

use crate::sys::netns::{index_in, inode_of};
use crate::Error;
use attach::{abridge, attach, attach_raw, load_error, object_error, unload};
pub use attach::{FlowFields, RouteHook};
use config::{Cidr, Config, EventSet, NetnsSpec};
use ring::RingReader;
use route4::{
    RouteHooks, RoutePrograms, BTF_ROUTE_PROGRAM, CLASSIC_ROUTE_PROGRAM, RAW_ROUTE_PROGRAM,
    RULE_FUNCTION, RULE_PROGRAMS,
};
use route6::Route6Hooks;
use tracefs::Tracefs;

/// The eBPF object, embedded at build time (see build.rs).
#[cfg(bindscope_ebpf_object)]
static OBJECT: &[u8] = aya::include_bytes_aligned!(env!("BINDSCOPE_EBPF_OBJECT_PATH"));
#[cfg(not(bindscope_ebpf_object))]
static OBJECT: &[u8] = &[];

/// (program, tracepoint category, tracepoint name) per family.
const SOCKOPT_PROGRAMS: [(&str, &str, &str); 2] = [
    ("enter_setsockopt", "syscalls", "sys_enter_setsockopt"),
    ("exit_setsockopt", "syscalls", "sys_exit_setsockopt"),
];
const IOCTL_PROGRAMS: [(&str, &str, &str); 2] = [
    ("enter_ioctl", "syscalls", "sys_enter_ioctl"),
    ("exit_ioctl", "syscalls", "sys_exit_ioctl"),
];
const CMSG_PROGRAMS: [(&str, &str, &str); 4] = [
    ("enter_sendmsg", "syscalls", "sys_enter_sendmsg"),
    ("exit_sendmsg", "syscalls", "sys_exit_sendmsg"),
    ("enter_recvmsg", "syscalls", "sys_enter_recvmsg"),
    ("exit_recvmsg", "syscalls", "sys_exit_recvmsg"),
];
/// A program of a syscall family: (program, tracepoint category, tracepoint name).
type SyscallProgram = (&'static str, &'static str, &'static str);
/// The syscall families: (its name in `--events`, the syscalls whose tracepoint formats it
/// reads, its programs).
const SYSCALL_FAMILIES: [(&str, &[&str], &[SyscallProgram]); 3] = [
    ("sockopt", &["setsockopt"], &SOCKOPT_PROGRAMS),
    ("ioctl", &["ioctl"], &IOCTL_PROGRAMS),
    ("cmsg", &["sendmsg", "recvmsg"], &CMSG_PROGRAMS),
];
/// (program, raw tracepoint) of the notes that tell whose a route lookup is: the softirq being
/// served on a CPU, and the device its packet arrived on (see `observer-ebpf/src/context.rs`).
const CONTEXT_PROGRAMS: [(&str, &str); 3] = [
    ("softirq_entry", "softirq_entry"),
    ("softirq_exit", "softirq_exit"),
    ("netif_receive_skb", "netif_receive_skb"),
];

/// A loaded and attached bindscope.
pub struct Tracer {
    // Field order is drop order: readers first, then the programs and links.
    /// Reads the records (see [`RingReader`]).
    reader: RingReader,
    /// The ring buffer map itself: its fd, for epoll. (Not aya's `RingBuf`, which would map
    /// the ring a second time.)
    events: MapData,
    lost: PerCpuArray<MapData, u64>,
    logger: Option<aya_log::EbpfLogger<&'static dyn log::Log>>,
    _ebpf: Ebpf,
    /// Whether events carry their network namespace (kernel BTF was usable).
    pub netns_tagged: bool,
    /// The families traced: those asked for, less any this kernel could not trace (each
    /// said in a warning).
    pub families: EventSet,
    /// Where route lookups are traced, if they are.
    pub route_hook: Option<RouteHook>,
    /// Which policy-routing fields of the flow route events carry on this kernel.
    pub flow_fields: FlowFields,
    /// Whether the policy rule of each table lookup is captured in the kernel (fentry/fexit on
    /// `fib4_rule_action`, where BPF trampolines exist); otherwise it is reconstructed.
    pub rules_in_kernel: bool,
    /// Where IPv6 route lookups are traced, if they are.
    pub route6_hook: Option<RouteHook>,
    /// Whether IPv6 policy rules are captured in the kernel (fentry/fexit on
    /// `fib6_rule_action`); it can differ from IPv4 (5.10: the IPv4 program is the raw
    /// tracepoint's, which the capture does not feed, the IPv6 one BTF-typed).
    pub rules6_in_kernel: bool,
    /// Which policy-routing fields of the flow IPv6 route events carry on this kernel.
    pub flow6_fields: FlowFields,
}

impl Tracer {
    /// Loads, configures and attaches the programs `config` asks for.
    pub fn start(config: &Config) -> Result<Self, Error> {
        if OBJECT.is_empty() {
            return Err(Error::ObjectMissing);
        }
        check_privileges()?;
        check_kernel_version()?;
        raise_memlock_limit();
        // Without tracefs, the syscall families cannot be traced; route lookups can, on their
        // raw tracepoints.
        let tracefs = Tracefs::find();
        // The families asked for that cannot be traced here, and why: the others are traced,
        // and each one left out is said in one line (see `say_left_out`).
        let mut left_out: Vec<(&'static str, Error)> = Vec::new();

        let mut syscall_offsets = [OFFSET_ABSENT; syscall_field::COUNT];
        let mut syscall_families = Vec::new();
        for (family, syscalls, programs) in SYSCALL_FAMILIES {
            if !config.events.contains(family) {
                continue;
            }
            let offsets = match &tracefs {
                Ok(tracefs) => tracefs::syscall_offsets(tracefs, syscalls),
                Err(unusable) => Err(unusable.error()),
            };
            match offsets {
                Ok(offsets) => {
                    for (all, one) in syscall_offsets.iter_mut().zip(offsets) {
                        if one != OFFSET_ABSENT {
                            *all = one;
                        }
                    }
                    syscall_families.push((family, programs));
                }
                Err(err) => left_out.push((family, err)),
            }
        }
        // Start-up is most of what a user waits for, and the kernel's BTF is most of start-up.
        // aya's loader parses all of it when created, for CO-RE relocations this object does
        // not have (offsets come in as globals): that runs on its own thread, which also
        // frees it there. Meanwhile we parse it for offsets, and aya parses the part of it
        // the `tp_btf` attach point needs (see `aya_btf_for_raw_tracepoint`).
        let (btf, loader, kernel_btf) = std::thread::scope(|scope| {
            let loader = scope.spawn(|| {
                let mut loader = EbpfLoader::new();
                loader.btf(None);
                // aya probes the kernel's features (a dozen small loads) on first use: here,
                // off the critical path.
                aya::features();
                loader
            });
            let (btf, kernel_btf) = match btf::read() {
                Err(err) => (Err(err), None),
                Ok(source) => match btf::Btf::parse(&source.bytes) {
                    None => (
                        Err(source.unusable("it is not BTF, or it is cut short")),
                        None,
                    ),
                    Some(btf) => {
                        // The BTF-typed attach points are type ids of the running kernel's
                        // own BTF: a copy from elsewhere gives offsets only.
                        let kernel_btf = (config.events.route && source.own)
                            .then(|| {
                                btf.aya_btf_for_raw_tracepoint(
                                    source.bytes,
                                    "fib_table_lookup",
                                    &[route6::TRACEPOINT],
                                    &[RULE_FUNCTION, route6::RULE_FUNCTION],
                                )
                            })
                            .flatten();
                        (Ok(btf), kernel_btf)
                    }
                },
            };
            (btf, join(loader), kernel_btf)
        });
        let (btf, netns) = match btf {
            Ok(btf) => {
                let netns = btf::task_offsets(&btf);
                (Some(btf), netns)
            }
            Err(err) => (None, Err(err)),
        };
        let (task_offsets, netns_tagged) = match netns {
            Ok(offsets) => (offsets, true),
            Err(err) if config.filter.netns.is_none() => {
                log::warn!("{err}; tracing without namespaces (netns 0)");
                ([OFFSET_ABSENT; task_field::COUNT], false)
            }
            Err(err) => return Err(err),
        };
        let route_hooks = match config.events.route {
            false => None,
            true => match RouteHooks::prepare(
                btf.as_ref(),
                &tracefs,
                task_offsets[task_field::TASK_COMM],
            ) {
                Ok(hooks) => Some(hooks),
                Err(err) => {
                    left_out.push(("route", err));
                    None
                }
            },
        };
        let route6_hooks = match route_hooks {
            None => None,
            Some(_) => Route6Hooks::prepare(
                btf.as_ref(),
                tracefs.as_ref().ok(),
                task_offsets[task_field::TASK_COMM],
            ),
        };
        nothing_left(config.events, &mut left_out)?;
        let (fib6_btf_offsets, fib6_offsets) = Route6Hooks::offsets(route6_hooks.as_ref());
        let fib_raw_offsets = route_hooks
            .as_ref()
            .and_then(|h| h.raw)
            .unwrap_or([OFFSET_ABSENT; fib_raw_field::COUNT]);
        let rule_offsets = match btf.as_ref().map(btf::rule_offsets) {
            Some(Ok(offsets)) => offsets,
            _ => [OFFSET_ABSENT; rule_field::COUNT],
        };
        let fib_offsets = match route_hooks.as_ref().map(|h| &h.classic) {
            Some(Ok(offsets)) => *offsets,
            _ => [OFFSET_ABSENT; fib_field::COUNT],
        };

        let filter = &config.filter;
        let pid = filter.pid.unwrap_or(0);
        let exclude_pid = filter.exclude_pid.unwrap_or(0);
        let comm = comm_filter(filter.comm.as_deref())?;
        let netns = match &filter.netns {
            None => 0,
            Some(NetnsSpec::Inode(inode)) => *inode,
            Some(NetnsSpec::Path(path)) => inode_of(path).map_err(|e| Error::BadFilter {
                what: "--netns",
                value: path.display().to_string(),
                reason: e.to_string(),
            })?,
        };
        let (ifindex, ifname) = match &filter.dev {
            None => (0i32, [0u8; IFNAMSIZ]),
            Some(name) => {
                let ns_path = match &filter.netns {
                    Some(NetnsSpec::Path(path)) => Some(path.as_path()),
                    _ => None,
                };
                let index = index_in(ns_path, name)
                    .ok()
                    .flatten()
                    .ok_or_else(|| Error::BadFilter {
                        what: "--dev",
                        value: name.to_string(),
                        reason: "no such interface in the traced namespace (give --netns PATH to look it up elsewhere)".into(),
                    })?;
                (index, name.to_c_buffer())
            }
        };
        let (mut dst_net, mut dst_mask, mut dst6_net, mut dst6_mask) =
            (0u32, 0u32, [0u64; 2], [0u64; 2]);
        let dst_family: u32 = match filter.dst {
            None => 0,
            Some(Cidr::V4(cidr)) => {
                dst_net = u32::from_ne_bytes(cidr.network.octets());
                // A /0 matches everything, like no filter; mask 0 means "no filter" in the
                // program (which still drops IPv6 lookups: the family was asked for).
                dst_mask = u32::from_ne_bytes(cidr.mask().octets());
                4
            }
            Some(Cidr::V6(cidr)) => {
                let words = |bytes: [u8; 16]| {
                    [
                        u64::from_ne_bytes(bytes[..8].try_into().unwrap_or_default()),
                        u64::from_ne_bytes(bytes[8..].try_into().unwrap_or_default()),
                    ]
                };
                dst6_net = words(cidr.network.octets());
                dst6_mask = words(cidr.mask().octets());
                6
            }
        };
        let errors_only = u32::from(filter.errors_only);
        let with_softirq = u32::from(filter.softirq);
        // Wake the reader about when an eighth of the ring is used (counting records of about
        // 128 bytes per CPU); it also reads on its own timer.
        let cpus = aya::util::nr_cpus().map_or(1, |n| n.max(1)) as u64;
        let wakeup_every = (u64::from(config.ring_size) / 8 / 128 / cpus).max(1);

        let mut loader = loader;
        loader
            .map_max_entries("EVENTS", config.ring_size)
            .override_global("FIB_OFFSETS", &fib_offsets, true)
            .override_global("FIB_RAW_OFFSETS", &fib_raw_offsets, true)
            .override_global("SYSCALL_OFFSETS", &syscall_offsets, true)
            .override_global("TASK_OFFSETS", &task_offsets, true)
            .override_global("RULE_OFFSETS", &rule_offsets, true)
            .override_global("FILTER_PID", &pid, true)
            .override_global("EXCLUDE_PID", &exclude_pid, true)
            .override_global("FILTER_COMM", &comm, true)
            .override_global("FILTER_NETNS", &netns, true)
            .override_global("FILTER_IFINDEX", &ifindex, true)
            .override_global("FILTER_IFNAME", &ifname, true)
            .override_global("FILTER_DST_NET", &dst_net, true)
            .override_global("FILTER_DST_MASK", &dst_mask, true)
            .override_global("FILTER_DST_FAMILY", &dst_family, true)
            .override_global("FILTER_DST6_NET", &dst6_net, true)
            .override_global("FILTER_DST6_MASK", &dst6_mask, true)
            .override_global("FIB6_BTF_OFFSETS", &fib6_btf_offsets, true)
            .override_global("FIB6_OFFSETS", &fib6_offsets, true)
            .override_global("ERRORS_ONLY", &errors_only, true)
            .override_global("WITH_SOFTIRQ", &with_softirq, true)
            .override_global("WAKEUP_EVERY", &wakeup_every, true);
        let mut ebpf = loader
            .load(OBJECT)
            .map_err(|e| object_error(&e, config.ring_size))?;

        // Optional: eBPF-side diagnostics through aya-log at debug level.
        let logger = if log::log_enabled!(log::Level::Debug) {
            aya_log::EbpfLogger::init(&mut ebpf).ok()
        } else {
            None
        };

        let mut attached = attach_all(
            &mut ebpf,
            &syscall_families,
            route_hooks.as_ref(),
            route6_hooks.as_ref(),
            kernel_btf.as_ref(),
        )?;
        left_out.append(&mut attached.left_out);
        let traced = nothing_left(config.events, &mut left_out)?;
        say_left_out(&left_out, traced);
        let (route_hook, rules_in_kernel) = (attached.route, attached.rules_in_kernel);
        let events = match ebpf.take_map("EVENTS") {
            Some(Map::RingBuf(events)) => events,
            _ => return Err(load_error("no EVENTS ring buffer".into())),
        };
        let reader = RingReader::new(events.fd().as_fd(), config.ring_size)
            .map_err(|e| load_error(format!("mapping the ring buffer: {e}")))?;
        let lost = PerCpuArray::try_from(
            ebpf.take_map("LOST")
                .ok_or_else(|| load_error("no LOST map".into()))?,
        )
        .map_err(|e| load_error(e.to_string()))?;
        Ok(Tracer {
            reader,
            events,
            lost,
            logger,
            _ebpf: ebpf,
            netns_tagged,
            families: traced,
            route_hook,
            flow_fields: route4::flow_fields(route_hook, &fib_raw_offsets),
            rules_in_kernel,
            route6_hook: attached.route6,
            rules6_in_kernel: attached.rules6_in_kernel,
            flow6_fields: route6_hooks
                .as_ref()
                .map_or_else(FlowFields::default, |h| h.flow_fields(attached.route6)),
        })
    }

    /// Hands the records waiting in the ring buffer to `each`, at most `max` of them; returns
    /// how many there were.
    pub fn drain(&mut self, max: usize, mut each: impl FnMut(&[u8])) -> usize {
        let count = self.reader.drain(max, &mut each);
        if let Some(logger) = self.logger.as_mut() {
            logger.flush();
        }
        count
    }

    /// Events lost so far: ring-buffer reservations that failed (summed over CPUs), and runs
    /// of our programs the kernel skipped (see [`recursion_misses`]).
    pub fn lost(&self) -> u64 {
        let full = self
            .lost
            .get(&0, 0)
            .map(|per_cpu| per_cpu.iter().sum())
            .unwrap_or(0);
        let skipped: u64 = self
            ._ebpf
            .programs()
            .filter_map(|(_, program)| program.fd().ok())
            .map(|fd| recursion_misses(fd.as_fd()))
            .sum();
        full + skipped
    }

    /// The ring buffer's fd, readable when records are waiting (for epoll / `AsyncFd`).
    pub fn ring_fd(&self) -> BorrowedFd<'_> {
        self.events.fd().as_fd()
    }
}

/// The ids of the eBPF programs loaded in the kernel right now (by any process): with the
/// `prog_id`s a bindscope process holds (`/proc/PID/fdinfo`), tests check that nothing of
/// bindscope's stays loaded after it exits, however it exits.
pub fn loaded_program_ids() -> Vec<u32> {
    kernel_ids(bpf_cmd::BPF_PROG_GET_NEXT_ID)
}

/// The ids of the eBPF maps in the kernel right now (by any process); see
/// [`loaded_program_ids`].
pub fn loaded_map_ids() -> Vec<u32> {
    kernel_ids(bpf_cmd::BPF_MAP_GET_NEXT_ID)
}

/// The ids of the BPF links in the kernel right now (by any process): what keeps a program
/// attached; see [`loaded_program_ids`].
pub fn loaded_link_ids() -> Vec<u32> {
    kernel_ids(bpf_cmd::BPF_LINK_GET_NEXT_ID)
}

/// Every id the kernel's `*_GET_NEXT_ID` command `cmd` walks through, in order. Only ids are
/// read: no object is opened (which would hold it for a moment).
fn kernel_ids(cmd: bpf_cmd) -> Vec<u32> {
    /// `bpf_attr` for the `*_GET_NEXT_ID` commands.
    #[repr(C)]
    struct NextId {
        start_id: u32,
        next_id: u32,
        open_flags: u32,
    }
    let mut ids = Vec::new();
    let mut attr = NextId {
        start_id: 0,
        next_id: 0,
        open_flags: 0,
    };
    loop {
        // SAFETY: the kernel reads `start_id` and writes `next_id` of `attr`, a valid prefix
        // of `union bpf_attr` for this command, which lives until the call returns.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_bpf,
                cmd as libc::c_long,
                &raw mut attr,
                std::mem::size_of::<NextId>(),
            )
        };
        // ENOENT past the last id; EPERM without CAP_SYS_ADMIN.
        if ret != 0 {
            return ids;
        }
        ids.push(attr.next_id);
        attr.start_id = attr.next_id;
    }
}

/// How often the kernel skipped program `fd` because a BPF program was already running on that
/// CPU: a route lookup in a softirq that interrupts our route program, for one. The event is
/// gone, so it counts as lost. Linux 5.12+ counts these; older kernels report 0.
fn recursion_misses(fd: BorrowedFd<'_>) -> u64 {
    /// `bpf_attr` for `BPF_OBJ_GET_INFO_BY_FD`.
    #[repr(C)]
    struct InfoByFd {
        bpf_fd: u32,
        info_len: u32,
        info: u64,
    }
    // SAFETY: `bpf_prog_info` is plain integers, for which all zeroes is a valid value.
    let mut info: bpf_prog_info = unsafe { std::mem::MaybeUninit::zeroed().assume_init() };
    let mut attr = InfoByFd {
        bpf_fd: fd.as_raw_fd() as u32,
        info_len: std::mem::size_of::<bpf_prog_info>() as u32,
        info: &raw mut info as u64,
    };
    // SAFETY: the kernel writes at most `info_len` bytes to `info`, which lives until the call
    // returns; `attr` is a valid prefix of `union bpf_attr` for this command.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            bpf_cmd::BPF_OBJ_GET_INFO_BY_FD as libc::c_long,
            &raw mut attr,
            std::mem::size_of::<InfoByFd>(),
        )
    };
    if ret == 0 {
        info.recursion_misses
    } else {
        0
    }
}

/// What [`attach_all`] attached.
struct Attached {
    route: Option<RouteHook>,
    rules_in_kernel: bool,
    route6: Option<RouteHook>,
    rules6_in_kernel: bool,
    /// The families that failed to attach, and why; none of their programs stays loaded.
    left_out: Vec<(&'static str, Error)>,
}

/// The programs of the route family: IPv4's forms, the context notes, the rule capture and
/// IPv6's, all unloaded together if the family cannot be traced.
const ROUTE_FAMILY_PROGRAMS: [&str; 13] = [
    BTF_ROUTE_PROGRAM,
    RAW_ROUTE_PROGRAM,
    CLASSIC_ROUTE_PROGRAM,
    CONTEXT_PROGRAMS[0].0,
    CONTEXT_PROGRAMS[1].0,
    CONTEXT_PROGRAMS[2].0,
    RULE_PROGRAMS[0],
    RULE_PROGRAMS[1],
    route6::BTF_PROGRAM,
    route6::BTF_HELPERS_PROGRAM,
    route6::CLASSIC_PROGRAM,
    route6::RULE_PROGRAMS[0],
    route6::RULE_PROGRAMS[1],
];

/// Loads and attaches the programs of the syscall families and of the route family (with
/// its context notes, and the rule capture where a route program is BTF-typed and the
/// kernel has trampolines). The kernel verifies each program as it is loaded, which is most
/// of the time this takes, so they are loaded side by side, one thread each. A family whose
/// program the kernel refuses is left out (its other programs unloaded), and said in
/// [`Attached::left_out`]; the others are traced.
fn attach_all(
    ebpf: &mut Ebpf,
    syscall_families: &[(&'static str, &[SyscallProgram])],
    route_hooks: Option<&RouteHooks>,
    route6_hooks: Option<&Route6Hooks>,
    kernel_btf: Option<&aya::Btf>,
) -> Result<Attached, Error> {
    let mut by_name: HashMap<&str, &mut Program> = ebpf.programs_mut().collect();
    let mut take = |name: &str| {
        by_name
            .remove_entry(name)
            .ok_or_else(|| load_error(format!("program {name} missing from the object")))
    };
    let route = match route_hooks {
        None => None,
        Some(hooks) => Some((
            hooks,
            RoutePrograms {
                btf: take(BTF_ROUTE_PROGRAM)?,
                raw: take(RAW_ROUTE_PROGRAM)?,
                classic: take(CLASSIC_ROUTE_PROGRAM)?,
            },
        )),
    };
    let route6 = match route6_hooks {
        None => None,
        Some(hooks) => Some((
            hooks,
            [
                take(route6::BTF_PROGRAM)?,
                take(route6::BTF_HELPERS_PROGRAM)?,
                take(route6::CLASSIC_PROGRAM)?,
            ],
            (
                take(route6::RULE_PROGRAMS[0])?,
                take(route6::RULE_PROGRAMS[1])?,
            ),
        )),
    };
    let mut context = Vec::new();
    let mut rules = None;
    if route.is_some() {
        for (program, tracepoint) in CONTEXT_PROGRAMS {
            context.push((take(program)?, tracepoint));
        }
        rules = Some((take(RULE_PROGRAMS[0])?, take(RULE_PROGRAMS[1])?));
    }
    let mut syscalls = Vec::new();
    for &(family, programs) in syscall_families {
        for &(program, category, name) in programs {
            syscalls.push((family, take(program)?, category, name));
        }
    }
    let attached = std::thread::scope(|scope| {
        let route = route.map(|(hooks, programs)| {
            scope.spawn(move || {
                let hook = hooks.attach(programs, kernel_btf)?;
                // The rule capture feeds the BTF-typed program only.
                let in_kernel = match (hook, rules, kernel_btf) {
                    (RouteHook::BtfTyped, Some(rules), Some(btf)) => {
                        attach_rule_capture(rules, btf, RULE_FUNCTION)
                    }
                    _ => false,
                };
                Ok::<_, Error>((hook, in_kernel))
            })
        });
        let route6 = route6.map(|(hooks, programs, rules)| {
            scope.spawn(move || {
                let hook = hooks.attach(programs, kernel_btf);
                let in_kernel = match (hook, kernel_btf) {
                    (Some(RouteHook::BtfTyped), Some(btf)) => {
                        attach_rule_capture(rules, btf, route6::RULE_FUNCTION)
                    }
                    _ => false,
                };
                (hook, in_kernel)
            })
        });
        let context: Vec<_> = context
            .into_iter()
            .map(|(program, tracepoint)| scope.spawn(move || attach_raw(program, tracepoint)))
            .collect();
        let syscalls: Vec<_> = syscalls
            .into_iter()
            .map(|(family, program, category, name)| {
                (family, scope.spawn(move || attach(program, category, name)))
            })
            .collect();
        // Every thread is joined; a family takes the first error of its programs (in
        // program order).
        let mut left_out: Vec<(&'static str, Error)> = Vec::new();
        let mut fail = |family: &'static str, result: Result<(), Error>| {
            if let Err(err) = result {
                if !left_out.iter().any(|(f, _)| *f == family) {
                    left_out.push((family, err));
                }
            }
        };
        let context: Vec<_> = context.into_iter().map(join).collect();
        for (family, handle) in syscalls {
            fail(family, join(handle));
        }
        let route6 = route6.map(join);
        let route = route.map(join);
        let route = match route {
            Some(Ok(route)) => Some(route),
            Some(Err(err)) => {
                fail("route", Err(err));
                None
            }
            None => None,
        };
        for result in context {
            fail("route", result);
        }
        let route_failed = left_out.iter().any(|(f, _)| *f == "route");
        let (route, route6) = match route_failed {
            true => (None, None),
            false => (route, route6),
        };
        Attached {
            route: route.map(|r| r.0),
            rules_in_kernel: route.is_some_and(|r| r.1),
            route6: route6.and_then(|r| r.0),
            rules6_in_kernel: route6.is_some_and(|r| r.1),
            left_out,
        }
    });
    // What a left-out family had attached goes: nothing of it keeps running for nothing.
    drop(by_name);
    for (family, _) in &attached.left_out {
        let names: Vec<&str> = match *family {
            "route" => ROUTE_FAMILY_PROGRAMS.to_vec(),
            family => syscall_families
                .iter()
                .filter(|(f, _)| *f == family)
                .flat_map(|(_, programs)| programs.iter().map(|p| p.0))
                .collect(),
        };
        for (name, program) in ebpf.programs_mut() {
            if names.contains(&name) {
                unload(program);
            }
        }
    }
    Ok(attached)
}

/// Drops from `left_out` the families not asked for, and returns the families that remain
/// to be traced; the first error if none does (the one thing left to say).
fn nothing_left(
    asked: EventSet,
    left_out: &mut Vec<(&'static str, Error)>,
) -> Result<EventSet, Error> {
    left_out.retain(|(family, _)| asked.contains(family));
    let mut traced = asked;
    for (family, _) in left_out.iter() {
        traced.remove(family);
    }
    if traced.is_empty() {
        if let Some((_, err)) = left_out.drain(..).next() {
            return Err(err);
        }
    }
    Ok(traced)
}

/// Says which families asked for are not traced and why (which says what to do), and what
/// is traced instead: one line per reason (tracefs missing leaves three families out).
fn say_left_out(left_out: &[(&'static str, Error)], traced: EventSet) {
    let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
    for (family, err) in left_out {
        let reason = err.to_string();
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, families)) => families.push(family),
            None => reasons.push((reason, vec![family])),
        }
    }
    for (reason, families) in reasons {
        log::warn!(
            "{} events are not traced: {reason}; tracing {}",
            families.join(", "),
            traced.names().join(", ")
        );
    }
}

/// Attaches the rule-capture programs (fentry and fexit on `function`: `fib4_rule_action` or
/// `fib6_rule_action`); false, after saying why at info level, where the kernel has no BPF
/// trampolines (this development host) or no such function. Rules are then reconstructed in
/// user space.
fn attach_rule_capture(
    (entry, exit): ((&str, &mut Program), (&str, &mut Program)),
    btf: &aya::Btf,
    function: &str,
) -> bool {
    let attached = (|| -> Result<(), String> {
        let entry: &mut FEntry = entry.1.try_into().map_err(|e| format!("{e}"))?;
        entry
            .load(function, btf)
            .map_err(|e| format!("fentry: {e}"))?;
        let exit: &mut FExit = exit.1.try_into().map_err(|e| format!("{e}"))?;
        exit.load(function, btf)
            .map_err(|e| format!("fexit: {e}"))?;
        // The exit first: alone it only clears; an entry alone would leave a rule noted.
        exit.attach().map_err(|e| format!("fexit: {e}"))?;
        entry.attach().map_err(|e| format!("fentry: {e}"))?;
        Ok(())
    })();
    match attached {
        Ok(()) => {
            log::info!("policy rules: captured in the kernel (fentry/fexit {function})");
            true
        }
        Err(err) => {
            log::info!(
                "policy rules: reconstructed in user space; fentry/fexit {function} unusable here ({})",
                abridge(&err)
            );
            false
        }
    }
}

/// Joins a scoped thread, passing its panic on.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn comm_filter(comm: Option<&str>) -> Result<[u8; 16], Error> {
    let mut buf = [0u8; 16];
    if let Some(comm) = comm {
        if comm.is_empty() || comm.len() > 15 {
            return Err(Error::BadFilter {
                what: "--comm",
                value: comm.into(),
                reason: "a task name has 1 to 15 bytes (the kernel truncates longer names to 15)"
                    .into(),
            });
        }
        buf[..comm.len()].copy_from_slice(comm.as_bytes());
    }
    Ok(buf)
}

/// CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN: checked from /proc/self/status so the user gets a
/// clear sentence instead of an EPERM from deep inside the loader.
fn check_privileges() -> Result<(), Error> {
    const CAP_SYS_ADMIN: u32 = 21;
    const CAP_PERFMON: u32 = 38;
    const CAP_BPF: u32 = 39;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let effective = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    let has = |cap: u32| effective & (1 << cap) != 0;
    if has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON)) {
        Ok(())
    } else {
        Err(Error::NotPermitted)
    }
}

/// Before Linux 5.11, BPF maps are charged against `RLIMIT_MEMLOCK`, whose default (64 KiB or
/// 8 MiB) is smaller than a ring buffer may be; later kernels ignore it.
fn raise_memlock_limit() {
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit reads the struct it is given.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } != 0 {
        log::debug!(
            "could not raise RLIMIT_MEMLOCK: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// The BPF ring buffer arrived in Linux 5.8.
fn check_kernel_version() -> Result<(), Error> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let release = release.trim().to_string();
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse::<u32>().ok());
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if version < (5, 8) && version != (0, 0) {
        return Err(Error::OldKernel { release });
    }
    Ok(())
}
