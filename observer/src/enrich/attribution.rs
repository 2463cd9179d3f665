//! [`Attribution`]: where an event came from beyond its namespace's inode, and
//! [`Attributions`], which hands out one per namespace name and cgroup.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use serde::Serialize;

use super::container::Container;
use super::name::{keep, Name};

/// Where an event came from beyond its namespace's inode: that namespace's name under
/// `/run/netns` (`ip netns add`), and for a task's event its cgroup (v2) and the container and
/// pod read from it (see [`crate::enrich::container`]). One pointer in every report, shared by the
/// events of one namespace and cgroup: reports are moved by the hundred thousand a second,
/// and four fields of their own made each one 64 bytes larger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attribution(Option<Held>);

#[derive(Debug, PartialEq, Eq)]
struct Attributed {
    netns_name: Option<Name>,
    container: Option<Arc<Container>>,
}

/// An [`Attributed`] kept for the life of the process (from [`Attributions`]: nothing to
/// count when a report is made or dropped, see `crate::enrich::name`), or shared and counted.
#[derive(Debug, Clone)]
enum Held {
    Kept(&'static Attributed),
    Shared(Arc<Attributed>),
}

impl Held {
    fn get(&self) -> &Attributed {
        match self {
            Held::Kept(attributed) => attributed,
            Held::Shared(attributed) => attributed,
        }
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.get(), other.get()) || self.get() == other.get()
    }
}

impl Eq for Held {}

impl Attribution {
    /// The attribution of a namespace's `netns_name` and a task's `container`.
    pub fn new(netns_name: Option<Name>, container: Option<Arc<Container>>) -> Self {
        if netns_name.is_none() && container.is_none() {
            return Attribution(None);
        }
        Attribution(Some(Held::Shared(Arc::new(Attributed {
            netns_name,
            container,
        }))))
    }

    fn attributed(&self) -> Option<&Attributed> {
        self.0.as_ref().map(Held::get)
    }

    /// The namespace's name under `/run/netns`.
    pub fn netns_name(&self) -> Option<&Name> {
        self.attributed()?.netns_name.as_ref()
    }

    fn container(&self) -> Option<&Container> {
        self.attributed()?.container.as_deref()
    }

    /// The task's cgroup v2 path.
    pub fn cgroup(&self) -> Option<&Name> {
        self.container().map(|c| &c.cgroup)
    }

    /// The container id read from the cgroup.
    pub fn container_id(&self) -> Option<&str> {
        self.container()?.id.as_deref()
    }

    /// The Kubernetes pod UID read from the cgroup.
    pub fn pod_uid(&self) -> Option<&str> {
        self.container()?.pod_uid.as_deref()
    }
}

/// As four fields of the event: `netns_name`, `cgroup`, `container_id`, `pod_uid`.
impl Serialize for Attribution {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("netns_name", &self.netns_name())?;
        map.serialize_entry("cgroup", &self.cgroup())?;
        map.serialize_entry("container_id", &self.container_id())?;
        map.serialize_entry("pod_uid", &self.pod_uid())?;
        map.end()
    }
}

/// How many distinct attributions (namespace name and cgroup) the process keeps for its life:
/// a few hundred bytes each with their strings. A host where containers come and go meets new
/// ones all the time; past the budget they are shared and counted.
pub const KEPT_ATTRIBUTIONS_MAX: usize = 4096;

/// Attributions kept so far (process-wide).
static KEPT: AtomicUsize = AtomicUsize::new(0);

/// Hands out one [`Attribution`] per namespace name and cgroup, kept for the life of the
/// process within [`KEPT_ATTRIBUTIONS_MAX`]: a report's copy of it is then a pointer copy.
/// Keyed by what it says, not by inode and cgroup id, which the kernel reuses.
#[derive(Default)]
pub struct Attributions {
    kept: HashMap<Key, &'static Attributed>,
}

/// What an attribution says: the namespace's name and the cgroup's path.
type Key = (Option<Name>, Option<Name>);

impl Attributions {
    /// The attribution of `netns_name` and `container`.
    pub fn get(
        &mut self,
        netns_name: Option<Name>,
        container: Option<Arc<Container>>,
    ) -> Attribution {
        self.get_within(netns_name, container, &KEPT, KEPT_ATTRIBUTIONS_MAX)
    }

    /// `get`, counting kept attributions in `kept` against a budget of `max`.
    fn get_within(
        &mut self,
        netns_name: Option<Name>,
        container: Option<Arc<Container>>,
        kept: &AtomicUsize,
        max: usize,
    ) -> Attribution {
        if netns_name.is_none() && container.is_none() {
            return Attribution(None);
        }
        let key = (netns_name, container.as_ref().map(|c| c.cgroup.clone()));
        if let Some(&attributed) = self.kept.get(&key) {
            return Attribution(Some(Held::Kept(attributed)));
        }
        let attributed = Box::new(Attributed {
            netns_name: key.0.clone(),
            container,
        });
        match keep(attributed, kept, max) {
            Ok(attributed) => {
                self.kept.insert(key, attributed);
                Attribution(Some(Held::Kept(attributed)))
            }
            Err(attributed) => Attribution(Some(Held::Shared(attributed.into()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kept_attribution_per_name_and_cgroup_then_shared_ones() {
        let kept = AtomicUsize::new(0);
        let mut attributions = Attributions::default();
        let docker = || {
            Some(Arc::new(Container::parse(
                "/system.slice/docker-0123.scope",
            )))
        };
        let mut get = |name: &str, container| {
            attributions.get_within(Some(Name::shared(name)), container, &kept, 2)
        };
        let a = get("red", None);
        let b = get("red", None);
        assert!(
            matches!((&a.0, &b.0), (Some(Held::Kept(x)), Some(Held::Kept(y))) if std::ptr::eq(*x, *y))
        );
        let c = get("red", docker());
        assert_ne!(a, c);
        assert_eq!(
            c.cgroup().map(Name::as_str),
            Some("/system.slice/docker-0123.scope")
        );
        // The budget (2) is spent: a third distinct attribution is shared, and says the same.
        let d = get("blue", None);
        assert!(matches!(d.0, Some(Held::Shared(_))));
        assert_eq!(d, Attribution::new(Some("blue".into()), None));
        assert_eq!(d.netns_name().map(Name::as_str), Some("blue"));
        assert_eq!(
            attributions.get(None, None),
            Attribution::default(),
            "nothing to attribute"
        );
    }
}
