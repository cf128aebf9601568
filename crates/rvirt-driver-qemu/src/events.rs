//! libvirt's domain events as the QEMU driver raises them: lifecycle events with their
//! detail numbers (`virDomainEvent*DetailType`), reboots and device removal.

use rvirt_core::event::{DomainEventKind, Event, EventBus};
use rvirt_core::DomainRef;

/// Detail numbers of each lifecycle event type.
pub mod detail {
    pub mod defined {
        pub const ADDED: i32 = 0;
        pub const UPDATED: i32 = 1;
    }
    pub mod undefined {
        pub const REMOVED: i32 = 0;
    }
    pub mod started {
        pub const BOOTED: i32 = 0;
        pub const RESTORED: i32 = 2;
    }
    pub mod suspended {
        pub const PAUSED: i32 = 0;
        pub const IOERROR: i32 = 2;
        pub const WATCHDOG: i32 = 3;
        pub const RESTORED: i32 = 4;
        pub const API_ERROR: i32 = 6;
    }
    pub mod resumed {
        pub const UNPAUSED: i32 = 0;
    }
    pub mod stopped {
        pub const SHUTDOWN: i32 = 0;
        pub const DESTROYED: i32 = 1;
        pub const CRASHED: i32 = 2;
        pub const SAVED: i32 = 4;
        pub const FAILED: i32 = 5;
    }
    pub mod shutdown {
        pub const FINISHED: i32 = 0;
        pub const GUEST: i32 = 1;
        pub const HOST: i32 = 2;
    }
    pub mod crashed {
        pub const PANICKED: i32 = 0;
    }
}

/// The lifecycle event types, re-exported for callers of [`lifecycle_event`].
pub use rvirt_core::types::event::lifecycle as kind;

/// Queues a lifecycle event.
pub fn lifecycle_event(bus: &EventBus, dom: DomainRef, event: i32, detail: i32) {
    bus.emit(Event::Domain {
        dom,
        kind: DomainEventKind::Lifecycle { event, detail },
    });
}

/// Queues a reboot event.
pub fn reboot_event(bus: &EventBus, dom: DomainRef) {
    bus.emit(Event::Domain {
        dom,
        kind: DomainEventKind::Reboot,
    });
}

/// Queues a device-removed event (a hot-unplug QEMU completed).
pub fn device_removed_event(bus: &EventBus, dom: DomainRef, alias: String) {
    bus.emit(Event::Domain {
        dom,
        kind: DomainEventKind::DeviceRemoved { alias },
    });
}

/// Queues a device-added event.
pub fn device_added_event(bus: &EventBus, dom: DomainRef, alias: String) {
    bus.emit(Event::Domain {
        dom,
        kind: DomainEventKind::DeviceAdded { alias },
    });
}
