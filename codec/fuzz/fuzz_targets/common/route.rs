//! What the routing-socket fuzz targets share: reading everything a sockaddr offers.

use sockabi::route::Sockaddr;

/// Calls every accessor of `sockaddr`, so that a panic in any of them shows.
pub fn touch(sockaddr: &Sockaddr<'_>) {
    let _ = (sockaddr.ip(), sockaddr.scope_id());
    if let Some(link) = sockaddr.link() {
        let _ = (
            link.index(),
            link.name_str(),
            link.lladdr(),
            link.selector(),
        );
    }
}
