//! Names of Linux errno values, as strace prints them.

use std::borrow::Cow;

/// The symbolic name of a (positive) Linux errno, if it is one bindscope's calls can return.
pub fn name(errno: i64) -> Option<&'static str> {
    Some(match errno {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        5 => "EIO",
        6 => "ENXIO",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        24 => "EMFILE",
        25 => "ENOTTY",
        32 => "EPIPE",
        34 => "ERANGE",
        38 => "ENOSYS",
        61 => "ENODATA",
        71 => "EPROTO",
        75 => "EOVERFLOW",
        88 => "ENOTSOCK",
        89 => "EDESTADDRREQ",
        90 => "EMSGSIZE",
        91 => "EPROTOTYPE",
        92 => "ENOPROTOOPT",
        93 => "EPROTONOSUPPORT",
        95 => "EOPNOTSUPP",
        97 => "EAFNOSUPPORT",
        98 => "EADDRINUSE",
        99 => "EADDRNOTAVAIL",
        100 => "ENETDOWN",
        101 => "ENETUNREACH",
        103 => "ECONNABORTED",
        104 => "ECONNRESET",
        105 => "ENOBUFS",
        106 => "EISCONN",
        107 => "ENOTCONN",
        110 => "ETIMEDOUT",
        111 => "ECONNREFUSED",
        113 => "EHOSTUNREACH",
        114 => "EALREADY",
        115 => "EINPROGRESS",
        _ => return None,
    })
}

/// `-EAGAIN`, what a FIB table lookup returns when the table has no match and policy routing
/// should go on to the next table.
pub const FIB_NO_MATCH: i32 = -11;

/// "EINVAL", or the number if unnamed, for a syscall return value or FIB error (negative).
/// A name is borrowed, not copied: route decisions carry one per table lookup.
pub fn describe(negative: i64) -> Cow<'static, str> {
    let errno = negative.saturating_neg();
    name(errno).map_or_else(|| format!("errno {errno}").into(), Cow::Borrowed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_match_libc() {
        for (n, expected) in [
            (libc::ENETUNREACH, "ENETUNREACH"),
            (libc::ENODEV, "ENODEV"),
            (libc::EMSGSIZE, "EMSGSIZE"),
            (libc::EHOSTUNREACH, "EHOSTUNREACH"),
            (libc::EAGAIN, "EAGAIN"),
        ] {
            assert_eq!(super::name(i64::from(n)), Some(expected));
        }
        assert_eq!(super::describe(-9999), "errno 9999");
    }
}
