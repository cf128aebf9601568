//! The guest CPU: without a `<cpu>` model, QEMU's machine default (qemu64, qemu32) written
//! out explicitly with checks off, and the check level libvirt implies for each mode.

use crate::caps::QemuCaps;
use rvirt_core::Result;
use rvirt_xml::domain::cpu::{Cpu, CpuCheck, CpuFallback, CpuMatch, CpuMode};
use rvirt_xml::domain::{DomainDef, VirtType};

/// The CPU model QEMU uses for the machine when none is asked for: the QOM type of
/// `query-machines` without its `-ARCH-cpu` suffix.
fn machine_default_cpu(caps: &QemuCaps, machine: &str) -> Option<String> {
    let ty = caps.machine(machine)?.default_cpu_type.as_deref()?;
    let suffix = format!("-{}-cpu", crate::caps::qemu_target(&caps.arch));
    Some(ty.strip_suffix(&suffix).unwrap_or(ty).to_string())
}

/// Fills in the default CPU and the implied `check` / `migratable` values.
pub fn default_cpu(def: &mut DomainDef, caps: &QemuCaps) -> Result<()> {
    let wants_default = match &def.cpu {
        None => true,
        Some(c) => c.mode.unwrap_or(CpuMode::Custom) == CpuMode::Custom && c.model.is_none(),
    };
    if wants_default && super::machine::is_x86(def) {
        let machine = def.os.machine.clone().unwrap_or_default();
        if let Some(model) = machine_default_cpu(caps, &machine) {
            let cpu = def.cpu.get_or_insert_with(|| Box::new(Cpu::default()));
            if model == "host" {
                cpu.mode = Some(CpuMode::HostPassthrough);
            } else {
                cpu.check = Some(CpuCheck::None);
                cpu.mode = Some(CpuMode::Custom);
                cpu.matching = Some(CpuMatch::Exact);
                cpu.fallback = Some(CpuFallback::Forbid);
                cpu.model = Some(model);
            }
        }
    }
    let virt = def.virt_type;
    let Some(cpu) = def.cpu.as_deref_mut() else {
        return Ok(());
    };
    let mode = cpu.mode.unwrap_or(CpuMode::Custom);
    if mode == CpuMode::HostPassthrough && cpu.migratable.is_none() {
        cpu.migratable = Some(true);
    }
    if mode == CpuMode::Custom && cpu.model.is_none() {
        return Ok(());
    }
    if cpu.check.is_none() {
        cpu.check = Some(match mode {
            CpuMode::HostPassthrough | CpuMode::Maximum => CpuCheck::None,
            CpuMode::HostModel => CpuCheck::Partial,
            CpuMode::Custom if virt == VirtType::Qemu => CpuCheck::None,
            CpuMode::Custom => CpuCheck::Partial,
        });
    }
    Ok(())
}
