//! The rounds: measuring each mode once per round, in an order that rotates from round to
//! round, and collecting the samples by mode ([`Results`]); also the start-up trials. A
//! [`Sample`] is one mode in one round: the loop's run and, when a tracer was attached, what
//! the tracer did ([`TracerSample`]); its one-line description is the per-round listing,
//! whose columns [`LEGEND`] explains.
//!
//! This is the part that runs things (the loop, the tracers, the calibration programs); what
//! the samples add up to is printed by `print.rs`, which uses this file and is not used by it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bindscope::stream::Collector;
use bindscope::{Config, EventSet, NetnsSpec};
use bindscope_tests::SeedTopology;

use crate::calibration::{Part, Programs};
use crate::family;
use crate::mode::{Mode, NsFilter};
use crate::report::{ms, thousands};
use crate::tracers::{self, Finished, Format, Traced};
use crate::workload::{self, LoopRun, Sockets};

/// How long a tracer may take to show its first event (or bpftrace its "Attaching" line).
const ATTACH_BOUND: Duration = Duration::from_secs(60);
/// bpftrace prints "Attaching 1 probe..." just before it attaches; this much later the probe
/// is attached (its start-up to a first real event is measured separately, and its count at
/// the end is checked against the connects made).
const BPFTRACE_SETTLE: Duration = Duration::from_millis(250);
/// What the columns of the per-round lines mean.
pub(crate) const LEGEND: &str =
    "columns: connects/s = wall clock; loop CPU = the loop thread's CPU time per \
connect (in-kernel tracing work included, waiting for a CPU not); tracer CPU = the tracer \
process's share of a CPU during the loop, and its CPU time per connect from the loop's start to \
its exit (the drain included); events per connect (start-up probes included); lost; attached = \
spawn to first event (bindscope) or to its \"Attaching\" line (bpftrace); stop = SIGINT to exit \
(bindscope first delivers its backlog, then detaches), last event = SIGINT to the last output \
before the summary (the backlog alone). With `> /dev/null`, attached = spawn to bindscope's \
\"attached\" log line, and the last event is unseen.";

/// One mode in one round.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// The loop.
    pub(crate) run: LoopRun,
    /// The tracer's part, if one was attached.
    pub(crate) tracer: Option<TracerSample>,
}

/// What a tracer did during one loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TracerSample {
    /// Events it reported (bindscope) or counted (bpftrace), start-up probes included.
    pub(crate) events: u64,
    /// Events bindscope lost (bpftrace's count cannot lose any).
    pub(crate) lost: Option<u64>,
    /// CPU seconds its process used during the loop.
    pub(crate) cpu_in_loop: Option<f64>,
    /// CPU seconds its process used from the loop's start until it exited: its whole share
    /// of the work for the loop's events, the drain after the loop included.
    pub(crate) cpu_to_exit: Option<f64>,
    /// From spawn until attached (bindscope: its first event; bpftrace: its "Attaching" line).
    pub(crate) attach: Duration,
    /// From `SIGINT` until it exited (bindscope first delivers what is in its ring buffer).
    pub(crate) stop: Duration,
    /// From `SIGINT` until it had delivered its last event (see `Finished::drained`);
    /// unknown for output to `/dev/null`.
    pub(crate) drained: Option<Duration>,
}

impl Sample {
    /// Connects per second (wall clock).
    pub(crate) fn rate(&self) -> f64 {
        self.run.rate()
    }

    /// Connects per second of the loop thread's CPU time: the throughput the loop would have
    /// with a CPU to itself, which the in-kernel part of tracing (run in the loop's context)
    /// lowers and other load on the machine does not.
    pub(crate) fn loop_cpu_rate(&self) -> f64 {
        1e9 / self.run.cpu_ns_per_connect().max(1e-9)
    }

    /// Connects per second of CPU time of the loop thread and the tracer process together:
    /// the whole cost of tracing, whichever CPU pays it.
    pub(crate) fn total_cpu_rate(&self) -> Option<f64> {
        let tracer = self.tracer.map_or(Some(0.0), |t| t.cpu_to_exit)?;
        let seconds = self.run.cpu.as_secs_f64() + tracer;
        Some(self.run.connects as f64 / seconds.max(1e-9))
    }

    /// The tracer's CPU time per connect, in nanoseconds.
    pub(crate) fn tracer_ns_per_connect(&self) -> Option<f64> {
        Some(self.tracer?.cpu_to_exit? * 1e9 / self.run.connects.max(1) as f64)
    }

    /// The share of a CPU the tracer used during the loop.
    pub(crate) fn tracer_load(&self) -> Option<f64> {
        Some(self.tracer?.cpu_in_loop? / self.run.elapsed.as_secs_f64().max(1e-9))
    }

    /// The rate the tracer's user space delivered events at: all of them, over the loop and
    /// the drain after it (it started reading when the loop started, and stopped at exit).
    pub(crate) fn delivery_rate(&self) -> Option<f64> {
        let tracer = self.tracer?;
        // Output to /dev/null: the drain is unseen, the exit bounds it.
        let busy = self.run.elapsed + tracer.drained.unwrap_or(tracer.stop);
        Some(tracer.events as f64 / busy.as_secs_f64().max(1e-9))
    }

    /// One line for the per-round listing.
    fn describe(&self) -> String {
        let mut text = format!(
            "{:>9} connects/s  loop CPU {:>5.0} ns/connect",
            thousands(self.rate()),
            self.run.cpu_ns_per_connect()
        );
        let Some(tracer) = self.tracer else {
            return text;
        };
        if let (Some(load), Some(ns)) = (self.tracer_load(), self.tracer_ns_per_connect()) {
            text.push_str(&format!(
                "  tracer CPU {:>3.0}%, {ns:>5.0} ns/connect",
                load * 100.0
            ));
        }
        text.push_str(&format!(
            "  events {:.2}/connect",
            tracer.events as f64 / self.run.connects.max(1) as f64
        ));
        if let Some(lost) = tracer.lost {
            text.push_str(&format!("  lost {lost}"));
        }
        text.push_str(&format!(
            "  attached {}  stop {} (last event {})",
            ms(tracer.attach),
            ms(tracer.stop),
            tracer.drained.map_or_else(|| "unseen".into(), ms)
        ));
        text
    }
}

/// Everything a round needs.
pub(crate) struct Bench<'a> {
    /// Rounds per set of modes (`--rounds`).
    pub(crate) rounds: u32,
    /// How many times each tracer's start-up is timed (`--startup-trials`).
    pub(crate) startup_trials: u32,
    /// bindscope's ring buffer in the rounds (`--ring-size`), if one was given.
    pub(crate) ring_size: Option<&'a str>,
    /// The `--baseline` CLI, if one was given.
    pub(crate) baseline: Option<&'a Path>,
    /// The bpftrace binary (`--bpftrace`).
    pub(crate) bpftrace: &'a Path,
    pub(crate) topology: &'a SeedTopology,
    pub(crate) bindscope: PathBuf,
    pub(crate) sockets: Sockets,
    pub(crate) round_length: Duration,
    /// The calibration programs, read up front unless the breakdown is never run.
    pub(crate) calibration: Option<Programs>,
}

/// The samples of each mode, in the order of the modes given.
pub(crate) type Results = Vec<(Mode, Vec<Sample>)>;

impl Bench<'_> {
    /// The IPv4 and IPv6 rounds: what each family's route program costs.
    pub(crate) fn families(&self) -> Result<()> {
        println!(
            "\nIPv4 and IPv6 rounds: the same loop to {} and to an IPv6 destination, untraced \
             and traced (route only)\n",
            workload::destination()
        );
        family::run(
            &self.bindscope,
            &self.topology.host,
            self.rounds,
            self.round_length,
        )
    }

    /// Measures one mode once.
    fn measure(&self, mode: Mode) -> Result<Sample> {
        match mode {
            Mode::Untraced => Ok(Sample {
                run: self.run_loop()?,
                tracer: None,
            }),
            Mode::Bindscope {
                events,
                netns,
                format,
            } => self.measure_bindscope(&self.bindscope, events, netns, format),
            Mode::BaselineRoute => match self.baseline {
                Some(baseline) => {
                    self.measure_bindscope(baseline, "route", NsFilter::Host, Format::Json)
                }
                None => bail!("no --baseline CLI given"),
            },
            Mode::Calibration(part) => self.calibrate(part),
            Mode::Bpftrace => {
                let command = tracers::bpftrace(self.bpftrace, tracers::BPFTRACE_COUNT);
                let mut tracer = Traced::spawn("bpftrace", command)?;
                let attach = tracer.wait_line(|l| l.starts_with("Attaching"), ATTACH_BOUND)?;
                std::thread::sleep(BPFTRACE_SETTLE);
                let (run, cpu_in_loop, cpu_before, finished) = self.traced_loop(tracer)?;
                Ok(Sample {
                    run,
                    tracer: Some(TracerSample {
                        events: tracers::bpftrace_count(&finished.tail)?,
                        lost: None,
                        cpu_in_loop,
                        cpu_to_exit: finished.cpu.zip(cpu_before).map(|(end, start)| end - start),
                        attach,
                        stop: finished.stop,
                        drained: finished.drained,
                    }),
                })
            }
        }
    }

    /// The CLI at `binary`, tracing `events` with `--netns` `netns`, around one loop.
    fn measure_bindscope(
        &self,
        binary: &Path,
        events: &str,
        netns: NsFilter,
        format: Format,
    ) -> Result<Sample> {
        let ns = match netns {
            NsFilter::Host => &self.topology.host,
            NsFilter::Router => &self.topology.router,
        };
        let ring = self.ring_size;
        let command = tracers::bindscope(binary, events, &ns.path(), ring, format);
        let mut tracer = Traced::spawn_watching("bindscope", command, format.watched())?;
        // Probes run in the namespace the filter names, so they produce events.
        let (attach, _) = workload::while_probing(ns, || {
            tracer.wait_line(|line| format.shows_attached(line), ATTACH_BOUND)
        })?;
        let attach = attach?;
        let (run, cpu_in_loop, cpu_before, finished) = self.traced_loop(tracer)?;
        let (events, lost) = tracers::bindscope_summary(&finished.tail)?;
        Ok(Sample {
            run,
            tracer: Some(TracerSample {
                events,
                lost: Some(lost),
                cpu_in_loop,
                cpu_to_exit: finished.cpu.zip(cpu_before).map(|(end, start)| end - start),
                attach,
                stop: finished.stop,
                drained: finished.drained,
            }),
        })
    }

    /// The loop under a calibration program alone.
    fn calibrate(&self, part: Part) -> Result<Sample> {
        let Some(programs) = &self.calibration else {
            bail!("the calibration programs were not read (--breakdown never)");
        };
        let attached = programs.attach(part)?;
        let run = self.run_loop()?;
        let records = attached.detach()?;
        if part == Part::Record && records < run.connects {
            // A full ring fails the reservation, which is cheaper than a record: say so.
            println!(
                "  note: the record calibration drained {records} records for {} connects: \
                 its ring buffer overflowed, and a failed reservation costs less than a \
                 record, so this round understates a record's cost",
                run.connects
            );
        }
        Ok(Sample { run, tracer: None })
    }

    /// The loop, with nothing else to do.
    fn run_loop(&self) -> Result<LoopRun> {
        workload::connect_loop(&self.topology.host, self.round_length, self.sockets)
    }

    /// The loop under an attached tracer, which is stopped afterwards. Also returns the CPU
    /// seconds the tracer used during the loop, and its CPU seconds when the loop started.
    fn traced_loop(&self, tracer: Traced) -> Result<(LoopRun, Option<f64>, Option<f64>, Finished)> {
        let cpu_before = tracers::cpu_seconds(tracer.pid());
        let run = self.run_loop()?;
        let cpu_after = tracers::cpu_seconds(tracer.pid());
        let in_loop = cpu_before
            .zip(cpu_after)
            .map(|(before, after)| after - before);
        Ok((run, in_loop, cpu_before, tracer.stop()?))
    }

    /// `rounds` rounds over `modes`, rotating the order each round; prints every sample.
    pub(crate) fn rounds(&self, modes: &[Mode]) -> Result<Results> {
        let mut results: Results = modes.iter().map(|&m| (m, Vec::new())).collect();
        let rounds = self.rounds as usize;
        for round in 0..rounds {
            println!("round {}/{rounds}", round + 1);
            for offset in 0..results.len() {
                let index = (round + offset) % results.len();
                let Some((mode, samples)) = results.get_mut(index) else {
                    continue;
                };
                let sample = self
                    .measure(*mode)
                    .with_context(|| format!("round {}, {}", round + 1, mode.label()))?;
                println!("  {:<44}{}", mode.label(), sample.describe());
                samples.push(sample);
            }
        }
        Ok(results)
    }

    /// Times the start-up of each tracer `startup_trials` times, interleaved. bindscope runs
    /// with its defaults here, as a user starts it: the rounds' 64 MiB ring buffer alone adds
    /// about 20 ms (the kernel allocates, zeroes and maps every page of it), which the rounds'
    /// "attached" column shows.
    pub(crate) fn startup(&self) -> Result<Startup> {
        let host = &self.topology.host;
        let mut startup = Startup::default();
        for _ in 0..self.startup_trials {
            // The CLI, until the first event of a probe connect is on its standard output.
            let command = tracers::bindscope(
                &self.bindscope,
                "sockopt,route,ioctl,cmsg",
                &host.path(),
                None,
                Format::Json,
            );
            let mut cli = Traced::spawn("bindscope", command)?;
            let (first, _) =
                workload::while_probing(host, || cli.wait_line(|_| true, ATTACH_BOUND))?;
            startup.cli_first_event.push(first?);
            cli.stop()?;

            // The library, in this process: Collector::start, then the first event.
            let config = Config {
                events: EventSet::ALL,
                filter: bindscope::Filter {
                    netns: Some(NetnsSpec::Path(host.path())),
                    ..bindscope::Filter::default()
                },
                ..Config::default()
            };
            let started = Instant::now();
            let mut collector = Collector::start(&config).context("Collector::start")?;
            startup.library_start.push(started.elapsed());
            let (first, _) = workload::while_probing(host, || {
                while started.elapsed() < ATTACH_BOUND {
                    if !collector.poll(0).is_empty() {
                        return Ok(started.elapsed());
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                bail!("the library saw no event within {ATTACH_BOUND:?}")
            })?;
            startup.library_first_event.push(first?);
            drop(collector);

            // bpftrace's count-only program, until it says it is attaching.
            let command = tracers::bpftrace(self.bpftrace, tracers::BPFTRACE_COUNT);
            let mut counter = Traced::spawn("bpftrace", command)?;
            let attaching = counter.wait_line(|l| l.starts_with("Attaching"), ATTACH_BOUND)?;
            startup.bpftrace_attaching.push(attaching);
            counter.stop()?;

            // bpftrace's printing variant, until its first event is on its standard output.
            let command = tracers::bpftrace(self.bpftrace, tracers::BPFTRACE_FIRST);
            let mut printer = Traced::spawn("bpftrace", command)?;
            let (first, _) = workload::while_probing(host, || {
                printer.wait_line(|l| l.contains("first event"), ATTACH_BOUND)
            })?;
            startup.bpftrace_first_event.push(first?);
            printer.stop()?;
        }
        Ok(startup)
    }
}

/// Start-up times, one entry per trial.
#[derive(Debug, Default)]
pub(crate) struct Startup {
    /// CLI: spawn until its first event (a probe connect) is printed.
    pub(crate) cli_first_event: Vec<Duration>,
    /// Library: the duration of `Collector::start` (load and attach).
    pub(crate) library_start: Vec<Duration>,
    /// Library: from calling `Collector::start` until `poll` returned the first event.
    pub(crate) library_first_event: Vec<Duration>,
    /// bpftrace: spawn until "Attaching 1 probe..." is printed (just before it attaches).
    pub(crate) bpftrace_attaching: Vec<Duration>,
    /// bpftrace: spawn until its printing variant printed its first event.
    pub(crate) bpftrace_first_event: Vec<Duration>,
}

/// The samples of `mode` in `results` (one per round).
pub(crate) fn samples(results: &Results, mode: Mode) -> &[Sample] {
    results
        .iter()
        .find(|(m, _)| *m == mode)
        .map_or(&[], |(_, samples)| samples.as_slice())
}
