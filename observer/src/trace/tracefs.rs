//! Tracepoint field offsets, read from tracefs `format` files at start-up, because the layouts
//! of `fib:fib_table_lookup` and of the syscall records differ between kernels.

use std::path::{Path, PathBuf};

use sockabi::event::{fib6_field, fib_field, syscall_field, OFFSET_ABSENT};

use crate::Error;

/// Where tracefs is mounted (or may be reached through debugfs on older systems).
const TRACEFS_CANDIDATES: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// A mounted tracefs.
#[derive(Debug, Clone)]
pub struct Tracefs {
    root: PathBuf,
}

/// One field of a tracepoint record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// Its offset in the record.
    pub offset: u32,
    /// Its size in bytes.
    pub size: u32,
    /// A `__data_loc` field: it holds `offset | length << 16` of variable-length data stored
    /// later in the record.
    pub data_loc: bool,
}

/// Why tracefs cannot be used: kept (it is cheap to copy) so that each family that needs
/// tracefs can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Not mounted where it is looked for.
    NotMounted,
    /// Mounted, but this user may not read it (mode 700 root: a user with CAP_BPF and
    /// CAP_PERFMON, not root).
    Unreadable(PathBuf),
}

impl Unusable {
    /// The error a family that needs tracefs fails with.
    pub fn error(&self) -> Error {
        match self {
            Unusable::NotMounted => Error::TracefsMissing,
            Unusable::Unreadable(path) => Error::TracefsUnreadable {
                path: path.display().to_string(),
            },
        }
    }
}

impl Tracefs {
    /// Finds the mounted tracefs.
    pub fn find() -> Result<Self, Unusable> {
        let mut unreadable = None;
        for root in TRACEFS_CANDIDATES.iter().map(Path::new) {
            match std::fs::metadata(root.join("events")) {
                Ok(meta) if meta.is_dir() => {
                    return Ok(Tracefs {
                        root: root.to_path_buf(),
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    unreadable.get_or_insert_with(|| root.to_path_buf());
                }
                _ => {}
            }
        }
        Err(unreadable.map_or(Unusable::NotMounted, Unusable::Unreadable))
    }

    /// The fields of `category:name`, from its `format` file.
    pub fn fields(&self, category: &str, name: &str) -> Result<Vec<Field>, Error> {
        let path = self
            .root
            .join("events")
            .join(category)
            .join(name)
            .join("format");
        let text = std::fs::read_to_string(&path).map_err(|_| Error::TracepointMissing {
            tracepoint: format!("{category}:{name}"),
        })?;
        Ok(parse_format(&text))
    }
}

/// Parses the `field:` lines of a tracepoint `format` file.
pub fn parse_format(text: &str) -> Vec<Field> {
    text.lines().filter_map(parse_field_line).collect()
}

fn parse_field_line(line: &str) -> Option<Field> {
    let mut declaration = None;
    let (mut offset, mut size) = (None, None);
    for part in line.trim().split(';') {
        let part = part.trim();
        if let Some(decl) = part.strip_prefix("field:") {
            declaration = Some(decl.trim());
        } else if let Some(v) = part.strip_prefix("offset:") {
            offset = v.trim().parse().ok();
        } else if let Some(v) = part.strip_prefix("size:") {
            size = v.trim().parse().ok();
        }
    }
    // "unsigned char name[16]" -> "name"
    let name = declaration?
        .rsplit(|c: char| c.is_whitespace() || c == '*')
        .next()?;
    let name = name.split('[').next()?.to_string();
    let data_loc = declaration?.starts_with("__data_loc");
    Some(Field {
        name,
        offset: offset?,
        size: size?,
        data_loc,
    })
}

fn offset_of(fields: &[Field], names: &[&str]) -> Option<u32> {
    fields
        .iter()
        .find(|f| names.contains(&f.name.as_str()))
        .map(|f| f.offset)
}

/// `FIB_OFFSETS` for the eBPF program, from `fib:fib_table_lookup`'s format.
///
/// `dst`, `oif`, `err` and `tb_id` are required; the others are optional and read as zero when
/// a kernel lacks them. `tos` is also found under its later name `dscp`.
pub fn fib_offsets(tracefs: &Tracefs) -> Result<[u32; fib_field::COUNT], Error> {
    let fields = tracefs.fields("fib", "fib_table_lookup")?;
    let mut offsets = [OFFSET_ABSENT; fib_field::COUNT];
    offsets[fib_field::NAME_DATA_LOC] =
        u32::from(fields.iter().any(|f| f.name == "name" && f.data_loc));
    for (index, name) in fib_field::NAMES.iter().enumerate() {
        let aliases: &[&str] = if *name == "tos" {
            &["tos", "dscp"]
        } else {
            &[name]
        };
        offsets[index] = offset_of(&fields, aliases).unwrap_or(OFFSET_ABSENT);
    }
    for required in [
        fib_field::TB_ID,
        fib_field::ERR,
        fib_field::OIF,
        fib_field::DST,
    ] {
        if offsets[required] == OFFSET_ABSENT {
            return Err(Error::TracepointLayout {
                tracepoint: "fib:fib_table_lookup".into(),
                field: fib_field::NAMES[required].into(),
            });
        }
    }
    Ok(offsets)
}

/// `FIB6_OFFSETS` for the classic IPv6 route program, from `fib6:fib6_table_lookup`'s
/// `format` file.
pub fn fib6_offsets(tracefs: &Tracefs) -> Result<[u32; fib6_field::COUNT], Error> {
    let fields = tracefs.fields("fib6", "fib6_table_lookup")?;
    let mut offsets = [OFFSET_ABSENT; fib6_field::COUNT];
    for (index, name) in fib6_field::NAMES.iter().enumerate() {
        offsets[index] = offset_of(&fields, &[name]).unwrap_or(OFFSET_ABSENT);
    }
    let end = fields
        .iter()
        .filter(|f| fib6_field::NAMES.contains(&f.name.as_str()))
        .map(|f| f.offset + f.size)
        .max()
        .unwrap_or(0);
    if end as usize > fib6_field::RECORD_CAPTURE {
        return Err(Error::TracepointLayout {
            tracepoint: "fib6:fib6_table_lookup".into(),
            field: format!("fields within {} bytes", fib6_field::RECORD_CAPTURE),
        });
    }
    offsets[fib6_field::READ_LEN] = end;
    let inline_name = fields.iter().any(|f| f.name == "name" && !f.data_loc);
    for required in [
        fib6_field::TB_ID,
        fib6_field::ERR,
        fib6_field::OIF,
        fib6_field::DST,
        fib6_field::NAME,
    ] {
        if offsets[required] == OFFSET_ABSENT {
            return Err(Error::TracepointLayout {
                tracepoint: "fib6:fib6_table_lookup".into(),
                field: fib6_field::NAMES[required].into(),
            });
        }
    }
    // Linux 5.10 and older keep the name out of line (`__data_loc`): the program reads the
    // record in one copy and has no room for that (those kernels have BTF, and the BTF-typed
    // program, anyway).
    if !inline_name {
        return Err(Error::TracepointLayout {
            tracepoint: "fib6:fib6_table_lookup".into(),
            field: "name as an inline char[16] (it is a __data_loc string here)".into(),
        });
    }
    Ok(offsets)
}

/// `SYSCALL_OFFSETS` for the eBPF program, from the `syscalls:sys_{enter,exit}_*` formats of
/// the syscalls that `wanted` says are traced (the others stay absent).
pub fn syscall_offsets(
    tracefs: &Tracefs,
    wanted: &[&str],
) -> Result<[u32; syscall_field::COUNT], Error> {
    use syscall_field as s;
    let table: [(&str, &[(usize, &str)]); 4] = [
        (
            "setsockopt",
            &[
                (s::SETSOCKOPT_FD, "fd"),
                (s::SETSOCKOPT_LEVEL, "level"),
                (s::SETSOCKOPT_OPTNAME, "optname"),
                (s::SETSOCKOPT_OPTVAL, "optval"),
                (s::SETSOCKOPT_OPTLEN, "optlen"),
            ],
        ),
        (
            "ioctl",
            &[
                (s::IOCTL_FD, "fd"),
                (s::IOCTL_CMD, "cmd"),
                (s::IOCTL_ARG, "arg"),
            ],
        ),
        (
            "sendmsg",
            &[
                (s::SENDMSG_FD, "fd"),
                (s::SENDMSG_MSG, "msg"),
                (s::SENDMSG_FLAGS, "flags"),
            ],
        ),
        (
            "recvmsg",
            &[
                (s::RECVMSG_FD, "fd"),
                (s::RECVMSG_MSG, "msg"),
                (s::RECVMSG_FLAGS, "flags"),
            ],
        ),
    ];
    let mut offsets = [OFFSET_ABSENT; s::COUNT];
    for (syscall, fields) in table.iter().filter(|(name, _)| wanted.contains(name)) {
        let enter = format!("sys_enter_{syscall}");
        let format = tracefs.fields("syscalls", &enter)?;
        for (index, name) in fields.iter() {
            offsets[*index] =
                offset_of(&format, &[name]).ok_or_else(|| Error::TracepointLayout {
                    tracepoint: format!("syscalls:{enter}"),
                    field: (*name).into(),
                })?;
        }
        let exit = format!("sys_exit_{syscall}");
        let ret = offset_of(&tracefs.fields("syscalls", &exit)?, &["ret"]).ok_or_else(|| {
            Error::TracepointLayout {
                tracepoint: format!("syscalls:{exit}"),
                field: "ret".into(),
            }
        })?;
        offsets[s::EXIT_RET] = ret;
    }
    Ok(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIB_6_18: &str = "name: fib_table_lookup
ID: 2264
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:u32 tb_id;\toffset:8;\tsize:4;\tsigned:0;
\tfield:int err;\toffset:12;\tsize:4;\tsigned:1;
\tfield:int oif;\toffset:16;\tsize:4;\tsigned:1;
\tfield:__u8 src[4];\toffset:28;\tsize:4;\tsigned:0;
\tfield:char name[16];\toffset:60;\tsize:16;\tsigned:0;

print fmt: \"table %u\", REC->tb_id
";

    #[test]
    fn parses_fields_with_arrays_and_pointers() {
        let fields = parse_format(FIB_6_18);
        assert_eq!(fields.len(), 7);
        let field = |name: &str, offset, size| Field {
            name: name.into(),
            offset,
            size,
            data_loc: false,
        };
        assert_eq!(fields[2], field("tb_id", 8, 4));
        assert_eq!(fields[5], field("src", 28, 4));
        assert_eq!(fields[6], field("name", 60, 16));
        let ptr = parse_field_line("\tfield:char * optval;\toffset:40;\tsize:8;\tsigned:0;");
        assert_eq!(ptr, Some(field("optval", 40, 8)));
        // Linux 5.10 keeps the device name out of line.
        let loc =
            parse_field_line("\tfield:__data_loc char[] name;\toffset:76;\tsize:4;\tsigned:1;");
        assert_eq!(
            loc,
            Some(Field {
                data_loc: true,
                ..field("name", 76, 4)
            })
        );
    }

    #[test]
    fn ignores_non_field_lines() {
        assert!(parse_field_line("print fmt: \"x\"").is_none());
        assert!(parse_field_line("format:").is_none());
    }
}
