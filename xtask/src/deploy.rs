//! The deployment files under `deploy/`, each checked by its own tool rather than by eye: the
//! systemd unit by `systemd-analyze verify`, the Kubernetes DaemonSet by `kubernetes-validate`
//! (PyPI: the Kubernetes OpenAPI schemas, bundled) installed into a virtual environment under
//! `target/`, so nothing of the machine's own Python changes.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::cmd::{self, root, step};

/// The validator's pinned version.
const KUBERNETES_VALIDATE: &str = "kubernetes-validate==1.37.0";

/// Checks both files; `bindscope` is a built binary the unit's `ExecStart` can name.
pub fn check(bindscope: &Path) -> Result<()> {
    step("deploy/bindscope.service: systemd-analyze verify");
    // verify refuses a unit whose ExecStart names a missing binary: the copy checked starts
    // the binary just built and is otherwise the shipped file.
    let unit = std::fs::read_to_string(root().join("deploy/bindscope.service"))
        .context("reading deploy/bindscope.service")?;
    let dir = root().join("target/deploy-check");
    std::fs::create_dir_all(&dir)?;
    let copy = dir.join("bindscope.service");
    let binary = bindscope.to_str().context("a UTF-8 path")?;
    std::fs::write(&copy, unit.replace("/usr/local/bin/bindscope", binary))?;
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .context("running systemd-analyze (Debian's systemd package)")?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // A warning (an unknown key, a bad value) is a finding too.
    if !output.status.success() || !said.trim().is_empty() {
        bail!("systemd-analyze verify found problems in deploy/bindscope.service:\n{said}");
    }

    step("deploy/kubernetes/daemonset.yaml: kubernetes-validate --strict");
    let venv = root().join("target/tools/kubernetes-validate");
    let validator = venv.join("bin/kubernetes-validate");
    if validator.exists() {
        step("ok: kubernetes-validate present");
    } else {
        step(&format!(
            "installing {KUBERNETES_VALIDATE} into {}",
            venv.display()
        ));
        cmd::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        cmd::run(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            KUBERNETES_VALIDATE,
        ]))?;
    }
    cmd::run(
        Command::new(&validator)
            .arg("--strict")
            .arg(root().join("deploy/kubernetes/daemonset.yaml")),
    )
}
