//! Attaching one program: to a classic tracepoint, a raw one or a BTF-typed one, with
//! errors a user can act on. Shared by the IPv4 and IPv6 route hooks and the syscall
//! families; it knows no program by name.

use aya::programs::{BtfTracePoint, Program, RawTracePoint, TracePoint};

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

/// A loader's or verifier's complaint as an [`Error`]: a refusal for want of privileges is
/// [`Error::NotPermitted`], which says what to do.
pub(crate) fn load_error(message: String) -> Error {
    if message.contains("Operation not permitted") || message.contains("EPERM") {
        return Error::NotPermitted;
    }
    Error::Load(message)
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
    prog.load()
        .map_err(|e| load_error(format!("{program}: {e}")))?;
    prog.attach(category, name).map_err(|e| {
        let reason = e.to_string();
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
    prog.load()
        .map_err(|e| load_error(format!("{program}: {e}")))?;
    prog.attach(tracepoint).map_err(|e| Error::Attach {
        tracepoint: format!("raw {tracepoint}"),
        reason: e.to_string(),
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
        .map_err(|e| load_error(format!("{program}: {e}")))?;
    prog.attach().map_err(|e| Error::Attach {
        tracepoint: format!("tp_btf {tracepoint}"),
        reason: e.to_string(),
    })?;
    Ok(())
}
