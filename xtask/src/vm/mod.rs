//! `cargo xtask vm-test`: boots other kernels in QEMU and runs the scenarios inside them.
//!
//! For each kernel (stock Debian 5.10, 6.1, 6.12, and 7.3 with and without PREEMPT_RT from
//! trixie-backports, downloaded once into `target/vm-cache/`; the host kernel if it has an image
//! in `/boot`; or any image file) the task writes an initramfs with busybox, `ip`, the scenario
//! runner and the kernel's `veth` module, boots it under QEMU's TCG emulator without any network
//! device, and reads the `VERDICT` and `SUMMARY` lines from the serial console. The results end
//! in a scenario × kernel matrix on the terminal and in `target/vm-matrix.md`.
//!
//! ```text
//! cargo xtask vm-test                                  # all kernels, scenarios built from tests/
//! cargo xtask vm-test --kernel debian:5.10 --kernel debian:6.12
//! cargo xtask vm-test --kernel ./vmlinuz --scenarios-bin ./my-runner -- run some-scenario
//! ```
//!
//! Modules: [`kernels`] (`--kernel`), [`debian`] (download and cache), [`apt`] (private apt
//! configurations), [`modules`] (kernel modules), [`initramfs`] (cpio writer and `/init`),
//! [`qemu_package`] (which QEMU to install, and installing it), [`qemu`] (boot and watchdog),
//! [`report`] (verdicts and matrix).

mod apt;
mod cmd;
mod debian;
mod image;
mod initramfs;
mod kernels;
mod modules;
mod qemu;
mod qemu_package;
mod report;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use image::Kernel;
use kernels::{KernelSpec, Resolved};
use modules::{ModuleTree, Resolution};
use report::{KernelReport, Matrix};

/// The modules every scenario set needs: veth pairs connect the test namespaces, and the
/// VRF scenario makes a vrf device (the host has no vrf driver, so it runs in the VMs only).
const REQUIRED_MODULES: [&str; 2] = ["veth", "vrf"];

/// Options of `cargo xtask vm-test`.
#[derive(clap::Args)]
pub struct VmTestArgs {
    /// Kernel to boot: debian:5.10, debian:6.1, debian:6.12, debian:7.3, debian:7.3-rt, host,
    /// all, or the path of a vmlinuz/bzImage. Repeatable; default: all (the five Debian
    /// kernels, plus the host kernel if /boot has its image).
    #[arg(long = "kernel", value_name = "KERNEL")]
    pub kernels: Vec<KernelSpec>,

    /// Use this prebuilt scenario runner instead of building `bindscope-scenarios` from the
    /// bindscope-tests package. Installed in the guest as /bin/bindscope-scenarios.
    #[arg(long, value_name = "PATH")]
    pub scenarios_bin: Option<PathBuf>,

    /// Extra binary to put into the guest as /bin/<file name>, with its shared libraries.
    /// Repeatable.
    #[arg(long = "bin", value_name = "PATH")]
    pub bins: Vec<PathBuf>,

    /// Extra kernel module to load in the guest (dependencies included); veth is always
    /// loaded. Repeatable.
    #[arg(long = "module", value_name = "NAME")]
    pub modules: Vec<String>,

    /// Seconds after which a VM that has not powered off is killed (and counts as failed).
    #[arg(long, value_name = "SECONDS", default_value_t = 240)]
    pub timeout: u64,

    /// Also put the Markdown matrix into this file, between the lines
    /// `<!-- vm-matrix:start -->` and `<!-- vm-matrix:end -->`.
    #[arg(long, value_name = "PATH")]
    pub write_readme_matrix: Option<PathBuf>,

    /// Do not echo the guest console while it runs (it is still saved under
    /// target/vm-cache/logs/).
    #[arg(long)]
    pub quiet_console: bool,

    /// Arguments for the scenario runner in the guest, replacing the default `run --all`.
    #[arg(last = true, value_name = "SCENARIO ARGS")]
    pub scenario_args: Vec<String>,
}

/// Paths the task works with.
struct Workspace {
    /// The workspace root (where the top-level Cargo.toml is).
    root: PathBuf,
    /// Cargo's target directory.
    target: PathBuf,
    /// `target/vm-cache`: kernels, apt state, initramfs images, console logs.
    cache: PathBuf,
}

impl Workspace {
    /// Locates the workspace from this crate's manifest directory.
    fn locate() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or(Path::new("."))
            .to_owned();
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
        let cache = target.join("vm-cache");
        Self {
            root,
            target,
            cache,
        }
    }
}

/// The guest's fixed tools.
struct GuestTools {
    /// `qemu-system-x86_64` on the host.
    qemu: PathBuf,
    /// Static busybox for the guest.
    busybox: PathBuf,
    /// iproute2's `ip` for the guest.
    ip: PathBuf,
}

/// Runs the scenarios in VMs: one boot per kernel, then the matrix. Fails if any kernel gave no
/// verdict or any scenario failed.
pub fn run(args: VmTestArgs) -> Result<()> {
    let workspace = Workspace::locate();
    for bin in &args.bins {
        if !bin.is_file() {
            bail!("--bin {}: no such file", bin.display());
        }
    }
    let scenarios = match &args.scenarios_bin {
        Some(path) if path.is_file() => path.clone(),
        Some(path) => bail!("--scenarios-bin {}: no such file", path.display()),
        None => build_scenarios(&workspace)?,
    };
    let tools = GuestTools {
        qemu: qemu_package::qemu_binary(&workspace.cache)?,
        busybox: initramfs::static_busybox()?,
        ip: cmd::ensure_tool("ip", "iproute2")?,
    };
    let scenario_args = if args.scenario_args.is_empty() {
        vec!["run".to_owned(), "--all".to_owned()]
    } else {
        args.scenario_args.clone()
    };
    let timeout = Duration::from_secs(args.timeout);
    let mut module_names: Vec<String> = REQUIRED_MODULES.map(str::to_owned).to_vec();
    module_names.extend(args.modules.iter().cloned());

    let mut reports = Vec::new();
    // Wall time per kernel, download (first use only), initramfs and boot included: what a
    // `--kernel all` run costs, printed at the end.
    let mut times: Vec<(String, Duration)> = Vec::new();
    let started = Instant::now();
    for spec in kernels::expand(&args.kernels) {
        let kernel_started = Instant::now();
        let label = spec.to_string();
        let report = match kernels::resolve(&spec, &workspace.cache) {
            Ok(Resolved::Skip { label, reason }) => KernelReport::not_booted(&label, &reason),
            Ok(Resolved::Boot(kernel)) => {
                let boot = BootPlan {
                    kernel: &kernel,
                    tools: &tools,
                    scenarios: &scenarios,
                    extra_bins: &args.bins,
                    module_names: &module_names,
                    scenario_args: &scenario_args,
                    timeout,
                    echo: !args.quiet_console,
                };
                boot.run(&workspace.cache)
                    .unwrap_or_else(|e| KernelReport::setup_failed(&kernel.label, &e))
            }
            Err(e) => KernelReport::setup_failed(&label, &e),
        };
        report.print();
        if report.not_booted.is_none() {
            times.push((report.label.clone(), kernel_started.elapsed()));
        }
        reports.push(report);
    }

    let matrix = Matrix::new(&reports);
    println!("\n{}", matrix.terminal());
    let markdown = matrix.markdown();
    let matrix_file = workspace.target.join("vm-matrix.md");
    fs::write(&matrix_file, &markdown)
        .with_context(|| format!("writing {}", matrix_file.display()))?;
    cmd::step(format!("matrix written to {}", matrix_file.display()));
    let each: Vec<String> = times
        .iter()
        .map(|(label, time)| format!("{label} {:.0} s", time.as_secs_f64()))
        .collect();
    cmd::step(format!(
        "{} kernels booted in {:.0} s ({})",
        times.len(),
        started.elapsed().as_secs_f64(),
        each.join(", ")
    ));
    if let Some(readme) = &args.write_readme_matrix {
        report::splice_into(readme, &markdown)?;
        cmd::step(format!("matrix put into {}", readme.display()));
    }

    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| r.failed())
        .map(|r| r.label.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("vm-test failed on: {}", failed.join(", "));
    }
    if reports.iter().all(|r| r.not_booted.is_some()) {
        bail!("vm-test booted no kernel");
    }
    Ok(())
}

/// Builds the scenario runner from the workspace and returns its path.
fn build_scenarios(workspace: &Workspace) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--release",
            "-p",
            "bindscope-tests",
            "--bin",
            "bindscope-scenarios",
        ])
        .current_dir(&workspace.root);
    cmd::run_visible(&mut command).context(
        "could not build the scenario runner (binary `bindscope-scenarios` of package \
         `bindscope-tests`); does tests/ have it yet? Use --scenarios-bin PATH for a prebuilt one",
    )?;
    let binary = workspace.target.join("release/bindscope-scenarios");
    if !binary.is_file() {
        bail!(
            "cargo built the scenario runner but {} is missing",
            binary.display()
        );
    }
    Ok(binary)
}

/// Everything needed to boot one kernel.
struct BootPlan<'a> {
    /// The kernel.
    kernel: &'a Kernel,
    /// QEMU, busybox and ip.
    tools: &'a GuestTools,
    /// The scenario runner.
    scenarios: &'a Path,
    /// Extra binaries for the guest.
    extra_bins: &'a [PathBuf],
    /// Modules to load.
    module_names: &'a [String],
    /// Arguments for the scenario runner.
    scenario_args: &'a [String],
    /// Watchdog timeout.
    timeout: Duration,
    /// Echo the console.
    echo: bool,
}

impl BootPlan<'_> {
    /// Writes the initramfs, boots, and judges the result.
    fn run(&self, cache: &Path) -> Result<KernelReport> {
        let kernel = self.kernel;
        let (modules, mut warnings) = self.modules()?;
        let slug: String = kernel
            .label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        for dir in ["initramfs", "logs"] {
            fs::create_dir_all(cache.join(dir))?;
        }
        let initrd = cache.join("initramfs").join(format!("{slug}.cpio"));
        let archive = initramfs::build(&initramfs::Contents {
            scenarios: self.scenarios,
            extra_bins: self.extra_bins,
            busybox: &self.tools.busybox,
            ip: &self.tools.ip,
            release: &kernel.release,
            modules: &modules,
            scenario_args: self.scenario_args,
        })?;
        fs::write(&initrd, &archive).with_context(|| format!("writing {}", initrd.display()))?;
        cmd::step(format!(
            "{}: initramfs {} ({:.1} MiB)",
            kernel.label,
            initrd.display(),
            archive.len() as f64 / (1024.0 * 1024.0)
        ));
        let log = cache.join("logs").join(format!("{slug}.log"));
        let outcome = qemu::boot(
            &self.tools.qemu,
            &qemu::BootConfig {
                label: &kernel.label,
                kernel: &kernel.image,
                initrd: &initrd,
                log: &log,
                timeout: self.timeout,
                echo: self.echo,
            },
        )?;
        cmd::step(format!(
            "{}: console log in {}",
            kernel.label,
            log.display()
        ));
        let mut report =
            KernelReport::from_boot(&kernel.label, &kernel.release, self.timeout, &outcome);
        warnings.append(&mut report.warnings);
        report.warnings = warnings;
        Ok(report)
    }

    /// Resolves the modules to load, printing what each needs; problems become warnings
    /// (the scenarios that need a missing module will fail and say so).
    fn modules(&self) -> Result<(Vec<modules::Module>, Vec<String>)> {
        let kernel = self.kernel;
        let mut warnings = Vec::new();
        let Some(dir) = &kernel.modules_dir else {
            warnings.push(format!(
                "no lib/modules/{} for this kernel: cannot load {}; they must be built in",
                kernel.release,
                self.module_names.join(", ")
            ));
            return Ok((Vec::new(), warnings));
        };
        let tree = ModuleTree::open(dir)?;
        let mut modules: Vec<modules::Module> = Vec::new();
        for name in self.module_names {
            match tree.resolve(name) {
                Ok(Resolution::BuiltIn) => {
                    cmd::step(format!("{}: module {name} is built in", kernel.label));
                }
                Ok(Resolution::Load(list)) => {
                    for module in list {
                        if modules
                            .iter()
                            .any(|m| m.relative_path == module.relative_path)
                        {
                            continue;
                        }
                        cmd::step(format!(
                            "{}: module {} from {} ({})",
                            kernel.label,
                            module.name,
                            module.relative_path,
                            module.compression.describe()
                        ));
                        modules.push(module);
                    }
                }
                Err(e) => warnings.push(format!("{e:#}")),
            }
        }
        Ok((modules, warnings))
    }
}
