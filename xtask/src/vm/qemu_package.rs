//! Which `qemu-system-x86` to install so that nothing the machine has is removed.
//!
//! QEMU's binary packages come from one source package and only work together at matching
//! versions: Debian's `qemu-utils` 10.0 declares `Breaks: qemu-system-common (<< 1:8.0+dfsg-5~)`,
//! so on a bookworm machine that came with `qemu-utils` from bookworm-backports, a plain
//! `apt-get install qemu-system-x86` picks bookworm's 7.2 and apt resolves the conflict by
//! removing `qemu-utils`. The choice here is made from what is installed (`dpkg-query`) and where
//! it came from (`apt-cache policy`), both passed in as text so that the fixtures in
//! `xtask/fixtures/qemu/` test it; [`qemu_binary`] runs the commands and the install.
//!
//! Whatever is chosen, apt-get runs with `--no-remove` (apt-get(8): "If any packages are to be
//! removed apt-get immediately aborts without prompting"), so a wrong guess fails the install
//! rather than the user's machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::apt::{self, AptContext};
use super::cmd;

/// The package that provides `qemu-system-x86_64`.
pub const PACKAGE: &str = "qemu-system-x86";

/// The `dpkg-query -W -f` format whose output [`decide`] reads: status, name, version.
pub const DPKG_QUERY_FORMAT: &str = "${db:Status-Abbrev}\t${Package}\t${Version}\n";

/// The `dpkg-query -W` pattern that covers every package of QEMU's source package.
pub const DPKG_QUERY_PATTERN: &str = "qemu*";

/// Debian release numbers as backports spell them (`~bpo12+1`) and their code names.
const RELEASES: [(&str, &str); 4] = [
    ("11", "bullseye"),
    ("12", "bookworm"),
    ("13", "trixie"),
    ("14", "forky"),
];

/// An installed package of QEMU's source package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// The binary package name.
    pub package: String,
    /// Its installed version.
    pub version: String,
}

/// Reads `dpkg-query -W -f DPKG_QUERY_FORMAT` output and keeps the installed QEMU packages that
/// must match `qemu-system-x86`'s version: `qemu-utils`, `qemu-block-extra` and the
/// `qemu-system-*` family (`qemu*` also matches unrelated packages such as `qemu-efi-*` from
/// edk2). A package counts as installed when dpkg's status letter says so (`i`, or the trigger
/// states `W`/`t` of an installed package; dpkg-query(1), "db:Status-Abbrev").
pub fn installed(dpkg_query: &str) -> Vec<Installed> {
    dpkg_query
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let status = fields.next()?;
            let package = fields.next()?;
            let version = fields.next()?.trim();
            let installed = matches!(status.as_bytes().get(1), Some(b'i' | b'W' | b't'));
            let related = package == "qemu-utils"
                || package == "qemu-block-extra"
                || package.starts_with("qemu-system-");
            (installed && related && !version.is_empty()).then(|| Installed {
                package: package.to_owned(),
                version: version.to_owned(),
            })
        })
        .collect()
}

/// One version row of `apt-cache policy`, with the suites that offer it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyVersion {
    /// The version.
    pub version: String,
    /// Marked `***`: the installed one.
    pub installed: bool,
    /// Suites of the archives offering it (`bookworm-backports`); the dpkg status file, which
    /// every installed version has, is not a suite and is left out.
    pub suites: Vec<String>,
}

/// The version table of one package in `apt-cache policy` output (run under `LC_ALL=C`:
/// the headings are translated otherwise).
pub fn policy_versions(policy: &str, package: &str) -> Vec<PolicyVersion> {
    let mut rows: Vec<PolicyVersion> = Vec::new();
    let mut in_package = false;
    for line in policy.lines() {
        if !line.starts_with(' ') {
            in_package = line.strip_suffix(':') == Some(package);
            continue;
        }
        if !in_package {
            continue;
        }
        // Source rows are indented by 8: "        500 http://… bookworm/main amd64 Packages"
        // or "        100 /var/lib/dpkg/status"; version rows by 5, or " *** " when installed.
        if let Some(source) = line.strip_prefix("        ") {
            let mut words = source.split_whitespace().skip(1);
            let (Some(_location), Some(dist)) = (words.next(), words.next()) else {
                continue;
            };
            if let (Some(row), Some(suite)) = (rows.last_mut(), dist.split('/').next()) {
                row.suites.push(suite.to_owned());
            }
        } else if let Some(rest) = line
            .strip_prefix(" *** ")
            .map(|r| (r, true))
            .or_else(|| line.strip_prefix("     ").map(|r| (r, false)))
        {
            let (rest, installed) = rest;
            if let Some(version) = rest.split_whitespace().next() {
                rows.push(PolicyVersion {
                    version: version.to_owned(),
                    installed,
                    suites: Vec::new(),
                });
            }
        }
    }
    rows
}

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// `qemu-system-x86` is installed already: nothing to install.
    Present {
        /// Its version.
        version: String,
    },
    /// Install it this way.
    Install(Plan),
}

/// How to call `apt-get install` for `qemu-system-x86`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// A suite the host does not list, to be added for this install only (see `apt.rs`).
    pub extra_suite: Option<String>,
    /// The release to prefer (`apt-get -t`), so that `qemu-system-common` and
    /// `qemu-system-data`, which must match, come from the same suite.
    pub target_release: Option<String>,
    /// The exact version to ask for.
    pub version: Option<String>,
    /// Why, in a sentence for the log.
    pub reason: String,
}

impl Plan {
    /// The arguments after `apt-get install`, `--no-remove` always among them.
    pub fn install_args(&self) -> Vec<String> {
        let mut args: Vec<String> = ["-y", "-q", "--no-install-recommends", "--no-remove"]
            .map(str::to_owned)
            .to_vec();
        if let Some(release) = &self.target_release {
            args.extend(["-t".to_owned(), release.clone()]);
        }
        args.push(match &self.version {
            Some(version) => format!("{PACKAGE}={version}"),
            None => PACKAGE.to_owned(),
        });
        args
    }

    /// Checks the exact version against `apt-cache policy` as seen with the extra suite: when
    /// the suite has moved on, the newest `qemu-system-x86` of the same suite is asked for
    /// instead (newer QEMU packages of one suite do not break each other; the conflict is
    /// between 7.x and 8.0 or later).
    pub fn settle(mut self, policy: &str) -> Self {
        if let Some(version) = &self.version {
            if !policy_versions(policy, PACKAGE)
                .iter()
                .any(|row| &row.version == version)
            {
                self.reason = format!(
                    "{}; {version} is no longer offered, so the newest of the same suite",
                    self.reason
                );
                self.version = None;
            }
        }
        self
    }
}

/// Chooses how to install `qemu-system-x86`, from `dpkg-query -W -f DPKG_QUERY_FORMAT
/// 'qemu*'` and `apt-cache policy qemu-system-x86 <installed QEMU packages>` run on the host.
pub fn decide(dpkg_query: &str, policy: &str) -> Decision {
    let installed = installed(dpkg_query);
    if let Some(present) = installed.iter().find(|p| p.package == PACKAGE) {
        return Decision::Present {
            version: present.version.clone(),
        };
    }
    // qemu-utils is the one a machine most often has; any other member constrains the same way.
    let Some(sibling) = installed
        .iter()
        .find(|p| p.package == "qemu-utils")
        .or_else(|| installed.first())
    else {
        return Decision::Install(Plan {
            extra_suite: None,
            target_release: None,
            version: None,
            reason: "no QEMU package is installed: the host's default".to_owned(),
        });
    };
    let (name, version) = (&sibling.package, &sibling.version);
    let origins: Vec<String> = policy_versions(policy, name)
        .into_iter()
        .find(|row| row.installed && &row.version == version)
        .map(|row| row.suites)
        .unwrap_or_default();

    if let Some(backports) = origins.iter().find(|s| s.ends_with("-backports")) {
        return Decision::Install(Plan {
            extra_suite: None,
            target_release: Some(backports.clone()),
            version: Some(version.clone()),
            reason: format!("{name} {version} comes from {backports}: the same version from there"),
        });
    }
    if let Some(suite) = origins.first() {
        return Decision::Install(Plan {
            extra_suite: None,
            target_release: None,
            version: None,
            reason: format!("{name} {version} comes from {suite}, the host's default choice"),
        });
    }
    // Only the dpkg status file has it: the host no longer lists its suite. A backport says
    // which one in its version (Debian's backports policy: `~bpo<release>+<n>`).
    if let Some(suite) = backports_suite(version) {
        return Decision::Install(Plan {
            extra_suite: Some(suite.clone()),
            target_release: Some(suite.clone()),
            version: Some(version.clone()),
            reason: format!(
                "{name} {version} is a backport from {suite}, which the host does not list: \
                 the same version from there, for this install only"
            ),
        });
    }
    Decision::Install(Plan {
        extra_suite: None,
        target_release: None,
        version: None,
        reason: format!(
            "{name} {version} comes from no suite the host lists: the host's default, which \
             apt-get refuses (--no-remove) if it would replace {name}"
        ),
    })
}

/// `bookworm-backports` for a version such as `1:10.0.2+ds-2+deb13u1~bpo12+1`.
fn backports_suite(version: &str) -> Option<String> {
    let number = version.rsplit_once("~bpo")?.1.split('+').next()?;
    RELEASES
        .iter()
        .find(|(n, _)| *n == number)
        .map(|(_, name)| format!("{name}-backports"))
}

/// Finds `qemu-system-x86_64`, installing Debian's qemu-system-x86 if it is missing: the
/// version and suite that match the QEMU packages already installed (see [`decide`]),
/// with apt-get refusing to remove anything.
pub fn qemu_binary(cache: &Path) -> Result<PathBuf> {
    const BINARY: &str = "qemu-system-x86_64";
    if let Some(path) = cmd::which(BINARY) {
        return Ok(path);
    }
    cmd::step(format!(
        "`{BINARY}` is missing: choosing a {} that keeps the installed QEMU packages",
        PACKAGE
    ));
    // Fresh lists first: the choice reads which suites offer which versions.
    cmd::run_visible(Command::new("apt-get").args(["-q", "update"]))?;
    // dpkg-query exits 1 when no package matches the pattern; that is "nothing installed".
    let dpkg_query = Command::new("dpkg-query")
        .args(["-W", "-f", DPKG_QUERY_FORMAT, DPKG_QUERY_PATTERN])
        .output()
        .context("could not start dpkg-query")?;
    let dpkg_query = String::from_utf8_lossy(&dpkg_query.stdout).into_owned();
    let mut names: Vec<String> = installed(&dpkg_query)
        .into_iter()
        .map(|p| p.package)
        .collect();
    names.insert(0, PACKAGE.to_owned());
    let policy = cmd::output(
        Command::new("apt-cache")
            .env("LC_ALL", "C")
            .arg("policy")
            .args(&names),
    )?;
    let plan = match decide(&dpkg_query, &policy) {
        Decision::Present { version } => bail!(
            "{} {version} is installed but `{BINARY}` is not in PATH: reinstall it \
             (apt-get install --reinstall {})",
            PACKAGE,
            PACKAGE
        ),
        Decision::Install(plan) => plan,
    };
    cmd::step(format!("{}: {}", PACKAGE, plan.reason));
    let (mut install, plan) = match plan.extra_suite.clone() {
        None => (Command::new("apt-get"), plan),
        Some(suite) => {
            let apt = AptContext::host_plus(
                cache,
                &format!("host-{suite}"),
                &apt::debian_source(apt::DEBIAN_MIRROR, &suite),
            )?;
            cmd::run_visible(apt.command("apt-get").args(["-q", "update"]))?;
            let policy = cmd::output(
                apt.command("apt-cache")
                    .env("LC_ALL", "C")
                    .args(["policy", PACKAGE]),
            )?;
            (apt.command("apt-get"), plan.settle(&policy))
        }
    };
    install.arg("install").args(plan.install_args());
    install_and_find(install, BINARY)
}

/// Runs the install and finds the binary it brought.
fn install_and_find(mut install: Command, binary: &str) -> Result<PathBuf> {
    install.env("DEBIAN_FRONTEND", "noninteractive");
    cmd::run_visible(&mut install).with_context(|| {
        format!(
            "installing {} failed (apt-get refuses to remove packages here); install a \
             qemu-system-x86 that matches your QEMU packages by hand",
            PACKAGE
        )
    })?;
    cmd::which(binary)
        .with_context(|| format!("installed {} but `{binary}` is still not in PATH", PACKAGE))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real outputs, recorded as `xtask/fixtures/qemu/README.md` describes.
    macro_rules! fixture {
        ($case:literal) => {
            (
                include_str!(concat!("../../fixtures/qemu/", $case, ".dpkg-query")),
                include_str!(concat!("../../fixtures/qemu/", $case, ".apt-cache-policy")),
            )
        };
    }

    const BACKPORT: &str = "1:10.0.2+ds-2+deb13u1~bpo12+1";

    fn plan(decision: Decision) -> Plan {
        match decision {
            Decision::Install(plan) => plan,
            other => panic!("expected an install, got {other:?}"),
        }
    }

    #[test]
    fn nothing_installed_takes_the_hosts_default() {
        let (dpkg, policy) = fixture!("nothing");
        let plan = plan(decide(dpkg, policy));
        assert_eq!(
            plan.install_args(),
            [
                "-y",
                "-q",
                "--no-install-recommends",
                "--no-remove",
                "qemu-system-x86"
            ]
        );
        assert_eq!(plan.extra_suite, None);
    }

    #[test]
    fn backported_utils_the_host_no_longer_lists_bring_their_suite_back_for_the_install() {
        // The machine of issue 12: qemu-utils 10.0 from bookworm-backports, sources list only
        // bookworm, bookworm-updates and bookworm-security.
        let (dpkg, policy) = fixture!("backports-unlisted");
        let plan = plan(decide(dpkg, policy));
        assert_eq!(plan.extra_suite.as_deref(), Some("bookworm-backports"));
        assert_eq!(
            plan.install_args()[4..],
            [
                "-t".to_owned(),
                "bookworm-backports".to_owned(),
                format!("qemu-system-x86={BACKPORT}")
            ]
        );
    }

    #[test]
    fn backported_utils_from_a_listed_suite_need_no_extra_source() {
        let (dpkg, policy) = fixture!("backports-listed");
        let plan = plan(decide(dpkg, policy));
        assert_eq!(plan.extra_suite, None);
        assert_eq!(plan.target_release.as_deref(), Some("bookworm-backports"));
        assert_eq!(plan.version.as_deref(), Some(BACKPORT));
        // The same version is offered there: the plan stands.
        assert_eq!(plan.clone().settle(policy), plan);
    }

    #[test]
    fn a_backport_that_moved_on_asks_for_the_newest_of_its_suite() {
        let (dpkg, policy) = fixture!("backports-listed");
        let moved_on = policy.replace(
            &format!("     {BACKPORT} 100"),
            "     1:10.0.3+ds-1~bpo12+1 100",
        );
        let plan = plan(decide(dpkg, policy)).settle(&moved_on);
        assert_eq!(plan.version, None);
        assert_eq!(plan.target_release.as_deref(), Some("bookworm-backports"));
        assert_eq!(plan.install_args().last().unwrap(), "qemu-system-x86");
    }

    #[test]
    fn utils_from_bookworm_take_the_hosts_default() {
        let (dpkg, policy) = fixture!("bookworm");
        let plan = plan(decide(dpkg, policy));
        assert_eq!(
            (plan.extra_suite, plan.target_release, plan.version),
            (None, None, None)
        );
        assert!(
            plan.reason.contains("comes from bookworm"),
            "{}",
            plan.reason
        );
    }

    #[test]
    fn qemu_system_already_present_installs_nothing() {
        let (dpkg, policy) = fixture!("present");
        assert_eq!(
            decide(dpkg, policy),
            Decision::Present {
                version: "1:7.2+dfsg-7+deb12u18+b3".to_owned()
            }
        );
    }

    #[test]
    fn unknown_origin_without_backport_marker_falls_back_to_no_remove() {
        let (dpkg, policy) = fixture!("backports-unlisted");
        let local = "1:10.0.2+ds-2local1";
        let plan = plan(decide(
            &dpkg.replace(BACKPORT, local),
            &policy.replace(BACKPORT, local),
        ));
        assert!(plan.install_args().contains(&"--no-remove".to_owned()));
        assert_eq!((plan.extra_suite, plan.version), (None, None));
    }

    #[test]
    fn reads_status_letters_and_ignores_other_source_packages() {
        let text = "ii \tqemu-utils\t1:7.2\nrc \tqemu-system-x86\t1:7.2\n\
                    un \tqemu-block-extra\t\nii \tqemu-efi-aarch64\t2022.11-6\n";
        assert_eq!(
            installed(text),
            [Installed {
                package: "qemu-utils".into(),
                version: "1:7.2".into()
            }]
        );
    }

    #[test]
    fn maps_backport_versions_to_suites() {
        assert_eq!(
            backports_suite(BACKPORT).as_deref(),
            Some("bookworm-backports")
        );
        assert_eq!(
            backports_suite("7.3.4-1~bpo13+1").as_deref(),
            Some("trixie-backports")
        );
        assert_eq!(backports_suite("1:7.2+dfsg-7+deb12u18+b3"), None);
    }
}
