//! The `bindscope` command: trace which interface sockets use, and why.
//!
//! Only the command line lives here: clap's definitions, and turning parsed arguments into
//! the library's options. What each command does is in `bindscope::commands`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bindscope::stream::Limits;
use bindscope::trace::config::parse_ring_size;
use bindscope::{commands, escape, explain, routes};
use bindscope::{Cidr, Config, EventSet, Filter, NetnsSpec};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use sockabi::IfName;

/// Which interface will this socket use, and why?
///
/// bindscope traces, live and system-wide, the calls that pin sockets to interfaces
/// (SO_BINDTODEVICE, SO_BINDTOIFINDEX, IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_UNICAST_IF,
/// IP_PKTINFO and their IPv6 forms, ...), netdevice ioctls, per-packet control data, and every
/// IPv4 and IPv6 route lookup with its result and the policy rule behind it. `explain` walks
/// one IPv4 decision before any traffic; `routes` shows the IPv4 and IPv6 tables and rules.
/// Needs root (or CAP_BPF + CAP_PERFMON, and CAP_DAC_READ_SEARCH to read tracefs).
#[derive(Parser)]
#[command(name = "bindscope", version, long_version = commands::LONG_VERSION, about, long_about)]
struct Cli<C: Subcommand> {
    #[command(subcommand)]
    command: C,
}

/// What `bindscope` is run as: a command, or one of the packagers' generators, which are
/// hidden (from `--help`, and from the man pages and completions, which are made from
/// `Cli<Command>` alone).
#[derive(Subcommand)]
enum Invocation {
    #[command(flatten)]
    Command(Command),
    /// Write bindscope's man pages into DIR: bindscope.1 and one per command
    /// (bindscope-trace.1, ...). For packaging.
    #[command(hide = true)]
    GenerateMan {
        /// Where to write them.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Write the completion script for SHELL into DIR. For packaging.
    #[command(hide = true)]
    GenerateCompletions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
        /// Where to write it.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Trace pinning calls, ioctls, control data and IPv4/IPv6 route lookups live, until
    /// Ctrl-C, --duration or --count.
    Trace(TraceArgs),
    /// Show a namespace's routing tables as route(8) lays them out (IPv4: `route -n`; with
    /// -6: `route -A inet6 -n`), with its policy rules (--rules), and stream their changes
    /// (--watch).
    Routes(RoutesArgs),
    /// Serve Prometheus metrics of what is traced (no event output), until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Explain the IPv4 or IPv6 route decision the kernel takes for a flow, before any traffic: the
    /// rules it passes and why, the routes that matched and lost in each table, and the
    /// outcome.
    Explain(ExplainArgs),
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The destination address (IPv4 or IPv6).
    #[arg(value_name = "DST")]
    dst: std::net::IpAddr,
    /// The device the socket is bound to (SO_BINDTODEVICE): the lookup's oif.
    #[arg(long, value_name = "IFNAME", conflicts_with = "ifindex")]
    dev: Option<String>,
    /// The bound device, by index (SO_BINDTOIFINDEX).
    #[arg(long, value_name = "N")]
    ifindex: Option<u32>,
    /// The socket's IP_MULTICAST_IF (a device, or an address: the device that owns it, and
    /// the source of a socket bound to no address): the oif of lookups to multicast groups,
    /// where no device is bound.
    #[arg(long, value_name = "IFNAME|ADDR")]
    multicast_if: Option<String>,
    /// The socket's IP_UNICAST_IF: the oif of lookups to other destinations (the broadcasts
    /// too), where no device is bound.
    #[arg(long, value_name = "IFNAME")]
    unicast_if: Option<String>,
    /// The source address (a socket bound to an address, or IP_PKTINFO's).
    #[arg(long, value_name = "ADDR")]
    src: Option<std::net::IpAddr>,
    /// The firewall mark (SO_MARK), decimal or 0x hex.
    #[arg(long, value_name = "N", value_parser = parse_number)]
    mark: Option<u32>,
    /// The socket owner's uid (default: bindscope's own, as the kernel takes it).
    #[arg(long, value_name = "N")]
    uid: Option<u32>,
    /// The TOS byte (IP_TOS), decimal or 0x hex.
    #[arg(long, value_name = "N", value_parser = parse_number, default_value = "0")]
    tos: u32,
    /// For a packet received from --src: the device it came in on (an input decision:
    /// deliver or forward).
    #[arg(long, value_name = "IFNAME")]
    iif: Option<String>,
    /// The IP protocol, for rules that select on it.
    #[arg(long, value_enum)]
    proto: Option<Proto>,
    /// The source port, for rules that select on it.
    #[arg(long, value_name = "N")]
    sport: Option<u16>,
    /// The destination port.
    #[arg(long, value_name = "N")]
    dport: Option<u16>,
    /// The IPv6 flow label (20 bits), decimal or 0x hex.
    #[arg(long, value_name = "N", value_parser = parse_number)]
    flowlabel: Option<u32>,
    /// The network namespace, as `ip -n` takes it (a name from /run/netns, or a file such as /proc/PID/ns/net), or a pid; default: bindscope's own.
    #[arg(long, value_name = "NAME|PATH|PID")]
    netns: Option<String>,
    /// The walk as one JSON document; schema in the README.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Proto {
    Udp,
    Tcp,
    Icmp,
}

/// A number in decimal or, with `0x`, hexadecimal, as `ip` takes marks.
fn parse_number(text: &str) -> Result<u32, String> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse(),
    }
    .map_err(|_| format!("\"{text}\" is not a number (decimal, or hexadecimal with 0x)"))
}

#[derive(clap::Args)]
struct RoutesArgs {
    /// The network namespace, as `ip -n` takes it (a name from /run/netns, or a file such as /proc/PID/ns/net), a pid or an inode; default: bindscope's own.
    #[arg(long, value_name = "NAME|PATH|PID")]
    netns: Option<String>,
    /// IPv6 instead of IPv4 (as --family inet6).
    #[arg(short = '6', conflicts_with_all = ["inet", "family"])]
    inet6: bool,
    /// IPv4 (the default; as --family inet).
    #[arg(short = '4', conflicts_with = "family")]
    inet: bool,
    /// The address family: inet (IPv4, the default) or inet6.
    #[arg(long, value_enum, value_name = "FAMILY")]
    family: Option<FamilyArg>,
    /// The table: a number, a name from /etc/iproute2/rt_tables (main, local, default), or
    /// `all`. Default: main for IPv4 (what `route -n` shows), all for IPv6 (what
    /// `route -A inet6 -n` shows: every table in one, in the kernel's order).
    #[arg(long, value_name = "ID|NAME|all")]
    table: Option<String>,
    /// Also the policy rules, as `ip rule show` (`ip -6 rule show`) prints them.
    #[arg(long)]
    rules: bool,
    /// One JSON document instead of the table (with --watch: one JSON object per change).
    #[arg(long)]
    json: bool,
    /// After the tables, print each change of a route, rule or address (of the family) as
    /// it happens, one line each, until Ctrl-C.
    #[arg(long)]
    watch: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FamilyArg {
    Inet,
    Inet6,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct TraceArgs {
    /// One JSON object per line (NDJSON) instead of the table; schema in the README.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    selection: Selection,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// When to colour the table.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Also serve Prometheus metrics at http://ADDR/metrics (see `bindscope serve`).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<std::net::SocketAddr>,
    /// Allow --metrics on an address other than loopback.
    #[arg(long, requires = "metrics")]
    metrics_public: bool,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Where to serve the metrics: http://ADDR/metrics.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    metrics: std::net::SocketAddr,
    /// Allow an address other than loopback: the metrics name this host's namespaces,
    /// devices and failing calls.
    #[arg(long)]
    metrics_public: bool,
    #[command(flatten)]
    selection: Selection,
}

/// What to trace: the filters `trace` and `serve` share.
#[derive(clap::Args)]
struct Selection {
    /// Only this process id (thread group).
    #[arg(long, value_name = "PID")]
    pid: Option<u32>,
    /// Only tasks with this command name (at most 15 bytes).
    #[arg(long, value_name = "NAME")]
    comm: Option<String>,
    /// With --pid or --comm: also the route lookups the kernel makes in softirq context
    /// (receiving, forwarding), which belong to no task; narrow them with --netns.
    #[arg(long)]
    softirq: bool,
    /// Only this network namespace (for route lookups: the namespace whose FIB was consulted): as `ip -n` takes it (a name from /run/netns, a file such as /proc/PID/ns/net), a pid or an inode.
    #[arg(long, value_name = "NAME|PATH|PID|INODE", value_parser = parse::<NetnsSpec>)]
    netns: Option<NetnsSpec>,
    /// Only route lookups involving this interface (as requested oif, iif or result).
    #[arg(long, value_name = "IFNAME", value_parser = parse_ifname)]
    dev: Option<IfName>,
    /// Only route lookups towards this prefix (198.51.100.0/24, 2001:db8::/32), and so of its
    /// family.
    #[arg(long, value_name = "CIDR", value_parser = parse::<Cidr>)]
    dst: Option<Cidr>,
    /// Event families to trace: sockopt, route, ioctl, cmsg (comma-separated).
    #[arg(long, value_name = "LIST", default_value = "sockopt,route,ioctl,cmsg", value_parser = parse::<EventSet>)]
    events: EventSet,
    /// Only failed calls and failed route decisions.
    #[arg(long)]
    errors_only: bool,
    /// Only events from this container (its id from the cgroup path, or a prefix of it).
    #[arg(long, value_name = "ID")]
    container: Option<String>,
    /// Ring buffer size in bytes: a power of two, at least 4096 (suffixes k, m).
    #[arg(long, value_name = "BYTES", default_value = "4m", value_parser = parse_ring_size)]
    ring_size: u32,
}

impl Selection {
    /// The tracer's configuration; bindscope's own calls are never traced.
    fn config(self) -> Config {
        Config {
            events: self.events,
            filter: Filter {
                pid: self.pid,
                comm: self.comm,
                netns: self.netns,
                dev: self.dev,
                dst: self.dst,
                errors_only: self.errors_only,
                container: self.container,
                softirq: self.softirq,
                exclude_pid: Some(std::process::id()),
            },
            ring_size: self.ring_size,
        }
    }
}

fn parse<T: std::str::FromStr<Err = bindscope::Error>>(text: &str) -> Result<T, String> {
    text.parse().map_err(|e: bindscope::Error| e.to_string())
}

fn parse_ifname(text: &str) -> Result<IfName, String> {
    IfName::from_bytes(text.as_bytes())
        .ok()
        .filter(|n| n.as_bytes().len() == text.len())
        .ok_or_else(|| {
            format!(
                "\"{text}\" is not a valid interface name (1 to 15 bytes, no '/', ':' or spaces)"
            )
        })
}

fn main() -> ExitCode {
    let cli = match Cli::<Invocation>::try_parse() {
        Ok(cli) => cli,
        Err(err) => return bad_command_line(err),
    };
    // A daemon says what it does through its log; the interactive commands only warn.
    let level = match cli.command {
        Invocation::Command(Command::Serve(_)) => "info",
        _ => "warn",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .format(|buf, record| {
            // env_logger's own layout; the message by the escaping rule (logs quote names).
            writeln!(
                buf,
                "[{} {:<5} {}] {}",
                buf.timestamp(),
                record.level(),
                record.target(),
                escape::text(&record.args().to_string())
            )
        })
        .init();
    let result = match cli.command {
        Invocation::Command(Command::Trace(args)) => trace(args),
        Invocation::Command(Command::Routes(args)) => routes(args),
        Invocation::Command(Command::Explain(args)) => explain(args),
        Invocation::Command(Command::Serve(args)) => serve(args),
        Invocation::GenerateMan { dir } => commands::man_pages(Cli::<Command>::command(), &dir),
        Invocation::GenerateCompletions { shell, dir } => {
            commands::completions(Cli::<Command>::command(), shell, &dir)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): what it read is all it wanted.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            // Errors quote what they were given (a device, a namespace, a table): one line,
            // by the escaping rule.
            eprintln!("bindscope: error: {}", escape::text(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

/// A value one of our parsers refused is one line, as every other error, saying what is
/// expected (exit status 2, as clap's). Clap's own errors (an unknown option, a missing
/// argument) print as clap words them, and `--help` as clap writes it. Each quotes what was
/// typed, so each line goes through the escaping rule.
fn bad_command_line(err: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() == ErrorKind::ValueValidation {
        if let Some(reason) = std::error::Error::source(&err).map(ToString::to_string) {
            let context = |kind| match err.get(kind) {
                Some(ContextValue::String(text)) => Some(text.clone()),
                _ => None,
            };
            match (
                context(ContextKind::InvalidArg),
                context(ContextKind::InvalidValue),
            ) {
                // Ours name the option and the value; a standard parser's do not.
                (Some(arg), Some(value)) if !reason.contains(&value) => {
                    // `--duration <SECS>`: the option is enough.
                    let arg = arg
                        .split_once(' ')
                        .map_or(arg.as_str(), |(option, _)| option);
                    let line = format!("bad {arg} \"{value}\": {reason}");
                    eprintln!("bindscope: error: {}", escape::text(&line));
                }
                _ => eprintln!("bindscope: error: {}", escape::text(&reason)),
            }
            return ExitCode::from(2);
        }
    }
    if !err.use_stderr() {
        err.exit()
    }
    for line in err.render().to_string().lines() {
        eprintln!("{}", escape::text(line));
    }
    ExitCode::from(2)
}

fn routes(args: RoutesArgs) -> anyhow::Result<()> {
    let family = match (args.inet6, args.family) {
        (true, _) | (_, Some(FamilyArg::Inet6)) => routes::Family::Inet6,
        _ => routes::Family::Inet,
    };
    commands::routes(&commands::RoutesOptions {
        netns: args
            .netns
            .as_deref()
            .map(str::parse::<NetnsSpec>)
            .transpose()?,
        family,
        tables: match &args.table {
            Some(table) => routes::Tables::parse(table)?,
            None => family.default_tables(),
        },
        rules: args.rules,
        json: args.json,
        watch: args.watch,
    })
}

fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let dst = match args.dst {
        std::net::IpAddr::V4(dst) => dst,
        std::net::IpAddr::V6(dst) => return explain6(dst, args),
    };
    if args.flowlabel.is_some() {
        anyhow::bail!("--flowlabel is IPv6's: the destination {dst} is IPv4");
    }
    let src = match args.src {
        None => None,
        Some(std::net::IpAddr::V4(src)) => Some(src),
        Some(std::net::IpAddr::V6(src)) => {
            anyhow::bail!("--src {src} is IPv6, and the destination {dst} IPv4: give one family")
        }
    };
    let tos = u8::try_from(args.tos)
        .map_err(|_| anyhow::anyhow!("bad --tos {}: give a byte, 0 to 255", args.tos))?;
    let request = explain::Request {
        dst: Some(dst),
        dev: args
            .dev
            .map(explain::Device::Name)
            .or(args.ifindex.map(explain::Device::Index)),
        multicast_if: args.multicast_if.map(|text| match text.parse() {
            Ok(addr) => explain::MulticastIf::Addr(addr),
            Err(_) => explain::MulticastIf::Device(explain::Device::Name(text)),
        }),
        unicast_if: args.unicast_if.map(explain::Device::Name),
        src,
        mark: args.mark,
        uid: args.uid,
        tos,
        iif: args.iif.map(explain::Device::Name),
        proto: args.proto.map(|p| match p {
            Proto::Udp => libc::IPPROTO_UDP as u8,
            Proto::Tcp => libc::IPPROTO_TCP as u8,
            Proto::Icmp => libc::IPPROTO_ICMP as u8,
        }),
        sport: args.sport,
        dport: args.dport,
        netns: args
            .netns
            .as_deref()
            .map(str::parse::<NetnsSpec>)
            .transpose()?,
    };
    commands::explain(&request, args.json)
}

/// `explain` to an IPv6 destination: the options IPv4 sockets have only are refused.
fn explain6(dst: std::net::Ipv6Addr, args: ExplainArgs) -> anyhow::Result<()> {
    let src = match args.src {
        None => None,
        Some(std::net::IpAddr::V6(src)) => Some(src),
        Some(std::net::IpAddr::V4(src)) => {
            anyhow::bail!("--src {src} is IPv4, and the destination {dst} IPv6: give one family")
        }
    };
    if args.multicast_if.is_some() || args.unicast_if.is_some() || args.tos != 0 {
        anyhow::bail!(
            "--multicast-if, --unicast-if and --tos are IPv4 socket options: explain does not \
             take them for an IPv6 destination yet"
        );
    }
    let request = explain::Request6 {
        dst,
        dev: args
            .dev
            .map(explain::Device::Name)
            .or(args.ifindex.map(explain::Device::Index)),
        src,
        mark: args.mark,
        uid: args.uid,
        iif: args.iif.map(explain::Device::Name),
        proto: args.proto.map(|p| match p {
            Proto::Udp => libc::IPPROTO_UDP as u8,
            Proto::Tcp => libc::IPPROTO_TCP as u8,
            Proto::Icmp => libc::IPPROTO_ICMPV6 as u8,
        }),
        sport: args.sport,
        dport: args.dport,
        flowlabel: args.flowlabel,
        netns: args
            .netns
            .as_deref()
            .map(str::parse::<NetnsSpec>)
            .transpose()?,
    };
    commands::explain6(&request, args.json)
}

fn trace(args: TraceArgs) -> anyhow::Result<()> {
    if let Some(secs) = args.duration {
        anyhow::ensure!(
            secs.is_finite() && secs > 0.0,
            "bad --duration {secs}: give a positive number of seconds"
        );
    }
    let colour = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    commands::trace(commands::TraceOptions {
        config: args.selection.config(),
        limits: Limits {
            count: args.count,
            duration: args.duration.map(Duration::from_secs_f64),
            // Nothing more can come from a traced namespace that is gone.
            netns_end: true,
        },
        json: args.json,
        colour,
        metrics: args.metrics.map(|addr| (addr, args.metrics_public)),
    })
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    commands::serve(args.metrics, args.metrics_public, &args.selection.config())
}
