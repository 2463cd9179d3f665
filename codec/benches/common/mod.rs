//! Ratio measurement shared by the codec benchmarks: the subject and its floor are timed
//! interleaved in one run, so machine noise hits both alike, and the ratio is what is printed.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// One row of the ratio table.
pub struct Ratio {
    /// What was measured.
    pub name: &'static str,
    /// Nanoseconds per call of the subject.
    pub subject_ns: f64,
    /// Nanoseconds per call of the floor (a raw `read_unaligned` of the libc struct, say).
    pub floor_ns: f64,
}

/// Times `subject` against `floor`, alternating batches of `batch` calls for about `budget`,
/// and returns the per-call medians of the batches.
pub fn measure<S, F, R1, R2>(name: &'static str, mut subject: S, mut floor: F) -> Ratio
where
    S: FnMut() -> R1,
    F: FnMut() -> R2,
{
    const BATCH: u32 = 10_000;
    let budget = Duration::from_millis(400);
    let (mut s_times, mut f_times) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < budget || s_times.len() < 5 {
        let t = Instant::now();
        for _ in 0..BATCH {
            black_box(subject());
        }
        s_times.push(t.elapsed().as_nanos() as f64 / f64::from(BATCH));
        let t = Instant::now();
        for _ in 0..BATCH {
            black_box(floor());
        }
        f_times.push(t.elapsed().as_nanos() as f64 / f64::from(BATCH));
    }
    Ratio {
        name,
        subject_ns: median(&mut s_times),
        floor_ns: median(&mut f_times),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Prints the ratio table; `target` is the ratio the project aims to stay within (`None`: the
/// table is for information, as when the subject does work the floor does not).
pub fn print_table(title: &str, rows: &[Ratio], target: Option<f64>) {
    println!("\n{title}: subject vs floor, measured interleaved in this run");
    let target_text = target.map_or_else(
        || "(informational)".to_string(),
        |t| format!("target <= {t:.2}"),
    );
    println!(
        "{:<40} {:>12} {:>12} {:>8}  {target_text}",
        "benchmark", "subject ns", "floor ns", "ratio"
    );
    for r in rows {
        let ratio = r.subject_ns / r.floor_ns.max(0.01);
        let mark = match target {
            Some(t) if ratio <= t => "ok",
            Some(_) => "OVER",
            None => "",
        };
        println!(
            "{:<40} {:>12.2} {:>12.2} {:>8.2}  {mark}",
            r.name, r.subject_ns, r.floor_ns, ratio
        );
    }
}
