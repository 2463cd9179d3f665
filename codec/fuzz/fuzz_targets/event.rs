//! Fuzzes the ring-buffer record parser: any bytes are a candidate record. Parsing and every
//! accessor of what it returns must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockabi::event::Event;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = Event::parse(data) else {
        return;
    };
    let header = event.header();
    let _ = (header.kind.get(), header.ts_ns.get(), header.comm);
    match event {
        Event::Sockopt(e) => {
            let _ = e.optval();
        }
        Event::Route(e) => {
            let _ = (e.dst, e.dev, e.err.get());
        }
        Event::Ioctl(e) => {
            let _ = e.arg();
        }
        Event::Cmsg(e) => {
            let _ = (e.control(), e.name());
        }
        Event::Route6(e) => {
            let _ = (e.dst, e.gw, e.dev, e.err.get(), e.miss);
        }
    }
});
