//! Device procedures: attach, detach (by XML or alias) and update.

use super::convert::dom_in;
use super::Table;
use rvirt_rpc::protocol::remote::*;

pub fn register(t: &mut Table) {
    t.add::<DomainAttachDevice>(|c, a| dom_in(c, &a.dom)?.attach_device(&a.xml));
    t.add::<DomainAttachDeviceFlags>(|c, a| {
        dom_in(c, &a.dom)?.attach_device_flags(&a.xml, a.flags)
    });
    t.add::<DomainDetachDevice>(|c, a| dom_in(c, &a.dom)?.detach_device(&a.xml));
    t.add::<DomainDetachDeviceFlags>(|c, a| {
        dom_in(c, &a.dom)?.detach_device_flags(&a.xml, a.flags)
    });
    t.add::<DomainDetachDeviceAlias>(|c, a| {
        dom_in(c, &a.dom)?.detach_device_alias(&a.alias, a.flags)
    });
    t.add::<DomainUpdateDeviceFlags>(|c, a| {
        dom_in(c, &a.dom)?.update_device_flags(&a.xml, a.flags)
    });
}
