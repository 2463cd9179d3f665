//! Fuzz the control-message walk: arbitrary bytes as `msg_control`. Every item must display, a
//! framing error must end the walk, and the typed messages must re-emit to the same walk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::cmsg::{cmsgs, raw_cmsgs, CmsgWriter};

fuzz_target!(|data: &[u8]| {
    let raw: Vec<_> = raw_cmsgs(data).collect();
    if let Some(pos) = raw.iter().position(Result::is_err) {
        assert_eq!(pos + 1, raw.len(), "a framing error ends the walk");
    }
    let typed: Vec<_> = cmsgs(data).flatten().collect();
    let mut out = vec![0u8; data.len() + 64 * typed.len() + 64];
    let mut w = CmsgWriter::new(&mut out);
    for c in &typed {
        let _ = c.to_string();
        w.push_cmsg(c).expect("room for every message");
    }
    let n = w.len();
    let again: Vec<_> = cmsgs(&out[..n])
        .collect::<Result<_, _>>()
        .expect("re-emitted walk");
    assert_eq!(again, typed);
});
