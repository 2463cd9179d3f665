//! C strings as the kernel writes them: NUL-padded byte arrays (`TASK_COMM_LEN`,
//! `IFNAMSIZ`).

/// A NUL-padded C string as text.
pub fn cstr(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
