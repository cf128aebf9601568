//! Domain procedures.

use super::convert::{c_chars, dom_in, dom_out, snap_in, snap_out};
use super::Table;
use crate::client::OpenedStream;
use rvirt_rpc::protocol::remote::*;

fn conn_list_max(max: i32) -> rvirt::Result<()> {
    if max > 16384 {
        return Err(crate::client::rpc_error("maxids > REMOTE_DOMAIN_LIST_MAX"));
    }
    Ok(())
}

pub fn register(t: &mut Table) {
    register_lookup(t);
    register_lifecycle(t);
    register_info(t);
    register_snapshots(t);
    register_streams(t);
}

/// Calls that open a stream: each makes the stream on the client's connection, lets the
/// public API attach the driver's end, and hands it to the client's stream table.
fn register_streams(t: &mut Table) {
    t.add_stream::<DomainScreenshot>(|c, a| {
        let st = c.conn()?.new_stream(0)?;
        let mime = dom_in(c, &a.dom)?.screenshot(&st, a.screen, a.flags)?;
        Ok((
            DomainScreenshotRet { mime: Some(mime) },
            OpenedStream::new(st, false),
        ))
    });
    t.add_stream::<DomainOpenConsole>(|c, a| {
        let st = c.conn()?.new_stream(0)?;
        dom_in(c, &a.dom)?.open_console(a.dev_name.as_deref(), &st, a.flags)?;
        Ok(((), OpenedStream::new(st, false)))
    });
    t.add_stream::<DomainOpenChannel>(|c, a| {
        let st = c.conn()?.new_stream(0)?;
        dom_in(c, &a.dom)?.open_channel(a.name.as_deref(), &st, a.flags)?;
        Ok(((), OpenedStream::new(st, false)))
    });
}

fn register_lookup(t: &mut Table) {
    t.add::<ConnectListAllDomains>(|c, a| {
        let doms = c.conn()?.list_all_domains(a.flags)?;
        let n = doms.len() as u32;
        let domains = if a.need_results != 0 {
            doms.iter().map(dom_out).collect()
        } else {
            Vec::new()
        };
        Ok(ConnectListAllDomainsRet { domains, ret: n })
    });
    t.add::<ConnectNumOfDomains>(|c, ()| {
        Ok(ConnectNumOfDomainsRet {
            num: c.conn()?.num_of_domains()?,
        })
    });
    t.add::<ConnectListDomains>(|c, a| {
        conn_list_max(a.maxids)?;
        Ok(ConnectListDomainsRet {
            ids: c.conn()?.list_domains(a.maxids)?,
        })
    });
    t.add::<ConnectNumOfDefinedDomains>(|c, ()| {
        Ok(ConnectNumOfDefinedDomainsRet {
            num: c.conn()?.num_of_defined_domains()?,
        })
    });
    t.add::<ConnectListDefinedDomains>(|c, a| {
        conn_list_max(a.maxnames)?;
        Ok(ConnectListDefinedDomainsRet {
            names: c.conn()?.list_defined_domains(a.maxnames)?,
        })
    });
    t.add::<DomainLookupById>(|c, a| {
        Ok(DomainLookupByIdRet {
            dom: dom_out(&c.conn()?.domain_lookup_by_id(a.id)?),
        })
    });
    t.add::<DomainLookupByName>(|c, a| {
        Ok(DomainLookupByNameRet {
            dom: dom_out(&c.conn()?.domain_lookup_by_name(&a.name)?),
        })
    });
    t.add::<DomainLookupByUuid>(|c, a| {
        Ok(DomainLookupByUuidRet {
            dom: dom_out(&c.conn()?.domain_lookup_by_uuid(&a.uuid)?),
        })
    });
}

fn register_lifecycle(t: &mut Table) {
    t.add::<DomainDefineXml>(|c, a| {
        Ok(DomainDefineXmlRet {
            dom: dom_out(&c.conn()?.domain_define_xml(&a.xml, 0)?),
        })
    });
    t.add::<DomainDefineXmlFlags>(|c, a| {
        Ok(DomainDefineXmlFlagsRet {
            dom: dom_out(&c.conn()?.domain_define_xml(&a.xml, a.flags)?),
        })
    });
    t.add::<DomainUndefine>(|c, a| dom_in(c, &a.dom)?.undefine());
    t.add::<DomainUndefineFlags>(|c, a| dom_in(c, &a.dom)?.undefine_flags(a.flags));
    t.add::<DomainCreateXml>(|c, a| {
        Ok(DomainCreateXmlRet {
            dom: dom_out(&c.conn()?.domain_create_xml(&a.xml_desc, a.flags)?),
        })
    });
    t.add::<DomainCreate>(|c, a| dom_in(c, &a.dom)?.create(0));
    t.add::<DomainCreateWithFlags>(|c, a| {
        let mut d = dom_in(c, &a.dom)?;
        d.create(a.flags)?;
        Ok(DomainCreateWithFlagsRet { dom: dom_out(&d) })
    });
    t.add::<DomainDestroy>(|c, a| dom_in(c, &a.dom)?.destroy(0));
    t.add::<DomainDestroyFlags>(|c, a| dom_in(c, &a.dom)?.destroy(a.flags));
    t.add::<DomainShutdown>(|c, a| dom_in(c, &a.dom)?.shutdown(0));
    t.add::<DomainShutdownFlags>(|c, a| dom_in(c, &a.dom)?.shutdown(a.flags));
    t.add::<DomainReboot>(|c, a| dom_in(c, &a.dom)?.reboot(a.flags));
    t.add::<DomainReset>(|c, a| dom_in(c, &a.dom)?.reset(a.flags));
    t.add::<DomainSuspend>(|c, a| dom_in(c, &a.dom)?.suspend());
    t.add::<DomainResume>(|c, a| dom_in(c, &a.dom)?.resume());
    t.add::<DomainSave>(|c, a| dom_in(c, &a.dom)?.save(&a.to, None, 0));
    t.add::<DomainSaveFlags>(|c, a| dom_in(c, &a.dom)?.save(&a.to, a.dxml.as_deref(), a.flags));
    t.add::<DomainRestore>(|c, a| c.conn()?.domain_restore(&a.from, None, 0));
    t.add::<DomainRestoreFlags>(|c, a| {
        c.conn()?
            .domain_restore(&a.from, a.dxml.as_deref(), a.flags)
    });
    t.add::<DomainSaveImageGetXmlDesc>(|c, a| {
        Ok(DomainSaveImageGetXmlDescRet {
            xml: c.conn()?.domain_save_image_get_xml_desc(&a.file, a.flags)?,
        })
    });
    t.add::<DomainManagedSave>(|c, a| dom_in(c, &a.dom)?.managed_save(a.flags));
    t.add::<DomainHasManagedSaveImage>(|c, a| {
        Ok(DomainHasManagedSaveImageRet {
            result: dom_in(c, &a.dom)?.has_managed_save_image(a.flags)? as i32,
        })
    });
    t.add::<DomainManagedSaveRemove>(|c, a| dom_in(c, &a.dom)?.managed_save_remove(a.flags));
}

fn register_info(t: &mut Table) {
    t.add::<DomainGetXmlDesc>(|c, a| {
        Ok(DomainGetXmlDescRet {
            xml: dom_in(c, &a.dom)?.xml_desc(a.flags)?,
        })
    });
    t.add::<DomainGetInfo>(|c, a| {
        let i = dom_in(c, &a.dom)?.info()?;
        Ok(DomainGetInfoRet {
            state: i.state as u32,
            max_mem: i.max_mem,
            memory: i.memory,
            nr_virt_cpu: i.nr_virt_cpu,
            cpu_time: i.cpu_time,
        })
    });
    t.add::<DomainGetState>(|c, a| {
        let d = dom_in(c, &a.dom)?;
        let (state, reason) = if a.flags == 0 {
            d.state()?
        } else {
            return Err(rvirt::Error::unsupported_flags(
                rvirt::ErrorDomain::DOMAIN,
                a.flags,
                "virDomainGetState",
            ));
        };
        Ok(DomainGetStateRet {
            state: state as i32,
            reason,
        })
    });
    t.add::<DomainGetOsType>(|c, a| {
        Ok(DomainGetOsTypeRet {
            r#type: dom_in(c, &a.dom)?.os_type()?,
        })
    });
    t.add::<DomainGetMaxMemory>(|c, a| {
        Ok(DomainGetMaxMemoryRet {
            memory: dom_in(c, &a.dom)?.max_memory()?,
        })
    });
    t.add::<DomainGetMaxVcpus>(|c, a| {
        Ok(DomainGetMaxVcpusRet {
            num: dom_in(c, &a.dom)?.max_vcpus()?,
        })
    });
    t.add::<DomainIsActive>(|c, a| {
        Ok(DomainIsActiveRet {
            active: dom_in(c, &a.dom)?.is_active()? as i32,
        })
    });
    t.add::<DomainIsPersistent>(|c, a| {
        Ok(DomainIsPersistentRet {
            persistent: dom_in(c, &a.dom)?.is_persistent()? as i32,
        })
    });
    t.add::<DomainIsUpdated>(|c, a| {
        Ok(DomainIsUpdatedRet {
            updated: dom_in(c, &a.dom)?.is_updated()? as i32,
        })
    });
    t.add::<DomainGetAutostart>(|c, a| {
        Ok(DomainGetAutostartRet {
            autostart: dom_in(c, &a.dom)?.autostart()? as i32,
        })
    });
    t.add::<DomainSetAutostart>(|c, a| dom_in(c, &a.dom)?.set_autostart(a.autostart != 0));
    t.add::<DomainGetSecurityLabel>(|c, a| {
        let l = dom_in(c, &a.dom)?.security_label()?;
        let label = if l.label.is_empty() {
            rvirt_rpc::xdr::CharArray(vec![0])
        } else {
            c_chars(&l.label)
        };
        Ok(DomainGetSecurityLabelRet {
            label,
            enforcing: l.enforcing as i32,
        })
    });
    t.add::<DomainGetMessages>(|c, a| {
        Ok(DomainGetMessagesRet {
            msgs: dom_in(c, &a.dom)?.messages(a.flags)?,
        })
    });
    t.add::<DomainSetMemory>(|c, a| dom_in(c, &a.dom)?.set_memory(a.memory));
    t.add::<DomainSetMaxMemory>(|c, a| dom_in(c, &a.dom)?.set_max_memory(a.memory));
    t.add::<DomainSetMemoryFlags>(|c, a| dom_in(c, &a.dom)?.set_memory_flags(a.memory, a.flags));
    t.add::<DomainSetVcpus>(|c, a| dom_in(c, &a.dom)?.set_vcpus(a.nvcpus));
    t.add::<DomainSetVcpusFlags>(|c, a| dom_in(c, &a.dom)?.set_vcpus_flags(a.nvcpus, a.flags));
    t.add::<DomainGetVcpusFlags>(|c, a| {
        Ok(DomainGetVcpusFlagsRet {
            num: dom_in(c, &a.dom)?.vcpus_flags(a.flags)?,
        })
    });
    t.add::<DomainGetMetadata>(|c, a| {
        Ok(DomainGetMetadataRet {
            metadata: dom_in(c, &a.dom)?.metadata(a.r#type, a.uri.as_deref(), a.flags)?,
        })
    });
    t.add::<DomainSetMetadata>(|c, a| {
        dom_in(c, &a.dom)?.set_metadata(
            a.r#type,
            a.metadata.as_deref(),
            a.key.as_deref(),
            a.uri.as_deref(),
            a.flags,
        )
    });
}

fn register_snapshots(t: &mut Table) {
    t.add::<DomainSnapshotCreateXml>(|c, a| {
        Ok(DomainSnapshotCreateXmlRet {
            snap: snap_out(&dom_in(c, &a.dom)?.snapshot_create_xml(&a.xml_desc, a.flags)?),
        })
    });
    t.add::<DomainSnapshotNum>(|c, a| {
        Ok(DomainSnapshotNumRet {
            num: dom_in(c, &a.dom)?.snapshot_num(a.flags)?,
        })
    });
    t.add::<DomainSnapshotListNames>(|c, a| {
        let snaps = dom_in(c, &a.dom)?.list_all_snapshots(a.flags)?;
        let names = snaps
            .iter()
            .take(a.maxnames.max(0) as usize)
            .map(|s| s.name().to_string())
            .collect();
        Ok(DomainSnapshotListNamesRet { names })
    });
    t.add::<DomainListAllSnapshots>(|c, a| {
        let snaps = dom_in(c, &a.dom)?.list_all_snapshots(a.flags)?;
        let n = snaps.len() as i32;
        let snapshots = if a.need_results != 0 {
            snaps.iter().map(snap_out).collect()
        } else {
            Vec::new()
        };
        Ok(DomainListAllSnapshotsRet { snapshots, ret: n })
    });
    t.add::<DomainSnapshotLookupByName>(|c, a| {
        Ok(DomainSnapshotLookupByNameRet {
            snap: snap_out(&dom_in(c, &a.dom)?.snapshot_lookup_by_name(&a.name, a.flags)?),
        })
    });
    t.add::<DomainHasCurrentSnapshot>(|c, a| {
        Ok(DomainHasCurrentSnapshotRet {
            result: dom_in(c, &a.dom)?.has_current_snapshot(a.flags)? as i32,
        })
    });
    t.add::<DomainSnapshotCurrent>(|c, a| {
        Ok(DomainSnapshotCurrentRet {
            snap: snap_out(&dom_in(c, &a.dom)?.snapshot_current(a.flags)?),
        })
    });
    t.add::<DomainSnapshotGetXmlDesc>(|c, a| {
        Ok(DomainSnapshotGetXmlDescRet {
            xml: snap_in(c, &a.snap)?.xml_desc(a.flags)?,
        })
    });
    t.add::<DomainRevertToSnapshot>(|c, a| snap_in(c, &a.snap)?.revert(a.flags));
    t.add::<DomainSnapshotDelete>(|c, a| snap_in(c, &a.snap)?.delete(a.flags));
}
