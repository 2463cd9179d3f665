//! Errors a user of bindscope meets: each one says what went wrong and what to do about it.

/// Why tracing could not start (or went on badly).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Missing privileges to load eBPF programs or open tracepoints.
    #[error(
        "permission denied: bindscope needs root, or CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on kernels before 5.8), to load eBPF programs and attach tracepoints; run it with sudo"
    )]
    NotPermitted,
    /// tracefs is not mounted.
    #[error("tracefs is not mounted: mount it with `mount -t tracefs nodev /sys/kernel/tracing`")]
    TracefsMissing,
    /// tracefs is mounted but this user cannot read it.
    #[error("tracefs at {path} cannot be read by this user (permission denied): run bindscope as root, or give it CAP_DAC_READ_SEARCH besides CAP_BPF and CAP_PERFMON")]
    TracefsUnreadable {
        /// Where it is mounted.
        path: String,
    },
    /// A tracepoint bindscope attaches to does not exist on this kernel.
    #[error("tracepoint {tracepoint} does not exist on this kernel (it needs CONFIG_FTRACE_SYSCALLS for syscalls:* and CONFIG_IP_... tracepoints for fib:*); leave it out with --events")]
    TracepointMissing {
        /// `category:name`.
        tracepoint: String,
    },
    /// A tracepoint exists but lacks a field bindscope reads.
    #[error("tracepoint {tracepoint} has no field `{field}` on this kernel; this kernel's layout is not supported yet, please report it")]
    TracepointLayout {
        /// `category:name`.
        tracepoint: String,
        /// The missing field.
        field: String,
    },
    /// No kernel BTF.
    #[error("no kernel BTF at {path} (kernels built with CONFIG_DEBUG_INFO_BTF have it): without it events carry no network namespace and --netns cannot be used; point BINDSCOPE_BTF at this kernel's BTF file (from BTFHub, say) to have them")]
    BtfMissing {
        /// Where it was looked for.
        path: String,
    },
    /// Kernel BTF that cannot be read or parsed.
    #[error("the kernel BTF at {path} cannot be used ({reason}): without it events carry no network namespace and --netns cannot be used; point BINDSCOPE_BTF at this kernel's BTF file (from BTFHub, say) to have them")]
    BtfUnreadable {
        /// Where it was read.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// BTF lacks a struct member on the task-to-netns path.
    #[error("kernel BTF has no {member}; this kernel is not supported yet for network-namespace tagging, please report it")]
    BtfMember {
        /// `struct.member.path`.
        member: String,
    },
    /// The kernel predates the BPF ring buffer.
    #[error("this kernel ({release}) has no BPF ring buffer, which arrived in Linux 5.8: bindscope needs 5.8 or newer")]
    OldKernel {
        /// `uname -r`.
        release: String,
    },
    /// Built without the eBPF object.
    #[error("this bindscope was built without its eBPF object: build it with `cargo xtask build-ebpf` (or use `cargo xtask run`)")]
    ObjectMissing,
    /// The kernel could not allocate the ring buffer.
    #[error("the kernel could not allocate a {size} ring buffer ({reason}: more memory than this memory cgroup, or the machine, can spare; before Linux 5.11, more than RLIMIT_MEMLOCK): give a smaller --ring-size (the default 4m holds some 30,000 route events)")]
    RingTooLarge {
        /// The size asked for, as `--ring-size` takes it.
        size: String,
        /// What the kernel said.
        reason: String,
    },
    /// The kernel refused the program or a map.
    #[error("the kernel rejected bindscope's eBPF program: {0} (run with RUST_LOG=debug for the verifier log)")]
    Load(String),
    /// Attaching a program failed.
    #[error("the kernel refused to attach to tracepoint {tracepoint} ({reason}): leave its family out with --events, and please report it with the output of RUST_LOG=debug")]
    Attach {
        /// `category:name`.
        tracepoint: String,
        /// What the kernel said.
        reason: String,
    },
    /// A filter value that cannot be used.
    #[error("bad {what} \"{value}\": {reason}")]
    BadFilter {
        /// The option (`--dst`, `--netns`, ...).
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it is bad and what is expected.
        reason: String,
    },
    /// An I/O error while reading events.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
