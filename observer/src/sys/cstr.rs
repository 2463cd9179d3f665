//! C strings as the kernel writes them: NUL-padded byte arrays (`TASK_COMM_LEN`,
//! `IFNAMSIZ`).

/// The bytes of a NUL-padded C string, up to its first NUL: exactly what the kernel holds
/// (any bytes, not always UTF-8).
pub fn cstr(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}
