//! `bindscope-scenarios`: runs the kernel-behaviour scenarios outside `cargo test`, for the VM
//! runner (a minimal initramfs with busybox, `ip` and this binary) and for quick checks.
//!
//! ```text
//! bindscope-scenarios --list
//! bindscope-scenarios run --all
//! bindscope-scenarios run NAME...
//! ```
//!
//! `run` prints one `VERDICT <name> <pass|fail|skip> <note or reason>` line per scenario, then
//! `SUMMARY <passed> passed, <failed> failed, <skipped> skipped`, and exits 0 iff none failed.

use std::process::ExitCode;

use bindscope_tests::{netns, scenarios, Outcome, Scenario};

/// How to call this program.
const USAGE: &str = "usage: bindscope-scenarios --list | run (--all | NAME...)";

fn main() -> ExitCode {
    // bindscope's log (hooks attached, and why one was not) goes to stderr, the VM's log.
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,bindscope::route6_hooks=debug"),
    )
    .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--list") if args.len() == 1 => {
            for scenario in scenarios::all() {
                println!("{}", scenario.name);
            }
            ExitCode::SUCCESS
        }
        Some("run") => match selection(&args[1..]) {
            Ok(selected) => run(&selected),
            Err(message) => {
                eprintln!("{message}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The scenarios named on the command line (or all of them for `--all`).
fn selection(names: &[String]) -> Result<Vec<Scenario>, String> {
    match names {
        [] => Err("run: name scenarios or pass --all".into()),
        [all] if all == "--all" => Ok(scenarios::all()),
        names => names
            .iter()
            .map(|name| scenarios::find(name).ok_or_else(|| format!("no scenario called {name:?}")))
            .collect(),
    }
}

/// Runs `selected` one after the other, printing verdicts and the summary.
fn run(selected: &[Scenario]) -> ExitCode {
    let swept = netns::sweep_stale();
    if !swept.is_empty() {
        eprintln!("removed stale namespaces: {}", swept.join(", "));
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for scenario in selected {
        let outcome = scenario.execute();
        match outcome {
            Outcome::Pass { .. } => passed += 1,
            Outcome::Fail { .. } => failed += 1,
            Outcome::Skip { .. } => skipped += 1,
        }
        println!("{}", outcome.verdict_line(scenario.name));
    }
    println!("SUMMARY {passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
