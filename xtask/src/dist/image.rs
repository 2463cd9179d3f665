//! The OCI image: deploy/Containerfile (`FROM scratch`, the static binary alone) built by
//! Debian's podman into container storage of its own under `target/dist-build/`, so that the
//! machine's images stay as they are, and saved as an OCI archive. The check reads the archive
//! (skopeo inspect, then the layer itself), loads it into another storage of its own and runs
//! it as the DaemonSet does, scraping its metrics.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use super::binary::{self, Expected};
use super::layout::{Layout, IMAGE_BINARY};
use crate::cmd::{self, root, step};

const DAEMONSET: &str = "deploy/kubernetes/daemonset.yaml";

/// podman with its storage in `target/dist-build/STORE/`, and its run-time state (which podman
/// wants on a path of at most 50 bytes) in a folder of /tmp named after this checkout.
fn podman(layout: &Layout, store: &str) -> Command {
    let mut command = Command::new("podman");
    command
        .arg("--root")
        .arg(layout.work().join(store))
        .arg("--runroot")
        .arg(run_root(store))
        .arg("--tmpdir")
        .arg(run_root(store).join("tmp"))
        .args(["--storage-driver", "vfs", "--events-backend", "none"]);
    command
}

/// `/tmp/bindscope-podman-INODE/STORE`: the checkout's inode tells worktrees apart.
fn run_root(store: &str) -> PathBuf {
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(root()).map_or(0, |m| m.ino());
    PathBuf::from(format!("/tmp/bindscope-podman-{inode}")).join(store)
}

/// A storage emptied, for a run that starts from nothing.
fn fresh(layout: &Layout, store: &str) -> Result<()> {
    for dir in [layout.work().join(store), run_root(store)] {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    Ok(())
}

/// Builds the image from `binary` and saves it as `layout`'s OCI archive.
pub fn build(layout: &Layout, binary: &Path, commit: &str) -> Result<PathBuf> {
    step("the OCI image (podman build, deploy/Containerfile, FROM scratch)");
    let context = layout.work().join("image-context");
    if context.exists() {
        std::fs::remove_dir_all(&context)?;
    }
    std::fs::create_dir_all(&context)?;
    std::fs::copy(binary, context.join("bindscope"))?;
    fresh(layout, "containers-build")?;
    cmd::run(
        podman(layout, "containers-build")
            .args(["build", "--timestamp", "0", "--file"])
            .arg(root().join("deploy/Containerfile"))
            .arg("--build-arg")
            .arg(format!("VERSION={}", layout.version))
            .arg("--build-arg")
            .arg(format!("REVISION={commit}"))
            .arg("--tag")
            .arg(layout.image())
            .arg(&context),
    )?;
    let archive = layout.image_archive();
    if archive.exists() {
        std::fs::remove_file(&archive)?;
    }
    cmd::run(
        podman(layout, "containers-build")
            .args(["save", "--format", "oci-archive", "--output"])
            .arg(&archive)
            .arg(layout.image()),
    )?;
    Ok(archive)
}

/// Checks the DaemonSet names the image, the archive's config and its one layer, then runs the
/// image as the DaemonSet would, where this machine can run containers.
pub fn check(layout: &Layout, binary: &Path, expected: &Expected) -> Result<()> {
    let capabilities = daemonset(layout)?;
    let archive = layout.image_archive();
    step(&format!("the OCI image: {}", archive.display()));
    let source = format!("oci-archive:{}", archive.display());
    let inspected: Value = serde_json::from_str(&cmd::stdout(
        Command::new("skopeo").args(["inspect", &source]),
    )?)?;
    let labels = &inspected["Labels"];
    ensure!(
        labels["org.opencontainers.image.version"] == expected.version.as_str()
            && labels["org.opencontainers.image.revision"] == expected.commit.as_str()
            && inspected["Architecture"] == "amd64"
            && inspected["Os"] == "linux",
        "skopeo inspect: not bindscope {} ({}) for linux/amd64:\n{inspected:#}",
        expected.version,
        expected.commit
    );
    let layers = inspected["Layers"].as_array().map_or(0, Vec::len);
    ensure!(
        layers == 1,
        "the image has {layers} layers, not the binary's one"
    );
    let config: Value = serde_json::from_str(&cmd::stdout(
        Command::new("skopeo").args(["inspect", "--config", &source]),
    )?)?;
    let config = &config["config"];
    ensure!(
        config["Entrypoint"] == serde_json::json!([IMAGE_BINARY])
            && config["User"] == "0:0"
            && config["ExposedPorts"]["9464/tcp"].is_object(),
        "the image's config is not deploy/Containerfile's: {config:#}"
    );
    step(&format!(
        "ok: labels, one layer, entrypoint {IMAGE_BINARY}, user 0:0, cmd {}",
        config["Cmd"]
    ));
    check_layer(layout, &archive, binary)?;
    run(layout, &capabilities, expected)
}

/// deploy/kubernetes/daemonset.yaml runs this image, by this command: returns the
/// capabilities it adds.
fn daemonset(layout: &Layout) -> Result<Vec<String>> {
    let yaml = std::fs::read_to_string(root().join(DAEMONSET))
        .with_context(|| format!("reading {DAEMONSET}"))?;
    let image = format!("image: {}", layout.image());
    ensure!(
        yaml.lines().any(|l| l.trim() == image),
        "{DAEMONSET} should run the image cargo xtask dist builds: `{image}`"
    );
    let command = format!("command: [\"{IMAGE_BINARY}\"]");
    ensure!(
        yaml.lines().any(|l| l.trim() == command),
        "{DAEMONSET} should start the image's binary: `{command}`"
    );
    let add = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("add: ["))
        .and_then(|l| l.strip_suffix(']'))
        .with_context(|| format!("{DAEMONSET} adds no capabilities (`add: [...]`)"))?;
    Ok(add
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_owned())
        .collect())
}

/// Unpacks the archive: its one layer holds the binary, the same bytes, and the folders above
/// it, nothing else.
fn check_layer(layout: &Layout, archive: &Path, binary: &Path) -> Result<()> {
    let dir = layout.work().join("image-unpacked");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    cmd::run(
        Command::new("tar")
            .arg("-xf")
            .arg(archive)
            .arg("-C")
            .arg(&dir),
    )?;
    let blob = |digest: &Value| -> Result<PathBuf> {
        let digest = digest.as_str().context("a digest")?;
        let (algorithm, hex) = digest.split_once(':').context("a digest")?;
        Ok(dir.join("blobs").join(algorithm).join(hex))
    };
    let index: Value = serde_json::from_slice(&std::fs::read(dir.join("index.json"))?)?;
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(blob(&index["manifests"][0]["digest"])?)?)?;
    let layer = blob(&manifest["layers"][0]["digest"])?;
    let listing = cmd::stdout(Command::new("tar").arg("-tf").arg(&layer))?;
    let entries: Vec<&str> = listing.lines().collect();
    let want = [
        "usr/",
        "usr/local/",
        "usr/local/bin/",
        "usr/local/bin/bindscope",
    ];
    ensure!(
        entries == want,
        "the layer holds {entries:?}, not just {}",
        IMAGE_BINARY
    );
    let extracted = dir.join("layer");
    std::fs::create_dir_all(&extracted)?;
    cmd::run(
        Command::new("tar")
            .arg("-xf")
            .arg(&layer)
            .arg("-C")
            .arg(&extracted),
    )?;
    let inside = std::fs::read(extracted.join("usr/local/bin/bindscope"))?;
    ensure!(
        inside == std::fs::read(binary)?,
        "the image's /usr/local/bin/bindscope is not {}",
        binary.display()
    );
    step(&format!(
        "ok: the layer holds {} alone, the same bytes as {}",
        IMAGE_BINARY,
        binary.display()
    ));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Loads the archive into storage of its own and runs it: `--version`, then `serve` with the
/// DaemonSet's capabilities, host pid and network namespaces and read-only mounts, its metrics
/// scraped on loopback, stopped by SIGTERM. Where this machine cannot start a container at all
/// (podman's own exit codes, 125 to 127), says so and leaves it at the checks above.
fn run(layout: &Layout, capabilities: &[String], expected: &Expected) -> Result<()> {
    step("running the image as the DaemonSet does (podman run)");
    fresh(layout, "containers-check")?;
    cmd::run(
        podman(layout, "containers-check")
            .arg("load")
            .arg("--input")
            .arg(layout.image_archive()),
    )?;
    let run_args = |command: &mut Command| {
        // runc: crun refuses hybrid cgroup hierarchies. The limits: podman raises them by
        // default, which root without CAP_SYS_RESOURCE may not; lower ones it may set anywhere.
        command.args(["run", "--runtime", "runc"]);
        for (name, limit) in [("nofile", "Max open files"), ("nproc", "Max processes")] {
            let value = hard_limit(limit).map_or(4096, |hard| hard.min(4096));
            command
                .arg("--ulimit")
                .arg(format!("{name}={value}:{value}"));
        }
    };
    let mut version = podman(layout, "containers-check");
    run_args(&mut version);
    version.args(["--rm", &layout.image(), "--version"]);
    let tried = cmd::capture(&mut version)?;
    if matches!(tried.status.code(), Some(125..=127)) {
        step(&format!(
            "this machine cannot run containers ({}): the image is checked by skopeo inspect and \
             its unpacked layer only",
            tried.stderr.trim()
        ));
        return Ok(());
    }
    ensure!(
        tried.status.success(),
        "the image's bindscope --version failed ({}): {}",
        tried.status,
        tried.stderr.trim()
    );
    binary::check_printed_version(&tried.stdout, expected)?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let name = "bindscope-dist-check";
    let mut serve = podman(layout, "containers-check");
    run_args(&mut serve);
    serve.args(["--detach", "--name", name, "--cap-drop", "all"]);
    for capability in capabilities {
        serve.arg("--cap-add").arg(capability);
    }
    serve.args([
        "--security-opt",
        "no-new-privileges",
        "--read-only",
        "--pid",
        "host",
        "--network",
        "host",
    ]);
    for mount in ["/sys/kernel/btf", "/sys/kernel/tracing", "/run/netns"] {
        if Path::new(mount).is_dir() {
            serve.arg("--volume").arg(format!("{mount}:{mount}:ro"));
        }
    }
    serve
        .arg(layout.image())
        .args(["serve", "--metrics", &format!("127.0.0.1:{port}")]);
    cmd::run(&mut serve)?;
    let scraped = scrape(port, &expected.version);
    let stop = cmd::run(podman(layout, "containers-check").args(["stop", "--time", "10", name]));
    let logs = cmd::capture(podman(layout, "containers-check").args(["logs", name]));
    let exit = cmd::output(podman(layout, "containers-check").args([
        "inspect",
        "--format",
        "{{.State.ExitCode}}",
        name,
    ]));
    cmd::run(podman(layout, "containers-check").args(["rm", "--force", name]))?;
    let logs = logs.map(|l| l.stderr + &l.stdout).unwrap_or_default();
    let body = scraped.with_context(|| format!("the container's log:\n{logs}"))?;
    stop?;
    ensure!(
        exit.as_deref().map(str::trim) == Some("0") && logs.contains("stopped by SIGTERM"),
        "the container did not stop cleanly on SIGTERM (exit code {exit:?}); its log:\n{logs}"
    );
    step(&format!(
        "ok: the image served {} lines of metrics at 127.0.0.1:{port} with the DaemonSet's \
         capabilities ({}), and stopped on SIGTERM",
        body.lines().count(),
        capabilities.join(" ")
    ));
    Ok(())
}

/// GET /metrics until it answers (20 s at most); the answer must name this version.
fn scrape(port: u16, version: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match get_metrics(port) {
            Ok(body) => {
                let info = format!("bindscope_build_info{{version=\"{version}\"}} 1");
                ensure!(body.contains(&info), "the metrics lack `{info}`:\n{body}");
                return Ok(body);
            }
            Err(err) if Instant::now() > deadline => {
                return Err(err.context(format!("scraping http://127.0.0.1:{port}/metrics")))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

fn get_metrics(port: u16) -> Result<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("an HTTP response")?;
    if !head.starts_with("HTTP/1.1 200") {
        bail!("{}", head.lines().next().unwrap_or_default());
    }
    Ok(body.to_owned())
}

/// This process's hard limit named `name` in /proc/self/limits (`None` for unlimited).
fn hard_limit(name: &str) -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().nth(1)?.parse().ok()
}
