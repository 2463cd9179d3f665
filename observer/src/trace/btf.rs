//! Struct member offsets from the kernel's BTF (`/sys/kernel/btf/vmlinux`).
//!
//! The eBPF program follows `task->nsproxy->net_ns->ns.inum` to tag every event with its
//! network namespace. Those offsets change with kernel version and configuration, so they are
//! read here at start-up and handed to the program. Only what that needs is parsed: type
//! records, their names, and struct/union members (searching through anonymous members, as
//! `task_struct` nests many fields in anonymous structs).

use std::path::{Path, PathBuf};

use sockabi::event::OFFSET_ABSENT;

use crate::Error;

const BTF_MAGIC: u16 = 0xeb9f;
const KIND_PTR: u32 = 2;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_TYPE_TAG: u32 = 18;

/// One parsed type record.
struct Type {
    name_off: u32,
    kind: u32,
    kind_flag: bool,
    /// `size` for structs, `type` for modifiers and pointers.
    size_or_type: u32,
    /// Where its members are in [`Btf::members`]: (first, count).
    members: (u32, u32),
    /// Where the record ends, as a byte offset into the type section.
    end: u32,
}

/// Parsed BTF: types by id (index 0 is `void`), their members, and the string section.
pub struct Btf {
    types: Vec<Type>,
    /// Members of structs and unions: (name offset, type id, bit offset); parameters of
    /// function prototypes: (name offset, type id, 0). One vector for all types, not one
    /// per type: the kernel has over a hundred thousand types, and allocating (and freeing)
    /// each one's list showed in start-up time.
    members: Vec<(u32, u32, u32)>,
    strings: Vec<u8>,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

impl Btf {
    /// Parses raw BTF; `None` if it is malformed.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let magic = u16::from_ne_bytes(bytes.get(0..2)?.try_into().ok()?);
        if magic != BTF_MAGIC {
            return None;
        }
        let hdr_len = u32_at(bytes, 4)? as usize;
        let (type_off, type_len) = (u32_at(bytes, 8)? as usize, u32_at(bytes, 12)? as usize);
        let (str_off, str_len) = (u32_at(bytes, 16)? as usize, u32_at(bytes, 20)? as usize);
        let types_bytes = bytes.get(hdr_len + type_off..hdr_len + type_off + type_len)?;
        let strings = bytes
            .get(hdr_len + str_off..hdr_len + str_off + str_len)?
            .to_vec();
        let void = Type {
            name_off: 0,
            kind: 0,
            kind_flag: false,
            size_or_type: 0,
            members: (0, 0),
            end: 0,
        };
        let mut types = vec![void];
        let mut members = Vec::new();
        let mut at = 0;
        while at + 12 <= types_bytes.len() {
            let name_off = u32_at(types_bytes, at)?;
            let info = u32_at(types_bytes, at + 4)?;
            let size_or_type = u32_at(types_bytes, at + 8)?;
            let (vlen, kind, kind_flag) = (info & 0xffff, (info >> 24) & 0x1f, info >> 31 == 1);
            at += 12;
            let first = u32::try_from(members.len()).ok()?;
            if kind == KIND_STRUCT || kind == KIND_UNION {
                for i in 0..vlen as usize {
                    let m = at + i * 12;
                    members.push((
                        u32_at(types_bytes, m)?,
                        u32_at(types_bytes, m + 4)?,
                        u32_at(types_bytes, m + 8)?,
                    ));
                }
            }
            if kind == KIND_FUNC_PROTO {
                for i in 0..vlen as usize {
                    let p = at + i * 8;
                    members.push((u32_at(types_bytes, p)?, u32_at(types_bytes, p + 4)?, 0));
                }
            }
            at += extra_len(kind, vlen as usize)?;
            let count = u32::try_from(members.len()).ok()? - first;
            types.push(Type {
                name_off,
                kind,
                kind_flag,
                size_or_type,
                members: (first, count),
                end: u32::try_from(at).ok()?,
            });
        }
        Some(Btf {
            types,
            members,
            strings,
        })
    }

    fn name(&self, off: u32) -> &[u8] {
        let rest = self.strings.get(off as usize..).unwrap_or_default();
        &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
    }

    fn get(&self, id: u32) -> Option<&Type> {
        // Id 0 is `void`, not a type record.
        self.types.get(id as usize).filter(|_| id != 0)
    }

    fn members_of(&self, t: &Type) -> &[(u32, u32, u32)] {
        let (first, count) = (t.members.0 as usize, t.members.1 as usize);
        self.members.get(first..first + count).unwrap_or_default()
    }

    /// Follows typedefs and qualifiers to the underlying type.
    fn resolve(&self, mut id: u32) -> Option<u32> {
        for _ in 0..32 {
            let t = self.get(id)?;
            match t.kind {
                KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG => {
                    id = t.size_or_type
                }
                _ => return Some(id),
            }
        }
        None
    }

    fn struct_id(&self, name: &str) -> Option<u32> {
        (1..self.types.len() as u32).find(|&id| {
            self.get(id).is_some_and(|t| {
                t.kind == KIND_STRUCT
                    && t.members.1 != 0
                    && self.name(t.name_off) == name.as_bytes()
            })
        })
    }

    /// Byte offset and type of `member` in the struct/union `id`, looking into anonymous
    /// members.
    fn member(&self, id: u32, member: &str) -> Option<(u32, u32)> {
        let t = self.get(self.resolve(id)?)?;
        for &(name_off, type_id, offset) in self.members_of(t) {
            let bits = if t.kind_flag {
                offset & 0x00ff_ffff
            } else {
                offset
            };
            if name_off == 0 {
                if let Some((inner, ty)) = self.member(type_id, member) {
                    return Some((bits / 8 + inner, ty));
                }
            } else if self.name(name_off) == member.as_bytes() {
                return Some((bits / 8, type_id));
            }
        }
        None
    }

    /// The id of raw tracepoint `name`'s BTF prototype, the typedef `btf_trace_<name>`.
    fn raw_tracepoint_id(&self, name: &str) -> Option<u32> {
        let typedef = format!("btf_trace_{name}");
        (1..self.types.len() as u32).find(|&id| {
            self.get(id).is_some_and(|t| {
                t.kind == KIND_TYPEDEF && self.name(t.name_off) == typedef.as_bytes()
            })
        })
    }

    /// The id of kernel function `name` (a `BTF_KIND_FUNC`), if the kernel has it.
    fn function_id(&self, name: &str) -> Option<u32> {
        (1..self.types.len() as u32).find(|&id| {
            self.get(id)
                .is_some_and(|t| t.kind == KIND_FUNC && self.name(t.name_off) == name.as_bytes())
        })
    }

    /// The kernel's BTF as aya needs it to attach a `tp_btf` program to raw tracepoint `name`.
    ///
    /// aya only looks up the id of the `btf_trace_<name>` typedef there, and a type's id is its
    /// position, so aya is given `bytes` (what this was parsed from) with the type section cut
    /// after that typedef: on 6.x kernels a third to a half of the types. Parsing all of them is
    /// aya's slowest step, and start-up is most of what a user waits for.
    ///
    /// `others` are further raw tracepoints and `functions` kernel functions that fentry/fexit
    /// programs attach to: the types are cut after the last of them too, where the kernel has
    /// them (a missing one is left out, and attaching to it fails).
    pub fn aya_btf_for_raw_tracepoint(
        &self,
        mut bytes: Vec<u8>,
        name: &str,
        others: &[&str],
        functions: &[&str],
    ) -> Option<aya::Btf> {
        let last = functions
            .iter()
            .filter_map(|f| self.function_id(f))
            .chain(others.iter().filter_map(|t| self.raw_tracepoint_id(t)))
            .fold(self.raw_tracepoint_id(name)?, u32::max);
        let end = self.get(last)?.end;
        // The header's `type_len` (the string section stays where it is).
        bytes.get_mut(12..16)?.copy_from_slice(&end.to_ne_bytes());
        aya::Btf::parse(&bytes, aya::Endianness::default()).ok()
    }

    /// For each parameter of raw tracepoint `name` (its BTF prototype `btf_trace_<name>`,
    /// whose first parameter is the context), the name of the struct it points to, if it is a
    /// pointer to a struct. `None` if the kernel's BTF has no such tracepoint.
    pub fn raw_tracepoint_params(&self, name: &str) -> Option<Vec<Option<String>>> {
        let id = self.raw_tracepoint_id(name)?;
        let ptr = self.get(self.resolve(id)?)?;
        let proto = self
            .get(self.resolve(ptr.size_or_type)?)
            .filter(|t| t.kind == KIND_FUNC_PROTO)?;
        let pointee_struct = |type_id: u32| {
            let t = self.get(self.resolve(type_id)?)?;
            if t.kind != KIND_PTR {
                return None;
            }
            let target = self.get(self.resolve(t.size_or_type)?)?;
            (target.kind == KIND_STRUCT)
                .then(|| String::from_utf8_lossy(self.name(target.name_off)).into_owned())
        };
        Some(
            self.members_of(proto)
                .iter()
                .map(|&(_, type_id, _)| pointee_struct(type_id))
                .collect(),
        )
    }

    /// The byte offset of `path` (e.g. `["ns", "inum"]`) inside `struct name`.
    pub fn offset_of(&self, name: &str, path: &[&str]) -> Result<u32, Error> {
        let missing = || Error::BtfMember {
            member: format!("{name}.{}", path.join(".")),
        };
        let mut id = self.struct_id(name).ok_or_else(missing)?;
        let mut total = 0;
        for member in path {
            let (offset, ty) = self.member(id, member).ok_or_else(missing)?;
            total += offset;
            id = ty;
        }
        Ok(total)
    }
}

/// Where the running kernel publishes its BTF.
pub const SYS_FS: &str = "/sys/kernel/btf/vmlinux";
/// The variable that points bindscope at this kernel's BTF kept elsewhere: a BTFHub file
/// for a kernel built without `CONFIG_DEBUG_INFO_BTF`, say.
pub const VARIABLE: &str = "BINDSCOPE_BTF";

/// The kernel's BTF as read, and whence.
pub struct Source {
    /// The raw BTF.
    pub bytes: Vec<u8>,
    /// The file it was read from.
    pub path: PathBuf,
    /// It is the running kernel's own (`/sys/kernel/btf/vmlinux`), whose type ids the
    /// BTF-typed attach points (`tp_btf`, fentry) name; a copy from elsewhere gives offsets
    /// only.
    pub own: bool,
}

impl Source {
    /// Why the file at `path` gave no BTF: it is not there, or it could not be read.
    fn error(path: &Path, error: &std::io::Error) -> Error {
        match error.kind() {
            std::io::ErrorKind::NotFound => Error::BtfMissing {
                path: path.display().to_string(),
            },
            _ => Error::BtfUnreadable {
                path: path.display().to_string(),
                reason: error.to_string(),
            },
        }
    }

    /// This BTF cannot be used, for `reason`.
    pub fn unusable(&self, reason: &str) -> Error {
        Error::BtfUnreadable {
            path: self.path.display().to_string(),
            reason: reason.into(),
        }
    }
}

/// The running kernel's BTF: from the file [`VARIABLE`] names if it is set, else from
/// [`SYS_FS`].
pub fn read() -> Result<Source, Error> {
    let path = std::env::var_os(VARIABLE)
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from(SYS_FS), PathBuf::from);
    let bytes = std::fs::read(&path).map_err(|e| Source::error(&path, &e))?;
    let own = path == Path::new(SYS_FS);
    if !own {
        log::info!(
            "kernel BTF from {} ({VARIABLE}): offsets only, no BTF-typed attach points",
            path.display()
        );
    }
    Ok(Source { bytes, path, own })
}

/// Bytes that follow a type record of this kind.
fn extra_len(kind: u32, vlen: usize) -> Option<usize> {
    Some(match kind {
        1 | 14 | 17 => 4,             // INT, VAR, DECL_TAG
        3 => 12,                      // ARRAY
        4 | 5 | 15 | 19 => vlen * 12, // STRUCT, UNION, DATASEC, ENUM64
        6 | 13 => vlen * 8,           // ENUM, FUNC_PROTO
        2 | 7..=12 | 16 | 18 => 0,    // PTR, FWD, TYPEDEF, qualifiers, FUNC, FLOAT, TYPE_TAG
        _ => return None,
    })
}

/// Checks that raw tracepoint `name`'s parameters point to the structs `expected` names
/// (`None`: not a pointer to a struct), as a program reading them at BTF offsets assumes;
/// the error names the `signature` expected.
fn expect_params(
    btf: &Btf,
    name: &str,
    expected: &[Option<&str>],
    signature: &str,
) -> Result<(), Error> {
    let params = btf.raw_tracepoint_params(name);
    let matches = params.as_ref().is_some_and(|p| {
        p.len() == expected.len()
            && p.iter()
                .zip(expected)
                .all(|(have, want)| have.as_deref() == *want)
    });
    match matches {
        true => Ok(()),
        false => Err(Error::BtfMember {
            member: signature.into(),
        }),
    }
}

/// `FIB_RAW_OFFSETS` for the eBPF program, after checking that the raw tracepoint has the
/// arguments the program expects: `(ctx, u32 tb_id, struct flowi4 *, struct fib_nh_common *,
/// int err)`.
pub fn fib_raw_offsets(btf: &Btf) -> Result<[u32; sockabi::event::fib_raw_field::COUNT], Error> {
    expect_params(
        btf,
        "fib_table_lookup",
        &[None, None, Some("flowi4"), Some("fib_nh_common"), None],
        "fib_table_lookup(tb_id, flowi4 *, fib_nh_common *, err) raw tracepoint",
    )?;
    let flowic = |field: &str| btf.offset_of("flowi4", &["__fl_common", field]);
    let mut offsets = [
        flowic("flowic_oif")?,
        flowic("flowic_iif")?,
        flowic("flowic_tos").or_else(|_| flowic("flowic_dscp"))?,
        flowic("flowic_scope")?,
        flowic("flowic_proto")?,
        flowic("flowic_flags")?,
        btf.offset_of("flowi4", &["saddr"])?,
        btf.offset_of("flowi4", &["daddr"])?,
        btf.offset_of("flowi4", &["uli", "ports", "sport"])?,
        btf.offset_of("flowi4", &["uli", "ports", "dport"])?,
        btf.offset_of("fib_nh_common", &["nhc_dev"])?,
        btf.offset_of("fib_nh_common", &["nhc_gw_family"])?,
        btf.offset_of("fib_nh_common", &["nhc_gw"])?,
        btf.offset_of("net_device", &["name"])?,
        0,
        0,
        flowic("flowic_mark")?,
        flowic("flowic_uid")?,
        // Optional: the L3 master device arrived in 5.18; a device's namespace and a
        // packet's device are only for attributing lookups to the FIB's namespace, which
        // falls back to the task's without them.
        flowic("flowic_l3mdev").unwrap_or(OFFSET_ABSENT),
        btf.offset_of("net_device", &["nd_net", "net"])
            .unwrap_or(OFFSET_ABSENT),
        btf.offset_of("net_device", &["ifindex"])
            .unwrap_or(OFFSET_ABSENT),
        btf.offset_of("sk_buff", &["dev"]).unwrap_or(OFFSET_ABSENT),
    ];
    use sockabi::event::fib_raw_field as f;
    // The program copies each struct in one read and picks fields out of the copy; the copy
    // must cover the last byte of the last field it reads (sizes: 4 for ints and addresses,
    // 2 for ports, 1 for the u8s, 8 for the device pointer).
    let end = |fields: &[(usize, u32)]| {
        fields
            .iter()
            .filter(|&&(i, _)| offsets[i] != OFFSET_ABSENT)
            .map(|&(i, size)| offsets[i] + size)
            .max()
            .unwrap_or(0)
    };
    let flowi4_len = end(&[
        (f::FLOWI4_OIF, 4),
        (f::FLOWI4_IIF, 4),
        (f::FLOWI4_TOS, 1),
        (f::FLOWI4_SCOPE, 1),
        (f::FLOWI4_PROTO, 1),
        (f::FLOWI4_FLAGS, 1),
        (f::FLOWI4_SADDR, 4),
        (f::FLOWI4_DADDR, 4),
        (f::FLOWI4_SPORT, 2),
        (f::FLOWI4_DPORT, 2),
        (f::FLOWI4_MARK, 4),
        (f::FLOWI4_UID, 4),
        (f::FLOWI4_L3MDEV, 4),
    ]);
    let nhc_len = end(&[(f::NHC_DEV, 8), (f::NHC_GW_FAMILY, 1), (f::NHC_GW, 4)]);
    if flowi4_len as usize > f::CHUNK || nhc_len as usize > f::CHUNK {
        return Err(Error::BtfMember {
            member: format!("flowi4/fib_nh_common fields within {} bytes", f::CHUNK),
        });
    }
    offsets[f::FLOWI4_READ_LEN] = flowi4_len;
    offsets[f::NHC_READ_LEN] = nhc_len;
    Ok(offsets)
}

/// `FIB6_BTF_OFFSETS` for the BTF-typed IPv6 route program, after checking that the raw
/// tracepoint has the arguments the program expects: `(ctx, struct net *, struct fib6_result
/// *, struct fib6_table *, struct flowi6 *)` (Linux 5.2+).
pub fn fib6_btf_offsets(btf: &Btf) -> Result<[u32; sockabi::event::fib6_btf_field::COUNT], Error> {
    expect_params(
        btf,
        "fib6_table_lookup",
        &[
            None,
            Some("net"),
            Some("fib6_result"),
            Some("fib6_table"),
            Some("flowi6"),
        ],
        "fib6_table_lookup(net *, fib6_result *, fib6_table *, flowi6 *) raw tracepoint",
    )?;
    let flowic = |field: &str| btf.offset_of("flowi6", &["__fl_common", field]);
    let nhc = |field: &str| btf.offset_of("fib6_nh", &["nh_common", field]);
    Ok([
        flowic("flowic_oif")?,
        flowic("flowic_iif")?,
        flowic("flowic_mark")?,
        flowic("flowic_uid")?,
        // Linux 5.18+, as for IPv4.
        flowic("flowic_l3mdev").unwrap_or(OFFSET_ABSENT),
        flowic("flowic_proto")?,
        flowic("flowic_scope")?,
        flowic("flowic_flags")?,
        btf.offset_of("flowi6", &["saddr"])?,
        btf.offset_of("flowi6", &["daddr"])?,
        btf.offset_of("flowi6", &["flowlabel"])?,
        btf.offset_of("flowi6", &["uli", "ports", "sport"])?,
        btf.offset_of("flowi6", &["uli", "ports", "dport"])?,
        btf.offset_of("fib6_result", &["nh"])?,
        btf.offset_of("fib6_result", &["f6i"])?,
        nhc("nhc_dev")?,
        nhc("nhc_gw")?,
        nhc("nhc_gw_family")?,
        btf.offset_of("fib6_table", &["tb6_id"])?,
        btf.offset_of("net", &["ipv6", "fib6_null_entry"])?,
        btf.offset_of("fib6_result", &["fib6_type"])?,
        btf.offset_of("net_device", &["name"])?,
    ])
}

/// `RULE_OFFSETS` for the rule-capture program: where `struct fib_rule` keeps its priority.
pub fn rule_offsets(btf: &Btf) -> Result<[u32; sockabi::event::rule_field::COUNT], Error> {
    Ok([btf.offset_of("fib_rule", &["pref"])?])
}

/// `TASK_OFFSETS` for the eBPF program.
pub fn task_offsets(btf: &Btf) -> Result<[u32; sockabi::event::task_field::COUNT], Error> {
    Ok([
        btf.offset_of("task_struct", &["nsproxy"])?,
        btf.offset_of("nsproxy", &["net_ns"])?,
        btf.offset_of("net", &["ns", "inum"])?,
        btf.offset_of("task_struct", &["comm"])?,
        btf.offset_of("task_struct", &["pid"])?,
        btf.offset_of("task_struct", &["tgid"])?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running kernel's BTF; `None` (after saying why) on a kernel without it, which CI's
    /// is not.
    fn kernel_btf_or_skip() -> Option<Vec<u8>> {
        let bytes = std::fs::read(SYS_FS).ok();
        if bytes.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs on a kernel with BTF"
            );
            eprintln!("skipped: no /sys/kernel/btf/vmlinux on this kernel");
        }
        bytes
    }

    #[test]
    fn running_kernel_has_the_netns_path() {
        let Some(bytes) = kernel_btf_or_skip() else {
            return;
        };
        let btf = Btf::parse(&bytes).expect("the kernel's BTF parses");
        let offsets = task_offsets(&btf).expect("task_struct->nsproxy->net_ns->ns.inum, ->comm");
        assert!(
            offsets[0] > 0,
            "nsproxy is not the first member of task_struct"
        );
    }

    #[test]
    fn aya_finds_the_tracepoint_in_the_cut_btf() {
        let Some(bytes) = kernel_btf_or_skip() else {
            return;
        };
        let ours = Btf::parse(&bytes).expect("the kernel's BTF parses");
        let cut = ours
            .aya_btf_for_raw_tracepoint(bytes.clone(), "fib_table_lookup", &[], &[])
            .expect("aya parses the cut BTF");
        let full = aya::Btf::parse(&bytes, aya::Endianness::default()).expect("aya parses BTF");
        let typedef = "btf_trace_fib_table_lookup";
        let kind = aya_obj::btf::BtfKind::Typedef;
        assert_eq!(
            cut.id_by_type_name_kind(typedef, kind).ok(),
            full.id_by_type_name_kind(typedef, kind).ok(),
        );
        assert!(ours
            .aya_btf_for_raw_tracepoint(bytes, "no_such_tracepoint", &[], &[])
            .is_none());
    }

    #[test]
    fn running_kernel_has_the_ipv6_route_fields() {
        let Some(bytes) = kernel_btf_or_skip() else {
            return;
        };
        let btf = Btf::parse(&bytes).expect("the kernel's BTF parses");
        let offsets = fib6_btf_offsets(&btf).expect("fib6_table_lookup's arguments and fields");
        use sockabi::event::fib6_btf_field as f;
        assert_ne!(offsets[f::DADDR], offsets[f::SADDR]);
        assert_ne!(offsets[f::NET_NULL_ENTRY], OFFSET_ABSENT);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Btf::parse(&[]).is_none());
        assert!(Btf::parse(&[0x9f, 0xeb, 1, 0, 24, 0, 0, 0]).is_none());
    }
}
