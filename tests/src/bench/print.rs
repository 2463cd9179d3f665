//! The printing of the results: each mode's medians, the main comparison's ratios against
//! the targets (and which targets were missed), bindscope's user space, the backlog note, the
//! baseline comparison and the breakdown; with the targets' constants and the helpers that
//! pair two modes' samples round by round.
//!
//! A file of its own because it only reads what the rounds collected: it uses `rounds.rs`'
//! samples and `mode.rs`' modes, and neither of them uses it.

use std::time::Duration;

use crate::calibration::Part;
use crate::mode::{
    Mode, BINDSCOPE_ALL, ROUTE_DELIVERED, ROUTE_FILTERED, ROUTE_TABLE, ROUTE_TO_NULL, SOCKOPT_ONLY,
};
use crate::report::{median, median_duration, ms, target_row, thousands, Paired, Target};
use crate::rounds::{samples, Results, Sample, Startup, TracerSample};

/// bindscope's throughput target, as a fraction of the untraced rate.
const TARGET_VS_UNTRACED: f64 = 0.90;
/// bindscope's CPU per route event with `--json`, in nanoseconds: at most.
const TARGET_JSON_NS: f64 = 250.0;
/// bindscope's CPU per route event writing the table, in nanoseconds: at most.
const TARGET_TABLE_NS: f64 = 350.0;
/// Route only: from `SIGINT` to the last event and to the exit, in milliseconds: at most.
const TARGET_STOP_MS: f64 = 200.0;
/// How much more per event the route program may cost than the baseline's.
const TARGET_VS_BASELINE: f64 = 1.10;
/// A drain after the loop longer than this means bindscope's user space fell behind.
const BACKLOG_NOTICE: Duration = Duration::from_millis(500);

/// `metric` of `a` over `metric` of `b`, round by round (both were measured in the same
/// rounds, close together in time), as median and range.
fn paired(
    results: &Results,
    a: Mode,
    b: Mode,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Option<Paired> {
    let ratios: Vec<f64> = samples(results, a)
        .iter()
        .zip(samples(results, b))
        .filter_map(|(a, b)| Some(metric(a)? / metric(b)?.max(1e-9)))
        .collect();
    Paired::of(&ratios)
}

/// `metric` of `a` minus `metric` of `b`, round by round, as median and range.
fn paired_difference(
    results: &Results,
    a: Mode,
    b: Mode,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Option<Paired> {
    let differences: Vec<f64> = samples(results, a)
        .iter()
        .zip(samples(results, b))
        .filter_map(|(a, b)| Some(metric(a)? - metric(b)?))
        .collect();
    Paired::of(&differences)
}

/// Wall-clock rate, as a metric for [`paired`].
fn wall(sample: &Sample) -> Option<f64> {
    Some(sample.rate())
}

/// Loop-thread CPU rate, as a metric for [`paired`].
fn loop_cpu(sample: &Sample) -> Option<f64> {
    Some(sample.loop_cpu_rate())
}

/// Loop-thread CPU nanoseconds per connect, as a metric for [`paired_difference`].
fn loop_ns(sample: &Sample) -> Option<f64> {
    Some(sample.run.cpu_ns_per_connect())
}

/// A single number as a table value.
fn single(value: f64) -> Option<Paired> {
    Paired::of(&[value])
}

/// The median of `metric` over the samples of `mode`.
fn median_of(
    results: &Results,
    mode: Mode,
    metric: impl Fn(&Sample) -> Option<f64>,
) -> Option<f64> {
    median(
        &samples(results, mode)
            .iter()
            .filter_map(metric)
            .collect::<Vec<_>>(),
    )
}

/// Prints each mode's medians: connects/s, the loop thread's CPU per connect and, for
/// tracers, their process's CPU (per connect and as a share of a CPU during the loop), the
/// rate bindscope delivered events at, and the events it lost.
pub(crate) fn print_medians(results: &Results) {
    println!(
        "medians over {} rounds:",
        results.first().map_or(0, |(_, s)| s.len())
    );
    for (mode, samples) in results {
        let mode = *mode;
        let rate = median_of(results, mode, wall);
        let mut line = format!(
            "  {:<44} {:>9} connects/s  loop CPU {:>5.0} ns/connect",
            mode.label(),
            rate.map_or_else(|| "n/a".into(), thousands),
            median_of(results, mode, loop_ns).unwrap_or(f64::NAN)
        );
        if let (Some(load), Some(ns)) = (
            median_of(results, mode, Sample::tracer_load),
            median_of(results, mode, Sample::tracer_ns_per_connect),
        ) {
            line.push_str(&format!(
                "  tracer CPU {:>3.0}%, {ns:>5.0} ns/connect",
                load * 100.0
            ));
        }
        if samples
            .iter()
            .any(|s| s.tracer.is_some_and(|t| t.lost.is_some()))
        {
            if let Some(delivered) = median_of(results, mode, Sample::delivery_rate) {
                line.push_str(&format!("  delivered {} events/s", thousands(delivered)));
            }
            let lost: u64 = samples.iter().filter_map(|s| s.tracer?.lost).sum();
            line.push_str(&format!("  lost {lost}"));
        }
        println!("{line}");
    }
}

/// What missed its target, in words (empty: every target met).
type Missed = Vec<String>;

/// Prints the main comparison's ratios with their targets; returns what missed.
pub(crate) fn print_main(results: &Results, startup: &Startup) -> Missed {
    let vs_untraced = paired(results, BINDSCOPE_ALL, Mode::Untraced, wall);
    let vs_bpftrace = paired(results, BINDSCOPE_ALL, Mode::Bpftrace, wall);
    let lost: u64 = samples(results, BINDSCOPE_ALL)
        .iter()
        .filter_map(|s| s.tracer?.lost)
        .sum();
    let row = |name: &str, value: Option<Paired>, target: Target| {
        println!("{}", target_row(name, value, 3, target));
    };

    println!(
        "\nratios of connects/s, median of the rounds' own ratios (range over rounds); \
         targets are printed, not asserted:"
    );
    row(
        "bindscope / untraced",
        vs_untraced,
        Target::AtLeast(TARGET_VS_UNTRACED),
    );
    row(
        "bpftrace / untraced",
        paired(results, Mode::Bpftrace, Mode::Untraced, wall),
        Target::None,
    );
    row("bindscope / bpftrace", vs_bpftrace, Target::AtLeast(1.0));
    println!(
        "{}",
        target_row(
            "bindscope events lost (all rounds)",
            single(lost as f64),
            0,
            Target::Exactly(0.0)
        )
    );
    print_backlog(samples(results, BINDSCOPE_ALL));
    let mut missed = print_user_space(results);

    println!(
        "\nthe same ratios from CPU time per connect (robust to other load on the machine; the \
         loop thread pays the in-kernel part of tracing, the tracer process its user space):"
    );
    row(
        "bindscope / untraced, loop thread only",
        paired(results, BINDSCOPE_ALL, Mode::Untraced, loop_cpu),
        Target::None,
    );
    row(
        "bindscope / untraced, loop + tracer",
        paired(
            results,
            BINDSCOPE_ALL,
            Mode::Untraced,
            Sample::total_cpu_rate,
        ),
        Target::None,
    );
    row(
        "bpftrace / untraced, loop thread only",
        paired(results, Mode::Bpftrace, Mode::Untraced, loop_cpu),
        Target::None,
    );
    row(
        "bpftrace / untraced, loop + tracer",
        paired(
            results,
            Mode::Bpftrace,
            Mode::Untraced,
            Sample::total_cpu_rate,
        ),
        Target::None,
    );
    row(
        "bindscope / bpftrace, loop + tracer",
        paired(
            results,
            BINDSCOPE_ALL,
            Mode::Bpftrace,
            Sample::total_cpu_rate,
        ),
        Target::None,
    );

    let cli = median_duration(&startup.cli_first_event);
    let bt_first = median_duration(&startup.bpftrace_first_event);
    println!(
        "\nstart-up to attached (bindscope: all event families, default ring buffer), median of {} trials:",
        startup.cli_first_event.len()
    );
    let show = |name: &str, value: Option<Duration>| {
        println!(
            "  {name:<52} {:>10}",
            value.map_or_else(|| "n/a".into(), ms)
        );
    };
    show("bindscope CLI: spawn -> first event of a probe", cli);
    show(
        "bindscope library: Collector::start (load + attach)",
        median_duration(&startup.library_start),
    );
    show(
        "bindscope library: Collector::start -> first event",
        median_duration(&startup.library_first_event),
    );
    show(
        "bpftrace: spawn -> \"Attaching 1 probe...\"",
        median_duration(&startup.bpftrace_attaching),
    );
    show("bpftrace: spawn -> first event (printf variant)", bt_first);
    let startup_ratio = cli
        .zip(bt_first)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64().max(1e-9));
    row(
        "start-up, bindscope CLI / bpftrace",
        startup_ratio.and_then(single),
        Target::AtMost(1.0),
    );

    let shown = |r: Option<f64>| r.map_or_else(|| "n/a".into(), |r| format!("{r:.3}"));
    if vs_untraced.is_none_or(|r| r.median < TARGET_VS_UNTRACED) {
        missed.push(format!(
            "throughput {} of untraced (target >= {TARGET_VS_UNTRACED:.2})",
            shown(vs_untraced.map(|r| r.median))
        ));
    }
    if lost > 0 {
        missed.push(format!("{lost} events lost (target 0)"));
    }
    if vs_bpftrace.is_none_or(|r| r.median < 1.0) {
        missed.push(format!(
            "throughput {} of bpftrace's (target >= 1.00)",
            shown(vs_bpftrace.map(|r| r.median))
        ));
    }
    if startup_ratio.is_none_or(|r| r > 1.0) {
        missed.push(format!(
            "start-up {} of bpftrace's (target <= 1.00)",
            shown(startup_ratio)
        ));
    }
    missed
}

/// bindscope's user space with the route family alone, in both output formats, against the
/// targets: CPU per event, events lost with the default ring buffer, and how soon after
/// `SIGINT` the last event is out and the process gone. Returns the targets missed.
fn print_user_space(results: &Results) -> Missed {
    let per_event = |mode: Mode| {
        let values: Vec<f64> = samples(results, mode)
            .iter()
            .filter_map(|s| {
                let tracer = s.tracer?;
                Some(tracer.cpu_to_exit? * 1e9 / tracer.events.max(1) as f64)
            })
            .collect();
        Paired::of(&values)
    };
    let worst = |mode: Mode, metric: fn(&TracerSample) -> Option<Duration>| {
        samples(results, mode)
            .iter()
            .filter_map(|s| Some(metric(&s.tracer?)?.as_secs_f64() * 1e3))
            .reduce(f64::max)
    };
    let lost = |modes: &[Mode]| -> u64 {
        modes
            .iter()
            .flat_map(|&mode| samples(results, mode))
            .filter_map(|s| s.tracer?.lost)
            .sum()
    };
    // The target's condition: NDJSON to /dev/null, the table to a pipe. NDJSON to a pipe
    // (700 bytes an event, about 1.2 GB/s) is shown beside it: there the bench's reader
    // shares the two CPUs with the loop and bindscope, and bindscope waits for it.
    let lost_target = lost(&[ROUTE_TO_NULL, ROUTE_TABLE]);
    let lost_pipe = lost(&[ROUTE_DELIVERED]);
    println!(
        "\nbindscope's user space, route only (reading, decoding, grouping, formatting, writing; \
         the drain and the exit included), median of the rounds (range):"
    );
    let json = per_event(ROUTE_TO_NULL);
    let table = per_event(ROUTE_TABLE);
    let row = |name: &str, value: Option<Paired>, target: Target| {
        println!("{}", target_row(name, value, 0, target));
    };
    row(
        "CPU per event, --json > /dev/null (ns)",
        json,
        Target::AtMost(TARGET_JSON_NS),
    );
    row(
        "CPU per event, table to a pipe (ns)",
        table,
        Target::AtMost(TARGET_TABLE_NS),
    );
    row(
        "CPU per event, --json to a pipe (ns)",
        per_event(ROUTE_DELIVERED),
        Target::None,
    );
    row(
        "events lost, --json > /dev/null and table",
        single(lost_target as f64),
        Target::Exactly(0.0),
    );
    row(
        "events lost, --json to a pipe",
        single(lost_pipe as f64),
        Target::None,
    );
    // The last event is seen where the events are read: the pipes.
    let last_event = [ROUTE_DELIVERED, ROUTE_TABLE]
        .into_iter()
        .filter_map(|mode| worst(mode, |t| t.drained))
        .reduce(f64::max);
    let exit = [ROUTE_TO_NULL, ROUTE_DELIVERED, ROUTE_TABLE]
        .into_iter()
        .filter_map(|mode| worst(mode, |t| Some(t.stop)))
        .reduce(f64::max);
    row(
        "SIGINT -> last event, worst round (ms)",
        last_event.and_then(single),
        Target::AtMost(TARGET_STOP_MS),
    );
    row(
        "SIGINT -> exit, worst round (ms)",
        exit.and_then(single),
        Target::AtMost(TARGET_STOP_MS),
    );
    let mut missed = Missed::new();
    for (what, value, target) in [
        (
            "CPU per event with --json",
            json.map(|p| p.median),
            TARGET_JSON_NS,
        ),
        (
            "CPU per event in the table",
            table.map(|p| p.median),
            TARGET_TABLE_NS,
        ),
        ("SIGINT to exit (route only)", exit, TARGET_STOP_MS),
    ] {
        if value.is_none_or(|v| v > target) {
            missed.push(format!(
                "{what} {} (target <= {target:.0})",
                value.map_or_else(|| "n/a".into(), |v| format!("{v:.0}"))
            ));
        }
    }
    if lost_target > 0 {
        missed.push(format!(
            "{lost_target} events lost in the route-only rounds to /dev/null or the table \
             (target 0)"
        ));
    }
    missed
}

/// Says so when bindscope's user space fell behind: events it had not delivered when the
/// loop ended sat in the ring buffer, and a longer burst would have overflowed it.
fn print_backlog(samples: &[Sample]) {
    let values = |metric: &dyn Fn(&Sample) -> Option<f64>| {
        median(&samples.iter().filter_map(metric).collect::<Vec<_>>())
    };
    let drain = values(&|s| Some(s.tracer?.drained?.as_secs_f64()));
    let produced = values(&|s| {
        let tracer = s.tracer?;
        Some((tracer.events + tracer.lost?) as f64 / s.run.elapsed.as_secs_f64())
    });
    let lost: u64 = samples.iter().filter_map(|s| s.tracer?.lost).sum();
    let delivered = values(&Sample::delivery_rate);
    if let (Some(drain), Some(produced), Some(delivered)) = (drain, produced, delivered) {
        if drain > BACKLOG_NOTICE.as_secs_f64() {
            println!(
                "  note: bindscope's user space fell behind: the loop produced {} events/s, it \
                 delivered {} events/s and needed {} after the loop to drain its ring buffer \
                 (medians). {}",
                thousands(produced),
                thousands(delivered),
                ms(Duration::from_secs_f64(drain)),
                if lost == 0 {
                    "Zero lost events here is the big ring buffer's doing: a longer burst at \
                     this rate would overflow it."
                } else {
                    "The ring buffer overflowed: what did not fit was lost."
                }
            );
        }
    }
}

/// Prints where bindscope's cost goes, from the breakdown rounds.
pub(crate) fn print_breakdown(results: &Results) {
    println!("\nbreakdown: each mode / untraced, median of the rounds' own ratios (range)");
    println!("  {:<44} {:>8}  {:<14}   {:>8}", "", "wall", "", "loop CPU");
    for (mode, _) in results.iter().filter(|(m, _)| *m != Mode::Untraced) {
        let wall_row = target_row(
            mode.label(),
            paired(results, *mode, Mode::Untraced, wall),
            3,
            Target::None,
        );
        let cpu = paired(results, *mode, Mode::Untraced, loop_cpu).map_or_else(
            || "n/a".to_owned(),
            |r| format!("{:>8.3}  {:.3}..{:.3}", r.median, r.min, r.max),
        );
        println!("{wall_row:<74}{cpu}");
    }

    // Each step adds one part of the work; the loop thread's extra CPU per connect is that
    // part's in-kernel cost. User space runs in the tracer's process, on another CPU.
    let difference = |more: Mode, less: Mode| paired_difference(results, more, less, loop_ns);
    let step = |more: Mode, less: Mode| {
        difference(more, less).map_or_else(
            || "n/a".to_owned(),
            |d| format!("{:>+7.0} ns  ({:+.0}..{:+.0})", d.median, d.min, d.max),
        )
    };
    let untraced_ns = median_of(results, Mode::Untraced, loop_ns).unwrap_or(f64::NAN);
    let user_space = median_of(results, ROUTE_DELIVERED, Sample::tracer_ns_per_connect)
        .map_or_else(|| "n/a".to_owned(), |ns| format!("{ns:>7.0} ns"));
    println!(
        "\nwhere bindscope's cost goes, per connect (untraced: {untraced_ns:.0} ns of the loop \
         thread's CPU), median of the rounds' differences (range):"
    );
    let line = |label: &str, value: String| println!("  {label:<76} {value}");
    line(
        "in the loop's context: tracepoint + our route program up to its netns filter",
        step(ROUTE_FILTERED, Mode::Untraced),
    );
    line(
        "in the loop's context: + recording the event and the ring buffer",
        step(ROUTE_DELIVERED, ROUTE_FILTERED),
    );
    line(
        "in the loop's context: + the sockopt/ioctl/cmsg syscall tracepoints",
        step(BINDSCOPE_ALL, ROUTE_DELIVERED),
    );
    line(
        "in the loop's context: all of bindscope",
        step(BINDSCOPE_ALL, Mode::Untraced),
    );
    line(
        "in bindscope's process: reading, decoding, JSON, write (route only)",
        user_space,
    );
    line(
        "check: the sockopt family alone (its tracepoints never fire here)",
        step(SOCKOPT_ONLY, Mode::Untraced),
    );
    line(
        "for comparison: bpftrace's count() on the same tracepoint",
        step(Mode::Bpftrace, Mode::Untraced),
    );

    // What no program can avoid, measured with programs that do one part each.
    const EMPTY: Mode = Mode::Calibration(Part::Empty);
    const CLOCK: Mode = Mode::Calibration(Part::Clock);
    const RECORD: Mode = Mode::Calibration(Part::Record);
    println!(
        "\nthe floor on this kernel, per connect: calibration programs alone on the tracepoint \
         (not bindscope), median of the rounds' differences (range):"
    );
    line(
        "the tracepoint with an empty program",
        step(EMPTY, Mode::Untraced),
    );
    line(
        "+ one clock read (bpf_ktime_get_ns), over the empty program",
        step(CLOCK, EMPTY),
    );
    line(
        "+ one ring-buffer record (reserve, submit), over the empty program",
        step(RECORD, EMPTY),
    );
    let median_step = |more: Mode, less: Mode| difference(more, less).map(|d| d.median);
    if let (Some(empty), Some(clock), Some(record)) = (
        median_step(EMPTY, Mode::Untraced),
        median_step(CLOCK, EMPTY),
        median_step(RECORD, EMPTY),
    ) {
        let least = empty + clock + record;
        let allowed = untraced_ns / TARGET_VS_UNTRACED - untraced_ns;
        line(
            "an event with a timestamp costs at least (the three together)",
            format!("{least:>+7.0} ns"),
        );
        line(
            &format!(
                "the throughput target ({TARGET_VS_UNTRACED:.2} of untraced) allows per connect"
            ),
            format!("{allowed:>+7.0} ns"),
        );
        if let Some(route) = median_step(ROUTE_DELIVERED, Mode::Untraced) {
            line(
                "bindscope's route program (route only, delivered), over that least",
                format!("{:>+7.0} ns", route - least),
            );
        }
        if least > allowed {
            println!(
                "  => on this machine, no program that delivers every lookup with a timestamp \
                 through a ring buffer can meet the throughput target"
            );
        } else {
            println!(
                "  => the target leaves {:.0} ns per connect for reading the lookup and the task",
                allowed - least
            );
        }
    }
}

/// The route program's cost per connect (the loop thread's CPU over untraced), this one and
/// the baseline's, with the ratio of the two against [`TARGET_VS_BASELINE`].
pub(crate) fn print_baseline(results: &Results) {
    let cost = |mode: Mode| paired_difference(results, mode, Mode::Untraced, loop_ns);
    let (after, before) = (cost(ROUTE_DELIVERED), cost(Mode::BaselineRoute));
    println!(
        "\nroute program cost per connect in the loop's context (route only, every event \
         delivered), median of the rounds' differences over untraced (range):"
    );
    println!(
        "{}",
        target_row("before (--baseline)", before, 0, Target::None)
    );
    println!(
        "{}",
        target_row("after (this bindscope)", after, 0, Target::None)
    );
    let ratios: Vec<f64> = samples(results, ROUTE_DELIVERED)
        .iter()
        .zip(samples(results, Mode::BaselineRoute))
        .zip(samples(results, Mode::Untraced))
        .map(|((after, before), untraced)| {
            (loop_ns(after).unwrap_or(0.0) - loop_ns(untraced).unwrap_or(0.0))
                / (loop_ns(before).unwrap_or(0.0) - loop_ns(untraced).unwrap_or(0.0)).max(1e-9)
        })
        .collect();
    println!(
        "{}",
        target_row(
            "after / before",
            Paired::of(&ratios),
            3,
            Target::AtMost(TARGET_VS_BASELINE)
        )
    );
    println!(
        "{}",
        target_row(
            "user space per connect, after / before",
            paired(
                results,
                ROUTE_DELIVERED,
                Mode::BaselineRoute,
                Sample::tracer_ns_per_connect
            ),
            3,
            Target::None
        )
    );
}
