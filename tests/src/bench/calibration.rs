//! Calibration: the parts of an event's in-kernel cost, each measured alone.
//!
//! The eBPF object carries three programs for this (`observer-ebpf/src/calibration.rs`): the
//! `fib_table_lookup` tracepoint with an empty program, with one clock read, and with one
//! ring-buffer record. The benchmark attaches one at a time, as the only program on the
//! tracepoint, and runs the loop under it; the record program's ring buffer is drained (and
//! its records dropped) on a thread of this process, as bindscope's reader would.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use aya::maps::RingBuf;
use aya::programs::BtfTracePoint;
use aya::{Btf, EbpfLoader};

/// The tracepoint the calibration programs attach to, as bindscope's route program does.
const TRACEPOINT: &str = "fib_table_lookup";
/// The record program's ring buffer.
const RECORDS_MAP: &str = "CALIBRATION_RECORDS";
/// The record program's ring buffer size (the object declares it small).
const RECORDS_BYTES: u32 = 1 << 20;
/// How long the drain thread sleeps when the ring buffer is empty. The ring holds some 9,000
/// records: far more than a millisecond of the loop.
const DRAIN_PAUSE: Duration = Duration::from_millis(1);

/// One part of the in-kernel cost of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The tracepoint with an empty program.
    Empty,
    /// One `bpf_ktime_get_ns`.
    Clock,
    /// One ring-buffer record of a route record's size, reserved and submitted.
    Record,
}

impl Part {
    /// The program in the eBPF object.
    fn program(self) -> &'static str {
        match self {
            Part::Empty => "calibrate_empty",
            Part::Clock => "calibrate_clock",
            Part::Record => "calibrate_record",
        }
    }
}

/// An attached calibration program; [`Attached::detach`] (or dropping it) ends it.
pub struct Attached {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<u64>>>,
}

impl Attached {
    /// Detaches the program; returns how many records were drained (the record program: one
    /// per lookup it saw; the others: none).
    pub fn detach(mut self) -> Result<u64> {
        match self.stop_and_join() {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Ok(0),
        }
    }

    /// Tells the thread to stop and waits for it (`None` if that was done before).
    fn stop_and_join(&mut self) -> Option<std::thread::Result<Result<u64>>> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().map(JoinHandle::join)
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// The eBPF object and the kernel's BTF, read once for every attachment of a run.
pub struct Programs {
    object: Arc<[u8]>,
    btf: Arc<Btf>,
}

impl Programs {
    /// Reads the eBPF object at `object` and the running kernel's BTF.
    pub fn read(object: &Path) -> Result<Self> {
        let bytes = std::fs::read(object).with_context(|| {
            format!(
                "reading the eBPF object {} with the calibration programs (build it with \
                 `cargo xtask build-ebpf`)",
                object.display()
            )
        })?;
        let btf =
            Btf::from_sys_fs().context("reading the kernel's BTF (/sys/kernel/btf/vmlinux)")?;
        Ok(Programs {
            object: bytes.into(),
            btf: Arc::new(btf),
        })
    }

    /// Loads `part`'s program and attaches it, on a thread that owns it (and drains its
    /// records) until detached.
    pub fn attach(&self, part: Part) -> Result<Attached> {
        let stop = Arc::new(AtomicBool::new(false));
        let (attached, attached_rx) = mpsc::channel();
        let thread = std::thread::spawn({
            let (object, btf, stop) = (self.object.clone(), self.btf.clone(), stop.clone());
            move || serve(&object, &btf, part, &stop, &attached)
        });
        if attached_rx.recv().is_ok() {
            return Ok(Attached {
                stop,
                thread: Some(thread),
            });
        }
        // The thread ended without attaching: its result says why.
        match thread.join() {
            Ok(Err(err)) => Err(err),
            Ok(Ok(_)) => Err(anyhow!("{} ended without attaching", part.program())),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// The thread of [`Programs::attach`]: loads and attaches, says so on `attached`, then
/// drains the record ring until `stop`. Dropping the loaded object at the end detaches the
/// program.
fn serve(
    bytes: &[u8],
    btf: &Btf,
    part: Part,
    stop: &AtomicBool,
    attached: &mpsc::Sender<()>,
) -> Result<u64> {
    let name = part.program();
    let mut ebpf = EbpfLoader::new()
        .btf(None)
        .map_max_entries(RECORDS_MAP, RECORDS_BYTES)
        .load(bytes)
        .context("loading the eBPF object")?;
    let Some(program) = ebpf.program_mut(name) else {
        bail!("the eBPF object has no program {name}: rebuild it with `cargo xtask build-ebpf`");
    };
    let program: &mut BtfTracePoint = program.try_into().with_context(|| name.to_owned())?;
    program
        .load(TRACEPOINT, btf)
        .with_context(|| format!("loading {name}"))?;
    program
        .attach()
        .with_context(|| format!("attaching {name} to tp_btf {TRACEPOINT}"))?;
    let mut records = RingBuf::try_from(
        ebpf.take_map(RECORDS_MAP)
            .with_context(|| format!("the eBPF object has no map {RECORDS_MAP}"))?,
    )
    .with_context(|| format!("opening {RECORDS_MAP}"))?;
    attached.send(()).context("the benchmark stopped waiting")?;
    let mut drained = 0;
    loop {
        // Read before draining: the records of a loop that ended before `stop` was set are
        // all drained before this returns.
        let stopping = stop.load(Ordering::Relaxed);
        let mut any = false;
        while records.next().is_some() {
            drained += 1;
            any = true;
        }
        if stopping {
            return Ok(drained);
        }
        if !any {
            std::thread::sleep(DRAIN_PAUSE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bindscope_tests::privileges;

    /// The calibration programs load and attach on this kernel, and the record program
    /// records a route lookup: a UDP `connect()` to loopback, which sends nothing.
    #[test]
    fn calibration_programs_attach_and_the_record_one_records() {
        if !privileges::ok_or_skip() {
            return;
        }
        let programs = Programs::read(Path::new(crate::EBPF_OBJECT)).unwrap();
        for part in [Part::Empty, Part::Clock] {
            let attached = programs.attach(part).unwrap();
            assert_eq!(attached.detach().unwrap(), 0, "{part:?} writes no records");
        }
        let attached = programs.attach(Part::Record).unwrap();
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.connect("127.0.0.1:9").unwrap();
        assert!(
            attached.detach().unwrap() >= 1,
            "the connect's lookup was recorded"
        );
    }
}
