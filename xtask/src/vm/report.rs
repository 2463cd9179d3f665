//! Judging a boot and presenting the results: per-kernel verdicts, the scenario × kernel matrix
//! on the terminal and as Markdown (`target/vm-matrix.md`, optionally spliced into a README).
//!
//! A kernel counts as failed unless everything agrees: the guest reported through the debug-exit
//! port, printed a `SUMMARY` line consistent with its `VERDICT` lines, and neither panicked nor
//! ran into the timeout. A missing piece is a failure, never a pass.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::qemu::BootOutcome;

/// Marker that starts the generated matrix in a file given to `--write-readme-matrix`.
pub const MATRIX_START: &str = "<!-- vm-matrix:start -->";
/// Marker that ends the generated matrix.
pub const MATRIX_END: &str = "<!-- vm-matrix:end -->";

/// The verdict of one scenario, as the scenario runner prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The kernel behaved as the scenario expects.
    Pass,
    /// It did not.
    Fail,
    /// The scenario does not apply to this kernel (the note says why).
    Skip,
}

impl Verdict {
    /// Parses the runner's word for a verdict.
    fn parse(word: &str) -> Option<Self> {
        match word {
            "pass" => Some(Self::Pass),
            "fail" => Some(Self::Fail),
            "skip" => Some(Self::Skip),
            _ => None,
        }
    }

    /// The word shown in tables; failures in capitals so they stand out.
    fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Skip => "skip",
        }
    }
}

/// One `VERDICT <name> <pass|fail|skip> <note>` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// The reason or detail (may be empty).
    pub note: String,
}

/// The `SUMMARY <p> passed, <f> failed, <s> skipped` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Scenarios passed.
    pub passed: usize,
    /// Scenarios failed.
    pub failed: usize,
    /// Scenarios skipped.
    pub skipped: usize,
}

impl Summary {
    /// Parses the text after `SUMMARY `.
    fn parse(text: &str) -> Option<Self> {
        let words: Vec<&str> = text.split_whitespace().collect();
        match words[..] {
            [p, "passed,", f, "failed,", s, "skipped", ..] => Some(Self {
                passed: p.parse().ok()?,
                failed: f.parse().ok()?,
                skipped: s.parse().ok()?,
            }),
            _ => None,
        }
    }

    /// Counts the verdicts of `results`.
    fn of(results: &[ScenarioResult]) -> Self {
        let count = |v| results.iter().filter(|r| r.verdict == v).count();
        Self {
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            skipped: count(Verdict::Skip),
        }
    }
}

/// Decodes QEMU's exit code into the scenario exit status `/init` reported, if it reported.
///
/// `/init` writes `status + 1` (status clamped to 126) to the debug-exit port, so no report is
/// ever 0: its QEMU exit code 1 is also what QEMU returns for its own errors.
fn reported_status(qemu_exit_code: i32) -> Option<i32> {
    // QEMU exits with (value << 1) | 1 and value = status + 1 >= 1, so codes are odd and >= 3.
    (qemu_exit_code >= 3 && qemu_exit_code % 2 == 1).then(|| (qemu_exit_code - 1) / 2 - 1)
}

/// Everything known about one kernel's run.
pub struct KernelReport {
    /// The kernel's label (`debian:6.1`).
    pub label: String,
    /// The kernel release (`6.1.0-28-amd64`), or empty for a kernel that was not booted.
    pub release: String,
    /// Why the kernel was not booted at all (not a failure), if it was not.
    pub not_booted: Option<String>,
    /// Reasons the run as a whole failed (no verdict, panic, timeout, inconsistent output).
    pub problems: Vec<String>,
    /// Warnings from `/init` (a module or file system that could not be set up).
    pub warnings: Vec<String>,
    /// The scenarios' results in the order printed.
    pub scenarios: Vec<ScenarioResult>,
    /// Time until `/init` printed the kernel release.
    pub boot_time: Option<Duration>,
    /// Time until QEMU exited.
    pub total_time: Option<Duration>,
}

impl KernelReport {
    /// A kernel that is skipped, e.g. the host kernel without an image in `/boot`.
    pub fn not_booted(label: &str, reason: &str) -> Self {
        Self {
            not_booted: Some(reason.to_owned()),
            ..Self::empty(label)
        }
    }

    /// A report for a booted kernel with nothing recorded yet.
    fn empty(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            release: String::new(),
            not_booted: None,
            problems: Vec::new(),
            warnings: Vec::new(),
            scenarios: Vec::new(),
            boot_time: None,
            total_time: None,
        }
    }

    /// A kernel that could not even be prepared (download, initramfs, QEMU start failed).
    pub fn setup_failed(label: &str, error: &anyhow::Error) -> Self {
        let mut report = Self::empty(label);
        report.problems.push(format!("setup failed: {error:#}"));
        report
    }

    /// Judges a boot from QEMU's exit code and the console lines.
    pub fn from_boot(label: &str, release: &str, timeout: Duration, boot: &BootOutcome) -> Self {
        let mut report = Self::empty(label);
        report.release = release.to_owned();
        report.boot_time = boot.boot_time;
        report.total_time = Some(boot.total_time);

        let mut summary = None;
        let mut init_ran = false;
        let mut console_status = None;
        let problems = &mut report.problems;
        for line in &boot.lines {
            // Console lines may carry a kernel message glued in front; markers are searched.
            if let Some(rest) = find_marker(line, "VERDICT ") {
                let mut words = rest.splitn(3, ' ');
                let name = words.next().unwrap_or_default();
                match words.next().and_then(Verdict::parse) {
                    Some(verdict) if !name.is_empty() => report.scenarios.push(ScenarioResult {
                        name: name.to_owned(),
                        verdict,
                        note: words.next().unwrap_or_default().trim().to_owned(),
                    }),
                    _ => problems.push(format!("unreadable verdict line `{line}`")),
                }
            } else if let Some(rest) = find_marker(line, "SUMMARY ") {
                match Summary::parse(rest) {
                    Some(parsed) => summary = Some(parsed),
                    None => problems.push(format!("unreadable summary line `{line}`")),
                }
            } else if let Some(rest) = find_marker(line, "VMTEST-WARN ") {
                report.warnings.push(rest.to_owned());
            } else if let Some(rest) = find_marker(line, "VMTEST-EXIT ") {
                console_status = rest.trim().parse::<i32>().ok();
            } else if line.contains("VMTEST-INIT") {
                init_ran = true;
            } else if line.contains("Kernel panic") {
                problems.push(format!("kernel panic: {}", line.trim()));
            }
        }

        if boot.timed_out {
            problems.push(format!(
                "timed out after {} s (QEMU killed by the watchdog)",
                timeout.as_secs()
            ));
        }
        if !init_ran {
            problems.push("/init never ran (no VMTEST-INIT line on the console)".into());
        }
        match summary {
            None => problems.push("no SUMMARY line from the scenario runner".into()),
            Some(summary) if summary != Summary::of(&report.scenarios) => {
                let counted = Summary::of(&report.scenarios);
                problems.push(format!(
                    "SUMMARY says {} passed, {} failed, {} skipped but the VERDICT lines give {}, {}, {}",
                    summary.passed, summary.failed, summary.skipped,
                    counted.passed, counted.failed, counted.skipped
                ));
            }
            Some(_) => {}
        }
        match boot.exit_code.map(|code| (code, reported_status(code))) {
            None if boot.timed_out => {}
            None => problems.push("QEMU was killed by a signal".into()),
            Some((code, None)) => problems.push(format!(
                "QEMU exited with code {code} without a report on the debug-exit port \
                 (QEMU error, or the guest powered off or rebooted before /init reported)"
            )),
            Some((_, Some(status))) => {
                let failed_verdicts = report.scenarios.iter().any(|r| r.verdict == Verdict::Fail);
                if status != 0 && !failed_verdicts {
                    problems.push(format!(
                        "the scenario runner exited with status {status} without a failing verdict"
                    ));
                }
                if status == 0 && failed_verdicts {
                    problems.push(
                        "the scenario runner exited with status 0 despite a failing verdict".into(),
                    );
                }
                if console_status.is_some_and(|c| c.min(126) != status) {
                    problems.push(format!(
                        "the console says exit status {} but the debug-exit port says {status}",
                        console_status.unwrap_or_default()
                    ));
                }
            }
        }
        report
    }

    /// Whether this kernel failed: a problem with the run, or a failing scenario.
    pub fn failed(&self) -> bool {
        !self.problems.is_empty() || self.scenarios.iter().any(|r| r.verdict == Verdict::Fail)
    }

    /// The column heading: label and release.
    fn heading(&self) -> String {
        if self.release.is_empty() {
            self.label.clone()
        } else {
            format!("{} ({})", self.label, self.release)
        }
    }

    /// The state of the run itself, for the matrix's first row; with `times`, the boot and total
    /// times too (left out of the Markdown so that the README does not change on every run).
    fn run_state(&self, times: bool) -> String {
        if self.not_booted.is_some() {
            "not booted".into()
        } else if !self.problems.is_empty() {
            "NO VERDICT".into()
        } else {
            match (self.boot_time, self.total_time) {
                (Some(boot), Some(total)) if times => format!(
                    "ok ({:.0} s boot, {:.0} s total)",
                    boot.as_secs_f64(),
                    total.as_secs_f64()
                ),
                _ => "ok".into(),
            }
        }
    }

    /// Prints this kernel's results as soon as its run ends.
    pub fn print(&self) {
        let state = if let Some(reason) = &self.not_booted {
            format!("not booted: {reason}")
        } else if self.failed() {
            "FAILED".into()
        } else {
            "passed".into()
        };
        let mut times = String::new();
        if let Some(boot) = self.boot_time {
            let _ = write!(times, ", boot {:.1} s", boot.as_secs_f64());
        }
        if let Some(total) = self.total_time {
            let _ = write!(times, ", total {:.1} s", total.as_secs_f64());
        }
        println!("== {}{times}: {state}", self.heading());
        for problem in &self.problems {
            println!("   problem: {problem}");
        }
        for warning in &self.warnings {
            println!("   warning: {warning}");
        }
        for result in &self.scenarios {
            let note = if result.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", result.note)
            };
            println!("   {:<4} {}{note}", result.verdict.label(), result.name);
        }
    }
}

/// Returns the text after `marker` in `line`, if `marker` occurs at the start or after a space
/// or other non-word character (a kernel message may share the console line).
fn find_marker<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)?;
    let before = line[..at].chars().next_back();
    before
        .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-')
        .then(|| &line[at + marker.len()..])
}

/// The scenario × kernel matrix.
pub struct Matrix<'a> {
    /// The kernels in column order.
    reports: &'a [KernelReport],
    /// Scenario names in order of first appearance.
    scenarios: Vec<String>,
}

impl<'a> Matrix<'a> {
    /// Collects the scenario names over all kernels.
    pub fn new(reports: &'a [KernelReport]) -> Self {
        let mut scenarios: Vec<String> = Vec::new();
        for result in reports.iter().flat_map(|r| &r.scenarios) {
            if !scenarios.contains(&result.name) {
                scenarios.push(result.name.clone());
            }
        }
        Self { reports, scenarios }
    }

    /// The kernels that were booted (not-booted ones get a note instead of a column).
    fn columns(&self) -> impl Iterator<Item = &'a KernelReport> {
        self.reports.iter().filter(|r| r.not_booted.is_none())
    }

    /// Rows of plain cells: the run row (with times if `times`), then one row per scenario,
    /// each ending with whether the kernels that gave a verdict differ.
    fn rows(&self, times: bool) -> Vec<(String, Vec<String>, bool)> {
        let mut rows = Vec::new();
        let run: Vec<String> = self.columns().map(|r| r.run_state(times)).collect();
        rows.push(("(boot and verdict)".to_owned(), run, false));
        for scenario in &self.scenarios {
            let cells: Vec<String> = self
                .columns()
                .map(|report| {
                    report
                        .scenarios
                        .iter()
                        .find(|r| &r.name == scenario)
                        .map_or("—", |r| r.verdict.label())
                        .to_owned()
                })
                .collect();
            // Only kernels that gave a verdict count: a crashed run differs everywhere.
            let mut judged = cells
                .iter()
                .zip(self.columns())
                .filter(|(_, report)| report.problems.is_empty())
                .map(|(cell, _)| cell);
            let first = judged.next();
            let differs = judged.any(|cell| Some(cell) != first);
            rows.push((scenario.clone(), cells, differs));
        }
        rows
    }

    /// The matrix as an aligned plain-text table, with `<- differs` after rows where the
    /// kernels disagree.
    pub fn terminal(&self) -> String {
        let headings: Vec<String> = self.columns().map(KernelReport::heading).collect();
        let rows = self.rows(true);
        let first_width = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        let widths: Vec<usize> = headings
            .iter()
            .enumerate()
            .map(|(i, h)| {
                rows.iter()
                    .filter_map(|r| r.1.get(i))
                    .map(|c| c.chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        let mut line = |first: &str, cells: &[String], tail: &str| {
            let mut text = format!("{first:<first_width$}");
            for (cell, width) in cells.iter().zip(&widths) {
                let _ = write!(text, "  {cell:<width$}");
            }
            text.push_str(tail);
            let _ = writeln!(out, "{}", text.trim_end());
        };
        line("scenario", &headings, "");
        for (name, cells, differs) in &rows {
            line(name, cells, if *differs { "  <- differs" } else { "" });
        }
        for report in self.reports {
            if let Some(reason) = &report.not_booted {
                let _ = writeln!(out, "{}: not booted: {reason}", report.label);
            }
        }
        out
    }

    /// The matrix as Markdown: a table, then the notes of failed and skipped cells and the
    /// problems of runs without a verdict.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let headings: Vec<String> = self
            .columns()
            .map(|r| {
                if r.release.is_empty() {
                    r.label.clone()
                } else {
                    format!("{}<br>`{}`", r.label, r.release)
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "| Scenario | {} | Kernels differ |",
            headings.join(" | ")
        );
        let _ = writeln!(out, "|---|{}---|", "---|".repeat(headings.len()));
        for (index, (name, cells, differs)) in self.rows(false).into_iter().enumerate() {
            let name = if index == 0 {
                format!("*{name}*")
            } else {
                format!("`{name}`")
            };
            let cells: Vec<String> = cells
                .into_iter()
                .map(|c| {
                    if c == "FAIL" || c == "NO VERDICT" {
                        format!("**{c}**")
                    } else {
                        c
                    }
                })
                .collect();
            let differs = if differs { "yes" } else { "" };
            let _ = writeln!(out, "| {name} | {} | {differs} |", cells.join(" | "));
        }
        let mut notes = String::new();
        for report in self.reports {
            if let Some(reason) = &report.not_booted {
                let _ = writeln!(notes, "- {}: not booted: {}", report.label, escape(reason));
            }
            for problem in &report.problems {
                let _ = writeln!(notes, "- {}: {}", report.label, escape(problem));
            }
            for result in report
                .scenarios
                .iter()
                .filter(|r| r.verdict != Verdict::Pass)
            {
                if !result.note.is_empty() {
                    let _ = writeln!(
                        notes,
                        "- `{}` on {} ({}): {}",
                        result.name,
                        report.label,
                        result.verdict.label().to_lowercase(),
                        escape(&result.note)
                    );
                }
            }
        }
        if !notes.is_empty() {
            let _ = write!(out, "\nNotes:\n\n{notes}");
        }
        out
    }
}

/// Escapes text for a Markdown table cell or list item.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

/// Replaces the text between [`MATRIX_START`] and [`MATRIX_END`] in `path` with `markdown`.
pub fn splice_into(path: &Path, markdown: &str) -> Result<()> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let (Some(start), Some(end)) = (text.find(MATRIX_START), text.find(MATRIX_END)) else {
        bail!(
            "{} has no `{MATRIX_START}` … `{MATRIX_END}` markers to put the matrix between",
            path.display()
        );
    };
    let body_start = start + MATRIX_START.len();
    if end < body_start {
        bail!(
            "{}: `{MATRIX_END}` comes before `{MATRIX_START}`",
            path.display()
        );
    }
    let updated = format!("{}\n{markdown}{}", &text[..body_start], &text[end..]);
    fs::write(path, updated).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A boot that printed `lines` and made QEMU exit with `exit_code`.
    fn boot(exit_code: Option<i32>, timed_out: bool, lines: &[&str]) -> BootOutcome {
        BootOutcome {
            exit_code,
            timed_out,
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
            boot_time: Some(Duration::from_secs(5)),
            total_time: Duration::from_secs(9),
        }
    }

    /// Judges a boot of a kernel labelled `k` with a 60 s timeout.
    fn judge(outcome: &BootOutcome) -> KernelReport {
        KernelReport::from_boot("k", "6.1.0-1-amd64", Duration::from_secs(60), outcome)
    }

    const GOOD: [&str; 6] = [
        "VMTEST-INIT",
        "VMTEST-KERNEL 6.1.0-1-amd64",
        "VERDICT a pass",
        "VERDICT b skip not on this kernel",
        "SUMMARY 1 passed, 0 failed, 1 skipped",
        "VMTEST-EXIT 0",
    ];

    #[test]
    fn decodes_debug_exit_codes() {
        assert_eq!(reported_status(3), Some(0));
        assert_eq!(reported_status(5), Some(1));
        assert_eq!(reported_status(1), None, "QEMU's own error exit");
        assert_eq!(reported_status(0), None, "plain power-off or reboot");
        assert_eq!(reported_status(4), None);
    }

    #[test]
    fn passes_only_when_everything_agrees() {
        let report = judge(&boot(Some(3), false, &GOOD));
        assert!(!report.failed(), "{:?}", report.problems);
        assert_eq!(report.scenarios.len(), 2);
        assert_eq!(report.scenarios[1].note, "not on this kernel");
    }

    #[test]
    fn missing_summary_is_a_failure() {
        let report = judge(&boot(Some(3), false, &GOOD[..4]));
        assert!(report.failed());
        assert!(report.problems[0].contains("no SUMMARY"));
    }

    #[test]
    fn timeout_and_panic_are_failures() {
        let report = judge(&boot(None, true, &GOOD));
        assert!(report.problems.iter().any(|p| p.contains("timed out")));
        let panic = ["VMTEST-INIT", "[    6.6] Kernel panic - not syncing: boom"];
        let report = judge(&boot(Some(0), false, &panic));
        assert!(report.problems.iter().any(|p| p.contains("kernel panic")));
        assert!(report.problems.iter().any(|p| p.contains("debug-exit")));
    }

    #[test]
    fn a_failing_scenario_fails_the_kernel() {
        let lines = [
            "VMTEST-INIT",
            "VERDICT a fail expected 1 got 2",
            "SUMMARY 0 passed, 1 failed, 0 skipped",
            "VMTEST-EXIT 1",
        ];
        let report = judge(&boot(Some(5), false, &lines));
        assert!(report.failed());
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }

    #[test]
    fn inconsistent_reports_are_failures() {
        // Exit status 0 with a failing verdict; summary disagreeing with the verdict lines.
        let lines = [
            "VMTEST-INIT",
            "VERDICT a fail oops",
            "SUMMARY 1 passed, 0 failed, 0 skipped",
        ];
        let report = judge(&boot(Some(3), false, &lines));
        assert!(report.problems.iter().any(|p| p.contains("SUMMARY says")));
        assert!(report.problems.iter().any(|p| p.contains("status 0")));
        // Non-zero exit status without any failing verdict.
        let report = judge(&boot(Some(5), false, &GOOD));
        assert!(report.failed());
    }

    #[test]
    fn finds_markers_after_kernel_messages_only_at_word_starts() {
        assert_eq!(find_marker("VERDICT a pass", "VERDICT "), Some("a pass"));
        assert_eq!(
            find_marker("[ 1.0] veth: x VERDICT a pass", "VERDICT "),
            Some("a pass")
        );
        assert_eq!(find_marker("NOVERDICT a pass", "VERDICT "), None);
    }

    #[test]
    fn matrix_marks_differing_rows() {
        let mut other = judge(&boot(Some(3), false, &GOOD));
        other.label = "j".into();
        other.scenarios[1].verdict = Verdict::Pass;
        other.scenarios[1].note.clear();
        let reports = [judge(&boot(Some(3), false, &GOOD)), other];
        let matrix = Matrix::new(&reports);
        let markdown = matrix.markdown();
        assert!(markdown.contains("| `a` | pass | pass |  |"), "{markdown}");
        assert!(
            markdown.contains("| `b` | skip | pass | yes |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("- `b` on k (skip): not on this kernel"),
            "{markdown}"
        );
        assert!(matrix.terminal().contains("<- differs"));
    }

    #[test]
    fn splices_between_markers() {
        let file = std::env::temp_dir().join(format!("xtask-readme-{}", std::process::id()));
        fs::write(
            &file,
            format!("intro\n{MATRIX_START}\nold\n{MATRIX_END}\nrest\n"),
        )
        .unwrap();
        splice_into(&file, "| new |\n").unwrap();
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, "no markers").unwrap();
        let missing = splice_into(&file, "x");
        fs::remove_file(&file).unwrap();
        assert_eq!(
            text,
            format!("intro\n{MATRIX_START}\n| new |\n{MATRIX_END}\nrest\n")
        );
        assert!(missing.is_err());
    }
}
