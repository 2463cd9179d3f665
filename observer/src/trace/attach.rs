//! Attaching one program: to a classic tracepoint, a raw one or a BTF-typed one, with
//! errors a user can act on. Shared by the IPv4 and IPv6 route hooks and the syscall
//! families; it knows no program by name.

use aya::maps::MapError;
use aya::programs::{BtfTracePoint, Program, ProgramError, RawTracePoint, TracePoint};
use aya::EbpfError;

use super::config;
use crate::Error;

/// Which form of `fib_table_lookup` the route program is attached to (see [`RouteHooks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteHook {
    /// The BTF-typed raw tracepoint (`tp_btf`): plain loads, the cheapest.
    BtfTyped,
    /// The raw tracepoint: one `bpf_probe_read_kernel` per struct.
    Raw,
    /// The classic tracepoint `fib:fib_table_lookup`, with offsets from its `format` file.
    Classic,
}

/// The flow fields beyond the classic tracepoint's that the route program can read here: the
/// classic tracepoint has none of them, and `flowi4_l3mdev` arrived in Linux 5.18. An absent
/// field is reported as unknown (`null`), never as 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowFields {
    /// `flowi4_mark`.
    pub mark: bool,
    /// `flowi4_uid`.
    pub uid: bool,
    /// `flowi4_l3mdev`.
    pub l3mdev: bool,
}

/// The first line of a long error (a verifier log can run to thousands of lines).
pub(crate) fn abridge(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

/// A loader's complaint as an [`Error`]: a refusal for want of privileges is
/// [`Error::NotPermitted`], which says what to do. Only the first line is kept (the whole is
/// logged at debug level).
pub(crate) fn load_error(message: String) -> Error {
    if message.contains("Operation not permitted") || message.contains("EPERM") {
        return Error::NotPermitted;
    }
    if message.contains('\n') {
        log::debug!("{message}");
    }
    Error::Load(abridge(&message).to_owned())
}

/// The kernel's refusal to load `program`, in one line: the error of the `BPF_PROG_LOAD`
/// call and the verifier's verdict (the last line of its log that is not its statistics).
/// The whole log is logged at debug level.
fn program_error(program: &str, error: &ProgramError) -> Error {
    match error {
        ProgramError::LoadError {
            io_error,
            verifier_log,
        } => {
            let log = verifier_log.to_string();
            log::debug!("verifier log of {program}:\n{log}");
            let verdict = log
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| {
                    !line.is_empty()
                        && !line.starts_with("processed ")
                        && !line.starts_with("verification time")
                        && !line.starts_with("stack depth")
                })
                .unwrap_or("no verifier log");
            load_error(format!(
                "{program}: {io_error}; the verifier said: {verdict}"
            ))
        }
        error => load_error(format!("{program}: {}", chain(error))),
    }
}

/// `error` and its sources, `: `-separated (aya's errors keep the kernel's errno in their
/// source).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Why aya could not load the object: its maps are created then, the ring buffer of
/// `ring_size` bytes among them. A ring the kernel cannot allocate says so, and what to do.
pub(crate) fn object_error(error: &EbpfError, ring_size: u32) -> Error {
    if let EbpfError::MapError(MapError::CreateError { name, io_error }) = error {
        // ENOMEM: more than the memory cgroup allows (or than the machine has); EPERM:
        // RLIMIT_MEMLOCK, which kernels before 5.11 charge maps to and bindscope could not
        // raise.
        if name == "EVENTS" && matches!(io_error.raw_os_error(), Some(libc::ENOMEM | libc::EPERM)) {
            return Error::RingTooLarge {
                size: config::ring_size_text(ring_size),
                reason: io_error.to_string(),
            };
        }
    }
    load_error(chain(error))
}

/// Detaches and unloads `program`, if it was loaded.
pub(crate) fn unload(program: &mut Program) {
    let unloaded = match program {
        Program::TracePoint(p) => p.unload(),
        Program::RawTracePoint(p) => p.unload(),
        Program::BtfTracePoint(p) => p.unload(),
        Program::FEntry(p) => p.unload(),
        Program::FExit(p) => p.unload(),
        _ => Ok(()),
    };
    if let Err(e) = unloaded {
        log::debug!("unloading a program: {e}");
    }
}

/// Loads `program` and attaches it to the classic tracepoint `category:name`.
pub(crate) fn attach(
    (program, prog): (&str, &mut Program),
    category: &str,
    name: &str,
) -> Result<(), Error> {
    let tracepoint = format!("{category}:{name}");
    let prog: &mut TracePoint = prog
        .try_into()
        .map_err(|e: aya::programs::ProgramError| load_error(e.to_string()))?;
    prog.load().map_err(|e| program_error(program, &e))?;
    prog.attach(category, name).map_err(|e| {
        let reason = chain(&e);
        if reason.contains("No such file") || reason.contains("not found") {
            Error::TracepointMissing {
                tracepoint: tracepoint.clone(),
            }
        } else if reason.contains("Permission denied") || reason.contains("not permitted") {
            Error::NotPermitted
        } else {
            Error::Attach {
                tracepoint: tracepoint.clone(),
                reason,
            }
        }
    })?;
    Ok(())
}

/// Loads `program` and attaches it to the raw tracepoint `tracepoint`.
pub(crate) fn attach_raw(
    (program, prog): (&str, &mut Program),
    tracepoint: &str,
) -> Result<(), Error> {
    let prog: &mut RawTracePoint = prog
        .try_into()
        .map_err(|e: aya::programs::ProgramError| load_error(e.to_string()))?;
    prog.load().map_err(|e| program_error(program, &e))?;
    prog.attach(tracepoint).map_err(|e| Error::Attach {
        tracepoint: format!("raw {tracepoint}"),
        reason: chain(&e),
    })?;
    Ok(())
}

/// Loads `program` for the BTF-typed raw tracepoint `tracepoint` and attaches it.
pub(crate) fn attach_btf(
    (program, prog): (&str, &mut Program),
    tracepoint: &str,
    kernel_btf: &aya::Btf,
) -> Result<(), Error> {
    let prog: &mut BtfTracePoint = prog
        .try_into()
        .map_err(|e: aya::programs::ProgramError| load_error(e.to_string()))?;
    prog.load(tracepoint, kernel_btf)
        .map_err(|e| program_error(program, &e))?;
    prog.attach().map_err(|e| Error::Attach {
        tracepoint: format!("tp_btf {tracepoint}"),
        reason: chain(&e),
    })?;
    Ok(())
}
