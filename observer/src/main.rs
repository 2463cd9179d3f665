//! The `bindscope` command: trace which interface sockets use, and why.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use bindscope::config::parse_ring_size;
use bindscope::output::{Human, Json, Palette};
use bindscope::stream::{self, Collector, Limits};
use bindscope::{explain, routes};
use bindscope::{Config, EventSet, Filter, Ipv4Cidr, NetnsSpec};
use clap::{Parser, Subcommand, ValueEnum};
use sockabi::IfName;

/// Which interface will this socket use, and why?
///
/// bindscope traces, live and system-wide, the calls that pin sockets to interfaces
/// (SO_BINDTODEVICE, SO_BINDTOIFINDEX, IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_UNICAST_IF,
/// IP_PKTINFO, ...), netdevice ioctls, per-packet control data, and every IPv4 route lookup
/// with its result. Needs root (or CAP_BPF + CAP_PERFMON).
#[derive(Parser)]
#[command(name = "bindscope", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Trace live until Ctrl-C, --duration or --count.
    Trace(TraceArgs),
    /// Show a namespace's IPv4 routing tables as route(8) lays them out, with its policy
    /// rules (--rules), or stream their changes (--watch).
    Routes(RoutesArgs),
    /// Explain the route decision the kernel takes for a flow, before any traffic: the rules
    /// it passes and why, the routes that matched and lost in each table, and the outcome.
    Explain(ExplainArgs),
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// The destination address.
    #[arg(value_name = "DST")]
    dst: std::net::Ipv4Addr,
    /// The device the socket is bound to (SO_BINDTODEVICE): the lookup's oif.
    #[arg(long, value_name = "IFNAME", conflicts_with = "ifindex")]
    dev: Option<String>,
    /// The bound device, by index (SO_BINDTOIFINDEX).
    #[arg(long, value_name = "N")]
    ifindex: Option<u32>,
    /// The source address (a socket bound to an address, or IP_PKTINFO's).
    #[arg(long, value_name = "ADDR")]
    src: Option<std::net::Ipv4Addr>,
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
    .map_err(|_| format!("{text:?} is not a number (decimal, or hexadecimal with 0x)"))
}

#[derive(clap::Args)]
struct RoutesArgs {
    /// The network namespace, as `ip -n` takes it (a name from /run/netns, or a file such as /proc/PID/ns/net), a pid or an inode; default: bindscope's own.
    #[arg(long, value_name = "NAME|PATH|PID")]
    netns: Option<String>,
    /// The table: a number, a name from /etc/iproute2/rt_tables (main, local, default), or `all`.
    #[arg(long, value_name = "ID|NAME|all", default_value = "main")]
    table: String,
    /// Also the policy rules, as `ip rule show` prints them.
    #[arg(long)]
    rules: bool,
    /// One JSON document instead of the table (with --watch: one JSON object per change).
    #[arg(long)]
    json: bool,
    /// After the tables, print each change of a route, rule or IPv4 address as it happens,
    /// one line each, until Ctrl-C.
    #[arg(long)]
    watch: bool,
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
    /// Only route lookups towards this IPv4 prefix (a.b.c.d/len).
    #[arg(long, value_name = "CIDR", value_parser = parse::<Ipv4Cidr>)]
    dst: Option<Ipv4Cidr>,
    /// Event families to trace: sockopt, route, ioctl, cmsg (comma-separated).
    #[arg(long, value_name = "LIST", default_value = "sockopt,route,ioctl,cmsg", value_parser = parse::<EventSet>)]
    events: EventSet,
    /// Only failed calls and failed route decisions.
    #[arg(long)]
    errors_only: bool,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Ring buffer size in bytes: a power of two, at least 4096 (suffixes k, m).
    #[arg(long, value_name = "BYTES", default_value = "4m", value_parser = parse_ring_size)]
    ring_size: u32,
    /// When to colour the table.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
}

fn parse<T: std::str::FromStr<Err = bindscope::Error>>(text: &str) -> Result<T, String> {
    text.parse().map_err(|e: bindscope::Error| e.to_string())
}

fn parse_ifname(text: &str) -> Result<IfName, String> {
    IfName::from_bytes(text.as_bytes())
        .ok()
        .filter(|n| n.as_bytes().len() == text.len())
        .ok_or_else(|| {
            format!("{text:?} is not a valid interface name (1 to 15 bytes, no '/', ':' or spaces)")
        })
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let result = match Cli::parse().command {
        Command::Trace(args) => trace(args),
        Command::Routes(args) => routes(args),
        Command::Explain(args) => explain(args),
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
            eprintln!("bindscope: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn routes(args: RoutesArgs) -> anyhow::Result<()> {
    let tables = routes::Tables::parse(&args.table)?;
    let netns = args
        .netns
        .as_deref()
        .map(str::parse::<NetnsSpec>)
        .transpose()?;
    let mut namespace = routes::Namespace::open(netns.as_ref())?;
    let snapshot = namespace.snapshot(tables, args.rules)?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        // With --watch, the snapshot is the stream's first line: one JSON value per line.
        writeln!(stdout, "{}", routes::snapshot_json(&snapshot))?;
    } else {
        routes::write_tables(&mut stdout, &snapshot)?;
    }
    stdout.flush()?;
    if args.watch {
        namespace.watch(tables, args.json, &mut stdout)?;
    }
    Ok(())
}

fn explain(args: ExplainArgs) -> anyhow::Result<()> {
    let tos = u8::try_from(args.tos)
        .map_err(|_| anyhow::anyhow!("bad --tos {}: give a byte, 0 to 255", args.tos))?;
    let request = explain::Request {
        dst: Some(args.dst),
        dev: args
            .dev
            .map(explain::Device::Name)
            .or(args.ifindex.map(explain::Device::Index)),
        src: args.src,
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
    let explanation = explain::explain(&request)?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&explanation)?)?;
    } else {
        explain::write_explanation(&mut stdout, &explanation)?;
    }
    Ok(())
}

fn trace(args: TraceArgs) -> anyhow::Result<()> {
    if let Some(secs) = args.duration {
        anyhow::ensure!(
            secs.is_finite() && secs > 0.0,
            "bad --duration {secs}: give a positive number of seconds"
        );
    }
    let config = Config {
        events: args.events,
        filter: Filter {
            pid: args.pid,
            comm: args.comm,
            netns: args.netns,
            dev: args.dev,
            dst: args.dst,
            errors_only: args.errors_only,
            softirq: args.softirq,
            exclude_pid: Some(std::process::id()),
        },
        ring_size: args.ring_size,
    };
    let limits = Limits {
        count: args.count,
        duration: args.duration.map(Duration::from_secs_f64),
    };
    let collector = Collector::start(&config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Buffered: the event loop flushes once per batch.
    let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if args.json {
        runtime.block_on(stream::run(collector, limits, &mut Json::new(stdout)))?;
    } else {
        let colour = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let mut sink = Human::new(
            stdout,
            if colour {
                Palette::COLOR
            } else {
                Palette::PLAIN
            },
        );
        sink.header();
        runtime.block_on(stream::run(collector, limits, &mut sink))?;
    }
    Ok(())
}
